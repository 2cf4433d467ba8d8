"""The answer to each command: what it changes (through the store's row-locked profile update) and the
text (and cards) the learner gets back, in their native language."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from habla.domain import level as levels
from habla.domain.commands import Command
from habla.domain.learner import Learner
from habla.domain.messages import Flashcard
from habla.domain.profile import STRICTNESS_ORDER, Profile
from habla.domain.taxonomy import label
from habla.pedagogy import level as tutor_level
from habla.pedagogy import places
from habla.pedagogy.command_texts import language_name, say
from habla.pedagogy.grammar_answers import table_answer, verb_answer
from habla.pedagogy.progress import progress_text
from habla.pedagogy.verb_names import target_infinitives
from habla.pedagogy.words import CARDS_PER_REQUEST, cards_for, words_text
from habla.practice.schedule import reschedule

MISTAKE_EXAMPLES = 2  # latest examples per category
MISTAKE_CATEGORIES = 5
# The messages (by their answer's outbound id) that moved the level or the strictness one step, written in
# the same transaction as the step: a message redelivered after a crash is answered, not stepped again.
STEPS_KEY = "command_steps"
KEEP_STEPS = 10


@dataclass
class Answer:
    text: str
    cards: list[Flashcard] = field(default_factory=list)


async def answer(services, learner: Learner, command: Command, once: str) -> Answer:
    """``once``: this message's key (its answer's outbound id), the same on every delivery of it."""
    profile = learner.profile
    native = profile.native_language
    kind = command.kind
    if kind == "verb":
        return Answer(await verb_answer(command.verb, profile,
                                        name_in_target=lambda verb: target_infinitives(services, learner, verb)))
    if kind == "table":
        return Answer(await table_answer(command.table, profile))
    if kind == "words":
        words = await services.store.words.newest(learner.id, CARDS_PER_REQUEST, profile.target_language)
        cards = cards_for(words)
        return Answer(words_text(len(cards), native), cards)
    if kind == "mistakes":
        return Answer(await _mistakes(services, learner))
    if kind == "progress":
        return Answer(await progress_text(services, learner, time.time()))
    if kind == "remind":
        if not command.times:
            return Answer(say("reminder_which_time", native))
        await _update(services, learner, reminder_times=sorted(set(command.times)))
        await reschedule(services, learner)
        return Answer(say("reminders_set", native, times=", ".join(sorted(set(command.times)))))
    if kind == "stop_reminders":
        await _update(services, learner, reminder_times=[])
        await reschedule(services, learner)
        return Answer(say("reminders_stopped", native))
    if kind in ("easier", "harder"):
        return Answer(await _step_level(services, learner, -1 if kind == "easier" else 1, kind, once))
    if kind in ("gentler", "stricter"):
        return Answer(await _step_strictness(services, learner, -1 if kind == "gentler" else 1, once))
    if kind == "timezone":
        return Answer(await _set_timezone(services, learner, command.place))
    if kind == "explanations" and command.language:
        await _update(services, learner, explanation_language=command.language)
        return Answer(say("explanations_set", native, language=language_name(command.language, native)))
    return Answer(say("help", native))


async def _update(services, learner: Learner, **fields) -> None:
    def change(profile: Profile) -> Profile:
        return profile.model_copy(update=fields)

    stored = await services.store.update_profile(learner.id, change)
    if stored is not None:
        learner.profile = stored


async def _set_timezone(services, learner: Learner, name: str | None) -> str:
    """The learner's time zone from where they say they are; their reminders move to its clock."""
    native = learner.profile.native_language
    found = places.place(name) if name else None
    if found is None:
        return say("timezone_which", native)
    if found.zone is None:
        return say("timezone_city", native, place=name.strip().title())
    await _update(services, learner, timezone=found.zone)
    await reschedule(services, learner)
    local = datetime.now(ZoneInfo(found.zone)).strftime("%H:%M")
    return say("timezone_set", native, zone=found.zone.replace("_", " "), time=local)


def _stepped(profile: Profile, once: str) -> bool:
    return once in ((profile.model_extra or {}).get(STEPS_KEY) or [])


def _record_step(profile: Profile, once: str) -> dict:
    return {STEPS_KEY: [*((profile.model_extra or {}).get(STEPS_KEY) or []), once][-KEEP_STEPS:]}


async def _step_level(services, learner: Learner, step: int, reason: str, once: str) -> str:
    native = learner.profile.native_language
    current = learner.profile.level if learner.profile.level in levels.LEVELS else "A2"
    if _stepped(learner.profile, once):  # a redelivery: the step was taken, say where it led
        return say("level_now", native, level=current)
    index = levels.LEVELS.index(current) + step
    if not 0 <= index < len(levels.LEVELS):
        return say("level_limit", native, level=current)
    await tutor_level.set_level(services, learner, levels.LEVELS[index], reason, also=_record_step(learner.profile, once))
    return say("level_now", native, level=levels.LEVELS[index])


async def _step_strictness(services, learner: Learner, step: int, once: str) -> str:
    native = learner.profile.native_language
    if _stepped(learner.profile, once):
        return say(f"strictness_{learner.profile.strictness}", native)
    index = STRICTNESS_ORDER.index(learner.profile.strictness) + step
    if not 0 <= index < len(STRICTNESS_ORDER):
        return say("strictness_limit", native)
    await _update(services, learner, strictness=STRICTNESS_ORDER[index], **_record_step(learner.profile, once))
    return say(f"strictness_{STRICTNESS_ORDER[index]}", native)


async def _mistakes(services, learner: Learner) -> str:
    native = learner.profile.native_language
    counts = await services.store.corrections.counts(learner.id)
    if not counts:
        return say("mistakes_none", native)
    latest = await services.store.corrections.for_learner(learner.id, limit=200)
    lines = [say("mistakes_title", native)]
    for category, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MISTAKE_CATEGORIES]:
        lines.append(f"\n*{label(category, native)}*: {count}")
        examples = [c for c in latest if c.category == category][:MISTAKE_EXAMPLES]
        lines.extend(f"  ~{c.original}~ → *{c.corrected}*" for c in examples)
    return "\n".join(lines)
