"""The placement: a few fill-the-gap items, adaptive (start at A2, up one level on a right answer, down one
on a wrong one), graded by the stored answer, never by a model. Pure: the item bank is parsed from the
JSON text the caller read (habla/pedagogy/data/placement_<lang>.json)."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

# the CEFR scale (the same as domain.profile.CEFR_LEVELS, which imports this module's state)
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")

START = "A2"
MIN_ITEMS = 3
MAX_ITEMS = 5


class Item(BaseModel):
    id: str
    level: str
    prompt: str  # the sentence, with ___ for the gap
    options: list[str] = Field(min_length=3, max_length=3)
    answer: str


class PlacementState(BaseModel):
    """Progress through the placement: the item out, and (item id, level, right?) for each one answered."""

    current: str | None = None
    answered: list[tuple[str, str, bool]] = Field(default_factory=list)


def load_bank(text: str) -> dict[str, list[Item]]:
    """Items by level; every answer must be one of its options (a bank that cannot grade is refused)."""
    items = [Item.model_validate(item) for item in json.loads(text)["items"]]
    bank: dict[str, list[Item]] = {}
    for item in items:
        if item.answer not in item.options or item.level not in CEFR_LEVELS:
            raise ValueError(f"placement item {item.id}: answer not among its options, or unknown level")
        bank.setdefault(item.level, []).append(item)
    return bank


def next_level(state: PlacementState) -> str:
    if not state.answered:
        return START
    _, level, right = state.answered[-1]
    index = CEFR_LEVELS.index(level) + (1 if right else -1)
    return CEFR_LEVELS[max(0, min(len(CEFR_LEVELS) - 1, index))]


def finished(state: PlacementState) -> bool:
    """After MAX_ITEMS, or from MIN_ITEMS on once a level was passed and the one above it failed."""
    count = len(state.answered)
    if count >= MAX_ITEMS:
        return True
    if count < MIN_ITEMS:
        return False
    passed = {CEFR_LEVELS.index(level) for _, level, right in state.answered if right}
    failed = {CEFR_LEVELS.index(level) for _, level, right in state.answered if not right}
    return any(index + 1 in failed for index in passed) or (0 in failed and not passed)


def result(state: PlacementState) -> str:
    """The highest level passed that no failure at or below it contradicts; A1 when nothing was passed."""
    failed = [CEFR_LEVELS.index(level) for _, level, right in state.answered if not right]
    lowest_failed = min(failed, default=len(CEFR_LEVELS))
    passed = [CEFR_LEVELS.index(level) for _, level, right in state.answered if right]
    standing = [index for index in passed if index < lowest_failed]
    if standing:
        return CEFR_LEVELS[max(standing)]
    return CEFR_LEVELS[max(0, lowest_failed - 1)] if failed else START


def pick(bank: dict[str, list[Item]], state: PlacementState) -> Item | None:
    """An item not yet asked at the level the answers so far point to (the nearest level that has one)."""
    asked = {item_id for item_id, _, _ in state.answered}
    level = CEFR_LEVELS.index(next_level(state))
    for distance in range(len(CEFR_LEVELS)):
        for index in (level - distance, level + distance):
            if 0 <= index < len(CEFR_LEVELS):
                fresh = [item for item in bank.get(CEFR_LEVELS[index], []) if item.id not in asked]
                if fresh:
                    return fresh[0]
    return None


def grade(item: Item, text: str) -> bool | None:
    """True/False for an answer ("2", "b", or the option itself); None when the text is not an answer."""
    said = " ".join(text.strip().strip(".!¡¿?").split()).casefold()
    chosen = None
    if said in {"1", "2", "3"}:
        chosen = item.options[int(said) - 1]
    elif said in {"a", "b", "c"}:
        chosen = item.options["abc".index(said)]
    else:
        chosen = next((option for option in item.options if option.casefold() == said), None)
    return None if chosen is None else chosen == item.answer


def ask_text(item: Item) -> str:
    options = "\n".join(f"{number}) {option}" for number, option in enumerate(item.options, 1))
    return f"*{item.prompt}*\n{options}"
