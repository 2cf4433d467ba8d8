"""When to recall, and how a memory is matched across languages (pure rules; the search is in memory/).

Recall runs only when the learner refers to the past ("remember the recipe?", "¿te acuerdas de…?"), so an
ordinary turn pays nothing for it.

Cross-language matching. The default embedding model (all-MiniLM-L6-v2) is English-only: an English
sentence and its Spanish translation score near zero. So:

1. memories are written by the memory agent in one pivot language, English, each with keywords in English,
   the learner's target language and their native language;
2. a query is scored by its embedding (good when it is in English) plus a lexical match of its terms against
   those keywords (good in any of the three languages, no translation call on the reply path).

Terms are case-folded, accent-free, stop words dropped, and cut to ``STEM`` characters, a crude stemmer that
works across English and Romance languages (receta/recetas, cooking/cook, viajar/viaje).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from habla.domain.text import fold

STEM = 5
LEXICAL_WEIGHT = 0.6  # a full keyword match is worth this much cosine similarity
# An English-only model gives unrelated Spanish/English pairs cosines up to ~0.3: below MIN_SCORE a memory is
# noise, not a recollection; and far below the best match (RELATIVE_FLOOR of it) it only distracts.
MIN_SCORE = 0.35
RELATIVE_FLOOR = 0.5

_PAST_PATTERNS = [
    # English
    r"\bremember\b", r"\brecall\b", r"\blast (time|week|month|session)\b", r"\bwe (talked|spoke|discussed|chatted)\b",
    r"\byou (told|said to) me\b", r"\bdid i (tell|mention)\b", r"\bi (told|mentioned to) you\b", r"\bearlier\b.*\bsaid\b",
    r"\bthe other day\b",
    # Spanish
    r"\bte acuerdas\b", r"\bacuerdas\b", r"\brecuerdas\b", r"\bacuerdate\b", r"\brecuerda(me)?\b", r"\bla ultima vez\b",
    r"\bla semana pasada\b", r"\bhablamos\b", r"\bme dijiste\b", r"\bte (dije|conte|mencione)\b", r"\bel otro dia\b",
    r"\bya te (dije|conte)\b",
    # French, Italian, Portuguese, German
    r"\b(tu te souviens|te souviens|rappelles)\b", r"\b(ti ricordi|ricordi)\b", r"\b(lembras|se lembra|lembra)\b",
    r"\b(erinnerst|weisst du noch)\b",
]
_PAST = re.compile("|".join(_PAST_PATTERNS))

_STOP_WORDS = frozenset(
    """
    a an the and or but of to in on at for with about from by as is are was were be been being it its this that
    these those i me my you your we our he she they them his her their what which who do did does have has had
    not no yes so if then than there here just very can could would should will shall may might must also
    remember recall last time week talked spoke told said tell mention mentioned earlier other day session
    el la los las un una unos unas y o pero de del al en con por para sobre que como es son era fue ser estar
    esta este esto eso esa ese lo le les se me te mi mis tu tus su sus nos yo ella ellos ellas no si ya muy
    acuerdas recuerdas acuerdate recuerda hablamos dijiste dije conte ultima vez semana pasada otro dia
    hay tengo tiene tienes hace hizo
    """.split()
)


def refers_to_past(text: str) -> bool:
    return bool(_PAST.search(fold(text)))


def terms(text: str) -> set[str]:
    """The lexical keys of a text: folded words, no stop words, cut to STEM characters."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    return {word[:STEM] for word in words if len(word) > 2 and word not in _STOP_WORDS}


def terms_field(texts: list[str]) -> str:
    """How terms are stored beside a memory: space separated, with spaces around, sorted."""
    found: set[str] = set()
    for text in texts:
        found |= terms(text)
    return " " + " ".join(sorted(found)) + " " if found else ""


@dataclass(frozen=True)
class Candidate:
    id: str
    cosine: float  # 0 when the memory has no vector comparable with the query's
    terms: str  # the stored terms field
    importance: float


def lexical_score(query_terms: set[str], stored_terms: str) -> float:
    """Share of the query's terms found among the memory's, damped for one-word matches."""
    if not query_terms or not stored_terms:
        return 0.0
    hits = sum(1 for term in query_terms if f" {term} " in stored_terms)
    if hits == 0:
        return 0.0
    return min(1.0, hits / math.sqrt(len(query_terms) * 2))


def rank(query_terms: set[str], candidates: list[Candidate], k: int, min_score: float = MIN_SCORE) -> list[tuple[str, float]]:
    """(memory id, score) of the best ``k`` candidates above ``min_score``, best first."""
    scored = []
    for candidate in candidates:
        score = candidate.cosine + LEXICAL_WEIGHT * lexical_score(query_terms, candidate.terms)
        score += 0.01 * candidate.importance  # breaks ties towards key moments
        if score >= min_score:
            scored.append((candidate.id, score))
    scored.sort(key=lambda item: item[1], reverse=True)
    if scored:
        floor = scored[0][1] * RELATIVE_FLOOR
        scored = [item for item in scored if item[1] >= floor]
    return scored[:k]
