terraform {
  required_version = ">= 1.3"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
      # `aws` is the operator's home region; `aws.us_east_1` is where Organizations API
      # calls reach EventBridge. The caller passes both (see README.md).
      configuration_aliases = [aws.us_east_1]
    }
  }
}
