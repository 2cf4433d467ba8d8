"""The window summary as rules (no I/O): when it goes, what counts as a session worth summarising, and the
message itself.

- **When.** WhatsApp lets us write freely for 24 h after the learner's last message. The summary goes once
  that message is ``SEND_AFTER_S`` (23 h) old, so it is the last free-text word of the session. A window
  found later than ``SEND_UNTIL_S`` (23 h 45 min) is left alone: the summary would reach the sender so close
  to the window's end that it could arrive outside it, where only a paid template may go, and a template
  to deliver a recap is not worth its price.
- **What.** The session is the day before the last message (``SESSION_S``). Its key points are its
  corrections (the most serious first, one line per distinct mistake) and the words first met in it. A
  session without either had no learning content: nothing is sent.
- **Next practice.** The learner's next scheduled prompt in their own timezone ("tomorrow at 08:00"), or,
  when they never chose a time, how to choose one; a learner who turned reminders off is not nudged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from habla.domain import window_summary_text as texts
from habla.domain.practice_schedule import zone_of
from habla.domain.text import in_language

SEND_AFTER_S = 23 * 3600.0
SEND_UNTIL_S = 23.75 * 3600.0
SESSION_S = 24 * 3600.0
MAX_CORRECTIONS = 3  # a summary is read on a phone at the end of a day: the few that matter most
MAX_WORDS = 5
_SEVERITY = {"blocking": 0, "major": 1, "minor": 2}


@dataclass(frozen=True)
class Mistake:
    original: str
    corrected: str
    severity: str
    at: float


@dataclass(frozen=True)
class Word:
    lemma: str
    translation: str


@dataclass(frozen=True)
class KeyPoints:
    mistakes: list[Mistake]
    words: list[Word]

    def __bool__(self) -> bool:
        return bool(self.mistakes or self.words)


def due_range(now: float) -> tuple[float, float]:
    """(ended_after, ended_before): the last-message times whose summary is due at ``now``."""
    return now - SEND_UNTIL_S, now - SEND_AFTER_S


def session_start(last_inbound_at: float) -> float:
    return last_inbound_at - SESSION_S


def key_points(mistakes: list[Mistake], words: list[Word]) -> KeyPoints:
    """The distinct mistakes, the most serious and then the most often made first (ties: the latest), and
    the new words as given (newest first), each list cut to what fits a short message."""
    groups: dict[tuple[str, str], list[Mistake]] = {}
    for mistake in mistakes:
        key = (_plain(mistake.original), _plain(mistake.corrected))
        if key[0] != key[1]:  # one that only capitalised a letter is no key point (an accent is: "como"/"cómo")
            groups.setdefault(key, []).append(mistake)
    ranked = sorted(groups.values(), key=lambda group: (
        min(_SEVERITY.get(m.severity, 1) for m in group), -len(group), -max(m.at for m in group)))
    seen: set[str] = set()
    unique_words = []
    for word in words:
        if _plain(word.lemma) not in seen:
            seen.add(_plain(word.lemma))
            unique_words.append(word)
    return KeyPoints([max(group, key=lambda m: m.at) for group in ranked[:MAX_CORRECTIONS]],
                     unique_words[:MAX_WORDS])


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def next_practice(next_due_at: float | None, now: float, timezone_name: str | None, language: str) -> str:
    """The closing line: when the next practice prompt comes, on the learner's clock."""
    if next_due_at is None:
        return in_language(texts.NO_PRACTICE, language)
    zone = zone_of(timezone_name)
    due = datetime.fromtimestamp(next_due_at, tz=zone)
    today = datetime.fromtimestamp(now, tz=zone).date()
    at = due.strftime("%H:%M")
    if due.date() == today:
        return in_language(texts.NEXT_TODAY, language, time=at)
    if due.date() == today + timedelta(days=1):
        return in_language(texts.NEXT_TOMORROW, language, time=at)
    return in_language(texts.NEXT_ON, language, date=due.strftime("%d/%m"), time=at)


def compose(points: KeyPoints, closing: str | None, language: str) -> str:
    """The summary message: a title, the mistakes as the tutor writes them, the words, the next practice
    (``closing``; None: no line, for a learner who turned reminders off)."""
    lines = [in_language(texts.TITLE, language)]
    lines.extend(f"✏️ ~{m.original.strip()}~ → *{m.corrected.strip()}*" for m in points.mistakes)
    lines.extend(f"📝 *{w.lemma.strip()}*" + (f" — {w.translation.strip()}" if w.translation.strip() else "")
                 for w in points.words)
    if closing:
        lines.append(closing)
    return "\n".join(lines)
