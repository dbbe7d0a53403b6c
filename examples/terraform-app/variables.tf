variable "stage" {
  type    = string
  default = "dev"
}

variable "stripe_api_key" {
  type      = string
  sensitive = true
}
