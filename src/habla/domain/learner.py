"""A learner and what the tutor knows about them (the profile grows with the memory work)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict


class Profile(BaseModel):
    """Stored as JSON (JSONB on Postgres). Unknown keys are kept so newer code never loses older data."""

    model_config = ConfigDict(extra="allow")

    target_language: str = "es"
    native_language: str = "en"
    level: str = "A2"


@dataclass
class Learner:
    id: str
    channel: str
    address: str
    profile: Profile = field(default_factory=Profile)


@dataclass
class Turn:
    """One exchange: what the learner said and what the tutor answered."""

    id: str
    learner_id: str
    inbound_key: str
    user_text: str
    reply_text: str
    tier: str | None = None
    created_at: float = 0.0
