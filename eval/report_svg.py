"""An inline SVG bar chart: scores per document, one bar per field, no scripts.

Why hand-written SVG: the HTML report must open anywhere offline as one file; a few
rectangles and labels need no chart library.
"""

from __future__ import annotations

from html import escape

COLOURS = ("#3b6ea5", "#e08a2c", "#4b9a5a", "#b5484d", "#7a5ea8", "#5a8f99")


def bar_chart(
    groups: list[tuple[str, list[float | None]]], series: list[str], *, height: int = 260
) -> str:
    """``groups``: (document label, one value in [0, 1] or None per series)."""
    bar, gap, left, top, bottom = 14, 26, 44, 34, 70
    group_width = bar * len(series) + gap
    width = max(360, left + 10 + group_width * len(groups))
    plot = height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="scores per document" '
        'font-family="sans-serif" font-size="11">'
    ]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot - plot * tick / 100
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{tick}%</text>'
        )
    x = 10
    for i, name in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="17">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    for g, (label, values) in enumerate(groups):
        x0 = left + 10 + g * group_width
        for i, value in enumerate(values):
            x = x0 + i * bar
            if value is None:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{top + plot - 3}" text-anchor="middle" '
                    'fill="#999">·</text>'
                )
                continue
            h = plot * max(0.0, min(1.0, value))
            parts.append(
                f'<rect x="{x}" y="{top + plot - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(label)} · '
                f"{escape(series[i])}: {value * 100:.1f}%</title></rect>"
            )
        short = label if len(label) <= 24 else label[:22] + "…"
        cx = x0 + bar * len(series) / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot + 14}" text-anchor="end" '
            f'transform="rotate(-20 {cx:.1f} {top + plot + 14})">{escape(short)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
