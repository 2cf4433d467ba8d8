"""Onboarding that rides along: the few questions a new learner is asked, one at a time, appended to the
tutor's ordinary replies, and the pure rules that read their answers. Nothing waits on a question: one the
learner does not answer is asked once more later (after the others had their turn), then dropped.

State machine (``OnboardingState``): each question is *open* until answered, skipped or asked MAX_ASKS times;
``pending`` names the question on the learner's screen. The next message either answers it (handled, or for
the free-text questions recorded and then also answered as conversation) or does not (``pending`` cleared,
the message is ordinary conversation). The next reply carries the open question asked fewest times, in order.
"""

from __future__ import annotations

import re
from typing import Callable

from pydantic import BaseModel, Field

from habla.domain.placement import PlacementState

QUESTIONS = ("languages", "placement", "goals", "interests", "reminder")
MAX_ASKS = 2
SUPPORTED = ("en", "es", "fr", "it", "pt", "de")


class OnboardingState(BaseModel):
    asked: dict[str, int] = Field(default_factory=dict)  # question -> times it rode along
    closed: dict[str, str] = Field(default_factory=dict)  # question -> "answered" | "skipped" | "dropped"
    pending: str | None = None  # the question the learner was just asked
    # its buttons, so a reply resent after a crash (a redelivered turn) shows them again
    pending_choices: list[str] = Field(default_factory=list)
    guess_native: str | None = None  # from the phone's country code, else the first message
    guess_target: str | None = None
    guess_timezone: str | None = None  # IANA, from the country code
    placement: PlacementState = Field(default_factory=PlacementState)
    # the last answer given, so a redelivered message gets the same reply, not a second grading
    last_message_id: str | None = None
    last_reply: str | None = None
    last_choices: list[str] = Field(default_factory=list)

    @property
    def guessed(self) -> bool:
        return self.guess_native is not None


def speaks(state: OnboardingState, native: str, target: str) -> tuple[str, str]:
    """(native, target) to talk in: the guesses until the learner answered the languages question, then
    the profile's (which the answer set)."""
    if state.closed.get("languages") == "answered" or not state.guessed:
        return native, target
    return state.guess_native or native, state.guess_target or target


def next_question(state: OnboardingState, available: Callable[[str], bool] = lambda _: True) -> str | None:
    """The open question asked fewest times (in QUESTIONS order), or None when onboarding is over."""
    open_ = [q for q in QUESTIONS if q not in state.closed and state.asked.get(q, 0) < MAX_ASKS and available(q)]
    return min(open_, key=lambda q: (state.asked.get(q, 0), QUESTIONS.index(q)), default=None)


def close_exhausted(state: OnboardingState) -> None:
    """Questions asked MAX_ASKS times and not answered are dropped: never asked again."""
    for question, times in state.asked.items():
        if times >= MAX_ASKS and question not in state.closed and state.pending != question:
            state.closed[question] = "dropped"


# ---- reading answers ---------------------------------------------------------------------------------------

_SKIP = {"skip", "later", "no", "no thanks", "not now", "saltar", "luego", "más tarde", "mas tarde", "no gracias",
         "passer", "plus tard", "non", "non merci", "salta", "dopo", "più tardi", "no grazie", "pular", "depois",
         "mais tarde", "não", "nao", "não obrigado", "überspringen", "später", "nein", "nein danke"}
_YES = {"yes", "yeah", "yep", "right", "correct", "ok", "okay", "sure", "sí", "si", "claro", "correcto", "vale",
        "exacto", "oui", "d'accord", "exact", "certo", "esatto", "giusto", "sim", "isso", "ja", "genau", "richtig",
        "stimmt", "👍", "✅"}


def _said(text: str) -> str:
    return " ".join(re.sub(r"[.!¡¿?,;]+", " ", text).split()).casefold()


def is_skip(text: str) -> bool:
    return _said(text) in _SKIP


def is_yes(text: str) -> bool:
    said = _said(text)
    return said in _YES or any(said.startswith(word + " ") for word in _YES if word.isalpha() and len(word) > 2)


def language_named(text: str, names: dict[str, dict[str, str]]) -> str | None:
    """A supported language the text names ("Spanish", "quiero aprender francés"); ``names`` maps a language
    code to its names in several languages (babel's, from the caller)."""
    said = _said(text)
    for code, spelled in names.items():
        if any(re.search(rf"\b{re.escape(name.casefold())}\b", said) for name in spelled.values()):
            return code
    return None


def guess_written_language(text: str, frequency: Callable[[str, str], float]) -> str | None:
    """The supported language the text is most likely written in: the summed word frequencies (Zipf) per
    language; None for text too short or ambiguous to tell."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if not words:
        return None
    scores = {language: sum(frequency(word, language) for word in words) for language in SUPPORTED}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, runner_up = ranked[0], ranked[1]
    return best[0] if best[1] > 0 and best[1] > runner_up[1] * 1.05 else None


def guess_pair(written: str | None, phone_language: str | None, default_target: str) -> tuple[str, str]:
    """(native, target): the phone's country says the native language, the first message the other one when
    it differs (someone in the US writing Spanish is practising Spanish)."""
    native = phone_language or written or "en"
    if written and written != native:
        return native, written
    if default_target != native:
        return native, default_target
    return native, "en" if native != "en" else "es"


def pick_timezone(zones: tuple[str, ...] | list[str]) -> str | None:
    """Of a country code's zones, the mainland one (Madrid, not the Canaries): the likelier guess, confirmed
    by the learner when asked for a reminder time."""
    known = [zone for zone in zones if "/" in zone]
    mainland = [zone for zone in known if zone.split("/")[0] in {"Europe", "America", "Asia", "Africa", "Australia"}]
    return (mainland or known or [None])[-1]


_CLOCK = re.compile(r"\b(2[0-3]|[01]?\d)(?:[:h.]([0-5]\d))?\s*(am|pm|a\.m\.|p\.m\.|h\b|uhr)?", re.IGNORECASE)


def parse_clock(text: str) -> str | None:
    """"8", "8:30", "20h", "7pm", "19.45 Uhr" → "HH:MM"; None when the text names no clock time."""
    said = text.casefold()
    if not re.search(r"\d", said):
        return None
    match = _CLOCK.search(said)
    if match is None:
        return None
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").replace(".", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    elif not suffix and 1 <= hour <= 11 and re.search(r"\b(tarde|noche|evening|night|soir|nuit|sera|notte|noite|abend|abends|nachmittags)\b", said):
        hour += 12
    return f"{hour:02d}:{minute:02d}"


def free_text_answer(text: str) -> str | None:
    """The goals/interests answer as stored: one trimmed line, bounded; None for a question back (that is
    conversation, not an answer)."""
    line = " ".join(text.split())
    if not line or "?" in line or len(line) > 200:
        return None
    return line
