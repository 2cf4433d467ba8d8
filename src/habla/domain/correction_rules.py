"""Which of the model's corrections are real, and which of those the learner sees.

The model's list is a proposal. A correction is kept only when

- it changes something (``tutor_turn.is_real``): a correct sentence gets no correction;
- its ``original`` is in what the learner wrote (ignoring case, accents and spacing): a small model likes
  to "correct" words nobody wrote, or its own reply;
- it is not a repeat of one already kept;

and its category is mapped onto the pair's taxonomy (``taxonomy.normalise``), so an odd label never drops
a correction and never invents a category. Everything kept is stored (the level and the learner's progress
count every mistake); strictness only decides what is *shown*: gentle shows what blocks meaning, normal
adds clear mistakes, strict shows every slip.
"""

from __future__ import annotations

from habla.domain.taxonomy import normalise
from habla.domain.text import fold
from habla.domain.tutor_turn import Correction, is_real

SHOWN_SEVERITIES: dict[str, frozenset[str]] = {
    "gentle": frozenset({"blocking"}),
    "normal": frozenset({"major", "blocking"}),
    "strict": frozenset({"minor", "major", "blocking"}),
}
MAX_SHOWN = 3  # a phone screen of corrections is a lecture, not a reply


def _squash(text: str) -> str:
    return " ".join(fold(text).split()).strip(" .,;:!?¡¿\"'«»“”")


def kept(corrections: list[Correction], learner_text: str, target: str, native: str) -> list[Correction]:
    """The real corrections of the learner's message, categories on the taxonomy, in the model's order."""
    said = " ".join(fold(learner_text).split())
    result: list[Correction] = []
    seen: set[tuple[str, str]] = set()
    for correction in corrections:
        original = _squash(correction.original)
        if not is_real(correction) or not original or original not in said:
            continue
        key = (original, _squash(correction.corrected))
        if key in seen:
            continue
        seen.add(key)
        result.append(correction.model_copy(update={"category": normalise(correction.category, target, native)}))
    return result


def shown(corrections: list[Correction], strictness: str) -> list[Correction]:
    """What this learner's strictness shows, most serious first (ties keep the model's order)."""
    allowed = SHOWN_SEVERITIES.get(strictness, SHOWN_SEVERITIES["normal"])
    rank = {"blocking": 0, "major": 1, "minor": 2}
    visible = [c for c in corrections if c.severity in allowed]
    return sorted(visible, key=lambda c: rank[c.severity])[:MAX_SHOWN]
