"""Small charts drawn on the server as inline SVG: no script, no CDN, so the dashboard works offline and a
test can read the numbers off the page (each bar and point carries its value in a <title>)."""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 560, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 62, 10, 16, 26
COLOURS = ("#2f7d5b", "#d08a1f", "#3a6ea5", "#a23b72")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(title: str, top: float, labels: list[str], unit: str) -> list[str]:
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(3):  # gridlines at 0, half, top
        value = top * i / 2
        y = PAD_TOP + inner_h * (1 - i / 2)
        parts.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{_fmt(value)}{escape(unit)}</text>')
    step = max(1, len(labels) // 8)
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        if i % step == 0:
            x = PAD_LEFT + slot * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="10">{escape(label)}</text>')
    return parts


def bar_chart(title: str, values: list[float], labels: list[str], unit: str = "") -> str:
    top = _nice_max(max(values, default=0))
    parts = _frame(title, top, labels, unit)
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(values), 1)
    for i, value in enumerate(values):
        h = inner_h * value / top
        x = PAD_LEFT + slot * i + slot * 0.15
        y = PAD_TOP + inner_h - h
        parts.append(
            f'<rect class="bar" data-value="{value:g}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS[0]}"><title>{escape(labels[i])}: {value:g}{escape(unit)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, series: dict[str, list[float | None]], labels: list[str], unit: str = "") -> str:
    """One polyline per series; gaps (None: nothing measured that hour) break the line, points show values."""
    values = [v for points in series.values() for v in points if v is not None]
    top = _nice_max(max(values, default=0))
    parts = _frame(title, top, labels, unit)
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(labels), 1)
    for index, (name, points) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        run: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(points):
            if value is None:
                if run:
                    segments.append(run)
                run = []
                continue
            x, y = PAD_LEFT + slot * (i + 0.5), PAD_TOP + inner_h * (1 - value / top)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle class="point" data-series="{escape(name)}" data-value="{value:.1f}" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="3" fill="{colour}"><title>{escape(name)} {escape(labels[i])}: {value:.0f}{escape(unit)}</title></circle>'
            )
        if run:
            segments.append(run)
        for segment in segments:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
        parts.append(
            f'<text x="{PAD_LEFT + 6 + 130 * index}" y="{PAD_TOP + 2}" font-size="11" fill="{colour}">■ {escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
