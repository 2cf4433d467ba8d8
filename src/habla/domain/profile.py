"""What the tutor remembers about a learner between sessions, and the pure rules that change it.

The memory agent asks the LLM for a ``ProfileUpdate`` (JSON) and merges it with ``merge_update``. Two rules
keep the profile trustworthy:

- all or nothing: the answer is asked for with ``LLMRouter.complete_json`` and validated whole against
  ``ProfileUpdate``; one that does not validate is dropped, so a garbled, truncated or partial answer never
  reaches the profile;
- facts have validity: a fact is one value of one attribute (``home_city``); a newer, different value ends
  the current one (``until`` set) instead of standing beside it, and the old one is kept as history.

Everything is bounded (vocabulary, examples, topics, fact history), so the profile stays small however long
a learner stays.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from habla.domain.onboarding import OnboardingState

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
MAX_VOCABULARY = 2000
MAX_ERROR_CATEGORIES = 100
MAX_EXAMPLES = 3
MAX_TOPICS = 20
MAX_GOALS = 10
MAX_SUPERSEDED_FACTS = 50
FACT_KEY = r"^[a-z][a-z0-9_]{0,39}$"


class Fact(BaseModel):
    """One attribute's value over a period: current while ``until`` is None."""

    key: str
    value: str
    since: float
    until: float | None = None


class LevelChange(BaseModel):
    """One step of the learner's CEFR history: the level, when, and why (placement, estimate, "easier")."""

    level: str
    at: float
    reason: str


Strictness = Literal["gentle", "normal", "strict"]
STRICTNESS_ORDER: tuple[Strictness, ...] = ("gentle", "normal", "strict")
MAX_LEVEL_HISTORY = 100


class WordStat(BaseModel):
    exposures: int = 0
    last_seen: float = 0.0


class ErrorStat(BaseModel):
    count: int = 0
    examples: list[str] = Field(default_factory=list)  # latest first
    last_seen: float = 0.0


# ---- what the LLM may answer -------------------------------------------------------------------------------

_Short = Field(min_length=1, max_length=200)


class FactUpdate(BaseModel):
    key: str = Field(pattern=FACT_KEY)
    value: str = _Short


class ErrorUpdate(BaseModel):
    category: str = Field(min_length=1, max_length=60)
    example: str = Field(default="", max_length=200)


class MemoryNote(BaseModel):
    """A summary or a key learning moment, written in English (the pivot language of recall)."""

    text: str = Field(min_length=1, max_length=1200)
    # search words in English, the target and the native language, so a question in either finds it
    keywords: list[str] = Field(default_factory=list, max_length=30)
    importance: int = Field(default=1, ge=1, le=3)


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
    # the tutor (habla.pedagogy): which corrections are shown, in which language they are explained, and
    # how the level got where it is (oldest first, bounded by MAX_LEVEL_HISTORY)
    strictness: Strictness = "normal"
    explanation_language: str | None = None  # None: the native language
    level_history: list[LevelChange] = Field(default_factory=list)
    # the questions that ride along with the first replies (habla.pedagogy.onboarding)
    onboarding: OnboardingState = Field(default_factory=OnboardingState)


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    level: Literal["A1", "A2", "B1", "B2", "C1", "C2"] | None = None
    vocabulary: list[str] = Field(default_factory=list, max_length=100)
    errors: list[ErrorUpdate] = Field(default_factory=list, max_length=30)
    topics: list[str] = Field(default_factory=list, max_length=10)
    interests: list[str] = Field(default_factory=list, max_length=10)
    goals: list[str] = Field(default_factory=list, max_length=10)
    facts: list[FactUpdate] = Field(default_factory=list, max_length=20)
    timezone: str | None = Field(default=None, pattern=r"^[A-Za-z]+(/[A-Za-z0-9_+\-]+){0,2}$|^UTC$")
    reminder_times: list[str] = Field(default_factory=list, max_length=5)
    summary: MemoryNote | None = None
    moments: list[MemoryNote] = Field(default_factory=list, max_length=5)

    @field_validator("level", mode="before")
    @classmethod
    def _upper_level(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("reminder_times")
    @classmethod
    def _clock_times(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
                raise ValueError(f"not an HH:MM time: {value!r}")
        return values

    @field_validator("vocabulary", "topics", "interests", "goals")
    @classmethod
    def _short_strings(cls, values: list[str]) -> list[str]:
        if any(not value.strip() or len(value) > 200 for value in values):
            raise ValueError("items must be non-empty and at most 200 characters")
        return values


class SessionFold(BaseModel):
    """The summariser's answer: the running summary of older messages and the current topic."""

    summary: str = Field(min_length=1, max_length=1500)
    topic: str | None = Field(default=None, max_length=120)


# ---- merging -----------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.strip().split()).casefold()


def merge_update(profile: Profile, update: ProfileUpdate, now: float) -> Profile:
    """A new profile with the update applied; ``profile`` itself is not changed."""
    # ``update.level`` is not applied: the level has one owner with a history (habla.pedagogy.level), the
    # running estimate from the learner's own writing and their placement and easier/harder choices
    merged = profile.model_copy(deep=True)
    merged.vocabulary = _merge_vocabulary(merged.vocabulary, update.vocabulary, now)
    merged.errors = _merge_errors(merged.errors, update.errors, now)
    merged.topics = _merge_list(merged.topics, update.topics, MAX_TOPICS)
    merged.interests = _merge_list(merged.interests, update.interests, MAX_TOPICS)
    merged.goals = _merge_list(merged.goals, update.goals, MAX_GOALS)
    merged.facts = merge_facts(merged.facts, update.facts, now)
    if update.timezone:
        merged.timezone = update.timezone
    if update.reminder_times:  # an empty list means "not mentioned", never "clear my reminders"
        merged.reminder_times = sorted(set(update.reminder_times))
    return merged


def merge_facts(facts: list[Fact], updates: list[FactUpdate], now: float) -> list[Fact]:
    """Supersede, don't stack: a new value for a key ends the current one, which stays as history."""
    result = [fact.model_copy() for fact in facts]
    for update in updates:
        value = " ".join(update.value.split())
        current = [fact for fact in result if fact.key == update.key and fact.until is None]
        if any(_norm(fact.value) == _norm(value) for fact in current):
            continue  # the learner repeated what we knew
        for fact in current:
            fact.until = now
        result.append(Fact(key=update.key, value=value, since=now))
    superseded = [fact for fact in result if fact.until is not None]
    if len(superseded) > MAX_SUPERSEDED_FACTS:
        dropped = {id(fact) for fact in sorted(superseded, key=lambda f: f.until or 0)[: len(superseded) - MAX_SUPERSEDED_FACTS]}
        result = [fact for fact in result if id(fact) not in dropped]
    return result


def current_facts(facts: list[Fact]) -> dict[str, str]:
    return {fact.key: fact.value for fact in facts if fact.until is None}


def _merge_vocabulary(vocabulary: dict[str, WordStat], words: list[str], now: float) -> dict[str, WordStat]:
    result = {word: stat.model_copy() for word, stat in vocabulary.items()}
    for word in {_norm(word) for word in words}:
        stat = result.setdefault(word, WordStat())
        stat.exposures += 1
        stat.last_seen = now
    if len(result) > MAX_VOCABULARY:  # forget the words not seen for longest
        keep = sorted(result.items(), key=lambda item: item[1].last_seen, reverse=True)[:MAX_VOCABULARY]
        result = dict(keep)
    return result


def _merge_errors(errors: dict[str, ErrorStat], updates: list[ErrorUpdate], now: float) -> dict[str, ErrorStat]:
    result = {category: stat.model_copy(deep=True) for category, stat in errors.items()}
    for update in updates:
        category = "_".join(_norm(update.category).split())
        stat = result.setdefault(category, ErrorStat())
        stat.count += 1
        stat.last_seen = now
        example = update.example.strip()
        if example:
            stat.examples = [example, *[e for e in stat.examples if e != example]][:MAX_EXAMPLES]
    if len(result) > MAX_ERROR_CATEGORIES:
        keep = sorted(result.items(), key=lambda item: (item[1].count, item[1].last_seen), reverse=True)
        result = dict(keep[:MAX_ERROR_CATEGORIES])
    return result


def _merge_list(existing: list[str], new: list[str], cap: int) -> list[str]:
    """Most recent last; a repeated item moves to the end instead of appearing twice."""
    result = list(existing)
    for item in new:
        item = " ".join(item.split())
        result = [other for other in result if _norm(other) != _norm(item)]
        result.append(item)
    return result[-cap:]
