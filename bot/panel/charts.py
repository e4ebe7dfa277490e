"""Small bar charts drawn on the server as SVG geometry (no script, no CDN; the CSP allows
nothing else): the template turns these numbers into <rect>s with a <title> each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLOURS = {
    "telegram": "#2a7bbf",
    "whatsapp": "#2f9e5b",
    "console": "#9aa3ad",
    "pending": "#2a7bbf",
    "waitlisted": "#d08a1c",
    "accepted": "#2f9e5b",
    "rejected": "#c0392b",
    "cancelled": "#9aa3ad",
}


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    labels: tuple[tuple[float, str], ...]  # (x of the label's centre, text) under the bars
    top: int  # the largest total, written at the top left


def stacked(
    columns: Sequence[tuple[str, dict[str, int]]],
    keys: Sequence[str],
    *,
    width: int = 640,
    height: int = 180,
    names: dict[str, str] | None = None,
) -> Chart:
    """One column per (label, counts by key), the keys stacked bottom up in `keys` order."""
    plot = height - 20  # room for the labels below
    top = max((sum(counts.values()) for _, counts in columns), default=0)
    step = width / max(1, len(columns))
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, (label, counts) in enumerate(columns):
        x = i * step + step * 0.15
        base = float(plot)
        for key in keys:
            n = counts.get(key, 0)
            if not n or not top:
                continue
            h = n / top * (plot - 12)
            base -= h
            name = (names or {}).get(key, key)
            bars.append(
                Bar(x, base, step * 0.7, h, COLOURS.get(key, "#6b7280"), f"{label} · {name}: {n}")
            )
        labels.append((i * step + step / 2, label))
    return Chart(width, height, tuple(bars), tuple(labels), top)
