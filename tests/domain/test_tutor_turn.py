"""The structured turn's pure parts: what counts as a correction, and the fixed categories per pair."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from habla.domain.taxonomy import OTHER, categories, label, normalise
from habla.domain.tutor_turn import Correction, TutorTurn, is_real


def _correction(original: str, corrected: str) -> Correction:
    return Correction(original=original, corrected=corrected, category="verb_tense", explanation="", severity="minor")


def test_a_correction_that_changes_nothing_is_not_real():
    assert not is_real(_correction("Estoy cansado.", "Estoy cansado"))
    assert not is_real(_correction("estoy  cansado", "estoy cansado"))
    assert not is_real(_correction("soy cansado", ""))
    assert is_real(_correction("soy cansado", "estoy cansado"))
    assert is_real(_correction("ingles", "inglés"))  # accents are real corrections
    assert is_real(_correction("Lunes", "lunes"))  # so is case


def test_turn_validates_severity_and_bounds():
    turn = TutorTurn.model_validate({"reply": "¡Hola!", "corrections": [], "new_words": [], "pronounce": []})
    assert turn.corrections == []
    with pytest.raises(ValidationError):
        TutorTurn.model_validate({"reply": "x", "corrections": [
            {"original": "a", "corrected": "b", "category": "article", "explanation": "", "severity": "fatal"}],
            "new_words": [], "pronounce": []})
    with pytest.raises(ValidationError):
        TutorTurn.model_validate({"reply": "", "corrections": [], "new_words": [], "pronounce": []})


def test_each_pair_has_the_core_and_its_own_categories():
    spanish = categories("es", "en")
    for core in ("verb_tense", "agreement", "article", "preposition", "word_order", "spelling_accent",
                 "word_choice", "false_friend"):
        assert core in spanish
    assert {"ser_estar", "por_para", "subjunctive", "saber_conocer"} <= set(spanish)
    english = categories("en", "es")
    assert "ser_estar" not in english and {"phrasal_verb", "make_do", "missing_subject"} <= set(english)
    assert "make_do" not in categories("en", "de")
    assert categories("ja", "en")[-1] == OTHER  # an unlisted target still gets the core


@pytest.mark.parametrize(
    ("written", "target", "native", "meant"),
    [
        ("ser_estar", "es", "en", "ser_estar"),
        ("Ser vs. Estar", "es", "en", "ser_estar"),
        ("Verb Tense", "es", "en", "verb_tense"),
        ("tense", "es", "en", "verb_tense"),
        ("accent mark", "es", "en", "spelling_accent"),
        ("Ortografía", "es", "en", "spelling_accent"),
        ("vocabulary", "es", "en", "word_choice"),
        ("gender", "es", "en", "gender"),
        ("gender", "en", "es", OTHER),  # English has no grammatical gender category
        ("phrasal verbs", "en", "es", "phrasal_verb"),
        ("ser/estar", "en", "es", OTHER),  # not a category of English
        ("banana", "es", "en", OTHER),
        ("", "es", "en", OTHER),
    ],
)
def test_what_the_model_writes_maps_onto_the_pair(written, target, native, meant):
    assert normalise(written, target, native) == meant
    assert meant in categories(target, native)


def test_labels_in_the_learners_language():
    assert label("spelling_accent", "es") == "ortografía y tildes"
    assert label("spelling_accent", "en") == "spelling and accents"
    assert label("spelling_accent", "fr") == "orthographe et accents"
    assert label("verb_tense", "de") == "Zeitform" and label("verb_tense", "PT") == "tempo verbal"
    assert label("spelling_accent", "ja") == "spelling and accents"  # no Japanese names: English
    assert label("made_up", "es") == "made up"  # not a category: its slug, readable


def test_profiles_stored_before_the_tutor_fields_load_with_defaults():
    from habla.domain.profile import Profile

    old = Profile.model_validate({"target_language": "es", "level": "B1"})
    assert (old.strictness, old.explanation_language, old.level_history) == ("normal", None, [])
    with pytest.raises(ValidationError):
        Profile.model_validate({"strictness": "harsh"})
