"""Pure profile rules: validation is all or nothing, facts supersede, everything stays bounded."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from habla.domain.learner import Profile
from habla.domain.profile import (
    MAX_VOCABULARY,
    FactUpdate,
    ProfileUpdate,
    current_facts,
    merge_facts,
    merge_update,
)
from habla.llm.structured import InvalidAnswer, validate


def parse_update(text: str) -> ProfileUpdate | None:
    """What the router's complete_json does with an answer: the validated update, or None when refused."""
    try:
        return validate(text, ProfileUpdate)
    except InvalidAnswer:
        return None


def test_moving_from_madrid_to_lima_supersedes_the_old_city_and_keeps_it_as_history():
    profile = merge_update(Profile(), parse_update('{"facts": [{"key": "home_city", "value": "Madrid"}]}'), now=100.0)
    profile = merge_update(profile, parse_update('{"facts": [{"key": "home_city", "value": "Lima"}]}'), now=200.0)
    assert current_facts(profile.facts) == {"home_city": "Lima"}
    madrid = [fact for fact in profile.facts if fact.value == "Madrid"]
    assert len(madrid) == 1 and madrid[0].since == 100.0 and madrid[0].until == 200.0  # ended, not stacked


def test_repeating_a_known_fact_changes_nothing():
    facts = merge_facts([], [FactUpdate(key="job", value="nurse")], 1.0)
    assert merge_facts(facts, [FactUpdate(key="job", value="  Nurse ")], 2.0) == facts


def test_merge_does_not_touch_the_input_and_keeps_unknown_keys():
    original = Profile(pronunciation={"pending": ["perro"]})
    before = original.model_dump()
    merged = merge_update(original, ProfileUpdate(interests=["cooking"], level="B1"), now=1.0)
    assert original.model_dump() == before
    assert merged.interests == ["cooking"]
    assert merged.level == original.level  # the level is habla.pedagogy.level's, with its history
    assert merged.model_extra == {"pronunciation": {"pending": ["perro"]}}


def test_errors_count_up_with_the_latest_examples_first():
    update = ProfileUpdate.model_validate({"errors": [{"category": "Ser vs Estar", "example": "soy cansado → estoy cansado"}]})
    profile = Profile()
    for n in range(5):
        profile = merge_update(profile, update, now=float(n))
    other = ProfileUpdate.model_validate({"errors": [{"category": "ser vs estar", "example": "es en casa → está en casa"}]})
    profile = merge_update(profile, other, now=9.0)
    stat = profile.errors["ser_vs_estar"]
    assert stat.count == 6 and stat.examples[0] == "es en casa → está en casa" and len(stat.examples) == 2


def test_vocabulary_is_bounded_and_forgets_the_least_recent_words():
    profile = Profile()
    for batch in range(25):
        words = [f"palabra{batch}_{i}" for i in range(100)]
        profile = merge_update(profile, ProfileUpdate(vocabulary=words), now=float(batch))
    assert len(profile.vocabulary) == MAX_VOCABULARY
    assert "palabra24_0" in profile.vocabulary and "palabra0_0" not in profile.vocabulary


GARBAGE = [
    "",
    "Claro, aquí tienes el resumen: la alumna vive en Lima.",
    '{"facts": [{"key": "home_city", "value": "Lima"}',  # truncated
    "[]",
    "null",
    '{"level": "Z9"}',
    '{"facts": [{"key": "Home City!", "value": "Lima"}]}',
    '{"facts": [{"key": "home_city"}]}',
    '{"reminder_times": ["25:99"]}',
    '{"vocabulary": "not a list"}',
    '{"moments": [{"text": ""}]}',
    '{"summary": {"text": "x", "importance": 7}}',
    "```json\n{\"facts\": [}\n```",
]


def test_garbage_answers_are_rejected_whole():
    for text in GARBAGE:
        assert parse_update(text) is None, text


def test_fenced_and_chatty_valid_answers_are_accepted():
    assert parse_update('```json\n{"level": "b2"}\n```').level == "B2"
    assert parse_update('Here you go: {"interests": ["jazz"]} Hope it helps!').interests == ["jazz"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["level", "facts", "key", "value", "errors", "moments", "text", "summary", "vocabulary"]),
        children, max_size=4),
    max_leaves=12,
).map(json.dumps)))
def test_any_answer_either_fails_validation_or_merges_into_a_valid_profile(text):
    update = parse_update(text)
    if update is None:
        return
    merged = merge_update(Profile(), update, now=1.0)
    assert Profile.model_validate(merged.model_dump(mode="json")) == merged
