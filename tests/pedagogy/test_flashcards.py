"""Flashcard images, decoded and measured: size, text inside the margins, contrast, long text shrunk or
wrapped (never overflowing), and the font's coverage of accents, ñ, ¿ and ¡."""

from __future__ import annotations

import collections
import io

import numpy as np
import pytest
from PIL import Image, ImageChops

from habla.domain.messages import Flashcard
from habla.pedagogy import flashcards
from habla.pedagogy.flashcards import (
    BACKGROUND, BAND_HEIGHT, EXAMPLE_BOX, HEIGHT, MARGIN, TRANSLATION_BOX, WIDTH, WORD_BOX, contrast_ratio, covered_characters,
    render_flashcard, renderable,
)

SHORT = Flashcard(word="el niño", translation="the child", example="¿Dónde está el niño? ¡Allí, en el jardín!")
LONG = Flashcard(
    word="electroencefalografista",
    translation="electroencephalographer (a specialist who records the electrical activity of the brain)",
    example=" ".join(["Mañana por la mañana el pequeño electroencefalografista desayunará café con leche."] * 3),
)
ENDLESS = Flashcard(word="ponerse de acuerdo con alguien sobre algo importante", translation="x" * 120,
                    example="¡" + "muy " * 70 + "bien!")


def decode(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "RGB"
    return np.asarray(image)


def ink(pixels: np.ndarray) -> np.ndarray:
    """True where a pixel is not the background."""
    return np.any(pixels != np.array(BACKGROUND, dtype=pixels.dtype), axis=2)


def ink_box(pixels: np.ndarray, box) -> tuple[int, int, int, int] | None:
    region = ink(pixels[box.top:box.bottom, box.left:box.right])
    ys, xs = np.nonzero(region)
    if len(xs) == 0:
        return None
    return box.left + xs.min(), box.top + ys.min(), box.left + xs.max() + 1, box.top + ys.max() + 1


def text_lines(pixels: np.ndarray, box) -> int:
    """Bands of rows with ink in them, separated by blank rows: the lines of text in ``box``."""
    rows = ink(pixels[box.top:box.bottom, box.left:box.right]).any(axis=1)
    return int(np.sum(rows[1:] & ~rows[:-1]) + rows[0])


@pytest.mark.parametrize("card", [SHORT, LONG, ENDLESS], ids=["short", "long", "endless"])
def test_card_is_a_large_png_with_every_text_pixel_inside_the_margins(card):
    pixels = decode(render_flashcard(card))
    assert pixels.shape == (HEIGHT, WIDTH, 3) and WIDTH >= 1080
    body = ink(pixels)
    body[:BAND_HEIGHT, :] = False  # the accent band: decoration, not text
    ys, xs = np.nonzero(body)
    assert xs.min() >= MARGIN and xs.max() < WIDTH - MARGIN, (xs.min(), xs.max())
    assert ys.min() >= MARGIN and ys.max() < HEIGHT - MARGIN, (ys.min(), ys.max())
    blocks = np.zeros_like(body)
    for box in (WORD_BOX, TRANSLATION_BOX, EXAMPLE_BOX):
        blocks[box.top:box.bottom, box.left:box.right] = True
    blocks[flashcards.RULE_Y:flashcards.RULE_Y + flashcards.RULE_HEIGHT, MARGIN:WIDTH - MARGIN] = True
    assert not (body & ~blocks).any(), "ink between the blocks: some text ran out of its box"


@pytest.mark.parametrize("box", [WORD_BOX, TRANSLATION_BOX, EXAMPLE_BOX], ids=["word", "translation", "example"])
def test_text_contrast_is_at_least_7_to_1(box):
    pixels = decode(render_flashcard(SHORT))
    region = pixels[box.top:box.bottom, box.left:box.right].reshape(-1, 3)
    background = tuple(int(c) for c in pixels[HEIGHT - 5, WIDTH // 2])
    colours = collections.Counter(tuple(int(c) for c in p) for p in region if tuple(p) != background)
    text_colour, _ = colours.most_common(1)[0]  # the glyphs' solid interior (edges are anti-aliased)
    assert contrast_ratio(text_colour, background) >= 7.0, text_colour


def test_contrast_formula_matches_wcag():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # WCAG's 4.5 grey


def test_long_words_shrink_and_long_sentences_wrap_instead_of_overflowing():
    short, long = decode(render_flashcard(SHORT)), decode(render_flashcard(LONG))
    left, top, right, bottom = ink_box(short, WORD_BOX)
    l_left, l_top, l_right, l_bottom = ink_box(long, WORD_BOX)
    assert l_bottom - l_top < bottom - top, "the long word is set smaller"
    assert l_right - l_left <= WORD_BOX.width and text_lines(long, WORD_BOX) == 1, "and kept whole on one line"
    assert text_lines(short, EXAMPLE_BOX) <= 2 < text_lines(long, EXAMPLE_BOX), "the long example wraps"
    assert text_lines(long, TRANSLATION_BOX) >= 2
    endless = decode(render_flashcard(ENDLESS))
    assert text_lines(endless, WORD_BOX) >= 2  # a phrase too long for one line at the smallest size wraps


def test_the_font_covers_every_letter_of_the_supported_languages():
    letters = "ñÑ¿¡áéíóúüÁÉÍÓÚÜçÇãõâêôàèìòùœæëïÿșțăîâȘȚĂÎßäöÄÖÜ€«»“”‘’—…·l·l"
    for face in ("bold", "regular", "italic"):
        missing = [ch for ch in letters if ord(ch) not in covered_characters(face)]
        assert not missing, (face, missing)
    assert renderable(SHORT) and renderable(Flashcard(word="ștefan", translation="Ça va", example="Mulțumesc!"))
    assert not renderable(Flashcard(word="猫", translation="cat"))


def test_accents_are_drawn_not_left_as_empty_boxes():
    """A missing glyph would be drawn as the font's .notdef box, the same for every missing letter."""
    font = flashcards._font("bold", 120)

    def glyph(ch: str) -> Image.Image:
        image = Image.new("L", (200, 200), 0)
        from PIL import ImageDraw

        ImageDraw.Draw(image).text((20, 10), ch, font=font, fill=255)
        return image

    notdef = glyph("\uffff")
    for ch in "ñ¿¡éü":
        drawn = glyph(ch)
        assert drawn.getbbox() is not None and ImageChops.difference(drawn, notdef).getbbox() is not None, ch
    assert ImageChops.difference(glyph("ñ"), glyph("n")).getbbox() is not None  # the tilde is there


def test_a_card_without_translation_or_example_is_just_the_word():
    pixels = decode(render_flashcard(Flashcard(word="hola")))
    assert ink_box(pixels, WORD_BOX) is not None
    assert ink_box(pixels, TRANSLATION_BOX) is None and ink_box(pixels, EXAMPLE_BOX) is None
