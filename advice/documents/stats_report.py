"""The statistics report: the statistics page's tables and charts in print form.

The statistics module hands over plain data and serves the bytes from its own route::

    from advice.documents.stats_report import render_stats_report

    pdf_bytes = render_stats_report(
        "januari-mars 2026",
        "Alla kommuner",
        {
            "by_month": {
                "title": "Ärenden per månad",
                "headers": ["Månad", "Ärenden", "Andel i tid"],
                "rows": [["januari", 1234, 0.93], ["februari", 1180, 0.95]],
                "chart_svg": "<svg xmlns=...>...</svg>",  # optional
                "note": "Andel besvarade inom två arbetsdagar.",  # optional
            },
        },
        "sv",
    )

``tables`` may also be a list of such dictionaries (each may carry its ``key``), and the
chart may come as ``svg`` instead of ``chart_svg``: the statistics page's own tables go in
as they are. Numbers (int, float, Decimal) are formatted in ``language`` (floats with up to
two decimals, as on the page) and aligned right; None (a suppressed small count) shows as a
dash; strings are shown as they are. The first column is each row's header.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from advice import pdf
from advice.clock import utcnow
from advice.regions.services import setting


class ReportTable(TypedDict):
    """One table of the statistics report, with an optional chart of the same numbers."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    key: NotRequired[str]
    chart_svg: NotRequired[str | None]
    svg: NotRequired[str | None]
    note: NotRequired[str | None]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _cell_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if isinstance(value, float):
        return format_decimal(round(value, 2), format="#,##0.##")
    if _is_number(value):
        return format_decimal(value)
    return str(value)


def _section(key: str, table: ReportTable) -> dict[str, Any]:
    rows = [list(row) for row in table["rows"]]
    width = max([len(table["headers"]), *(len(row) for row in rows)])
    # A column of numbers (a missing value among them included) is aligned right.
    numeric = [
        index > 0 and any(_is_number(row[index]) for row in rows if index < len(row))
        for index in range(width)
    ]
    chart = table.get("chart_svg") or table.get("svg")
    return {
        "id": key,
        "title": table["title"],
        "headers": [
            {"text": header, "numeric": numeric[index]}
            for index, header in enumerate(table["headers"])
        ],
        "rows": [
            [{"text": _cell_text(value), "numeric": numeric[i]} for i, value in enumerate(row)]
            for row in rows
        ],
        "chart": _svg_data_url(chart) if chart else None,
        "note": table.get("note"),
    }


def _svg_data_url(svg: str) -> str:
    # As an image rather than inline markup: the chart cannot add elements to the page,
    # and the fetcher still answers any reference inside it (with a refusal).
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_stats_report(
    period_label: str,
    filters_label: str,
    tables: Mapping[str, ReportTable] | Sequence[ReportTable],
    language: str,
) -> bytes:
    """The statistics page in print form: ``tables`` in the order given, each a table with
    its headers and rows (numbers formatted in ``language``) and its chart, if any, above.

    Contains no personal data by contract: statistics never do.
    """
    with force_locale(language):
        keyed = (
            list(tables.items())
            if isinstance(tables, Mapping)
            else [
                (table.get("key") or f"table-{index}", table) for index, table in enumerate(tables)
            ]
        )
        sections = [_section(key, table) for key, table in keyed]
        coordinator = setting("coordinator_name") or _("Energi- och klimatrådgivning")
        metadata = pdf.PdfMetadata(
            title=_(
                "Statistik för energi- och klimatrådgivningen, %(period)s", period=period_label
            ),
            author=coordinator,
            language=language,
            subject=filters_label or None,
        )
        context = {
            "report": {
                "period": period_label,
                "filters": filters_label,
                "sections": sections,
                "sender": coordinator,
                "region_name": setting("region_name"),
                "service_name": _("Energi- och klimatrådgivning"),
                "generated_at": utcnow(),
            }
        }
    return pdf.render("pdf/stats_report.html", context, metadata)
