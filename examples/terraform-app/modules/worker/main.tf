variable "name" {
  type = string
}

variable "queue_name" {
  type = string
}

resource "aws_sqs_queue" "jobs" {
  name = var.queue_name
}

resource "aws_iam_role" "worker" {
  name = "${var.name}-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
  inline_policy {
    name = "queue"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = aws_sqs_queue.jobs.arn
      }]
    })
  }
}

resource "aws_lambda_function" "worker" {
  function_name = var.name
  handler       = "worker.handler"
  runtime       = "nodejs22.x"
  filename      = "${path.module}/build/worker.zip"
  role          = aws_iam_role.worker.arn
  tracing_config {
    mode = "Active"
  }
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
  batch_size       = 10
}

output "queue_url" {
  value = aws_sqs_queue.jobs.id
}
