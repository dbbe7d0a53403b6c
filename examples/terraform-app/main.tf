# payments: a Terraform-deployed serverless app written for slsguard, with a few deliberate
# security problems (see examples/README.md). Do not deploy it.
terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = "~> 5.0" }
    archive = { source = "hashicorp/archive", version = "~> 2.4" }
  }
}

locals {
  name = "payments-${var.stage}"
  tags = { app = "payments", stage = var.stage }
}

data "archive_file" "payments" {
  type        = "zip"
  source_dir  = "${path.module}/src/payments"
  output_path = "${path.module}/build/payments.zip"
}

resource "aws_lambda_function" "charge" {
  function_name    = "${local.name}-charge"
  filename         = data.archive_file.payments.output_path
  source_code_hash = data.archive_file.payments.output_base64sha256
  handler          = "handler.charge"
  runtime          = "python3.9"
  role             = aws_iam_role.payments.arn
  timeout          = 30

  environment {
    variables = {
      TABLE_NAME     = aws_dynamodb_table.payments.name
      STRIPE_API_KEY = var.stripe_api_key
      DB_PASSWORD    = data.aws_ssm_parameter.db_password.value
    }
  }

  tracing_config {
    mode = "Active"
  }
  tags = local.tags
}

resource "aws_lambda_function" "refund" {
  function_name = "${local.name}-refund"
  filename      = data.archive_file.payments.output_path
  handler       = "handler.refund"
  runtime       = "python3.12"
  role          = aws_iam_role.payments.arn
  tags          = local.tags
}

resource "aws_lambda_function_url" "charge" {
  function_name      = aws_lambda_function.charge.function_name
  authorization_type = "NONE"
}

resource "aws_cloudwatch_log_group" "charge" {
  name              = "/aws/lambda/${aws_lambda_function.charge.function_name}"
  retention_in_days = 30
}

resource "aws_dynamodb_table" "payments" {
  name         = "${local.name}-payments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

data "aws_ssm_parameter" "db_password" {
  name = "/payments/${var.stage}/db-password"
}

module "receipts" {
  source     = "./modules/worker"
  name       = "${local.name}-receipts"
  queue_name = "${local.name}-receipts"
}
