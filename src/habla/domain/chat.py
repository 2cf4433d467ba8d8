"""What a model conversation is made of, as plain data: messages, tiers, and the record of a call.

Pure: the prompt builders in domain/ make ChatMessages and storage records CallRecords without knowing
any provider; the LLM port (llm/base.py) speaks in these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]
Tier = Literal["fast", "smart"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    model: str
    first_token_at: float | None = None  # perf_counter() when the first token arrived (streaming providers)


@dataclass(frozen=True)
class CallRecord:
    """What the router notes about each attempt: the basis of cost accounting."""

    tier: Tier
    provider: str
    model: str
    ok: bool
    tokens_in: int
    tokens_out: int
    latency_ms: float
    error: str | None = None
    learner_id: str | None = None
