"""Transports. Each module verifies and parses what arrives and sends what goes out; no web framework here."""
