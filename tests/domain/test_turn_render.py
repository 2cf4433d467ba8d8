"""Which proposed corrections are kept and shown, and how a turn reads on WhatsApp."""

from __future__ import annotations

from habla.domain.correction_rules import kept, shown
from habla.domain.turn_render import render
from habla.domain.tutor_turn import Correction, NewWord
from habla.domain.voice_markup import voice_phrases


def _c(original, corrected, severity="major", category="verb_tense", explanation="Why."):
    return Correction(original=original, corrected=corrected, category=category, explanation=explanation,
                      severity=severity)


def test_only_real_corrections_of_what_was_written_are_kept():
    said = "Ayer yo como en la PLAYA con mis amigos"
    proposals = [
        _c("yo como", "yo comí", category="Tense"),
        _c("yo como", "yo comí"),  # the same one twice
        _c("en la playa", "en la playa"),  # no change
        _c("con mis amigas", "con mis amigos"),  # not what they wrote
        _c("la playa", "la playa bonita", category="zzz"),  # case and accents ignored when finding it
    ]
    result = kept(proposals, said, "es", "en")
    assert [(c.original, c.category) for c in result] == [("yo como", "verb_tense"), ("la playa", "other")]


def test_strictness_picks_by_severity_most_serious_first():
    corrections = [_c("a", "b", "minor"), _c("c", "d", "major"), _c("e", "f", "blocking")]
    assert [c.original for c in shown(corrections, "gentle")] == ["e"]
    assert [c.original for c in shown(corrections, "normal")] == ["e", "c"]
    assert [c.original for c in shown(corrections, "strict")] == ["e", "c", "a"]
    assert [c.original for c in shown(corrections, "unknown")] == ["e", "c"]


def test_render_puts_the_reply_first_then_diffs_and_voice_lines():
    text = render(
        "¡Qué bien! ¿Y después?",
        [_c("*yo como*", "yo comí", explanation="Past action: preterite.")],
        ["comí", "comí"],
        [NewWord(lemma="comí", translation="I ate", example=""), NewWord(lemma="orilla", translation="shore", example="")],
    )
    assert text.splitlines() == [
        "¡Qué bien! ¿Y después?",
        "",
        "✏️ ~yo como~ → *yo comí*",
        "_Past action: preterite._",
        "🔊 *comí* — I ate",
        "📝 *orilla* — shore",
    ]
    assert voice_phrases(text) == ["comí"]  # the sender speaks the 🔊 line, not the correction


def test_a_turn_with_nothing_to_add_is_just_the_reply():
    assert render("¡Hola!  ", [], [], []) == "¡Hola!"
