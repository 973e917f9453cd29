# EventBridge → SQS triggers for orgtrail-operator (docs/events.md). Same resources as
# ../cloudformation.yaml and ../setup-cli.sh; the event patterns are read from the files
# the operator itself checks its event mapping against.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "home" {}
data "aws_region" "us_east_1" {
  provider = aws.us_east_1
}

locals {
  # `id` is the region name in provider v5 and v6 alike (`region` exists from v6 on,
  # where `name` is deprecated); a deprecation warning at most.
  home_region = data.aws_region.home.id
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition

  # Organizations calls reach EventBridge in us-east-1 only. With the operator there the
  # home rule matches them directly; anywhere else a us-east-1 rule forwards them.
  forward_organizations = local.home_region != "us-east-1"

  home_bus_arn = "arn:${local.partition}:events:${local.home_region}:${local.account_id}:event-bus/default"
}

# ------------------------------------------------------------------ home region

resource "aws_sqs_queue" "events" {
  name = var.queue_name
  # SSE-SQS: encrypted at rest without a customer key, so neither the operator nor
  # EventBridge needs KMS permissions.
  sqs_managed_sse_enabled = true
  # Hints to re-read AWS; after a day the periodic resync has long covered them.
  message_retention_seconds = 86400
  receive_wait_time_seconds = 20
  tags                      = var.tags
}

resource "aws_cloudwatch_event_rule" "api_calls" {
  name          = "orgtrail-operator-api-calls"
  description   = "CloudTrail and Organizations API calls that can change what orgtrail-operator manages."
  event_pattern = file("${path.module}/../event-pattern.json")
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "queue" {
  rule      = aws_cloudwatch_event_rule.api_calls.name
  target_id = "orgtrail-operator-queue"
  arn       = aws_sqs_queue.events.arn
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # Only our rule may send, so nothing else can feed the operator made-up hints.
      Sid       = "OrgtrailOperatorRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.events.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.api_calls.arn } }
    }]
  })
}

# ------------------------------------------------------------------ us-east-1

resource "aws_iam_role" "forwarding" {
  count       = local.forward_organizations ? 1 : 0
  provider    = aws.us_east_1
  name_prefix = "orgtrail-operator-events-"
  description = "Lets the orgtrail-operator-organizations rule put events on the home region's default bus."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        # Built from the name: the rule's target refers to this role already.
        ArnEquals = { "aws:SourceArn" = "arn:${local.partition}:events:us-east-1:${local.account_id}:rule/orgtrail-operator-organizations" }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "forwarding" {
  count    = local.forward_organizations ? 1 : 0
  provider = aws.us_east_1
  name     = "put-events-on-home-bus"
  role     = aws_iam_role.forwarding[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "events:PutEvents"
      Resource = local.home_bus_arn
    }]
  })
}

resource "aws_cloudwatch_event_rule" "organizations" {
  count         = local.forward_organizations ? 1 : 0
  provider      = aws.us_east_1
  name          = "orgtrail-operator-organizations"
  description   = "Organizations API calls that concern orgtrail-operator, forwarded to its home region's default event bus."
  event_pattern = file("${path.module}/../organizations-pattern.json")
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = data.aws_region.us_east_1.id == "us-east-1"
      error_message = "The aws.us_east_1 provider must be configured for region us-east-1: Organizations API calls reach EventBridge there only."
    }
  }
}

resource "aws_cloudwatch_event_target" "home_bus" {
  count     = local.forward_organizations ? 1 : 0
  provider  = aws.us_east_1
  rule      = aws_cloudwatch_event_rule.organizations[0].name
  target_id = "home-event-bus"
  # A cross-region event bus target: EventBridge's way of moving events between
  # regions (an SQS target must be in the rule's own region).
  arn      = local.home_bus_arn
  role_arn = aws_iam_role.forwarding[0].arn
}
