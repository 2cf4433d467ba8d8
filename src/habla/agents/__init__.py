"""Agents: each handles one kind of bus message, idempotently, with `async def handle(envelope, services)`."""
