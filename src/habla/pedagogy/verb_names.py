"""A verb the learner named in another language ("conjugate to be" from a learner of Spanish) turned into
the target language's infinitives (ser, estar) by one small structured model call.

The model only names the verbs; the tables still come from the conjugation library, and a name the library
does not know as a verb is dropped. So a wrong guess costs a "which verb?" answer, never a wrong table.
Called only when the library did not know the verb as written, so "conjugate comer" costs no call.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field

from habla.domain.chat import ChatMessage
from habla.domain.learner import Learner
from habla.domain.messages import hashed
from habla.errors import LLMInvalidOutput, LLMNotConfigured, LLMUnavailable
from habla.pedagogy.command_texts import language_name

log = logging.getLogger(__name__)

MAX_VERBS = 2  # "to be" is ser and estar; more tables than two do not fit a phone screen


class TargetVerbs(BaseModel):
    infinitives: list[str] = Field(default_factory=list, max_length=4)


def _instructions(target: str) -> str:
    return (
        f"The learner of {language_name(target, 'en')} asked for the conjugation of a verb, perhaps named in "
        f"another language or misspelt. Give the {language_name(target, 'en')} infinitive or infinitives it "
        "means, most common first, at most two, in their dictionary form. If it names no verb, give none."
    )


async def target_infinitives(services, learner: Learner, verb: str) -> list[str]:
    """The target language's infinitives for ``verb`` (at most ``MAX_VERBS``); [] when the model cannot say."""
    target = learner.profile.target_language
    messages = [ChatMessage(role="system", content=_instructions(target)), ChatMessage(role="user", content=verb[:60])]
    try:
        named = (await services.llm.complete_json(messages, TargetVerbs, prefer="fast", learner_id=learner.id)).value
    except (LLMInvalidOutput, LLMNotConfigured, LLMUnavailable) as exc:
        log.info("verb naming skipped learner=%s (%s)", hashed(learner.id), type(exc).__name__)
        return []
    seen: list[str] = []
    for infinitive in named.infinitives:
        cleaned = " ".join(infinitive.split()).casefold()[:60]
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    return seen[:MAX_VERBS]
