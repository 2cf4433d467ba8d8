"""Where a learner says they are, as an IANA time zone: "London", "Nueva York", "São Paulo", "Japan".

Names come from data, not a hand-written list: every tzdata zone's city ("America/Mexico_City" → "mexico
city"), the city names CLDR gives in each of the six languages (Babel: "Londres", "Nueva York", "Lisboa"),
and country names in those languages (Babel's territories) with the country's zones from CLDR. A country
whose zones all keep the same clock (Germany's two, Argentina's twelve) is that clock; one whose zones differ
(Spain with the Canaries, the United States) is ``ambiguous``: the learner is asked for a city rather than
given a guess that is hours out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, available_timezones

from habla.domain.text import fold

LANGUAGES = ("en", "es", "fr", "it", "pt", "de")
MAX_PLACE_WORDS = 4
# two instants, winter and summer in either hemisphere: zones with the same offsets at both keep one clock
_SAMPLES = (datetime(2026, 1, 15, 12, tzinfo=timezone.utc), datetime(2026, 7, 15, 12, tzinfo=timezone.utc))
# "the", "la"…: "I'm in the Netherlands", "je suis à la Havane" (folded, so without accents)
_ARTICLE = re.compile(r"^(?:the|el|la|los|las|le|les|l'|il|lo|o|a|os|as|der|die|das|den) ?")


@dataclass(frozen=True)
class Place:
    zone: str | None  # None: a known country with several zones
    ambiguous: bool = False


def _usable(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError, OSError):  # an alias this tzdata does not carry
        return False
    return True


def _one_clock(zones: list[str]) -> bool:
    return len({tuple(at.astimezone(ZoneInfo(zone)).utcoffset() for at in _SAMPLES) for zone in zones}) == 1


@functools.lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    from babel import Locale
    from babel.core import get_global

    places: dict[str, Place] = {}
    for zone in sorted(available_timezones()):
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/")):
            places.setdefault(fold(zone.rsplit("/", 1)[1].replace("_", " ")), Place(zone))
            # the IANA name itself, as the command rules leave it ("Europe/London" → "europe london")
            places.setdefault(fold(zone.replace("/", " ").replace("_", " ")), Place(zone))
    territory_zones = get_global("territory_zones")
    for language in LANGUAGES:
        locale = Locale.parse(language)
        for zone, names in locale.time_zones.items():
            city = names.get("city")
            if city and _usable(zone):
                places.setdefault(fold(city), Place(zone))
        for code, name in locale.territories.items():
            zones = [zone for zone in territory_zones.get(code, ()) if _usable(zone)]
            if zones and _one_clock(zones):
                places.setdefault(fold(name), Place(zones[0]))
            elif zones:
                places.setdefault(fold(name), Place(None, ambiguous=True))
    return places


def place(name: str) -> Place | None:
    """The zone of the place ``name`` names (a city or a country), or None when it names none we know."""
    words = fold(" ".join(name.replace("-", " ").replace("_", " ").split())).strip(" .,!?")
    if not words or len(words.split()) > MAX_PLACE_WORDS:
        return None
    places = _places()
    return places.get(words) or places.get(_ARTICLE.sub("", words, count=1))


_MENTION = re.compile(r"\b(?:in|en|a|à|au|aux|em|no|na|nel|nella|from|de|desde)\s+([^\d,.;:!?()]+)", re.IGNORECASE)


def mentioned(text: str) -> Place | None:
    """A place named after "in" / "en" / "à"… anywhere in ``text`` ("8:00, but I'm in London"), the longest
    name that is one; None when there is none."""
    for match in _MENTION.finditer(text or ""):
        words = match.group(1).split()[:MAX_PLACE_WORDS]
        for size in range(len(words), 0, -1):
            found = place(" ".join(words[:size]))
            if found is not None:
                return found
    return None
