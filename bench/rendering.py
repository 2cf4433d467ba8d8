"""How long a flashcard and a grammar table take to make, beside their floors, measured in the same run.

    python -m bench.rendering [--runs 30]

- flashcard: ``render_flashcard`` (layout, text fitting, PNG encoding) of a typical card; its baseline is
  Pillow encoding a blank card of the same size with the same PNG settings (the encoding nobody can skip).
- verb table: ``verb_table("comer", "es", "B1")`` (lookup, 5 tenses, layout at 30 columns) once the
  dictionary is loaded; its baseline is verbecc's own ``conjugate("comer")`` (the library call alone).
- first table of a language in a fresh process (the dictionary load) is reported once, as ``load_ms``.

Prints one JSON line. ``render_times()`` is what bench/routing.py reports for the tutor's benchmark.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time

from PIL import Image

from habla.domain.messages import Flashcard
from habla.pedagogy import conjugation
from habla.pedagogy.flashcards import HEIGHT, WIDTH, render_flashcard
from habla.pedagogy.tables import verb_table

CARD = Flashcard(word="la mañana", translation="the morning", example="¡Buenos días! ¿Qué haces esta mañana?")


def _median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def _blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def render_times(runs: int = 30) -> dict[str, float]:
    started = time.perf_counter()
    conjugation.warm(("es",))
    load_ms = (time.perf_counter() - started) * 1000
    library = conjugation._verbecc("es")
    render_flashcard(CARD)  # fonts loaded once, as in a running sender
    verb_table("comer", "es", "B1")
    return {
        "flashcard_ms": _median_ms(lambda: render_flashcard(CARD), runs),
        "flashcard_baseline_png_encode_ms": _median_ms(_blank_png, runs),
        "table_ms": _median_ms(lambda: verb_table("comer", "es", "B1"), runs),
        "table_baseline_library_conjugate_ms": _median_ms(lambda: library.conjugate("comer"), runs),
        "load_ms": round(load_ms, 1),
        "flashcard_png_bytes": len(render_flashcard(CARD)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps({"bench": "rendering", "runs": args.runs, **render_times(args.runs)}))


if __name__ == "__main__":
    main()
