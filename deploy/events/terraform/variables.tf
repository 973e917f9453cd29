variable "queue_name" {
  description = "Name of the SQS queue the operator long-polls (its --events-queue-url points here)."
  type        = string
  default     = "orgtrail-operator-events"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "An SQS queue name: 1 to 80 letters, digits, hyphens or underscores."
  }
}

variable "tags" {
  description = "Tags for the queue, the rules and the forwarding role."
  type        = map(string)
  default     = {}
}
