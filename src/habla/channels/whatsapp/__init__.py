"""WhatsApp Cloud API: the webhook (webhook.py), the Graph API contract (graph_api.py), the channel (channel.py)."""
