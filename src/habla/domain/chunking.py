"""Split a tutor reply into messages a messaging channel accepts.

Twilio caps a WhatsApp body at 1,600 characters and the Graph API at 4,096 UTF-16 code units, so a long
reply has to go out as several messages. Each cut should land where a reader expects a pause:

    paragraph (blank line) > line break / sentence end > clause (, ; : or before ¿ ¡) > word
    > word inside a *bold* / _italic_ / ~strike~ span > hard cut inside a word (last resort)

The text is read as *atoms*: runs of non-whitespace, where a ```monospace``` block (which may contain
whitespace) is glued into the run it sits in. Cuts only happen in the whitespace between atoms, so a word, a
URL or a code block is never split unless it alone is longer than the limit. Such an atom is split once, up
front: a code block at line boundaries with every piece re-fenced (so each message renders on its own), any
other run by characters, avoiding cuts inside a URL that fits and inside an emoji sequence.

Lengths are UTF-16 code units (what WhatsApp counts), so an emoji outside the BMP costs 2.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Below this a re-fenced code piece ("```\n" + "\n```") would leave no room for code.
MIN_LIMIT = 16

# How good a gap between two atoms is as a place to cut; the packer takes the best one that fits.
HARD, IN_SPAN, WORD, CLAUSE, SENTENCE, PARAGRAPH = range(-1, 5)

FENCE = "```"
# A run of non-whitespace in which a fenced block counts as one character. An unclosed ``` is plain text.
_ATOM = re.compile(r"(?:```[\s\S]*?```|\S)+")
_FENCED = re.compile(r"(```[\s\S]*?```)")
# URL without trailing sentence punctuation, so "see https://x.org." keeps the full stop outside.
_URL = re.compile(r"(?:https?://|www\.)\S*[^\s.,;:!?)\]'\"*_~]", re.IGNORECASE)
# WhatsApp inline formatting: marker after a non-word char, content neither starting nor ending in space.
_SPANS = [
    re.compile(rf"(?<![\w{m}]){m}(?![\s{m}])[^\n{m}]+?(?<![\s{m}]){m}(?![\w{m}])")
    for m in (re.escape("*"), "_", "~")
]
_SENTENCE_END = ".!?…"
_CLAUSE_END = ",;:"
_OPENERS = "¿¡"
# Closing quotes/brackets/format markers that may follow a sentence's punctuation: «¿Vienes?» / *¡Bien!*
_CLOSERS = "\"'”’»)]*_~"
_ZWJ = "\u200d"


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units: characters outside the BMP (most emoji) count twice."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


@dataclass(frozen=True, slots=True)
class _Atom:
    text: str
    sep: str  # the whitespace that preceded it in the source ("" when glued or first)
    level: int  # how good the gap before it is as a cut
    size: int  # utf16_len(sep) + utf16_len(text), precomputed for the packer


def split_message(text: str, target: int = 1600, hard_limit: int | None = None) -> list[str]:
    """Split ``text`` into non-empty, stripped chunks of at most ``min(target, hard_limit)`` UTF-16 units."""
    limit = target if hard_limit is None else min(target, hard_limit)
    if limit < MIN_LIMIT:
        raise ValueError(f"chunk limit must be at least {MIN_LIMIT} characters, got {limit}")
    if not text or text.isspace():
        return []
    return _pack(_atoms(text, limit), limit)


def _atoms(text: str, limit: int) -> list[_Atom]:
    protected = _protected_positions(text, limit)
    atoms: list[_Atom] = []
    prev_end, prev_token = -1, ""
    for match in _ATOM.finditer(text):
        token = match.group()
        if prev_end < 0:
            sep, level = "", PARAGRAPH
        else:
            sep = text[prev_end : match.start()]
            level = _gap_level(prev_token, sep, token, bool(protected[prev_end]))
        prev_end, prev_token = match.end(), token
        if utf16_len(token) <= limit:
            atoms.append(_Atom(token, sep, level, utf16_len(sep) + utf16_len(token)))
            continue
        for k, (piece, inner_sep, inner_level) in enumerate(_split_oversize(token, limit)):
            piece_sep, piece_level = (sep, level) if k == 0 else (inner_sep, inner_level)
            atoms.append(_Atom(piece, piece_sep, piece_level, utf16_len(piece_sep) + utf16_len(piece)))
    return atoms


def _gap_level(prev: str, sep: str, nxt: str, in_span: bool) -> int:
    if sep.count("\n") >= 2:  # the separator is all whitespace, so two newlines make a blank line
        return PARAGRAPH
    if in_span:
        return IN_SPAN
    if "\n" in sep or _ends_sentence(prev):
        return SENTENCE
    if prev.endswith(tuple(_CLAUSE_END)) or nxt.startswith(tuple(_OPENERS)):
        # Spanish opens a question/exclamation with ¿/¡: "Bien, ¿y tú?" reads well cut before the ¿.
        return CLAUSE
    return WORD


def _ends_sentence(word: str) -> bool:
    stripped = word.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _protected_positions(text: str, limit: int) -> bytearray:
    """Mark characters strictly inside a formatting span short enough to keep whole."""
    marks = bytearray(len(text) + 1)
    for pattern in _SPANS:
        for m in pattern.finditer(text):
            if utf16_len(m.group()) <= limit:
                marks[m.start() + 1 : m.end() - 1] = b"\x01" * (m.end() - m.start() - 2)
    return marks


def _pack(atoms: list[_Atom], limit: int) -> list[str]:
    """Greedy: fill each chunk as far as the limit allows, then cut at the best gap seen (last on ties)."""
    chunks: list[str] = []
    i, n = 0, len(atoms)
    while i < n:
        size = utf16_len(atoms[i].text)
        j, best, best_level = i, i, HARD - 1
        while j + 1 < n:
            nxt = atoms[j + 1]
            if nxt.level >= best_level:
                best, best_level = j, nxt.level
            if size + nxt.size > limit:
                break
            size += nxt.size
            j += 1
        else:
            best = n - 1  # everything left fits
        chunk = atoms[i].text + "".join(a.sep + a.text for a in atoms[i + 1 : best + 1])
        chunks.append(chunk.strip())
        i = best + 1
    return chunks


def _split_oversize(token: str, limit: int) -> list[tuple[str, str, int]]:
    """Pieces (text, separator before, gap level) of one atom longer than the limit."""
    pieces: list[tuple[str, str, int]] = []
    for part in _FENCED.split(token):
        if not part:
            continue
        if part.startswith(FENCE) and part.endswith(FENCE) and len(part) >= 6 and _FENCED.fullmatch(part):
            sub = [(p, "\n", PARAGRAPH) for p in _split_code(part, limit)]
        else:
            sub = [(p, "", HARD) for p in _hard_cut(part, limit)]
        if sub:
            # Glued text before/after a block has no whitespace to keep; the gap is a hard cut.
            sub[0] = (sub[0][0], "", HARD)
        pieces.extend(sub)
    return pieces


def _split_code(block: str, limit: int) -> list[str]:
    """Split a fenced block at line boundaries; every piece gets its own fences so it renders alone."""
    inner = block[len(FENCE) : -len(FENCE)]
    lead = "\n" if inner.startswith("\n") else ""
    trail = "\n" if inner.endswith("\n") and len(inner) > len(lead) else ""
    body = inner[len(lead) : len(inner) - len(trail)]
    room = limit - 2 * len(FENCE) - len(lead) - len(trail)
    lines: list[str] = []
    for line in body.split("\n"):
        # A single line wider than the room is cut: the one case where code layout changes.
        lines.extend(_hard_cut(line, room) if utf16_len(line) > room else [line])
    groups: list[list[str]] = [[]]
    size = -1  # no newline before the first line of a group
    for line in lines:
        grow = 1 + utf16_len(line)
        if groups[-1] and size + grow > room:
            groups.append([])
            size = -1
        groups[-1].append(line)
        size += grow
    # A group of blank lines carries no content and would render as an empty box: drop it.
    return [FENCE + lead + "\n".join(g) + trail + FENCE for g in groups if "".join(g).strip()]


def _hard_cut(s: str, limit: int) -> list[str]:
    """Cut a whitespace-free run into pieces of at most ``limit`` units (the last resort)."""
    urls = [(m.start(), m.end()) for m in _URL.finditer(s) if utf16_len(m.group()) <= limit]
    pieces: list[str] = []
    start = 0
    while start < len(s):
        end, size = start, 0
        while end < len(s) and size + utf16_len(s[end]) <= limit:
            size += utf16_len(s[end])
            end += 1
        if end < len(s):
            end = _safe_cut(s, start, end, urls)
        pieces.append(s[start:end])
        start = end
    return pieces


def _safe_cut(s: str, start: int, end: int, urls: list[tuple[int, int]]) -> int:
    """Move a cut back out of a URL that fits, or out of an emoji/accent sequence, if that leaves a piece."""
    for url_start, url_end in urls:
        if start < url_start < end < url_end:
            return url_start
    cut = end
    while cut > start + 1 and _glued(s, cut):
        cut -= 1
    return cut if not _glued(s, cut) else end


def _glued(s: str, i: int) -> bool:
    """True when s[i] belongs to the same user-perceived character as s[i-1]."""
    ch, prev = s[i], s[i - 1]
    if prev == _ZWJ or ch == _ZWJ:
        return True
    if unicodedata.category(ch) in ("Mn", "Me", "Mc"):
        return True
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # variation selector, skin tone, subdivision-flag tag
    if _is_regional(ch) and _is_regional(prev):
        run = 0  # flags are pairs of regional indicators: glued when an odd run precedes
        while i - run - 1 >= 0 and _is_regional(s[i - run - 1]):
            run += 1
        return run % 2 == 1
    return False


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF
