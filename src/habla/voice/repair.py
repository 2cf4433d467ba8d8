"""When the model is unsure of a note, the LLM repairs the transcript from the conversation around it.

It fixes what the *recogniser* got wrong (a word that makes no sense where a likely one fits), never what
the *learner* got wrong: the tutor must still see and correct the learner's own mistakes.

A repair must stay close to what the recogniser heard, or the raw transcript is kept: a model that answers
with chat text ("¡Muy bien! … Sigamos practicando.") would otherwise put words in the learner's mouth, and
the tutor would answer them. Close means, word by word (Levenshtein alignment): most words kept, at most
``MAX_EDIT_SHARE`` of them changed, few words added or dropped, and every changed word sounding like the
one it replaces (spelling similarity, after accents and case are folded).
"""

from __future__ import annotations

import logging
import math
from difflib import SequenceMatcher

from habla.domain.learner import Turn
from habla.domain.prompts import language_name
from habla.errors import LLMError
from habla.domain.chat import ChatMessage
from habla.voice.pronunciation import align, words

log = logging.getLogger(__name__)

MAX_GROWTH = 1.6  # a repair more than this many times longer (in words) than the transcript is refused
MAX_EDIT_SHARE = 0.34  # of the transcript's words that a repair may change (substitute, add or drop)
MAX_ADDED_OR_DROPPED_SHARE = 0.2  # misrecognition swaps words far more often than it loses or invents them
MIN_SOUND_ALIKE = 0.5  # spelling similarity of a substituted word to the one it replaces ("beso" → "peso": 0.75)
CONTEXT_TURNS = 4


def repair_messages(transcript: str, language: str, recent: list[Turn]) -> list[ChatMessage]:
    context = "\n".join(f"Learner: {turn.user_text}\nTutor: {turn.reply_text}" for turn in recent[-CONTEXT_TURNS:])
    system = (
        f"You correct speech-recognition errors in a voice note a {language_name(language)} learner sent to their tutor. "
        "The recogniser was unsure. Using the conversation, replace words that were misrecognised (sound-alike "
        "nonsense) with the words the learner most likely said. Do NOT fix the learner's own grammar, vocabulary "
        "or word order: the tutor needs to see their mistakes. Keep the language they spoke. If nothing needs "
        "fixing, return it unchanged. Answer with the corrected transcript only: no quotes, no comments."
    )
    user = f"Conversation so far:\n{context or '(none)'}\n\nRecognised voice note: {transcript}"
    return [ChatMessage("system", system), ChatMessage("user", user)]


def accept(transcript: str, repaired: str) -> str | None:
    """The repaired text when it is a plausible repair of ``transcript``; None otherwise."""
    repaired = repaired.strip().strip('"“”«»').strip()
    if not repaired or "\n" in repaired:  # a transcript is one line; more is the model chatting
        return None
    before, after = len(words(transcript)), len(words(repaired))
    if after == 0 or after > MAX_GROWTH * before + 2:
        return None
    if not stays_close(transcript, repaired):
        log.info("transcript repair refused: it strays from what was heard")
        return None
    return repaired


def stays_close(heard: str, repaired: str) -> bool:
    """True when ``repaired`` is ``heard`` with a few sound-alike words fixed (see the module docstring)."""
    said = words(heard)
    if not said:
        return False
    steps = align(said, words(repaired))
    edits = [step for step in steps if step[0] != "ok"]
    added_or_dropped = sum(1 for op, _, _ in edits if op in ("ins", "del"))
    if len(edits) > max(1, math.floor(MAX_EDIT_SHARE * len(said))):
        return False
    if added_or_dropped > max(1, math.floor(MAX_ADDED_OR_DROPPED_SHARE * len(said))):
        return False
    return all(SequenceMatcher(None, old, new).ratio() >= MIN_SOUND_ALIKE for op, old, new in edits if op == "sub")


async def repair(llm, transcript: str, language: str, recent: list[Turn], learner_id: str | None = None) -> str | None:
    """The repaired transcript, or None when no model is configured, it failed, or its answer was refused."""
    if not getattr(llm, "configured", True):
        return None
    try:
        completion, _ = await llm.complete_text(repair_messages(transcript, language, recent), prefer="fast", learner_id=learner_id)
    except LLMError as exc:
        log.info("transcript repair skipped: %s", exc.kind)
        return None
    return accept(transcript, completion.text)
