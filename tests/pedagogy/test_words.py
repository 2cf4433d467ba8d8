"""Stored words become flashcards ("show me my words"); verb and table requests become their answers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from habla.domain.profile import Profile
from habla.pedagogy.grammar_answers import table_answer, verb_answer
from habla.pedagogy.words import CARDS_PER_REQUEST, cards_for, words_text


@dataclass
class Word:  # the shape of the store's LearnerWord rows and of NewWord
    lemma: str
    translation: str = ""
    example: str = ""


def test_each_lemma_is_one_card_in_order_and_at_most_a_handful():
    words = [Word("comer", "to eat", "Como pan."), Word("Comer", "to eat"), Word(" la  casa ", "the house"),
             Word("", "nothing"), *[Word(f"palabra{n}") for n in range(10)]]
    cards = cards_for(words)
    assert [card.word for card in cards] == ["comer", "la casa", "palabra0", "palabra1", "palabra2"]
    assert len(cards) == CARDS_PER_REQUEST and cards[0].translation == "to eat" and cards[0].example == "Como pan."


def test_overlong_stored_text_is_trimmed_to_the_card_not_refused():
    card, = cards_for([Word("w" * 200, "t" * 500, "e " * 400)])
    assert len(card.word) == 80 and card.word.endswith("…")
    assert len(card.translation) <= 120 and len(card.example) <= 300


def test_the_line_with_the_cards_is_in_the_learners_language():
    assert words_text(3, "es") == "Tus palabras más recientes (3):"
    assert words_text(0, "en").startswith("No words saved yet")
    assert words_text(2, "xx") == "Your newest words (2):"


@pytest.fixture(scope="module", autouse=True)
def libraries(conjugation_libraries):
    pass


async def test_verb_answers_follow_the_learners_level_and_language():
    learner = Profile(target_language="es", native_language="en", level="A1")
    table = await verb_answer("comer", learner)
    assert table.startswith("*comer* · presente\n```") and "pretérito" not in table
    assert await verb_answer("xyzzle", learner) == unknown_line("xyzzle")
    assert (await verb_answer(None, learner)) == "Which verb? Write for example: *show me the verb comer*."
    english = await verb_answer("to go", Profile(target_language="en", native_language="es", level="A2"))
    assert "they went" in english


def unknown_line(verb: str) -> str:
    return f"I don't know “{verb}” as a verb. Check the spelling, or send its infinitive, e.g. *comer*."


async def test_table_answers():
    spanish = Profile(target_language="es", native_language="en")
    assert (await table_answer("articles", spanish)).startswith("*Artículos*\n```")
    assert (await table_answer("pronouns", Profile(target_language="fr", native_language="es"))).startswith("*Pronoms*")
    assert await table_answer("adverbs", spanish) == "I have tables of *articles* and *pronouns* for this language."
    german = Profile(target_language="de", native_language="es")
    assert await table_answer("articles", german) == "Todavía no tengo tablas de gramática para este idioma."
