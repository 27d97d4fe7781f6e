"""The statistics page and its downloads: thin views over queries, tables and exports."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from advice.audit import services as audit
from advice.cases.sla import LOCAL_ZONE
from advice.clock import utcnow
from advice.extensions import db
from advice.i18n import current_language
from advice.regions.services import setting
from advice.security import role_required
from advice.stats import bp
from advice.stats.charts import add_charts
from advice.stats.exports import file_name, suppress_small_counts, to_csv, to_xlsx
from advice.stats.filters import StatsRequest, resolve_request
from advice.stats.formatting import format_figure
from advice.stats.periods import PeriodError, period_choices
from advice.stats.queries import (
    compute_figures,
    first_case_year,
    report_cross_counts,
    report_municipality_counts,
)
from advice.stats.services import install_hooks
from advice.stats.tables import Table, load_labels, page_tables, report_tables
from advice.taxonomy.choices import municipality_choices, office_choices

stats_access = role_required("adviser", "coordinator")


@bp.record_once
def _keep_rollup_in_step(_state: Any) -> None:
    # The session hooks that keep the rollup correct belong to the app that shows it.
    install_hooks()


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_PERIODS = ("quarter", "year")


@bp.app_template_filter("stat_number")
def stat_number(value: float | int | str) -> str:
    """A figure in the reader's locale: 12 345, 12,5."""
    # Looked up once per request: a page formats hundreds of figures.
    locale_key = g.get("stats_locale")
    if locale_key is None:
        locale_key = g.stats_locale = str(get_locale() or "sv")
    return format_figure(value, locale_key)


@bp.app_template_filter("svg_data_uri")
def svg_data_uri(svg: str) -> str:
    """An SVG chart as an image address: the page's policy allows data: images only, and an
    image cannot run the script or reach the page's styles."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def minimum_cell_size() -> int:
    value = setting("stats_min_cell_size")
    return int(value) if value.isdigit() else 0


def today_here() -> date:
    return utcnow().astimezone(LOCAL_ZONE).date()


def _request() -> StatsRequest:
    try:
        return resolve_request(request.args, current_user, today_here())
    except PeriodError as error:
        abort(400, description=str(error))


def _tables(stats: StatsRequest) -> list[Table]:
    now = utcnow()
    figures = compute_figures(stats.period, stats.scope, now, workload=stats.whole_region)
    return page_tables(figures, current_language())


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _audit_export(kind: str, stats: StatsRequest) -> None:
    audit.record(
        "stats.exported",
        details={"kind": kind, "period": stats.period.slug, "filters": stats.file_parts},
    )
    db.session.commit()


@bp.get("/stats")
@stats_access
def index() -> tuple[str, int] | str:
    try:
        stats = resolve_request(request.args, current_user, today_here())
    except PeriodError as error:
        return _page(None, None, str(error)), 400
    tables = add_charts(_tables(stats), current_language())
    return _page(stats, tables, None)


def _page(stats: StatsRequest | None, tables: list[Table] | None, error: str | None) -> str:
    today = today_here()
    offices = office_choices()
    if not current_user.has_role("coordinator"):
        own = {str(office_id) for office_id in current_user.office_ids}
        offices = [choice for choice in offices if choice[0] in own]
    return render_template(
        "stats/index.html",
        stats=stats,
        tables=tables or [],
        key_figures=tables[0] if tables else None,
        error=error,
        periods=period_choices(first_case_year() or today.year, today),
        offices=offices,
        municipalities=municipality_choices(),
        args=request.args,
        report_ready=stats is not None and stats.period.kind in REPORT_PERIODS,
        minimum_cell_size=minimum_cell_size(),
    )


WRITERS: dict[str, tuple[Callable[..., bytes], str]] = {
    "csv": (to_csv, CSV_TYPE),
    "xlsx": (to_xlsx, XLSX_TYPE),
}


def _export(
    stats: StatsRequest, tables: list[Table], *, kind: str, title: str, name: str, audit_as: str
) -> Response:
    """The same tables as the page, as a CSV or XLSX download, small counts blanked."""
    writer, content_type = WRITERS[kind]
    minimum = minimum_cell_size()
    data = writer(
        suppress_small_counts(tables, minimum),
        title=title,
        period_label=stats.period.label,
        filters_label=stats.filters_label,
        made_at=utcnow(),
        minimum=minimum,
    )
    _audit_export(audit_as, stats)
    return _download(data, content_type, file_name(name, stats.period.slug, stats.file_parts, kind))


@bp.get("/stats/export.csv", defaults={"kind": "csv"}, endpoint="export_csv")
@bp.get("/stats/export.xlsx", defaults={"kind": "xlsx"}, endpoint="export_xlsx")
@stats_access
def export(kind: str) -> Response:
    stats = _request()
    return _export(
        stats,
        _tables(stats),
        kind=kind,
        title=_("Statistik för energi- och klimatrådgivningen"),
        name="statistik",
        audit_as=kind,
    )


def _report(stats: StatsRequest) -> list[Table]:
    if stats.period.kind not in REPORT_PERIODS:
        abort(400, description=_("Periodrapporten gäller ett kvartal eller ett år."))
    labels = load_labels(min(utcnow(), stats.period.end_utc), current_language())
    return report_tables(
        report_cross_counts(stats.period, stats.scope),
        report_municipality_counts(stats.period, stats.scope),
        labels,
    )


@bp.get("/stats/report.csv", defaults={"kind": "csv"}, endpoint="report_csv")
@bp.get("/stats/report.xlsx", defaults={"kind": "xlsx"}, endpoint="report_xlsx")
@stats_access
def report(kind: str) -> Response:
    stats = _request()
    return _export(
        stats,
        _report(stats),
        kind=kind,
        title=_("Periodrapport för nationell uppföljning"),
        name="periodrapport",
        audit_as=f"report.{kind}",
    )


@bp.get("/stats/report.pdf")
@stats_access
def report_pdf() -> Response:
    stats = _request()
    language = current_language()
    tables: list[dict[str, Any]] = add_charts(_tables(stats), language)
    tables = suppress_small_counts(tables, minimum_cell_size())
    plain = [
        {key: table[key] for key in ("title", "headers", "rows", "svg") if key in table}
        for table in tables
    ]
    from advice.documents import render_stats_report  # WeasyPrint loads only when asked

    data = render_stats_report(stats.period.label, stats.filters_label, plain, language)
    _audit_export("pdf", stats)
    return _download(
        data, "application/pdf", file_name("statistik", stats.period.slug, stats.file_parts, "pdf")
    )
