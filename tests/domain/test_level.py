"""The CEFR estimate's rules: evidence needed, one step at a time, errors pull down, native language skipped.
Word frequencies are wordfreq's (through pedagogy.level.zipf), not made up."""

from __future__ import annotations

from habla.domain.level import LEVELS, Sample, easier, estimate, harder, is_decision, next_level
from habla.pedagogy.level import zipf

BEGINNER = ["Hola, me llamo Ana.", "Yo vivo en Madrid.", "Me gusta el café.", "Tengo un perro.",
            "Mi casa es grande.", "Hoy hace sol.", "Yo como pan.", "Mi madre es alta."]
ELEMENTARY = ["Ayer fui al cine con mis amigos.", "La película fue muy divertida.",
              "Después comimos pizza en un restaurante.", "Mañana voy a estudiar para el examen.",
              "Me gusta mucho leer libros de aventuras.", "Mi hermano trabaja en un hospital."]
UPPER = [
    "Ayer, aunque estaba bastante cansada, decidí acompañar a mi hermana al concierto porque le hacía ilusión.",
    "Lo que más me sorprendió fue que el público, a pesar de la lluvia, permaneció entusiasmado hasta el final.",
    "Si hubiera sabido que el tráfico sería tan denso, habríamos salido mucho antes de casa.",
    "Mi jefe insiste en que entreguemos el informe antes del viernes, lo cual me parece poco realista.",
    "Cuando era pequeña, pasaba los veranos en el pueblo de mis abuelos, donde aprendí a cultivar tomates.",
    "Me encantaría que me recomendaras alguna novela contemporánea que trate temas sociales.",
]
IN_ENGLISH = ["Why do you use estar here?", "I don't understand the difference", "Can you explain it again please",
              "what does that mean exactly", "ok thanks a lot for that", "sorry I am really tired today"]


def _estimate(texts, corrections=()):
    return estimate([Sample(text, tuple(corrections)) for text in texts], "es", "en", zipf)


def test_steps_stop_at_the_ends():
    assert easier("A1") == "A1" and harder("C2") == "C2"
    assert [harder(level) for level in LEVELS[:-1]] == list(LEVELS[1:])
    assert easier("b1") == "A2" and harder("nonsense") == "B1"  # unknown counts as the default A2


def test_writing_is_placed_in_order():
    beginner, elementary, upper = _estimate(BEGINNER), _estimate(ELEMENTARY), _estimate(UPPER)
    assert beginner.level == "A1" and elementary.level == "A2" and upper.level == "B2"
    assert beginner.score < elementary.score < upper.score
    assert upper.words_per_sentence > 12 > elementary.words_per_sentence
    assert upper.rare_share > elementary.rare_share > beginner.rare_share  # wordfreq's Zipf scale at work


def test_errors_pull_the_estimate_down_and_are_named():
    clean = _estimate(UPPER)
    sloppy = _estimate(UPPER, [("ser_estar", "major"), ("verb_tense", "blocking")])
    assert sloppy.score < clean.score - 1 and sloppy.level in ("A2", "B1")
    assert sloppy.top_errors[0][0] == "verb_tense" or sloppy.top_errors[0][0] == "ser_estar"
    assert "ser_estar ×6" in sloppy.reason and sloppy.reason.startswith("estimate")


def test_too_little_or_native_language_evidence_gives_no_estimate():
    assert _estimate(UPPER[:3]) is None
    assert _estimate(IN_ENGLISH) is None  # questions in English say nothing about their Spanish
    assert _estimate(UPPER + IN_ENGLISH).messages == len(UPPER)


def test_the_level_moves_one_step_and_only_past_the_margin():
    upper = _estimate(UPPER)
    assert next_level("A1", upper) == "A2"  # one step toward B2, never a jump
    assert next_level("B2", upper) is None
    assert next_level("C2", upper) == "C1"
    elementary = _estimate(ELEMENTARY)  # scores a little under A2
    assert next_level("A2", elementary) is None  # within the margin: no flapping
    assert next_level("B1", elementary) == "A2" and next_level("A1", elementary) == "A2"
    assert next_level("A2", _estimate(BEGINNER)) == "A1"
    assert next_level("B1", None) is None


def test_decisions_are_told_from_estimates():
    assert is_decision("placement") and is_decision("easier")
    assert not is_decision(_estimate(UPPER).reason)
