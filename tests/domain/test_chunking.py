"""split_message: examples for each preference, and properties over generated replies."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habla.domain.chunking import MIN_LIMIT, split_message, utf16_len

URL_RE = re.compile(r"(?:https?://|www\.)\S+")


def squash(s: str) -> str:
    """Non-whitespace content, with fences dropped (re-wrapping code may add fences)."""
    return "".join(s.split()).replace("```", "")


def assert_valid(text: str, chunks: list[str], limit: int) -> None:
    assert all(chunks), "no empty chunk"
    assert all(c == c.strip() for c in chunks), "chunks are stripped"
    assert all(utf16_len(c) <= limit for c in chunks), [utf16_len(c) for c in chunks]
    assert all(c.count("```") % 2 == 0 for c in chunks), "fences balanced in every chunk"
    assert squash("".join(chunks)) == squash(text), "content preserved in order"


# --- examples ---------------------------------------------------------------------------------------------


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("") == 0
    assert utf16_len("ñandú") == 5
    assert utf16_len("😀") == 2
    assert utf16_len("👍🏽") == 4  # thumbs up + skin tone, both astral


def test_empty_and_blank_input() -> None:
    assert split_message("") == []
    assert split_message("  \n\n \t ") == []


def test_short_text_is_one_stripped_chunk() -> None:
    assert split_message("  ¡Hola! ¿Qué tal?\n") == ["¡Hola! ¿Qué tal?"]


def test_hard_limit_caps_target() -> None:
    text = "palabra " * 100
    for chunk in split_message(text, target=1600, hard_limit=50):
        assert len(chunk) <= 50
    assert split_message(text, target=50, hard_limit=4096) == split_message(text, target=50)


def test_limit_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        split_message("hola", target=MIN_LIMIT - 1)


def test_prefers_paragraph_boundary() -> None:
    first = "Primera frase. Segunda frase aquí."
    second = "Otro párrafo. Con dos frases."
    chunks = split_message(f"{first}\n\n{second}", target=len(first) + 10)
    assert chunks == [first, second]


def test_prefers_sentence_boundary_over_word() -> None:
    text = "Hoy practicamos el subjuntivo. Ojalá que llueva mañana por la tarde."
    chunks = split_message(text, target=45)
    assert chunks[0] == "Hoy practicamos el subjuntivo."


def test_question_mark_ends_sentence_and_inverted_mark_stays_with_its_sentence() -> None:
    text = "¿Cómo te llamas? ¡Encantado de conocerte, de verdad!"
    chunks = split_message(text, target=30)
    assert chunks[0] == "¿Cómo te llamas?"
    assert chunks[1].startswith("¡Encantado")
    assert not any(c.endswith(("¿", "¡")) for c in chunks)


def test_cut_before_inverted_question_mark_rather_than_mid_clause() -> None:
    text = "Muy bien gracias amigo mío, ¿y tú qué tal estás hoy?"
    chunks = split_message(text, target=35)
    assert chunks[1].startswith("¿y tú")


def test_bold_span_that_fits_is_not_split() -> None:
    text = "Recuerda esta regla *siempre se usa el subjuntivo* después de ojalá"
    chunks = split_message(text, target=40)
    assert any("*siempre se usa el subjuntivo*" in c for c in chunks), chunks


def test_url_is_never_split() -> None:
    url = "https://es.wikipedia.org/wiki/Modo_subjuntivo_en_espa%C3%B1ol"
    text = f"Lee más sobre esto en {url} y luego vuelve a practicar conmigo."
    chunks = split_message(text, target=len(url) + 5)
    assert any(url in c for c in chunks)
    assert sum(c.count("https://") for c in chunks) == 1


def test_over_long_url_is_hard_cut_only_as_last_resort() -> None:
    url = "https://example.com/" + "a" * 100
    chunks = split_message(f"mira {url} ya", target=40)
    assert_valid(f"mira {url} ya", chunks, 40)
    assert chunks[0] == "mira"


def test_long_word_is_hard_cut() -> None:
    text = "x" * 100
    chunks = split_message(text, target=30)
    assert chunks == ["x" * 30] * 3 + ["x" * 10]


def test_code_block_that_fits_is_kept_whole() -> None:
    block = "```\nfor i in range(3):\n    print(i)\n```"
    text = "Intro text that is long enough to need its own chunk here.\n" + block + "\nAfter."
    chunks = split_message(text, target=len(block) + 2)
    assert block in chunks


def test_long_code_block_is_split_at_lines_and_refenced() -> None:
    lines = [f"    linea_{i} = conjugar('hablar', persona={i})" for i in range(200)]
    text = "Mira este código:\n```\n" + "\n".join(lines) + "\n```\nFin."
    chunks = split_message(text, target=500)
    assert_valid(text, chunks, 500)
    code_chunks = [c for c in chunks if "```" in c]
    assert len(code_chunks) > 5
    for chunk in code_chunks[1:-1]:
        assert chunk.startswith("```\n") and chunk.endswith("\n```")
    body = "\n".join(c for c in chunks)
    for line in lines:
        assert line in body, "no code line is cut"


def test_emoji_only_text() -> None:
    text = "😀" * 3000
    chunks = split_message(text)
    assert_valid(text, chunks, 1600)
    assert [len(c) for c in chunks] == [800, 800, 800, 600]


def test_emoji_sequences_are_not_cut_apart() -> None:
    for unit in ("🇪🇸", "👨‍👩‍👧", "👍🏽", "e\u0301"):
        text = unit * 60
        for chunk in split_message(text, target=25):
            assert chunk == unit * (len(chunk) // len(unit)), (unit, chunk)


def test_ten_thousand_character_mixed_text() -> None:
    paragraph = (
        "¡Muy bien! Hoy vamos a repasar el *pretérito imperfecto*. ¿Recuerdas cuándo se usa? "
        "Se usa para describir hábitos del pasado 🕰️ y acciones en progreso. "
        "Más ejemplos en https://www.rae.es/gramática/pretérito-imperfecto-de-indicativo, "
        "y ~no~ olvides practicar 😀👍🏽.\n- Yo _hablaba_\n- Tú comías\n"
    )
    code = "```\n" + "\n".join(f"hablar -> habl{e}" for e in ["aba", "abas", "aba", "ábamos"] * 10) + "\n```"
    parts = []
    while sum(map(len, parts)) < 10_000:
        parts += [paragraph, code if len(parts) % 5 == 4 else "Otra frase corta. " * 7]
    text = "\n\n".join(parts)
    assert len(text) >= 10_000
    for limit in (1600, 4096, 300, 100):
        chunks = split_message(text, target=limit)
        assert_valid(text, chunks, limit)
        # Only the code block may be cut (at lines, re-fenced): every other word survives whole.
        unfenced = [w.replace("```", "") for c in chunks for w in c.split()]
        assert [w for w in unfenced if w] == [w.replace("```", "") for w in text.split() if w != "```"]


# --- properties -------------------------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñü"
word = st.text(alphabet=LETTERS + "ABCÑ.,;:!?¿¡…'\"()*_~-😀🎉", min_size=1, max_size=12)
url = st.builds(
    lambda scheme, path: scheme + "example.org/" + path,
    st.sampled_from(["http://", "https://", "www."]),
    st.text(alphabet=LETTERS + "/-_%?=&.", min_size=0, max_size=40),
)
span = st.builds(lambda m, ws: m + " ".join(ws) + m, st.sampled_from("*_~"),
                 st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=8), min_size=1, max_size=4))
code_block = st.builds(
    lambda lines: "```\n" + "\n".join(lines) + "\n```",
    st.lists(st.text(alphabet=LETTERS + " =()[]{}#'", min_size=0, max_size=60), min_size=1, max_size=30),
)
separator = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\n \n\n", "\t"])


def reply(with_code: bool) -> st.SearchStrategy[str]:
    token = st.one_of(word, word, word, url, span, code_block) if with_code else st.one_of(word, word, url, span)
    return st.lists(st.tuples(token, separator), min_size=0, max_size=120).map(
        lambda pairs: "".join(t + s for t, s in pairs)
    )


@settings(max_examples=300, deadline=None)
@given(text=reply(with_code=False), limit=st.integers(min_value=64, max_value=400))  # > longest token
def test_prose_properties(text: str, limit: int) -> None:
    chunks = split_message(text, target=limit)
    assert_valid(text, chunks, limit)
    # Words (URLs included) are never cut: they all fit, so every token survives whole and in order.
    assert [w for c in chunks for w in c.split()] == text.split()


@settings(max_examples=300, deadline=None)
@given(text=reply(with_code=True), limit=st.integers(min_value=MIN_LIMIT, max_value=300))
def test_properties_with_code_blocks_and_tiny_limits(text: str, limit: int) -> None:
    chunks = split_message(text, target=limit)
    assert_valid(text, chunks, limit)
    for found in URL_RE.findall(text):
        if utf16_len(found) <= limit and "```" not in found:
            assert any(found in c for c in chunks), found


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400), limit=st.integers(min_value=MIN_LIMIT, max_value=120))
def test_arbitrary_unicode_never_breaks_the_contract(text: str, limit: int) -> None:
    chunks = split_message(text, target=limit)
    assert all(chunks) and all(utf16_len(c) <= limit for c in chunks)
    assert squash("".join(chunks)) == squash(text)
