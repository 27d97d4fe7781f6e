"""``GET /api/v1/stats``: the statistics page's tables for a municipality's own reports.

A stats key sees the whole region, as the coordinator does, and the same minimum cell
size as the CSV and XLSX downloads: counts below it are null. No personal data is in it.
"""

from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import select
from werkzeug.wrappers import Response

from advice.api import bp, schemas
from advice.api.keys import key_required
from advice.api.openapi import ok, operation, problem
from advice.clock import utcnow
from advice.extensions import db
from advice.i18n import current_language
from advice.regions.models import Municipality, Office
from advice.stats.exports import suppress_small_counts
from advice.stats.filters import region_request
from advice.stats.periods import PeriodError, parse_period
from advice.stats.queries import compute_figures
from advice.stats.tables import page_tables
from advice.stats.views import minimum_cell_size, today_here

_query = schemas.StatsQuery()
_stats = schemas.Stats()


@bp.get("/stats")
@operation(
    summary="The statistics page's tables for a period, the whole region or narrowed",
    description=(
        "Titles and labels follow the Accept-Language header (Swedish or English). Counts "
        "below the region's minimum cell size are null, as in the downloads."
    ),
    tags=["statistics"],
    security=[{"integrationKey": []}],
    parameters=[{"in": "query", "schema": schemas.StatsQuery}],
    responses={
        "200": ok("Stats"),
        "400": problem("The period or a filter is invalid or unknown."),
        "401": problem("No valid, unrevoked integration key."),
        "403": problem("The key does not have the stats scope."),
        "429": problem("Too many calls with this key; wait and retry."),
    },
)
@key_required("stats")
def stats() -> Response:
    args = schemas.load_query(_query)
    try:
        period = parse_period(args["period"], args["from_"], args["to"], today_here())
    except PeriodError as error:
        abort(400, description=str(error))
    office = municipality = None
    if args["office"] is not None:
        office = db.session.scalar(select(Office).where(Office.code == args["office"]))
        if office is None:
            abort(400, description="Unknown office code.")
    if args["municipality"] is not None:
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.code == args["municipality"])
        )
        if municipality is None:
            abort(400, description="Unknown municipality code.")
    wanted = region_request(period, office, municipality)
    figures = compute_figures(wanted.period, wanted.scope, utcnow(), workload=False)
    minimum = minimum_cell_size()
    tables = suppress_small_counts(page_tables(figures, current_language()), minimum)
    body = {
        "period": {
            "key": period.key,
            "label": period.label,
            "first_day": period.start,
            "last_day": period.last_day,
        },
        "filters": wanted.filters_label,
        "minimum_cell_size": minimum,
        "tables": [
            {
                "key": table["key"],
                "title": table["title"],
                "headers": [str(header) for header in table["headers"]],
                "rows": table["rows"],
                "note": table.get("note"),
            }
            for table in tables
        ],
    }
    return jsonify(_stats.dump(body))
