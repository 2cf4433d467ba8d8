"""The adaptive placement: its path through the levels, when it stops, what it concludes, and the item banks."""

from __future__ import annotations

from importlib import resources

import pytest

from habla.domain import placement
from habla.domain.placement import PlacementState
from habla.domain.profile import CEFR_LEVELS


def _bank(language: str):
    return placement.load_bank((resources.files("habla.pedagogy") / "data" / f"placement_{language}.json").read_text())


def _run(bank, answers_right: list[bool]) -> tuple[PlacementState, list[str]]:
    state, levels = PlacementState(), []
    for right in answers_right:
        if placement.finished(state):
            break
        item = placement.pick(bank, state)
        levels.append(item.level)
        answer = item.answer if right else next(option for option in item.options if option != item.answer)
        state.answered.append((item.id, item.level, placement.grade(item, answer)))
    return state, levels


def test_the_scale_is_the_profiles():
    assert placement.CEFR_LEVELS == CEFR_LEVELS


@pytest.mark.parametrize("language", ["es", "en", "fr", "it", "pt", "de"])
def test_each_bank_has_real_items_at_every_level(language):
    bank = _bank(language)
    assert set(bank) == set(CEFR_LEVELS)
    for items in bank.values():
        assert len(items) >= 2
        for item in items:
            assert "___" in item.prompt and item.answer in item.options and len(set(item.options)) == 3


def test_a_bank_whose_answer_is_not_an_option_is_refused():
    text = '{"items": [{"id": "x", "level": "A1", "prompt": "I ___ here.", "options": ["a", "b", "c"], "answer": "d"}]}'
    with pytest.raises(ValueError):
        placement.load_bank(text)


def test_starts_at_a2_and_moves_up_on_right_down_on_wrong():
    state, levels = _run(_bank("es"), [True, True, False])
    assert levels == ["A2", "B1", "B2"]
    assert placement.finished(state) and placement.result(state) == "B1"


def test_all_right_climbs_to_the_top_in_five():
    state, levels = _run(_bank("en"), [True] * 6)
    assert levels == ["A2", "B1", "B2", "C1", "C2"]
    assert len(state.answered) == placement.MAX_ITEMS and placement.result(state) == "C2"


def test_all_wrong_ends_at_a1():
    state, levels = _run(_bank("es"), [False] * 6)
    assert levels[:2] == ["A2", "A1"]
    assert 3 <= len(state.answered) <= 5 and placement.result(state) == "A1"


def test_a_wavering_learner_gets_the_level_below_the_first_failure():
    state, levels = _run(_bank("es"), [True, False, True, True])
    assert levels == ["A2", "B1", "A2"]  # A2 passed twice, B1 failed: bracketed after three
    assert placement.finished(state) and placement.result(state) == "A2"


def test_grading_reads_numbers_letters_and_the_option_itself():
    item = _bank("es")["A2"][0]  # Ayer ___ al cine: voy / fui / iré
    assert placement.grade(item, "2") is True and placement.grade(item, "B") is True
    assert placement.grade(item, "Fui.") is True and placement.grade(item, "voy") is False
    assert placement.grade(item, "no sé, ¿qué significa?") is None  # not an answer: conversation


def test_the_question_lists_its_numbered_options():
    item = _bank("en")["A2"][0]
    assert placement.ask_text(item) == "*Yesterday we ___ to the beach.*\n1) go\n2) went\n3) gone"
