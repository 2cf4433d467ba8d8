"""The tutor's turn: one structured call, checked, filtered and rendered; free text when that fails.

``compose`` asks the router for a ``TutorTurn`` (``complete_json``). What the model proposes is checked
before anyone sees it (``domain.correction_rules``: real corrections of words the learner wrote, categories
on the pair's taxonomy), the learner's strictness picks what is shown, and the turn is rendered as one
compact WhatsApp message (``domain.turn_render``). New words are kept by lemma (simplemma), so "comí" and
"comer" count once.

When the model cannot produce a valid turn in its two tries (``LLMInvalidOutput``: small local models do
that), the learner still gets an answer: the ordinary free-text prompt is asked instead, and the turn
records which way it was written (``path``), so operators can see how often the fallback runs.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from habla.domain import correction_rules
from habla.domain.chat import ChatMessage, Tier
from habla.domain.learner import Learner
from habla.domain.messages import hashed
from habla.domain.prompts import structured_turn_prompt, system_prompt
from habla.domain.tutor_turn import Correction, NewWord, TutorTurn
from habla.domain.turn_render import render
from habla.domain.whatsapp_format import to_whatsapp
from habla.errors import LLMInvalidOutput

log = logging.getLogger(__name__)

STRUCTURED = "structured"
FREE_TEXT = "free_text"


@dataclass
class ComposedTurn:
    text: str  # what the learner reads (WhatsApp formatting)
    tier: Tier
    path: str  # STRUCTURED or FREE_TEXT
    corrections: list[Correction] = field(default_factory=list)  # every real one (stored, counted)
    shown: list[Correction] = field(default_factory=list)  # the ones the learner's strictness shows
    words: list[NewWord] = field(default_factory=list)  # by lemma


async def compose(
    services, learner: Learner, messages: list[ChatMessage], learner_text: str, prefer: Tier
) -> ComposedTurn:
    """``messages``: the free-text prompt (memory context included); its system message is swapped for the
    structured one. LLMNotConfigured / LLMUnavailable pass through to the caller."""
    profile = learner.profile
    try:
        answer = await services.llm.complete_json(
            structured_messages(messages, learner), TutorTurn, prefer=prefer, learner_id=learner.id
        )
    except LLMInvalidOutput as exc:
        log.info("structured turn refused learner=%s (%s); answering in free text", hashed(learner.id), exc)
        completion, tier = await services.llm.complete_text(messages, prefer=prefer, learner_id=learner.id)
        return ComposedTurn(text=to_whatsapp(completion.text), tier=tier, path=FREE_TEXT)
    turn = answer.value
    target, native = profile.target_language, profile.native_language
    corrections = correction_rules.kept(turn.corrections, learner_text, target, native)
    shown = correction_rules.shown(corrections, profile.strictness)
    words = lemmatised(turn.new_words, target)
    text = render(to_whatsapp(turn.reply), shown, turn.pronounce, words)
    return ComposedTurn(text=text, tier=answer.tier, path=STRUCTURED, corrections=corrections, shown=shown, words=words)


def structured_messages(messages: list[ChatMessage], learner: Learner) -> list[ChatMessage]:
    """The same conversation with the structured system prompt in front of the memory sections."""
    system = structured_turn_prompt(learner.profile)
    if messages and messages[0].role == "system":
        # build_prompt opens the system message with the free-text rules; the memory sections follow them
        rules = system_prompt(learner.profile)
        content = messages[0].content
        rest = content[len(rules):] if content.startswith(rules) else "\n\n" + content
        return [ChatMessage("system", system + rest), *messages[1:]]
    return [ChatMessage("system", system), *messages]


def lemmatised(words: list[NewWord], language: str) -> list[NewWord]:
    """Each word under its dictionary form (single words through simplemma; phrases lower-cased as they
    are), duplicates merged."""
    result: dict[str, NewWord] = {}
    for word in words:
        lemma = lemma_of(word.lemma, language)
        if lemma and lemma not in result:
            result[lemma] = word.model_copy(update={"lemma": lemma})
    return list(result.values())


def lemma_of(text: str, language: str) -> str:
    cleaned = " ".join(text.strip().strip(".,;:!?¡¿\"'«»“”*_~").split())
    if not cleaned:
        return ""
    if " " in cleaned:
        return cleaned.casefold()
    return _lemmatizer()(cleaned, language)


@functools.cache
def _lemmatizer():
    import simplemma  # its dictionaries load on first use of a language, not at import

    def lemma(word: str, language: str) -> str:
        try:
            return simplemma.lemmatize(word, lang=language).casefold()
        except ValueError:  # a language simplemma does not know
            return word.casefold()

    return lemma
