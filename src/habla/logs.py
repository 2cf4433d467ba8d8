"""Logging set-up: one line per event on stderr; learner ids hashed, message text only at DEBUG."""

from __future__ import annotations

import logging
import sys


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log request URLs or bodies at INFO stay at WARNING: URLs can carry phone numbers.
    for noisy in ("httpx", "httpcore", "openai", "anthropic", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
