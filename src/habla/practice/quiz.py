"""Quizzes over the learner's FSRS cards, answered before the fair-use gate (practice costs no free quota).

"quiz me" / "practice" (``practice_text.START_WORDS``, six languages) opens one. Each question is one card,
due cards first, then new ones (at most ``NEW_PER_DAY`` a local day):

- a word with other words to mix in: "What does *comer* mean?" and its translation among up to two others;
- an error pattern: "Which one is right?" with the wrong and the right form;
- a word with nothing to mix in: the word and its meaning, rated by the learner Again / Good / Easy.

The choices go as WhatsApp reply buttons (≤ 3, titles ≤ 20 characters) where the channel shows them, and
as numbered lines in the text everywhere, so "1", "2", "3" answer on Twilio and the console too. A right pick
is a Good, a wrong one an Again, a self-rating is what it says. The open question lives in the profile
(``PROFILE_KEY``); the review is keyed by the answering message and the reply's outbound id derives from
it, so a redelivered answer is neither graded nor answered twice.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from habla.agents import outbox
from habla.domain import practice_text as say
from habla.domain.learner import Learner
from habla.domain.messages import Inbound, InboundKind, hashed
from habla.domain.practice_cards import normalise
from habla.practice import cards as practice_cards

log = logging.getLogger(__name__)

PROFILE_KEY = "practice_quiz"
NEW_PER_DAY = 10  # new cards a quiz introduces per local day; due cards are never capped
TITLE_CHARS = 20  # WhatsApp's limit on a reply button's title


async def intercept(services, inbound: Inbound, learner: Learner) -> bool:
    """True when the message started a quiz or answered its open question (and was answered)."""
    if inbound.kind not in (InboundKind.TEXT, InboundKind.INTERACTIVE):
        return False
    pending = (learner.profile.model_extra or {}).get(PROFILE_KEY)
    if pending:
        choice = _chosen(inbound, pending)
        if choice is not None:
            await _grade(services, inbound, learner, pending, choice)
            return True
        await services.store.update_profile_key(learner.id, PROFILE_KEY, lambda _now: None)  # they moved on
    if normalise(inbound.text) in say.START_WORDS:
        await start(services, inbound, learner)
        return True
    return False


async def start(services, inbound: Inbound, learner: Learner, preface: str = "") -> None:
    """Ask the first question (cards from the learner's whole history are made first)."""
    await practice_cards.sync(services, learner, inbound.received_at)
    await _ask(services, inbound, learner, preface)


async def _grade(services, inbound: Inbound, learner: Learner, pending: dict, choice: int) -> None:
    language = learner.profile.native_language
    if pending["mode"] == "recall":
        rating, result = say.RATING_NAMES[choice], say.text("rated", language)
    else:
        right = choice == pending["answer"]
        rating = "good" if right else "again"
        result = say.text("right" if right else "wrong", language, back=pending["back"])
    reviewed = await services.store.practice.review(
        learner.id, pending["card_id"], rating, "quiz", f"quiz:{inbound.channel}:{inbound.message_id}", inbound.received_at)
    log.info("quiz answer learner=%s rating=%s applied=%s", hashed(learner.id), rating, reviewed is not None)
    await _ask(services, inbound, learner, result)


async def _ask(services, inbound: Inbound, learner: Learner, preface: str) -> None:
    language = learner.profile.native_language
    card = await _next_card(services, learner, inbound.received_at)
    if card is None:
        await services.store.update_profile_key(learner.id, PROFILE_KEY, lambda _now: None)
        done = say.text("done" if preface else "nothing", language)
        await _reply(services, inbound, "\n\n".join(filter(None, [preface, done])), [])
        return
    question = await _question(services, learner, card, inbound.message_id)
    await services.store.update_profile_key(learner.id, PROFILE_KEY, lambda _now: question)
    lines = [f"{index}. {option}" for index, option in enumerate(question["options"], start=1)]
    text = "\n".join([question["text"], "", *lines, "", say.text("numbers", language)])
    await _reply(services, inbound, "\n\n".join(filter(None, [preface, text])), [_title(o) for o in question["options"]])


async def _next_card(services, learner: Learner, now: float):
    due = await services.store.practice.due(learner.id, now, 1)
    if due:
        return due[0]
    if await services.store.practice.introduced_since(learner.id, _local_midnight(learner, now)) >= NEW_PER_DAY:
        return None
    unseen = await services.store.practice.unseen(learner.id, 1)
    return unseen[0] if unseen else None


async def _question(services, learner: Learner, card, seed: str) -> dict:
    language = learner.profile.native_language
    rng = random.Random(f"{card.id}:{seed}")  # the same question for the same message, in every process
    base = {"card_id": card.id, "back": card.back}
    if card.kind == "error":
        options = [card.front, card.back]
        rng.shuffle(options)
        return {**base, "mode": "choice", "text": say.text("error", language), "options": options,
                "answer": options.index(card.back)}
    others = sorted({
        other.back for other in await services.store.practice.for_learner(learner.id)
        if other.kind == "word" and other.id != card.id and other.back and normalise(other.back) != normalise(card.back)
    })
    if not card.back or not others:
        return {**base, "mode": "recall", "text": say.text("recall", language, front=card.front, back=card.back or "…"),
                "options": say.ratings(language), "answer": None}
    options = [card.back, *rng.sample(others, min(2, len(others)))]
    rng.shuffle(options)
    return {**base, "mode": "choice", "text": say.text("word", language, front=card.front), "options": options,
            "answer": options.index(card.back)}


def _chosen(inbound: Inbound, pending: dict) -> int | None:
    """Which option the message picks: a number, a tapped button or list row (its title), or the option typed."""
    options = pending.get("options") or []
    answer = inbound.text.strip().rstrip(".)")
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return int(answer) - 1
    typed = normalise(inbound.text)
    for index, option in enumerate(options):
        if typed and typed in (normalise(option), normalise(_title(option))):
            return index
    return None


def _title(option: str) -> str:
    return option if len(option) <= TITLE_CHARS else option[: TITLE_CHARS - 1] + "…"


def _local_midnight(learner: Learner, now: float) -> float:
    zone = ZoneInfo(learner.profile.timezone) if learner.profile.timezone else timezone.utc
    local = datetime.fromtimestamp(now, tz=zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


async def _reply(services, inbound: Inbound, text: str, choices: list[str]) -> None:
    outbound_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{inbound.channel}:{inbound.message_id}:practice-quiz").hex
    await outbox.publish_reply(services, inbound, outbound_id, text, choices=choices)
