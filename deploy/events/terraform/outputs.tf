output "queue_url" {
  description = "The operator's --events-queue-url (chart value events.queueUrl)."
  value       = aws_sqs_queue.events.id
}

output "queue_arn" {
  description = "The queue's ARN: the resource of the operator's SQS permissions."
  value       = aws_sqs_queue.events.arn
}

output "api_calls_rule_arn" {
  value = aws_cloudwatch_event_rule.api_calls.arn
}

output "forwarding_rule_arn" {
  description = "The us-east-1 rule forwarding Organizations calls (null when the home region is us-east-1)."
  value       = one(aws_cloudwatch_event_rule.organizations[*].arn)
}

output "operator_policy_json" {
  description = "IAM policy statement(s) to add to the operator's role (docs/iam.md)."
  value = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "EventsQueue"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      Resource = aws_sqs_queue.events.arn
    }]
  })
}
