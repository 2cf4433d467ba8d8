"""FSRS cards as rules: keys, recurring errors, intervals across days with a controlled clock, and the
reviews a learner's own turn gives."""

from __future__ import annotations

from datetime import datetime, timezone

from habla.domain import practice_cards as rules
from habla.domain.tutor_turn import Correction

DAY = 86400.0
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp()


def _correction(original: str, corrected: str, category: str = "ser_estar") -> Correction:
    return Correction(original=original, corrected=corrected, category=category, explanation="Estar for states.",
                      severity="major")


def test_good_reviews_space_a_card_out_over_days():
    card, at, intervals = rules.new_card(START), START, []
    for _ in range(5):
        reviewed = rules.review(card, "good", at)
        intervals.append(round((reviewed.due_at - at) / 3600, 1))
        card, at = reviewed.card, reviewed.due_at
    # learning steps in hours (4 h, 20 h: a chat learner comes back the next day), then days that grow
    assert intervals[0] == 20.0 and rules.LEARNING_STEPS[1].total_seconds() == 20 * 3600
    days = [hours / 24 for hours in intervals[1:]]
    assert days[0] >= 1 and all(later > earlier * 2 for earlier, later in zip(days, days[1:]))
    assert reviewed.state == 2  # fsrs.State.Review


def test_again_sends_a_learned_card_back_to_relearning_for_hours_not_minutes():
    card, at = rules.new_card(START), START
    for _ in range(3):
        reviewed = rules.review(card, "good", at)
        card, at = reviewed.card, reviewed.due_at
    lapsed = rules.review(card, "again", at + 2 * DAY)  # reviewed late, and forgotten
    assert lapsed.state == 3  # fsrs.State.Relearning
    assert lapsed.due_at - (at + 2 * DAY) == rules.RELEARNING_STEPS[0].total_seconds()


def test_easy_graduates_a_new_card_straight_to_days_and_the_same_reviews_give_the_same_dates():
    easy = rules.review(rules.new_card(START), "easy", START)
    assert easy.state == 2 and easy.due_at - START >= DAY
    assert rules.review(rules.new_card(START), "easy", START).due_at == easy.due_at  # no fuzzing


def test_an_error_becomes_a_card_when_it_recurs():
    once = [_correction("soy cansado", "estoy cansado"), _correction("la problema", "el problema", "gender")]
    assert rules.recurring_errors(once, "es") == []
    twice = [*once, _correction("Soy cansado.", "Estoy  cansado")]  # case, spacing, punctuation: the same mistake
    [seed] = rules.recurring_errors(twice, "es")
    assert seed.key == "error:ser_estar:soy cansado→estoy cansado"
    assert (seed.kind, seed.front, seed.back, seed.hint) == ("error", "soy cansado", "estoy cansado", "Estar for states.")
    # a different category with the same words is a different habit
    other = [_correction("soy cansado", "estoy cansado", "verb_choice")] * 2
    assert [s.key for s in rules.recurring_errors(twice + other, "es")] == [
        "error:ser_estar:soy cansado→estoy cansado", "error:verb_choice:soy cansado→estoy cansado"]


def test_card_ids_are_the_same_in_every_process_and_differ_per_learner():
    key = rules.word_key("es", "Comer")
    assert key == "word:es:comer"
    assert rules.card_id("a", key) == rules.card_id("a", key) != rules.card_id("b", key)
    assert rules.review_id("c1", "turn:t1") != rules.review_id("c1", "turn:t2")


def test_the_learners_turn_reviews_the_cards_it_touches():
    word = rules.CardView("w", "word", "comer", "to eat", "")
    phrase = rules.CardView("p", "word", "de vez en cuando", "now and then", "")
    habit = rules.CardView("e", "error", "soy cansado", "estoy cansado", "ser_estar")
    untouched = rules.CardView("u", "word", "perro", "dog", "")
    cards = [word, phrase, habit, untouched]
    # the right form, the lemma (comí → comer) and a phrase used: Good
    good = rules.conversation_ratings(cards, {"comer", "comí", "hoy"}, "Hoy comí bien y estoy cansado, de vez en cuando.", [])
    assert good == {"w": "good", "p": "good", "e": "good"}
    # the same mistake again: Again
    again = rules.conversation_ratings(cards, {"ser", "soy"}, "Soy cansado", [_correction("soy cansado!", "estoy cansado")])
    assert again == {"e": "again"}
