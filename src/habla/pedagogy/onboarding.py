"""Onboarding's I/O: reads answers to the question on the learner's screen (``intercept``, before the tutor's
turn) and appends the next question to the tutor's reply (``ride``, after it). The rules are pure, in
habla.domain.onboarding and habla.domain.placement; this module guesses from the message and the phone
number, keeps the state in ``profile.onboarding`` and publishes the answers.

An answer's reply has an outbound id derived from the inbound message, and the state remembers the last
message it answered, so a redelivered answer is neither graded twice nor answered twice.
"""

from __future__ import annotations

import functools
import logging
import uuid
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel
import phonenumbers
from babel.languages import get_official_languages
from phonenumbers import timezone as phone_timezones
from wordfreq import zipf_frequency

from habla.agents.outbox import publish_reply
from habla.domain import onboarding as rules
from habla.domain import placement
from habla.domain.learner import Learner
from habla.domain.messages import Inbound, InboundKind, hashed
from habla.domain.onboarding import OnboardingState
from habla.domain.onboarding_text import text
from habla.domain.profile import Profile
from habla.pedagogy import places
from habla.pedagogy.level import record_placement
from habla.practice.schedule import reschedule

log = logging.getLogger(__name__)

PHONE_CHANNELS = ("whatsapp", "twilio")


def enabled(services) -> bool:
    return services.settings.tutor.onboarding


@functools.lru_cache(maxsize=None)
def bank(language: str) -> dict[str, list[placement.Item]]:
    """The placement items for a target language (empty when the repo has none for it)."""
    path = resources.files("habla.pedagogy") / "data" / f"placement_{language}.json"
    return placement.load_bank(path.read_text(encoding="utf-8")) if path.is_file() else {}


@functools.lru_cache(maxsize=None)
def language_names() -> dict[str, dict[str, str]]:
    """Each supported language's name in every supported language (babel), to read "I want French"."""
    return {code: {other: babel.Locale(other).languages[code] for other in rules.SUPPORTED} for code in rules.SUPPORTED}


def language_name(code: str, in_language: str) -> str:
    locale = babel.Locale(in_language if in_language in rules.SUPPORTED else "en")
    return locale.languages.get(code, code)


def _phone_guess(inbound: Inbound) -> tuple[str | None, str | None]:
    """(native language, timezone) the phone's country code suggests; (None, None) off the phone channels."""
    if inbound.channel not in PHONE_CHANNELS:
        return None, None
    try:
        number = phonenumbers.parse("+" + inbound.address.lstrip("+"))
    except phonenumbers.NumberParseException:
        return None, None
    region = phonenumbers.region_code_for_number(number)
    spoken = [code for code in get_official_languages(region or "", de_facto=True) if code in rules.SUPPORTED]
    return (spoken[0] if spoken else None), _known_zone(rules.pick_timezone(phone_timezones.time_zones_for_number(number)))


def _known_zone(zone: str | None) -> str | None:
    """Only a zone this install's tz database knows (reminders are computed with zoneinfo)."""
    if zone is None:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return zone


def _frequency(word: str, language: str) -> float:
    return zipf_frequency(word, language)


def _outbound_id(inbound: Inbound) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{inbound.channel}:{inbound.message_id}:onboarding").hex


async def _save(services, learner: Learner, state: OnboardingState, **fields) -> None:
    def change(profile: Profile) -> Profile:
        return profile.model_copy(update={"onboarding": state, **fields})

    stored = await services.store.update_profile(learner.id, change)
    if stored is not None:
        learner.profile = stored


async def intercept(services, inbound: Inbound, learner: Learner, session) -> bool:
    """True when the message answered the pending question and has been answered here; False: conversation."""
    if not enabled(services) or inbound.kind not in (InboundKind.TEXT, InboundKind.INTERACTIVE) or not inbound.text:
        return False
    state = learner.profile.onboarding.model_copy(deep=True)
    if not state.guessed:  # the first message: guess the languages and the time zone, then talk as usual
        phone_language, zone = _phone_guess(inbound)
        written = rules.guess_written_language(inbound.text, _frequency)
        native, target = rules.guess_pair(written, phone_language, services.settings.tutor.default_target_language)
        state.guess_native, state.guess_target, state.guess_timezone = native, target, zone
        if await services.store.recent_turns(learner.id, 1):  # a learner from before onboarding: nothing to ask
            state.closed = {question: "before" for question in rules.QUESTIONS}
        await _save(services, learner, state)
        return False
    if state.last_message_id == inbound.message_id and state.last_reply is not None:
        await publish_reply(services, inbound, _outbound_id(inbound), state.last_reply, choices=state.last_choices)
        return True
    question, state.pending = state.pending, None
    if question is None:
        return False
    native, _ = rules.speaks(state, learner.profile.native_language, learner.profile.target_language)
    if rules.is_skip(inbound.text):
        state.closed[question] = "skipped"
        return await _answer(services, inbound, learner, state, text("skipped", native))
    answer = await _ANSWERS[question](services, inbound, learner, state)
    if answer is None:  # not an answer: ordinary conversation; the question may come back once, later
        await _save(services, learner, state)
        return False
    return answer


async def _answer(services, inbound, learner, state, reply: str, choices: list[str] | None = None, **fields) -> bool:
    state.last_message_id, state.last_reply, state.last_choices = inbound.message_id, reply, list(choices or [])
    await _save(services, learner, state, **fields)
    await publish_reply(services, inbound, _outbound_id(inbound), reply, choices=choices)
    log.info("onboarding answer learner=%s", hashed(learner.id))
    return True


async def _languages(services, inbound, learner, state) -> bool | None:
    if rules.is_yes(inbound.text):
        native, target = state.guess_native or learner.profile.native_language, state.guess_target
    else:
        named = rules.language_named(inbound.text, language_names())
        if named is None:
            return None
        native = state.guess_native or learner.profile.native_language
        target = named if named != native else state.guess_target
    target = target or learner.profile.target_language
    state.closed["languages"] = "answered"
    reply = text("languages_ok", native, target=language_name(target, native), native=language_name(native, native))
    return await _answer(services, inbound, learner, state, reply, native_language=native, target_language=target)


async def _placement(services, inbound, learner, state) -> bool | None:
    items = {item.id: item for level in bank(learner.profile.target_language).values() for item in level}
    item = items.get(state.placement.current or "")
    right = placement.grade(item, inbound.text) if item is not None else None
    if right is None:
        return None
    native, _ = rules.speaks(state, learner.profile.native_language, learner.profile.target_language)
    state.placement.answered.append((item.id, item.level, right))
    verdict = text("right", native) if right else text("wrong", native, answer=item.answer)
    following = placement.pick(bank(learner.profile.target_language), state.placement)
    if placement.finished(state.placement) or following is None:
        level = placement.result(state.placement)
        state.closed["placement"], state.placement.current = "answered", None
        await record_placement(services, learner, level)
        return await _answer(services, inbound, learner, state, f"{verdict}\n\n{text('placed', native, level=level)}")
    state.placement.current, state.pending = following.id, "placement"  # the learner is engaged: next item now
    question = f"{text('placement', native, number=len(state.placement.answered) + 1)}\n{placement.ask_text(following)}"
    return await _answer(services, inbound, learner, state, f"{verdict}\n\n{question}", following.options)


async def _free_text(field: str, services, inbound, learner, state) -> bool | None:
    """Goals and interests are recorded, and the message is still conversation: the tutor answers it too."""
    line = rules.free_text_answer(inbound.text)
    if line is None:
        return None
    state.closed[field] = "answered"
    values = [*getattr(learner.profile, field), line][-10:]
    await _save(services, learner, state, **{field: values})
    return False


async def _reminder(services, inbound, learner, state) -> bool | None:
    clock = rules.parse_clock(inbound.text)
    if clock is None:
        return None
    # "8:00, but I'm in London": a city (or a one-clock country) named in the answer beats the guess from
    # the phone number, which is wrong for anyone living abroad
    named = places.mentioned(inbound.text)
    zone = (named.zone if named else None) or state.guess_timezone or learner.profile.timezone or "UTC"
    state.closed["reminder"] = "answered"
    native, _ = rules.speaks(state, learner.profile.native_language, learner.profile.target_language)
    reply = text("reminder_ok", native, time=clock, zone=zone)
    answered = await _answer(services, inbound, learner, state, reply, reminder_times=[clock], timezone=zone)
    await reschedule(services, learner)  # the practice schedule follows the time they chose
    return answered


_ANSWERS = {
    "languages": _languages,
    "placement": _placement,
    "goals": functools.partial(_free_text, "goals"),
    "interests": functools.partial(_free_text, "interests"),
    "reminder": _reminder,
}


async def ride(services, learner: Learner, composed_text: str) -> tuple[str, list[str]]:
    """The tutor's reply with the next open question appended (and its choices); unchanged when none is open."""
    if not enabled(services):
        return composed_text, []
    asked: dict[str, tuple[str, list[str]]] = {}

    def change(profile: Profile) -> Profile | None:
        state = profile.onboarding.model_copy(deep=True)
        if not state.guessed:
            return None
        rules.close_exhausted(state)
        if profile.reminder_times and "reminder" not in state.closed:  # set already ("remind me at 8")
            state.closed["reminder"] = "answered"
        question = rules.next_question(state, available=lambda q: q != "placement" or _placeable(profile, state))
        if question is None:
            return profile.model_copy(update={"onboarding": state})
        state.asked[question] = state.asked.get(question, 0) + 1
        state.pending = question
        asked["question"] = _question(question, profile, state)
        state.pending_choices = list(asked["question"][1])
        return profile.model_copy(update={"onboarding": state})

    stored = await services.store.update_profile(learner.id, change)
    if stored is not None:
        learner.profile = stored
    if not asked.get("question", ("", []))[0]:
        return composed_text, []
    question, choices = asked["question"]
    return f"{composed_text}\n\n{question}", choices


def choices_on_screen(learner: Learner) -> list[str]:
    """The buttons of the question the last reply asked: a turn redelivered after a crash resends its stored
    text, and its question's buttons go with it again."""
    state = learner.profile.onboarding
    return list(state.pending_choices) if state.pending else []


def _placeable(profile: Profile, state: OnboardingState) -> bool:
    """Placement tests the target language, so it waits until the languages question is settled."""
    return "languages" in state.closed and bool(bank(profile.target_language))


def _question(question: str, profile: Profile, state: OnboardingState) -> tuple[str, list[str]]:
    native, target = rules.speaks(state, profile.native_language, profile.target_language)
    if question == "languages":
        asked = text("languages", native, native=language_name(native, native), target=language_name(target, native))
        return asked, [text("yes", native), text("skip", native)]
    if question == "placement":
        item = placement.pick(bank(profile.target_language), state.placement)
        if item is None:  # every item asked: what was answered stands
            state.closed["placement"] = "dropped"
            return "", []
        state.placement.current = item.id
        return f"{text('placement', native, number=len(state.placement.answered) + 1)}\n{placement.ask_text(item)}", item.options
    if question == "reminder":
        return text("reminder", native, zone=state.guess_timezone or profile.timezone or "UTC"), [text("skip", native)]
    return text(question, native, target=language_name(target, native)), []
