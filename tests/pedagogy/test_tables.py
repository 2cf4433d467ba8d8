"""Verb tables are the conjugation libraries' own forms, for the learner's level, and fit a phone at every
width; articles and pronouns likewise. The expected forms are read from verbecc and mlconjug3 here, by the
libraries' public API, independently of habla.pedagogy.conjugation."""

from __future__ import annotations

import collections
import functools
import re

import pytest

from habla.pedagogy.conjugation import VERBECC_PLAN, conjugate
from habla.pedagogy.tables import FENCE, grammar_table, unknown_verb, verb_table

WIDTHS = (16, 20, 24, 30, 40)


@pytest.fixture(scope="module", autouse=True)
def libraries_loaded(conjugation_libraries):
    """Loads (and, on a machine that never ran scripts/install.sh, trains) es, fr and en once."""


def fenced_blocks(table: str) -> list[tuple[str, list[str]]]:
    """(title above the fence, lines inside it) for every block of a table."""
    blocks = re.findall(r"^([^\n]*)\n```\n(.*?)\n```$", table, flags=re.MULTILINE | re.DOTALL)
    return [(title, body.split("\n")) for title, body in blocks]


@functools.lru_cache(maxsize=None)
def verbecc_conjugator(language: str):
    from verbecc import CompleteConjugator, LangCodeISO639_1

    return CompleteConjugator(LangCodeISO639_1(language))


def library_forms(verb: str, language: str, mood: str, tense: str) -> list[str]:
    """First masculine (or genderless) form per person, through verbecc's wrapper objects."""
    chosen: dict = {}
    for entry in verbecc_conjugator(language).conjugate(verb)[mood][tense]:
        key = (entry.get_person(), entry.get_number())
        if key not in chosen or (str(chosen[key].get_gender()) == "f" and str(entry.get_gender()) != "f"):
            chosen[key] = entry
    return [entry.get_conjugations()[0] for entry in chosen.values()]


def english_forms(verb: str) -> dict[str, dict[str, str]]:
    from mlconjug3 import Verbiste
    from mlconjug3.verbs import VerbEn

    dictionary = Verbiste(language="en")
    info = dictionary.get_verb_info(verb)
    indicative = VerbEn(info, dictionary.get_conjug_info(info.template), "abbrev").conjug_info["indicative"]
    return {name: dict(persons) for name, persons in indicative.items()}


def squeeze(lines: list[str]) -> str:
    return "".join("".join(lines).split())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("verb, language, mood, tense, title", [
    ("comer", "es", "indicativo", "presente", "presente"),  # regular
    ("ser", "es", "indicativo", "presente", "presente"),  # irregular
    ("ir", "es", "indicativo", "pretérito-perfecto-simple", "pretérito perfecto simple"),  # irregular
    ("levantarse", "es", "indicativo", "pretérito-perfecto-compuesto", "pretérito perfecto compuesto"),  # reflexive
    ("levantarse", "es", "subjuntivo", "presente", "subjuntivo presente"),
    ("être", "fr", "indicatif", "passé-composé", "passé composé"),  # elided pronoun: j'ai été
    ("se lever", "fr", "indicatif", "présent", "présent"),  # French reflexive
])
def test_romance_tables_hold_the_library_forms_in_order_at_every_width(verb, language, mood, tense, title, width):
    table = verb_table(verb, language, "C2", width)
    blocks = dict(fenced_blocks(table))
    body = blocks[f"*{verb}* · {title}"]
    expected = library_forms(verb, language, mood, tense)
    assert len(expected) == 6 and squeeze(body) == squeeze(expected)
    assert all(len(line) <= width for line in body), body
    if width >= 30:  # wide enough for one line per person: each line is exactly one library form
        assert [" ".join(line.split()) for line in body] == expected


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("verb", ["be", "go"])
def test_english_tables_are_mlconjug3s_forms(verb, width):
    forms = english_forms(verb)
    have, be = english_forms("have"), english_forms("be")
    persons = ["1s", "2s", "3s", "1p", "2p", "3p"]
    pronouns = ["I", "you", "he", "we", "you", "they"]
    participle = forms["indicative present perfect"]["1s"]
    table = verb_table(f"to {verb}", "en", "A2", width)
    blocks = dict(fenced_blocks(table))
    present = [f"{p} {forms['indicative present'][k]}" for p, k in zip(pronouns, persons)]
    past = [f"{p} {forms['indicative past tense'][k]}" for p, k in zip(pronouns, persons)]
    perfect = [f"{p} {have['indicative present'][k]} {participle}" for p, k in zip(pronouns, persons)]
    assert squeeze(blocks[f"*{verb}* · present simple"]) == squeeze(present)
    assert squeeze(blocks[f"*{verb}* · past simple"]) == squeeze(past)
    assert squeeze(blocks[f"*{verb}* · present perfect"]) == squeeze(perfect)
    assert "I am" in present if verb == "be" else "he goes" in present
    assert "they went" in past if verb == "go" else "I was" in past
    assert be["indicative present"]["1s"] == "am"
    assert all(len(line) <= width for _, body in blocks.items() for line in body)


def test_the_level_chooses_the_tenses():
    def tenses(level):
        return [title.split(" · ", 1)[1] for title, _ in fenced_blocks(verb_table("comer", "es", level))]

    assert tenses("A1") == ["presente"]
    assert tenses("A2") == ["presente", "pretérito perfecto simple", "pretérito perfecto compuesto"]
    assert tenses("B1")[3:] == ["pretérito imperfecto", "futuro"]
    assert "subjuntivo presente" in tenses("B2") and "condicional presente" in tenses("B2")
    assert "subjuntivo presente" not in tenses("B1")
    assert len(tenses("C1")) == len(VERBECC_PLAN["es"]) == len(tenses("C2"))
    assert [t.split(" ")[0] for t in tenses("A1")] == ["presente"]


@pytest.mark.parametrize("asked, language, infinitive", [
    ("fui", "es", "ser"), ("comiendo", "es", "comer"), ("voy", "es", "ir"), ("Comer?", "es", "comer"),
    ("suis", "fr", "être"), ("went", "en", "go"), ("to be", "en", "be"), ("is", "en", "be"),
    ("sonreir", "es", "sonreír"),  # written without its accent: the dictionary's spelling is shown
])
def test_inflected_forms_are_lemmatised_to_the_infinitive(asked, language, infinitive):
    table = verb_table(asked, language, "A1")
    assert table is not None and fenced_blocks(table)[0][0].startswith(f"*{infinitive}* ·")


@pytest.mark.parametrize("asked, language", [("xyzzle", "es"), ("blorpar", "es"), ("casa", "es"), ("", "es"),
                                             ("quickly", "en"), ("comer", "de"), ("12", "fr")])
def test_unknown_verbs_are_refused_with_a_friendly_line(asked, language):
    assert verb_table(asked, language, "A1") is None
    line = unknown_verb(asked, language, "es")
    assert "verbo" in line or "idioma" in line
    assert unknown_verb("xyzzle", "es", "en") == "I don't know “xyzzle” as a verb. Check the spelling, or send its infinitive, e.g. *comer*."
    assert unknown_verb("xyzzle", "es", "fr").startswith("Je ne connais pas « xyzzle »")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ["es", "fr", "it", "pt", "ro", "ca", "en"])
@pytest.mark.parametrize("name", ["articles", "pronouns"])
def test_articles_and_pronouns_fit_and_hold_every_cell(name, language, width):
    from habla.pedagogy.grammar_data import GRAMMAR_TABLES

    table = grammar_table(name, language, width)
    (title, body), = fenced_blocks(table)
    assert all(len(line) <= width for line in body), body
    _, header, rows = GRAMMAR_TABLES[name][language]
    shown = collections.Counter(word.rstrip(":") for line in body if set(line) != {"-"} for word in line.split())
    cells = collections.Counter(word for row in rows for cell in row for word in cell.split())
    labels = {word for cell in header for word in cell.split()}
    assert not cells - shown, "every word of every cell is in the table"
    assert set(shown) <= set(cells) | labels, "and nothing else but the column names"
    assert grammar_table("adverbs", language) is None


def test_every_verbecc_language_has_its_present_and_perfect(conjugation_libraries):
    for language, verb in [("it", "essere"), ("pt", "ser"), ("ro", "fi"), ("ca", "ser")]:
        found = conjugate(verb, language)
        assert found is not None, language
        keys = [t.key for t in found.tenses]
        assert keys[0] == "present" and {"perfect", "past"} & set(keys) and "imperfect" in keys, (language, keys)
        assert all(len(t.forms) == 6 for t in found.tenses), language


def test_tables_are_wrapped_in_whatsapp_monospace():
    table = verb_table("comer", "es", "A1")
    assert table.count(FENCE) == 2 and table.splitlines()[1] == FENCE and table.endswith(FENCE)
