stage          = "prod"
stripe_api_key = "sk_live_51HxT7rKq9vZbN3mWp2Lc8YdQ4"
