"""Clock times as learners write them, in en/es/fr/it/pt/de: "8", "7:30", "8pm", "20:00", "a las 8 de la
tarde", "à 8h30", "alle 8", "às 19h", "um 8 Uhr abends". Pure: text in, sorted "HH:MM" strings out.

A bare hour is read as written (8 → 08:00); an evening marker ("pm", "de la tarde", "du soir", "di sera",
"da noite", "abends") moves hours 1–11 to the afternoon, a morning marker ("am", "12 am") keeps them.
"""

from __future__ import annotations

import re

# hour, optional minutes after ":" "." or "h", then an optional marker right after it
_TIME = re.compile(
    r"(?<![\d:])(?P<hour>[01]?\d|2[0-4])(?:(?:[:.]|h)(?P<minute>[0-5]\d)|(?P<h>h))?(?![\d:])"
    r"\s*(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)?(?![a-z])",
    re.IGNORECASE,
)
# what may follow a time to say afternoon/evening or morning (a few words at most)
_EVENING = re.compile(
    r"^\s*(?:uhr\s+)?(?:in the (?:evening|afternoon)|at night|tonight|de la (?:tarde|noche)|du soir|de l'apr[eè]s-midi"
    r"|di sera|del pomeriggio|di notte|da (?:tarde|noite)|[àa] noite|abends|nachmittags|am abend|am nachmittag)\b",
    re.IGNORECASE,
)
_MORNING = re.compile(
    r"^\s*(?:uhr\s+)?(?:in the morning|de la ma[ñn]ana|du matin|di mattina|del mattino|da manh[ãa]|morgens|am morgen|fr[üu]h)\b",
    re.IGNORECASE,
)


def clock_times(text: str) -> list[str]:
    """Every clock time in ``text`` as "HH:MM", sorted, without repeats."""
    found: set[str] = set()
    for match in _TIME.finditer(text):
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        marker = (match["ampm"] or "").replace(".", "").replace(" ", "").lower()
        rest = text[match.end():]
        if marker == "pm" or (not marker and _EVENING.match(rest)):
            if 1 <= hour <= 11:
                hour += 12
        elif marker == "am" or _MORNING.match(rest):
            if hour == 12:
                hour = 0
        if hour == 24 and minute == 0:
            hour = 0
        if hour > 23:
            continue
        found.add(f"{hour:02d}:{minute:02d}")
    return sorted(found)


def without_times(text: str) -> str:
    """``text`` with its clock times taken out (what else a "remind me at 8 …" message says)."""
    return _TIME.sub(" ", text)
