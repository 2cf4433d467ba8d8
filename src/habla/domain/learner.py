"""A learner and what the tutor knows about them (the profile grows with the memory work)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from habla.domain.profile import ErrorStat, Fact, WordStat


class Profile(BaseModel):
    """Stored as JSON (JSONB on Postgres). Unknown keys are kept so newer code never loses older data.

    Every field has a default, so profiles written before a field existed load unchanged. The memory agent
    changes them only through ``domain.profile.merge_update``.
    """

    model_config = ConfigDict(extra="allow")

    target_language: str = "es"
    native_language: str = "en"
    level: str = "A2"
    vocabulary: dict[str, WordStat] = Field(default_factory=dict)  # word -> exposures, last seen
    errors: dict[str, ErrorStat] = Field(default_factory=dict)  # category -> count, latest examples
    topics: list[str] = Field(default_factory=list)  # recently talked about, most recent last
    interests: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)  # current (until None) and superseded
    timezone: str | None = None  # IANA name
    reminder_times: list[str] = Field(default_factory=list)  # "HH:MM", learner's local time
    payment_status: str = "free"  # the billing agent's to change
    memory_cursor: float = 0.0  # created_at of the last turn the memory agent has read


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


BLOCKED_KEY = "blocked"  # set by the operator from the dashboard: {"at": epoch seconds}


def is_blocked(profile: Profile) -> bool:
    return bool((profile.model_extra or {}).get(BLOCKED_KEY))
