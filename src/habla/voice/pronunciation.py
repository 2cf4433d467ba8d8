"""Pronunciation practice, pure: what the learner said (the transcript) against the phrase they were asked to say.

Words are normalised before comparing (case, punctuation, ¿¡, accents: the model's spelling of *está* vs
*esta* is not the learner's pronunciation), then aligned with a word-level edit distance. A replaced word
is *misheard* (the learner said something, we heard another word), a deleted one *missed*, an inserted one
*extra*. A near-miss spelling (gracia/gracias) still counts as misheard: that final *s* is the feedback.

Also here: the profile bookkeeping (pending phrases the tutor asked for, attempts, trouble words), kept
under the learner profile's ``pronunciation`` key as plain JSON.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ATTEMPT_MIN_OVERLAP = 0.5  # share of the target's words heard for a note to count as a try at it
PENDING_TTL_S = 6 * 3600
MAX_PENDING = 3
MAX_RECENT = 10
MAX_TROUBLE_WORDS = 50

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def normalize_word(word: str) -> str:
    """Lower case, no accents (ñ and ç kept: they are different letters, not stress marks), no punctuation."""
    word = word.lower().replace("’", "'").strip("'-")
    kept = []
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.category(char) == "Mn":
            if char == "\u0303" and kept and kept[-1] == "n":  # ñ
                kept[-1] = "ñ"
            elif char == "\u0327" and kept and kept[-1] == "c":  # ç
                kept[-1] = "ç"
            continue
        kept.append(char)
    return "".join(kept)


def words(text: str) -> list[str]:
    return [w for w in (normalize_word(token) for token in _WORD.findall(text)) if w]


def align(reference: list[str], hypothesis: list[str]) -> list[tuple[str, str | None, str | None]]:
    """Word-level Levenshtein alignment: ("ok"|"sub"|"del"|"ins", reference word, hypothesis word)."""
    rows, cols = len(reference) + 1, len(hypothesis) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            same = reference[i - 1] == hypothesis[j - 1]
            cost[i][j] = min(cost[i - 1][j - 1] + (0 if same else 1), cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    steps: list[tuple[str, str | None, str | None]] = []
    i, j = len(reference), len(hypothesis)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (0 if reference[i - 1] == hypothesis[j - 1] else 1):
            steps.append(("ok" if reference[i - 1] == hypothesis[j - 1] else "sub", reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            steps.append(("del", reference[i - 1], None))
            i -= 1
        else:
            steps.append(("ins", None, hypothesis[j - 1]))
            j -= 1
    return steps[::-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = words(reference)
    errors = sum(1 for op, _, _ in align(ref, words(hypothesis)) if op != "ok")
    return errors / max(1, len(ref))


@dataclass(frozen=True)
class Comparison:
    target: str
    heard: str
    matched: list[str] = field(default_factory=list)
    misheard: list[tuple[str, str]] = field(default_factory=list)  # (expected, heard)
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def target_words(self) -> int:
        return len(self.matched) + len(self.misheard) + len(self.missed)

    @property
    def score(self) -> float:
        return len(self.matched) / max(1, self.target_words)

    @property
    def perfect(self) -> bool:
        return not (self.misheard or self.missed)


def compare(target: str, heard: str) -> Comparison:
    result = Comparison(target=target, heard=heard)
    for op, expected, got in align(words(target), words(heard)):
        if op == "ok":
            result.matched.append(expected)
        elif op == "sub":
            result.misheard.append((expected, got))
        elif op == "del":
            result.missed.append(expected)
        else:
            result.extra.append(got)
    return result


def is_attempt(comparison: Comparison) -> bool:
    """Did the learner try to say the target, or just talk? Enough of its words, and not far longer."""
    heard_words = len(comparison.matched) + len(comparison.misheard) + len(comparison.extra)
    return comparison.score >= ATTEMPT_MIN_OVERLAP and heard_words <= 2 * comparison.target_words + 3


# -- profile bookkeeping (plain JSON under profile["pronunciation"]) ----------------------------------------


def add_pending(state: dict | None, phrases: list[str], language: str, at: float) -> dict:
    """Remember the phrases the tutor just asked the learner to say (newest last, a few at most)."""
    state = dict(state or {})
    pending = [item for item in state.get("pending", []) if at - item.get("at", 0) < PENDING_TTL_S]
    known = {item["phrase"] for item in pending}
    pending += [{"phrase": phrase, "language": language, "at": at} for phrase in phrases if phrase not in known]
    state["pending"] = pending[-MAX_PENDING:]
    return state


def best_attempt(state: dict | None, heard: str, now: float) -> Comparison | None:
    """The pending phrase this transcript is a try at, if any (the closest one)."""
    candidates = [
        compare(item["phrase"], heard)
        for item in (state or {}).get("pending", [])
        if now - item.get("at", 0) < PENDING_TTL_S
    ]
    attempts = [candidate for candidate in candidates if is_attempt(candidate)]
    return max(attempts, key=lambda candidate: candidate.score, default=None)


def record_attempt(state: dict | None, comparison: Comparison, at: float) -> dict:
    """Count the attempt, remember it, and track which words keep going wrong."""
    state = dict(state or {})
    state["attempts"] = int(state.get("attempts", 0)) + 1
    state["perfect"] = int(state.get("perfect", 0)) + (1 if comparison.perfect else 0)
    recent = list(state.get("recent", []))
    recent.append({"target": comparison.target, "heard": comparison.heard, "score": round(comparison.score, 2), "at": at})
    state["recent"] = recent[-MAX_RECENT:]
    trouble = {word: dict(counts) for word, counts in state.get("words", {}).items()}
    wrong = {expected for expected, _ in comparison.misheard} | set(comparison.missed)
    for word in {*comparison.matched, *wrong}:
        counts = trouble.setdefault(word, {"tries": 0, "wrong": 0})
        counts["tries"] += 1
        counts["wrong"] += 1 if word in wrong else 0
    # keep the words that went wrong most, then the most practised
    ranked = sorted(trouble.items(), key=lambda item: (item[1]["wrong"], item[1]["tries"]), reverse=True)
    state["words"] = dict(ranked[:MAX_TROUBLE_WORDS])
    state["pending"] = [item for item in state.get("pending", []) if item.get("phrase") != comparison.target]
    return state


def trouble_words(state: dict | None, limit: int = 5) -> list[str]:
    ranked = sorted((state or {}).get("words", {}).items(), key=lambda item: item[1]["wrong"], reverse=True)
    return [word for word, counts in ranked[:limit] if counts["wrong"] > 0]
