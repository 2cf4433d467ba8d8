"""The bus: how work crosses from the webhook to the agents and between agents."""
