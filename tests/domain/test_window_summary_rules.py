"""The window summary's rules: which last messages are due, which mistakes and words make the key points,
and the next practice time on the learner's clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from habla.domain import window_summary as rules
from habla.domain.window_summary import KeyPoints, Mistake, Word

NEW_YORK = ZoneInfo("America/New_York")


def _at(text: str, zone=NEW_YORK) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def test_the_due_range_is_the_messages_between_23_h_and_23_h_45_min_old():
    now = 1_000_000.0
    ended_after, ended_before = rules.due_range(now)
    assert now - ended_before == 23 * 3600 and now - ended_after == 23.75 * 3600


def test_the_most_serious_then_most_repeated_mistakes_come_first_each_once():
    mistakes = [
        Mistake("como", "cómo", "minor", 1.0),
        Mistake("soy cansado", "estoy cansado", "major", 2.0),
        Mistake("Soy  cansado", "estoy cansado", "major", 5.0),  # the same mistake, spaced and cased differently
        Mistake("comido un playa", "comí en la playa", "blocking", 3.0),
        Mistake("ayer", "Ayer", "minor", 4.0),  # only a capital letter: no key point
        Mistake("la problema", "el problema", "major", 6.0),
    ]
    points = rules.key_points(mistakes, [])
    assert [(m.original, m.corrected) for m in points.mistakes] == [
        ("comido un playa", "comí en la playa"),  # blocking
        ("Soy  cansado", "estoy cansado"),  # major, twice: its latest wording
        ("la problema", "el problema"),  # major, once
    ]
    assert len(points.mistakes) == rules.MAX_CORRECTIONS  # "como → cómo" (an accent, a real mistake) is cut by the cap
    assert [m.corrected for m in rules.key_points(mistakes[:1], []).mistakes] == ["cómo"]


def test_words_keep_their_order_once_each_up_to_the_cap():
    words = [Word(lemma, "") for lemma in ("perro", "Perro", "gato", "casa", "mesa", "silla", "libro")]
    assert [w.lemma for w in rules.key_points([], words).words] == ["perro", "gato", "casa", "mesa", "silla"]


def test_a_session_without_mistakes_or_words_has_no_key_points():
    assert not rules.key_points([Mistake("ayer", "Ayer", "minor", 1.0)], [])
    assert rules.key_points([], [Word("perro", "dog")])


def test_the_next_practice_is_said_on_the_learners_clock_today_tomorrow_or_by_date():
    now = _at("2026-03-07T21:00")  # Saturday evening in New York, the night before clocks spring forward
    zone = "America/New_York"
    assert rules.next_practice(_at("2026-03-07T22:30"), now, zone, "en") == "⏰ Next practice: today at 22:30."
    # 08:00 on Sunday is EDT (UTC-4), on Saturday it was EST (UTC-5): still said as 08:00
    assert rules.next_practice(_at("2026-03-08T08:00"), now, zone, "es") == "⏰ Próxima práctica: mañana a las 08:00."
    assert rules.next_practice(_at("2026-03-10T08:00"), now, zone, "en") == "⏰ Next practice: 10/03 at 08:00."
    assert rules.next_practice(None, now, zone, "en").startswith("⏰ Say *remind me at 8*")


def test_the_message_lists_the_points_between_its_title_and_closing_line():
    points = KeyPoints([Mistake(" soy cansado ", "estoy cansado", "major", 1.0)],
                       [Word("perro", "dog"), Word("gato", "")])
    assert rules.compose(points, "⏰ Next practice: tomorrow at 08:00.", "en").splitlines() == [
        "📋 *Today's key points*",
        "✏️ ~soy cansado~ → *estoy cansado*",
        "📝 *perro* — dog",
        "📝 *gato*",
        "⏰ Next practice: tomorrow at 08:00.",
    ]
