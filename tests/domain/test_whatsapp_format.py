"""to_whatsapp: Markdown leaks become WhatsApp formatting; WhatsApp formatting and code pass through."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habla.domain.whatsapp_format import to_whatsapp


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**negrita**", "*negrita*"),
        ("__negrita__", "*negrita*"),
        ("~~tachado~~", "~tachado~"),
        ("***ambas***", "*_ambas_*"),
        ("Esto es **muy** importante y ~~no~~ opcional.", "Esto es *muy* importante y ~no~ opcional."),
        ("# Repaso", "*Repaso*"),
        ("### Verbos irregulares ###", "*Verbos irregulares*"),
        ("## **Título en negrita**", "*Título en negrita*"),
        ("- hablar\n- comer\n* vivir\n+ ser", "• hablar\n• comer\n• vivir\n• ser"),
        ("- uno\n  - anidado", "• uno\n  • anidado"),
        ("- **ser** vs estar", "• *ser* vs estar"),
        ("[la RAE](https://www.rae.es)", "la RAE (https://www.rae.es)"),
        ("[https://rae.es](https://rae.es)", "https://rae.es"),
        ("![diagrama](https://x.org/d.png)", "diagrama (https://x.org/d.png)"),
        ("Mira [esto](https://x.org/a?b=1 \"título\").", "Mira esto (https://x.org/a?b=1)."),
    ],
)
def test_markdown_leaks_are_converted(markdown: str, expected: str) -> None:
    assert to_whatsapp(markdown) == expected


@pytest.mark.parametrize(
    "whatsapp",
    [
        "*hola*",  # single asterisks: WhatsApp bold, deliberately NOT turned into _italic_
        "Di *por favor* y _gracias_, nunca ~jamás~.",
        "1. primero\n2. segundo",
        "> una cita",
        "snake__case__name y file_name_here",
        "2 * 3 * 4 = 24",
        "#hashtag sin espacio",
        "---",
        "* * *",
        "****",
        "** no es negrita **",
        "• ya es viñeta",
        "precio: 5€ ~ 6$",
    ],
)
def test_whatsapp_text_passes_through_unchanged(whatsapp: str) -> None:
    assert to_whatsapp(whatsapp) == whatsapp


def test_bold_never_becomes_italic() -> None:
    out = to_whatsapp("**uno** y *dos* y **tres**")
    assert out == "*uno* y *dos* y *tres*"
    assert "_" not in out


def test_fenced_code_is_left_untouched() -> None:
    code = "```\n# not a heading\n- not a bullet\n**not bold** [x](y)\n```"
    text = f"## Ejemplo\n{code}\n**fin**"
    assert to_whatsapp(text) == f"*Ejemplo*\n{code}\n*fin*"


def test_unclosed_fence_protects_the_rest() -> None:
    text = "**Código:**\n```python\n# comentario\nx = **kwargs"
    assert to_whatsapp(text) == "*Código:*\n```python\n# comentario\nx = **kwargs"


def test_inline_code_is_left_untouched() -> None:
    assert to_whatsapp("Usa `**kwargs` y **esto**") == "Usa `**kwargs` y *esto*"
    assert to_whatsapp("**usa `x` aquí**") == "*usa `x` aquí*"


def test_empty_string() -> None:
    assert to_whatsapp("") == ""


# --- properties -------------------------------------------------------------------------------------------

words = st.lists(st.text(alphabet="abcñáé¿?¡!.,😀", min_size=1, max_size=8), min_size=1, max_size=4).map(" ".join)
inline = st.one_of(
    words,
    words.map(lambda w: f"**{w}**"),
    words.map(lambda w: f"__{w}__"),
    words.map(lambda w: f"~~{w}~~"),
    words.map(lambda w: f"*{w}*"),
    words.map(lambda w: f"_{w}_"),
    words.map(lambda w: f"`{w}`"),
    st.tuples(words, st.sampled_from(["https://x.org/a", "http://b.es"])).map(lambda p: f"[{p[0]}]({p[1]})"),
)
line_body = st.lists(inline, min_size=1, max_size=5).map(" ".join)
line = st.one_of(
    line_body,
    line_body.map(lambda b: f"# {b}"),
    line_body.map(lambda b: f"## {b}"),
    line_body.map(lambda b: f"- {b}"),
    line_body.map(lambda b: f"  * {b}"),
    st.just(""),
)
code_block = st.lists(st.text(alphabet="ab*_#-[]() ~", max_size=20), min_size=1, max_size=4).map(
    lambda lines: "```\n" + "\n".join(lines) + "\n```"
)
markdown = st.lists(st.one_of(line, line, line, code_block), min_size=1, max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(markdown)
def test_output_is_stable_and_has_no_markdown_leaks(text: str) -> None:
    once = to_whatsapp(text)
    assert to_whatsapp(once) == once, "idempotent on structured Markdown"
    prose = "\n".join(part for k, part in enumerate(once.split("```")) if k % 2 == 0)
    assert "**" not in prose and "~~" not in prose and "](" not in prose
    assert not any(ln.lstrip().startswith(("# ", "- ")) for ln in prose.split("\n"))


@settings(max_examples=300, deadline=None)
@given(markdown)
def test_code_blocks_and_line_count_survive(text: str) -> None:
    out = to_whatsapp(text)
    assert out.count("\n") == text.count("\n")
    for k, part in enumerate(text.split("```")):
        if k % 2 == 1:
            assert f"```{part}```" in out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Co", "Cs"]), max_size=200))
def test_arbitrary_text_never_crashes_and_keeps_lines(text: str) -> None:
    assert to_whatsapp(text).count("\n") == text.count("\n")
