"""Habla: a self-hostable AI language tutor that lives in a messaging app."""

__version__ = "0.1.0"
