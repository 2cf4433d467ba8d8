"""The pure rules of ride-along onboarding: which question comes next, and reading the answers."""

from __future__ import annotations

import pytest
from wordfreq import zipf_frequency

from habla.domain import onboarding as rules
from habla.domain.onboarding import OnboardingState
from habla.domain.profile import Profile


def test_profiles_written_before_onboarding_load_with_its_defaults():
    profile = Profile.model_validate({"target_language": "es"})
    assert profile.onboarding == OnboardingState() and not profile.onboarding.guessed


def test_questions_come_in_order_and_an_ignored_one_waits_for_the_others():
    state = OnboardingState(guess_native="en")
    assert rules.next_question(state) == "languages"
    state.asked["languages"] = 1  # asked, not answered
    assert rules.next_question(state) == "placement"
    assert rules.next_question(state, available=lambda q: q != "placement") == "goals"
    state.asked.update(placement=1, goals=1, interests=1, reminder=1)
    assert rules.next_question(state) == "languages"  # its second and last time


def test_a_question_asked_twice_is_dropped_and_onboarding_ends():
    state = OnboardingState(guess_native="en", asked={q: 2 for q in rules.QUESTIONS})
    rules.close_exhausted(state)
    assert set(state.closed.values()) == {"dropped"} and rules.next_question(state) is None


def test_the_question_on_screen_is_not_dropped_before_its_answer_is_read():
    state = OnboardingState(guess_native="en", asked={"languages": 2}, pending="languages")
    rules.close_exhausted(state)
    assert "languages" not in state.closed


@pytest.mark.parametrize("said", ["skip", "Later!", "no", "saltar", "más tarde", "passer", "salta", "pular",
                                  "überspringen", "Nein danke"])
def test_skip_in_the_learners_languages(said):
    assert rules.is_skip(said)


@pytest.mark.parametrize("said", ["yes", "Yes, right", "sí", "Oui", "certo", "sim", "Genau, richtig"])
def test_yes(said):
    assert rules.is_yes(said)


def test_neither_yes_nor_skip():
    assert not rules.is_yes("I went to Madrid") and not rules.is_skip("I went to Madrid")
    assert not rules.is_yes("si tengo tiempo")  # Spanish "if", not "yes"


@pytest.mark.parametrize(("text", "language"), [
    ("Hello, how are you today? I would like to learn", "en"), ("Hola, ¿qué tal estás hoy?", "es"),
    ("Bonjour, je voudrais apprendre", "fr"), ("Ciao, come stai oggi?", "it"),
    ("Olá, tudo bem? Eu quero aprender", "pt"), ("Hallo, wie geht es dir heute?", "de"),
])
def test_the_written_language_is_guessed_from_word_frequencies(text, language):
    assert rules.guess_written_language(text, zipf_frequency) == language


def test_too_little_text_guesses_nothing():
    assert rules.guess_written_language("ok 👍", zipf_frequency) is None
    assert rules.guess_written_language("123", zipf_frequency) is None


def test_the_pair_from_the_phone_and_the_first_message():
    assert rules.guess_pair("en", "en", "es") == ("en", "es")  # writes their own language: the default target
    assert rules.guess_pair("es", "en", "es") == ("en", "es")  # a US number writing Spanish practises Spanish
    assert rules.guess_pair("es", "es", "es") == ("es", "en")  # Spanish native: English, not Spanish
    assert rules.guess_pair("en", "es", "es") == ("es", "en")
    assert rules.guess_pair("fr", None, "es") == ("fr", "es")  # no phone: the message says the native language


def test_the_mainland_time_zone_of_a_country_code():
    assert rules.pick_timezone(("Atlantic/Canary", "Europe/Madrid")) == "Europe/Madrid"
    assert rules.pick_timezone(("America/New_York",)) == "America/New_York"
    assert rules.pick_timezone(("Etc/Unknown",)) == "Etc/Unknown" and rules.pick_timezone(()) is None


@pytest.mark.parametrize(("text", "clock"), [
    ("8", "08:00"), ("at 7:30 please", "07:30"), ("20h", "20:00"), ("7pm", "19:00"), ("12am", "00:00"),
    ("a las 9 de la noche", "21:00"), ("19.45 Uhr", "19:45"), ("um 6 abends", "18:00"), ("23:59", "23:59"),
])
def test_clock_times(text, clock):
    assert rules.parse_clock(text) == clock


@pytest.mark.parametrize("text", ["tomorrow", "no sé", "never"])
def test_no_clock_time(text):
    assert rules.parse_clock(text) is None


def test_free_text_answers_and_questions_back():
    assert rules.free_text_answer("  Travelling   in Mexico ") == "Travelling in Mexico"
    assert rules.free_text_answer("What about you?") is None and rules.free_text_answer("x" * 201) is None


def test_the_learner_is_addressed_in_the_guessed_languages_until_they_confirm():
    state = OnboardingState(guess_native="es", guess_target="en")
    assert rules.speaks(state, "en", "es") == ("es", "en")
    state.closed["languages"] = "answered"
    assert rules.speaks(state, "es", "en") == ("es", "en") and rules.speaks(OnboardingState(), "en", "es") == ("en", "es")
