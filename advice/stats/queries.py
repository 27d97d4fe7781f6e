"""Read-only statistics queries: the rollup plus the cases it does not cover yet.

Each figure is one grouped query over the union of two parts: the rollup's rows for the
months wholly inside the period, and the same rows computed live from ``cases`` for the
cases above the watermark and for the days of partly covered months (a custom period). A
page makes a fixed number of queries whatever the number of cases.

No query here selects a name, an email address, a phone number or question text; the one
exception, adviser names in the workload figure, is staff data shown to the coordinator.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    or_,
    select,
    union_all,
)

from advice.accounts.models import User, UserRole, user_offices
from advice.cases.models import OPEN_STATUSES, Case
from advice.extensions import db
from advice.knowledge.models import Article
from advice.stats.cells import CELL_MEASURES, RESOLUTION, RESPONSE, CellSql
from advice.stats.models import (
    StatsAssigneeCell,
    StatsCell,
    StatsDuration,
    StatsReportCell,
    StatsTopicCell,
)
from advice.stats.periods import Period, local_midnight
from advice.stats.services import watermark

# Ages of open cases, in whole days: each bucket holds ages below its bound.
BACKLOG_BOUNDS = (3, 8, 15, 31, 91)


@dataclass(frozen=True)
class Scope:
    """Which cases a figure counts: offices (None: the whole region) and a municipality."""

    office_ids: frozenset[int] | None = None
    municipality_id: int | None = None

    def case_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.office_ids is not None:
            conditions.append(
                Case.office_id.in_(sorted(self.office_ids)) if self.office_ids else false()
            )
        if self.municipality_id is not None:
            conditions.append(Case.municipality_id == self.municipality_id)
        return conditions

    def cell_conditions(self, table: Any) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.office_ids is not None:
            conditions.append(
                table.c.office_id.in_(sorted(self.office_ids)) if self.office_ids else false()
            )
        if self.municipality_id is not None:
            conditions.append(table.c.municipality_id == self.municipality_id)
        return conditions


class CellSource:
    """Rows shaped like a rollup table for one period and scope: rollup and live part."""

    def __init__(self, period: Period, scope: Scope) -> None:
        self.period = period
        self.scope = scope
        self.dialect = db.session.get_bind().dialect.name
        self.sql = CellSql(self.dialect, tuple(period.months))
        self.covered = watermark()
        self.whole = period.whole_months

    def _live_conditions(self) -> list[ColumnElement[bool]]:
        """Cases the rollup does not hold: above the watermark, or in a partial month.

        Written as ranges the indexes can read (received_at for the partial months, the
        primary key for the cases above the watermark), not as one range with exceptions.
        """
        start, end = self.period.start_utc, self.period.end_utc
        scope = self.scope.case_conditions()
        if self.whole is None:
            return [Case.received_at >= start, Case.received_at < end, *scope]
        whole_start, whole_end = local_midnight(self.whole[0]), local_midnight(self.whole[1])
        parts = [and_(Case.id > self.covered, Case.received_at >= start, Case.received_at < end)]
        if start < whole_start:
            parts.append(and_(Case.received_at >= start, Case.received_at < whole_start))
        if whole_end < end:
            parts.append(and_(Case.received_at >= whole_end, Case.received_at < end))
        return [or_(*parts), *scope]

    def _rollup(self, model: type, names: list[str]) -> Select[Any]:
        table = model.__table__
        query = select(*(table.c[name] for name in names))
        assert self.whole is not None  # noqa: S101 (only called with whole months)
        return query.where(
            table.c.month >= self.whole[0],
            table.c.month < self.whole[1],
            *self.scope.cell_conditions(table),
        )

    def sums(self, kind: str, group_by: Sequence[str], measures: Sequence[str]) -> list[Any]:
        """Summed ``measures`` grouped by ``group_by`` over the period's rows of one kind:
        cells, topics, report, assignees or durations (both measures)."""
        conditions = self._live_conditions()
        live: list[Select[Any]]
        if kind == "cells":
            model, live = StatsCell, [self.sql.cells(*conditions)]
        elif kind == "topics":
            model, live = StatsTopicCell, [self.sql.topic_cells(*conditions)]
        elif kind == "report":
            model, live = StatsReportCell, [self.sql.topic_cells(*conditions, report=True)]
        elif kind == "assignees":
            model, live = StatsAssigneeCell, [self.sql.assignee_cells(*conditions)]
        else:
            model = StatsDuration
            live = [self.sql.durations(measure, *conditions) for measure in (RESPONSE, RESOLUTION)]
        parts = list(live)
        if self.whole is not None:
            parts.insert(0, self._rollup(model, [c.name for c in live[0].selected_columns]))
        cells = union_all(*parts).subquery("cells")
        keys = [cells.c[name] for name in group_by]
        query = select(*keys, *(func.sum(cells.c[name]).label(name) for name in measures))
        if keys:
            query = query.group_by(*keys)
        return list(db.session.execute(query).all())


# --- Figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    """The numbers of the statistics page, as plain data."""

    period: Period
    scope: Scope
    now: datetime
    months: dict[date, Counter[str]] = field(default_factory=dict)
    totals: Counter[str] = field(default_factory=Counter)
    by_municipality: Counter[int] = field(default_factory=Counter)
    by_office: Counter[int] = field(default_factory=Counter)
    by_requester_type: Counter[int] = field(default_factory=Counter)
    by_channel: Counter[int] = field(default_factory=Counter)
    by_topic: Counter[int] = field(default_factory=Counter)
    # measure -> month -> bucket -> cases
    durations: dict[str, dict[date, Counter[int]]] = field(default_factory=dict)
    unanswered_overdue: Counter[date] = field(default_factory=Counter)
    backlog: list[Counter[str]] = field(default_factory=list)
    workload: list[dict[str, Any]] | None = None
    articles: list[dict[str, Any]] = field(default_factory=list)
    article_totals: dict[str, int] = field(default_factory=dict)


def compute_figures(
    period: Period, scope: Scope, now: datetime, *, workload: bool = False
) -> Figures:
    source = CellSource(period, scope)
    figures = Figures(period=period, scope=scope, now=now)
    figures.months = {month: Counter() for month in period.months}
    for row in source.sums("cells", ["month"], CELL_MEASURES):
        month = _as_date(row.month)
        measures = Counter({name: int(getattr(row, name) or 0) for name in CELL_MEASURES})
        figures.months[month] = measures
        figures.totals.update(measures)
    dimensions = ["municipality_id", "office_id", "requester_type_id", "channel_id"]
    for row in source.sums("cells", dimensions, ["cases"]):
        count = int(row.cases or 0)
        figures.by_municipality[row.municipality_id] += count
        figures.by_office[row.office_id] += count
        figures.by_requester_type[row.requester_type_id] += count
        figures.by_channel[row.channel_id] += count
    for row in source.sums("topics", ["topic_id"], ["cases"]):
        figures.by_topic[row.topic_id] += int(row.cases or 0)
    histograms: dict[str, dict[date, Counter[int]]] = {
        RESPONSE: defaultdict(Counter),
        RESOLUTION: defaultdict(Counter),
    }
    for row in source.sums("durations", ["measure", "month", "bucket"], ["cases"]):
        histograms[row.measure][_as_date(row.month)][int(row.bucket)] += int(row.cases or 0)
    figures.durations = {measure: dict(months) for measure, months in histograms.items()}
    figures.unanswered_overdue = unanswered_overdue(source, now)
    figures.backlog = backlog(scope, now)
    if workload:
        figures.workload = adviser_workload(source, scope)
    figures.articles, figures.article_totals = article_figures()
    return figures


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def unanswered_overdue(source: CellSource, now: datetime) -> Counter[date]:
    """Cases of the period still without a first response after their due time, by month."""
    month = source.sql.month().label("month")
    query = (
        select(month, func.count().label("cases"))
        .where(
            Case.first_response_at.is_(None),
            Case.first_response_due_at < now,
            Case.received_at >= source.period.start_utc,
            Case.received_at < source.period.end_utc,
            *source.scope.case_conditions(),
        )
        .group_by(month)
    )
    return Counter({_as_date(row.month): int(row.cases) for row in db.session.execute(query)})


def backlog(scope: Scope, now: datetime) -> list[Counter[str]]:
    """Open cases now, by age: one counter (open, new, overdue) per ``BACKLOG_BOUNDS`` bucket
    and one for the older ones."""
    bucket = case(
        *(
            (Case.received_at > now - timedelta(days=bound), position)
            for position, bound in enumerate(BACKLOG_BOUNDS)
        ),
        else_=len(BACKLOG_BOUNDS),
    ).label("bucket")
    overdue = and_(Case.first_response_at.is_(None), Case.first_response_due_at < now)
    query = (
        select(
            bucket,
            func.count().label("open"),
            func.sum(case((Case.status == "new", 1), else_=0)).label("new"),
            func.sum(case((overdue, 1), else_=0)).label("overdue"),
        )
        .where(Case.status.in_(OPEN_STATUSES), *scope.case_conditions())
        .group_by(bucket)
    )
    buckets = [Counter() for _ in range(len(BACKLOG_BOUNDS) + 1)]
    for row in db.session.execute(query):
        buckets[int(row.bucket)] = Counter(
            {"open": int(row.open), "new": int(row.new or 0), "overdue": int(row.overdue or 0)}
        )
    return buckets


def adviser_workload(source: CellSource, scope: Scope) -> list[dict[str, Any]]:
    """Per adviser: open cases now, and the period's cases, resolved cases and time."""
    period_rows = {
        row.assignee_id: row
        for row in source.sums("assignees", ["assignee_id"], ["cases", "resolved", "minutes"])
    }
    open_now = dict(
        db.session.execute(
            select(Case.assignee_id, func.count())
            .where(
                Case.status.in_(OPEN_STATUSES),
                Case.assignee_id.is_not(None),
                *scope.case_conditions(),
            )
            .group_by(Case.assignee_id)
        ).all()
    )
    advisers = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "adviser", User.active.is_(True))
    )
    if scope.office_ids is not None:
        advisers = advisers.join(user_offices, user_offices.c.user_id == User.id).where(
            user_offices.c.office_id.in_(sorted(scope.office_ids))
        )
    ids = set(db.session.scalars(advisers)) if scope.municipality_id is None else set()
    ids |= set(period_rows) | set(open_now)
    if not ids:
        return []
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    rows = []
    for user_id in ids:
        row = period_rows.get(user_id)
        rows.append(
            {
                "name": names.get(user_id, "–"),
                "open_now": int(open_now.get(user_id, 0)),
                "cases": int(row.cases) if row else 0,
                "resolved": int(row.resolved) if row else 0,
                "minutes": int(row.minutes) if row else 0,
            }
        )
    rows.sort(key=lambda item: (-item["open_now"], -item["cases"], item["name"]))
    return rows


ARTICLE_LIMIT = 15


def article_figures() -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The most read published articles, and the totals of every article; counted since
    each article was published (the counters have no period)."""
    columns = (Article.title, Article.view_count, Article.helpful_yes, Article.helpful_no)
    top = db.session.execute(
        select(*columns)
        .where(Article.status == "published")
        .order_by(Article.view_count.desc(), Article.title)
        .limit(ARTICLE_LIMIT)
    ).all()
    totals = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Article.view_count), 0),
            func.coalesce(func.sum(Article.helpful_yes), 0),
            func.coalesce(func.sum(Article.helpful_no), 0),
        ).where(Article.status == "published")
    ).one()
    return (
        [{"title": title, "views": views, "yes": yes, "no": no} for title, views, yes, no in top],
        {
            "articles": int(totals[0]),
            "views": int(totals[1]),
            "yes": int(totals[2]),
            "no": int(totals[3]),
        },
    )


# --- The national period report ----------------------------------------------------------


def report_cross_counts(period: Period, scope: Scope) -> Counter[tuple[int, int, int]]:
    """Case topics by (requester type, topic, channel)."""
    source = CellSource(period, scope)
    rows = source.sums("report", ["requester_type_id", "topic_id", "channel_id"], ["cases"])
    return Counter(
        {(row.requester_type_id, row.topic_id, row.channel_id): int(row.cases or 0) for row in rows}
    )


def report_municipality_counts(period: Period, scope: Scope) -> Counter[int]:
    source = CellSource(period, scope)
    return Counter(
        {
            row.municipality_id: int(row.cases or 0)
            for row in source.sums("cells", ["municipality_id"], ["cases"])
        }
    )


def first_case_year() -> int | None:
    received = db.session.execute(select(func.min(Case.received_at))).scalar()
    return received.year if received else None
