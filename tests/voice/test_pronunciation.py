"""Pronunciation comparison and its profile bookkeeping: pure functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from habla.domain.voice_text import pronunciation_feedback
from habla.voice import pronunciation as p


def test_normalisation_ignores_case_punctuation_and_stress_marks_but_keeps_enye():
    assert p.words("¿Dónde ESTÁ la biblioteca?") == ["donde", "esta", "la", "biblioteca"]
    assert p.words("Mañana, el año.") == ["mañana", "el", "año"]
    assert p.normalize_word("año") != p.normalize_word("ano")
    assert p.words("I'm fine — thanks!") == ["i'm", "fine", "thanks"]


def test_compare_names_missed_and_misheard_words():
    result = p.compare("El perro de mi hermana es muy grande", "el pero de mi hermana muy grande")
    assert result.misheard == [("perro", "pero")]
    assert result.missed == ["es"]
    assert result.extra == []
    assert result.score == 6 / 8 and not result.perfect
    assert p.compare("¿Dónde está la biblioteca?", "donde esta la biblioteca.").perfect


def test_extra_words_do_not_count_against_the_target():
    result = p.compare("gracias", "muchas gracias")
    assert result.perfect and result.extra == ["muchas"]


def test_word_error_rate():
    assert p.word_error_rate("hola que tal", "hola que tal") == 0
    assert p.word_error_rate("hola que tal", "hola tal") == 1 / 3
    assert p.word_error_rate("hola", "") == 1


@given(st.lists(st.sampled_from(["hola", "que", "tal", "perro", "pero", "casa"]), max_size=8),
       st.lists(st.sampled_from(["hola", "que", "tal", "perro", "pero", "casa"]), max_size=8))
def test_alignment_accounts_for_every_word(reference, hypothesis):
    steps = p.align(reference, hypothesis)
    assert [r for op, r, _ in steps if op != "ins"] == reference
    assert [h for op, _, h in steps if op != "del"] == hypothesis
    assert 0 <= p.word_error_rate(" ".join(reference), " ".join(hypothesis)) <= max(1, len(hypothesis) + len(reference))


def test_an_attempt_is_told_apart_from_ordinary_talk():
    target = "¿Dónde está la biblioteca?"
    assert p.is_attempt(p.compare(target, "donde esta la biblioteca"))
    assert p.is_attempt(p.compare(target, "donde esta la bibioteca"))
    assert not p.is_attempt(p.compare(target, "hoy hace mucho sol en madrid"))
    assert not p.is_attempt(p.compare(target, "donde " + "bla " * 30))


def test_profile_bookkeeping_tracks_attempts_and_trouble_words():
    state = p.add_pending(None, ["¿Dónde está la biblioteca?", "el perro"], "es", at=1000.0)
    assert [item["phrase"] for item in state["pending"]] == ["¿Dónde está la biblioteca?", "el perro"]
    attempt = p.best_attempt(state, "el pero", now=1010.0)
    assert attempt is not None and attempt.target == "el perro"
    state = p.record_attempt(state, attempt, at=1010.0)
    assert state["attempts"] == 1 and state["perfect"] == 0
    assert state["words"]["perro"] == {"tries": 1, "wrong": 1} and state["words"]["el"] == {"tries": 1, "wrong": 0}
    assert [item["phrase"] for item in state["pending"]] == ["¿Dónde está la biblioteca?"]
    assert p.trouble_words(state) == ["perro"]
    # pending phrases expire
    assert p.best_attempt(state, "donde esta la biblioteca", now=1000.0 + p.PENDING_TTL_S + 1) is None
    # old data from another version of the profile is tolerated
    assert p.record_attempt({"attempts": "3"}, attempt, at=1.0)["attempts"] == 4


def test_feedback_is_specific_and_in_the_learners_language():
    result = p.compare("El perro de mi hermana es muy grande", "el pero de mi hermana muy grande")
    english = pronunciation_feedback(result, "en")
    assert "*perro* sounded like _pero_" in english and "didn't hear *es*" in english and "6/8" in english
    spanish = pronunciation_feedback(result, "es")
    assert "*perro* sonó como _pero_" in spanish
    assert "Great job" in pronunciation_feedback(p.compare("hola", "hola"), "en")
