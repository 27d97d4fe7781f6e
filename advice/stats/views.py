"""The statistics page and its downloads: thin views over queries, tables and exports."""

from __future__ import annotations

import base64
import importlib
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


def _today() -> date:
    return utcnow().astimezone(LOCAL_ZONE).date()


def _request() -> StatsRequest:
    try:
        return resolve_request(request.args, current_user, _today())
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
        stats = resolve_request(request.args, current_user, _today())
    except PeriodError as error:
        return _page(None, None, str(error)), 400
    tables = add_charts(_tables(stats), current_language())
    return _page(stats, tables, None)


def _page(stats: StatsRequest | None, tables: list[Table] | None, error: str | None) -> str:
    today = _today()
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
        pdf_available=stats_pdf_renderer() is not None,
        minimum_cell_size=minimum_cell_size(),
    )


def _export_title() -> str:
    return _("Statistik för energi- och klimatrådgivningen")


@bp.get("/stats/export.csv")
@stats_access
def export_csv() -> Response:
    stats = _request()
    tables = suppress_small_counts(_tables(stats), minimum_cell_size())
    data = to_csv(
        tables,
        title=_export_title(),
        period_label=stats.period.label,
        filters_label=stats.filters_label,
        made_at=utcnow(),
        minimum=minimum_cell_size(),
    )
    _audit_export("csv", stats)
    return _download(
        data, CSV_TYPE, file_name("statistik", stats.period.slug, stats.file_parts, "csv")
    )


@bp.get("/stats/export.xlsx")
@stats_access
def export_xlsx() -> Response:
    stats = _request()
    tables = suppress_small_counts(_tables(stats), minimum_cell_size())
    data = to_xlsx(
        tables,
        title=_export_title(),
        period_label=stats.period.label,
        filters_label=stats.filters_label,
        made_at=utcnow(),
        minimum=minimum_cell_size(),
    )
    _audit_export("xlsx", stats)
    return _download(
        data, XLSX_TYPE, file_name("statistik", stats.period.slug, stats.file_parts, "xlsx")
    )


def _report(stats: StatsRequest) -> list[Table]:
    if stats.period.kind not in REPORT_PERIODS:
        abort(400, description=_("Periodrapporten gäller ett kvartal eller ett år."))
    labels = load_labels(min(utcnow(), stats.period.end_utc), current_language())
    tables = report_tables(
        report_cross_counts(stats.period, stats.scope),
        report_municipality_counts(stats.period, stats.scope),
        labels,
    )
    return suppress_small_counts(tables, minimum_cell_size())


def _report_title() -> str:
    return _("Periodrapport för nationell uppföljning")


@bp.get("/stats/report.xlsx")
@stats_access
def report_xlsx() -> Response:
    stats = _request()
    data = to_xlsx(
        _report(stats),
        title=_report_title(),
        period_label=stats.period.label,
        filters_label=stats.filters_label,
        made_at=utcnow(),
        minimum=minimum_cell_size(),
    )
    _audit_export("report.xlsx", stats)
    return _download(
        data, XLSX_TYPE, file_name("periodrapport", stats.period.slug, stats.file_parts, "xlsx")
    )


@bp.get("/stats/report.csv")
@stats_access
def report_csv() -> Response:
    stats = _request()
    data = to_csv(
        _report(stats),
        title=_report_title(),
        period_label=stats.period.label,
        filters_label=stats.filters_label,
        made_at=utcnow(),
        minimum=minimum_cell_size(),
    )
    _audit_export("report.csv", stats)
    return _download(
        data, CSV_TYPE, file_name("periodrapport", stats.period.slug, stats.file_parts, "csv")
    )


def stats_pdf_renderer() -> Callable[..., bytes] | None:
    """The PDF module's ``render_stats_report``, where it is installed."""
    for module_name in ("advice.documents", "advice.pdf"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        renderer = getattr(module, "render_stats_report", None)
        if callable(renderer):
            return renderer
    return None


@bp.get("/stats/report.pdf")
@stats_access
def report_pdf() -> Response:
    renderer = stats_pdf_renderer()
    if renderer is None:
        abort(404)
    stats = _request()
    language = current_language()
    tables: list[dict[str, Any]] = add_charts(_tables(stats), language)
    tables = suppress_small_counts(tables, minimum_cell_size())
    plain = [
        {key: table[key] for key in ("title", "headers", "rows", "svg") if key in table}
        for table in tables
    ]
    data = renderer(stats.period.label, stats.filters_label, plain, language)
    _audit_export("pdf", stats)
    return _download(
        data, "application/pdf", file_name("statistik", stats.period.slug, stats.file_parts, "pdf")
    )
