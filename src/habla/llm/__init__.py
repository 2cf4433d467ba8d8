"""Language model providers and the router that picks a tier, retries and falls back."""
