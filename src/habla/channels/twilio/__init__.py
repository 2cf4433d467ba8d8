"""Twilio WhatsApp: the webhook (webhook.py), the Messages API channel (channel.py), media for Twilio to fetch (outbox.py)."""
