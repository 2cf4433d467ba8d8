"""Flashcards as PNG images: the word large, its translation, an example sentence, readable on a phone.

The card is 1080 × 1350 px (WhatsApp shows a 4:5 portrait image full width without cropping). Every text
colour has a contrast ratio of at least 7:1 on the background (WCAG AAA; ``contrast_ratio`` computes it the
way WCAG 2 defines it) and every line of text stays inside ``MARGIN`` px of the edges: each block (word,
translation, example) is fitted into its own box by wrapping at spaces and then shrinking the font, down to
a floor; only then is an overlong last line cut with an ellipsis, so nothing ever runs off the card.

The font is Source Sans Pro (SIL Open Font License), installed by the PyPI package ``font-source-sans-pro``
(a dependency in pyproject.toml), so a clean machine renders accents, ñ, ¿ and ¡ the same way as this one:
no system font is looked up. Its character map (read with fontTools) covers Latin-1 and Latin Extended-A/B,
which is every letter of Spanish, English, French, Italian, Portuguese, Catalan, German, Dutch and
Romanian. ``renderable(card)`` says whether a card's text is covered; the sender sends an uncovered card
(Japanese, Chinese…) as text instead of an image with empty boxes in it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

from habla.domain.messages import Flashcard

WIDTH, HEIGHT = 1080, 1350
MARGIN = 90  # px kept free on every side
BACKGROUND = (255, 255, 255)
WORD_COLOUR = (11, 31, 58)  # deep navy: 16.4:1 on white
TRANSLATION_COLOUR = (31, 41, 55)  # slate: 14.7:1
EXAMPLE_COLOUR = (55, 65, 81)  # grey: 10.3:1
ACCENT = (15, 118, 110)  # the band at the top and the rule (no text on it)
BAND_HEIGHT = 36  # px: the accent band across the top edge, the card's only ink outside the margins
TEXT_COLOURS = (WORD_COLOUR, TRANSLATION_COLOUR, EXAMPLE_COLOUR)

_FONT_PACKAGE = "font_source_sans_pro"
_FONT_FILES = {"bold": "SourceSansPro-Bold.ttf", "regular": "SourceSansPro-Regular.ttf", "italic": "SourceSansPro-It.ttf"}


@dataclass(frozen=True)
class Box:
    """Where a block of text may go: [left, right) × [top, bottom)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


# The three blocks, top to bottom. The word gets the most room; the example the rest of the card.
WORD_BOX = Box(MARGIN, 150, WIDTH - MARGIN, 560)
TRANSLATION_BOX = Box(MARGIN, 600, WIDTH - MARGIN, 800)
EXAMPLE_BOX = Box(MARGIN, 870, WIDTH - MARGIN, HEIGHT - MARGIN)
RULE_Y, RULE_HEIGHT = 835, 4  # the rule between the translation and the example


@dataclass(frozen=True)
class Style:
    face: str
    largest: int  # px: the size a short text gets
    smallest: int  # px: the floor a long text shrinks to before it is cut
    colour: tuple[int, int, int]
    line_spacing: float = 1.2


WORD_STYLE = Style("bold", 160, 60, WORD_COLOUR, 1.1)
TRANSLATION_STYLE = Style("regular", 72, 44, TRANSLATION_COLOUR)
EXAMPLE_STYLE = Style("italic", 60, 36, EXAMPLE_COLOUR, 1.3)


def font_path(face: str) -> str:
    return str(resources.files(_FONT_PACKAGE) / "files" / _FONT_FILES[face])


@lru_cache(maxsize=64)
def _font(face: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(face), size)


@lru_cache(maxsize=None)
def covered_characters(face: str = "regular") -> frozenset[int]:
    """The code points the font has a glyph for (its best Unicode cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(font_path(face), lazy=True) as font:
        return frozenset(font.getBestCmap())


def renderable(card: Flashcard) -> bool:
    """True when every letter of the card is in the font (so the image shows no empty boxes)."""
    covered = covered_characters("bold") & covered_characters("regular") & covered_characters("italic")
    text = card.word + card.translation + card.example
    return all(ord(ch) in covered or ch.isspace() for ch in text)


def render_flashcard(card: Flashcard) -> bytes:
    """The card as PNG bytes (RGB, WIDTH × HEIGHT). Blocking (tens of milliseconds): call it in a thread."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH - 1, BAND_HEIGHT - 1), fill=ACCENT)  # corners inclusive
    _draw_block(draw, card.word.strip(), WORD_STYLE, WORD_BOX, centre=True)
    if card.translation.strip():
        _draw_block(draw, card.translation.strip(), TRANSLATION_STYLE, TRANSLATION_BOX, centre=True)
    if card.example.strip():
        draw.rectangle((MARGIN, RULE_Y, WIDTH - MARGIN - 1, RULE_Y + RULE_HEIGHT - 1), fill=ACCENT)
        _draw_block(draw, card.example.strip(), EXAMPLE_STYLE, EXAMPLE_BOX, centre=False)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # zlib level 1: 5× faster than the default, ~1.5× the bytes
    return out.getvalue()


def _draw_block(draw: ImageDraw.ImageDraw, text: str, style: Style, box: Box, *, centre: bool) -> None:
    font, lines = fit(text, style, box)
    step = round(font.size * style.line_spacing)
    block_height = step * (len(lines) - 1) + _line_height(font)
    y = box.top + (box.height - block_height) // 2 if centre else box.top
    for line in lines:
        left, _, right, _ = font.getbbox(line)
        x = box.left + (box.width - (right - left)) // 2 - left if centre else box.left - left
        draw.text((x, y), line, font=font, fill=style.colour)
        y += step


def fit(text: str, style: Style, box: Box) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which ``text`` wraps into ``box`` with every word whole (found by bisection:
    a smaller size never needs more room); failing that, at the floor size, words are broken between
    letters and the lines that fit are kept, the last one cut with an ellipsis when the text is longer still."""
    low, high = style.smallest, style.largest
    best: tuple[ImageFont.FreeTypeFont, list[str]] | None = None
    while low <= high:
        size = (low + high) // 2
        font = _font(style.face, size)
        lines = wrap(text, font, box.width, break_words=False)
        if _fits(lines, font, style, box):
            best, low = (font, lines), size + 1
        else:
            high = size - 1
    if best is not None:
        return best
    font = _font(style.face, style.smallest)
    lines = wrap(text, font, box.width)
    room = max(1, _lines_that_fit(font, style, box))
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = _with_ellipsis(lines[-1], font, box.width)
    return font, lines


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, *, break_words: bool = True) -> list[str]:
    """Greedy word wrap at spaces; a single word wider than ``width`` is broken between letters (or, with
    ``break_words=False``, left whole on its own line for the caller to see that it does not fit)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if _width(candidate, font) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for piece in _break_word(word, font, width) if break_words else [word]:
                if current:
                    lines.append(current)
                current = piece
        lines.append(current)
    return [line for line in lines if line] or [""]


def _break_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    if _width(word, font) <= width:
        return [word]
    pieces, current = [], ""
    for ch in word:
        if current and _width(current + ch + "-", font) > width:
            pieces.append(current + "-")
            current = ch
        else:
            current += ch
    return pieces + [current]


def _with_ellipsis(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    while line and _width(line + "…", font) > width:
        line = line[:-1].rstrip()
    return line + "…"


def _fits(lines: list[str], font: ImageFont.FreeTypeFont, style: Style, box: Box) -> bool:
    return len(lines) <= _lines_that_fit(font, style, box) and all(_width(line, font) <= box.width for line in lines)


def _lines_that_fit(font: ImageFont.FreeTypeFont, style: Style, box: Box) -> int:
    step = round(font.size * style.line_spacing)
    return 1 + max(0, (box.height - _line_height(font)) // step)


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _width(text: str, font: ImageFont.FreeTypeFont) -> int:
    left, _, right, _ = font.getbbox(text)
    return right - left


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2's contrast ratio, 1 to 21; AAA asks at least 7 for body text."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
