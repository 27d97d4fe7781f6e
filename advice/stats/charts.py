"""Charts drawn on the server as SVG with pygal.

One dark colour on white, every bar labelled with its value, so a chart reads the same in
greyscale and on paper; no script in the SVG (the page shows it as an image, the PDF embeds
the same markup). The numbers are always in the table beside the chart as well; the image's
text alternative says so.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from math import ceil, floor, log10
from typing import Any

import pygal
from flask_babel import format_decimal
from flask_babel import gettext as _
from pygal.style import Style

# pygal appends an old-style import hook (for its map plugins, which we do not use) to
# sys.meta_path; Python 3.11 then warns on every import that reaches it. Take it out.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"
]

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f23",
    foreground_strong="#1b1f23",
    foreground_subtle="#c9d1ce",
    colors=("#0d5c3d",),
    # Values sit beside or above their bar, on white: dark text, whatever the bar's length.
    value_colors=("#1b1f23",),
    font_family="system-ui, 'Segoe UI', Roboto, Arial, 'Liberation Sans', sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    title_font_size=16,
    opacity="1",
    opacity_hover="1",
    transition="0ms",
)
WIDTH = 720
# A chart beside its table is drawn narrower, so its text keeps its size on the page.
NARROW_WIDTH = 540
# Horizontal bars: the value starts where the bar ends instead of straddling it.
BESIDE_THE_BAR = "inline:.text-overlay text.value { text-anchor: start; }"


def axis_ticks(largest: float, headroom: float = 1.0) -> list[float]:
    """Five or six round ticks from 0 to at least ``largest * headroom``."""
    top = max(largest * headroom, 1)
    rough = top / 5
    magnitude = 10 ** floor(log10(rough))
    step = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= rough)
    if step < 1 and largest >= 1 and top >= 5:
        step = 1
    return [round(step * index, 6) for index in range(ceil(top / step) + 1)]


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return format_decimal(value, format="#,##0.#")
    return format_decimal(value, format="#,##0")


@lru_cache(maxsize=256)
def render_chart(
    kind: str,
    labels: tuple[str, ...],
    values: tuple[float | int | None, ...],
    series: str,
    maximum: float | None,
    locale_key: str,
    width: int = WIDTH,
) -> str:
    """An SVG bar chart; cached, as the same figures come back on every page view."""
    horizontal = kind == "hbar"
    height = max(170, 36 * len(labels) + 80) if horizontal else 340
    largest = max((value for value in values if value is not None), default=0)
    options: dict[str, Any] = {
        "style": CHART_STYLE,
        "width": width,
        "height": height,
        "show_legend": False,
        "print_values": True,
        "print_values_position": "top",
        "print_zeroes": True,
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        # Guides at the value ticks only (pygal calls the value axis "y" either way).
        "show_y_guides": True,
        "show_x_guides": False,
        "truncate_label": -1,
        "margin": 12,
        "value_formatter": _number,
        "formatter": lambda value: _number(value),
        "no_data_text": _("Inga uppgifter"),
    }
    ticks = axis_ticks(
        maximum if maximum is not None else largest,
        1.0 if maximum is not None else 1.18 if horizontal else 1.08,
    )
    options["y_labels"] = ticks
    options["range"] = (0, ticks[-1])
    if horizontal:
        options["css"] = [*pygal.Config.css.value, BESIDE_THE_BAR]
    if not horizontal and (len(labels) > 8 or 9 * sum(map(len, labels)) > 0.8 * width):
        options["x_label_rotation"] = 35
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(**options)
    chart.x_labels = list(labels)
    chart.add(series, list(values))
    return chart.render(is_unicode=True)


def short_labels(labels: list[str]) -> tuple[str, ...]:
    """Labels without the words they all begin with ("Energi- och klimatrådgivningen
    Stockholm", "… Norrort" become "Stockholm", "Norrort"); the table keeps the full names."""
    if len(labels) < 2:
        return tuple(labels)
    words = [label.split(" ") for label in labels]
    shared = 0
    while all(len(w) > shared + 1 for w in words) and len({w[shared] for w in words}) == 1:
        shared += 1
    return tuple(" ".join(w[shared:]) for w in words)


def add_charts(tables: list[dict[str, Any]], locale_key: str) -> list[dict[str, Any]]:
    """Give every table that asks for one (``chart``, ``chart_column``) its chart."""
    for table in tables:
        kind = table.get("chart")
        if not kind:
            continue
        column = table["chart_column"]
        rows = table["rows"][:-1] if table.get("total_row") else table["rows"]
        if not rows:
            continue
        labels = short_labels([str(row[0]) for row in rows])
        values = tuple(row[column] for row in rows)
        if kind == "hbar":
            # pygal draws the first bar at the bottom; the table reads top down.
            labels, values = labels[::-1], values[::-1]
        table["svg"] = render_chart(
            kind,
            labels,
            values,
            table["headers"][column],
            table.get("chart_max"),
            locale_key,
            NARROW_WIDTH if table.get("side") else WIDTH,
        )
        table["chart_alt"] = _(
            "Stapeldiagram: %(title)s, %(measure)s. Samma siffror finns i tabellen.",
            title=table["title"],
            measure=table["headers"][column].lower(),
        )
    return tables
