"""A learner and what the tutor knows about them (the profile grows with the memory work)."""

from __future__ import annotations

from dataclasses import dataclass, field

from habla.domain.profile import Profile  # noqa: F401  (a learner's profile; its rules live beside it)


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
    path: str | None = None  # how the tutor wrote it: "structured" or "free_text"; None when no model did


BLOCKED_KEY = "blocked"  # set by the operator from the dashboard: {"at": epoch seconds}


def is_blocked(profile: Profile) -> bool:
    return bool((profile.model_extra or {}).get(BLOCKED_KEY))
