"""When the model is unsure of a note, the LLM repairs the transcript from the conversation around it.

It fixes what the *recogniser* got wrong (a word that makes no sense where a likely one fits), never what
the *learner* got wrong: the tutor must still see and correct the learner's own mistakes. A repair that
rewrites the note wholesale is refused and the raw transcript kept.
"""

from __future__ import annotations

import logging

from habla.domain.learner import Turn
from habla.domain.prompts import language_name
from habla.errors import LLMError
from habla.domain.chat import ChatMessage
from habla.voice.pronunciation import words

log = logging.getLogger(__name__)

MAX_GROWTH = 1.6  # a repair more than this many times longer (in words) than the transcript is refused
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
    return repaired


async def repair(llm, transcript: str, language: str, recent: list[Turn], learner_id: str | None = None) -> str | None:
    """The repaired transcript, or None when no model is configured, it failed, or its answer was refused."""
    if not getattr(llm, "configured", True):
        return None
    try:
        completion, _ = await llm.reply(repair_messages(transcript, language, recent), prefer="fast", learner_id=learner_id)
    except LLMError as exc:
        log.info("transcript repair skipped: %s", exc.kind)
        return None
    return accept(transcript, completion.text)
