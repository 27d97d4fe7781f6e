"""How a case counts in the statistics: once in SQL (for rebuilds and the live part) and
once in Python (for changes applied in the same transaction), side by side so the two
definitions stay in step. The recount tests hold them to it.

Definitions:

- month: the local (Swedish) month of ``received_at``;
- responded: a first response was given; on time when it came at or before the due time;
- resolved: status resolved or closed, with a resolution time;
- time to first response: whole hours, time to resolution: whole days, both counted from
  the whole seconds of the two timestamps and never negative.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import floor
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
)

from advice.cases.models import Case, case_topics
from advice.cases.sla import LOCAL_ZONE
from advice.stats.models import (
    UNKNOWN,
    StatsAssigneeCell,
    StatsCell,
    StatsDuration,
    StatsReportCell,
    StatsTopicCell,
)
from advice.stats.periods import local_midnight, local_month, next_month

RESOLVED_STATUSES = ("resolved", "closed")
HOUR = 3600
DAY = 86400
RESPONSE = "response"
RESOLUTION = "resolution"
SATISFACTION_SCORES = (1, 2, 3, 4, 5)
CELL_MEASURES = (
    "cases",
    "responded",
    "responded_on_time",
    "resolved",
    "minutes",
    *(f"satisfaction_{score}" for score in SATISFACTION_SCORES),
)
ASSIGNEE_MEASURES = ("cases", "resolved", "minutes")

# Columns of a case that move it between cells; a change to any other column leaves the
# statistics as they are.
FACT_COLUMNS = (
    "id",
    "received_at",
    "municipality_id",
    "office_id",
    "requester_type_id",
    "channel_id",
    "assignee_id",
    "status",
    "first_response_at",
    "first_response_due_at",
    "resolved_at",
    "satisfaction",
    "minutes_spent",
)


# --- SQL ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellSql:
    """SQL expressions for one database.

    PostgreSQL converts to local time itself (``AT TIME ZONE``). SQLite has no time zones,
    so the local month is a CASE over the UTC instants at which the months in ``months``
    begin, computed in Python with the zone database; rows outside those months get NULL
    and must be filtered out by the caller's WHERE clause.
    """

    dialect: str
    months: tuple[date, ...] = ()

    @property
    def postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def month(self) -> ColumnElement[Any]:
        if self.postgresql:
            local = func.timezone(LOCAL_ZONE.key, Case.received_at)
            return cast(func.date_trunc("month", local), Date)
        if not self.months:
            return cast(null(), Date)
        branches = [
            (Case.received_at < local_midnight(next_month(month)), literal(month, Date))
            for month in self.months
        ]
        return case(*branches, else_=null())

    def _epoch(self, column: Any) -> ColumnElement[int]:
        if self.postgresql:
            return cast(func.floor(func.extract("epoch", column)), BigInteger)
        return cast(func.strftime("%s", column), BigInteger)

    def whole_units(self, later: Any, unit: int) -> ColumnElement[int]:
        seconds = self._epoch(later) - self._epoch(Case.received_at)
        positive = func.greatest(seconds, 0) if self.postgresql else func.max(seconds, 0)
        return cast(positive, BigInteger) // unit

    def _dimensions(self) -> list[ColumnElement[Any]]:
        return [
            self.month().label("month"),
            func.coalesce(Case.municipality_id, UNKNOWN).label("municipality_id"),
            Case.office_id.label("office_id"),
        ]

    def cells(self, *where: ColumnElement[bool]) -> Select[Any]:
        """Rows shaped like ``stats_cells`` for the cases matching ``where``."""
        resolved = _resolved_condition()

        def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        dims = [
            *self._dimensions(),
            func.coalesce(Case.requester_type_id, UNKNOWN).label("requester_type_id"),
            Case.channel_id.label("channel_id"),
        ]
        return (
            select(
                *dims,
                func.count().label("cases"),
                count_if(Case.first_response_at.is_not(None)).label("responded"),
                count_if(Case.first_response_at <= Case.first_response_due_at).label(
                    "responded_on_time"
                ),
                count_if(resolved).label("resolved"),
                cast(func.coalesce(func.sum(Case.minutes_spent), 0), BigInteger).label("minutes"),
                *(
                    count_if(Case.satisfaction == score).label(f"satisfaction_{score}")
                    for score in SATISFACTION_SCORES
                ),
            )
            .where(*where)
            .group_by(*_positions(len(dims)))
        )

    def topic_cells(self, *where: ColumnElement[bool], report: bool = False) -> Select[Any]:
        """Rows like ``stats_topic_cells``, or with ``report`` like ``stats_report_cells``."""
        categories = (
            [
                func.coalesce(Case.requester_type_id, UNKNOWN).label("requester_type_id"),
                Case.channel_id.label("channel_id"),
            ]
            if report
            else []
        )
        dims = [*self._dimensions(), *categories, case_topics.c.topic_id.label("topic_id")]
        return (
            select(*dims, func.count().label("cases"))
            .select_from(Case)
            .join(case_topics, case_topics.c.case_id == Case.id)
            .where(*where)
            .group_by(*_positions(len(dims)))
        )

    def durations(self, measure: str, *where: ColumnElement[bool]) -> Select[Any]:
        if measure == RESPONSE:
            bucket = self.whole_units(Case.first_response_at, HOUR)
            condition: ColumnElement[bool] = Case.first_response_at.is_not(None)
        else:
            bucket = self.whole_units(Case.resolved_at, DAY)
            condition = _resolved_condition()
        dims = [
            *self._dimensions(),
            literal(measure).label("measure"),
            cast(bucket, Integer).label("bucket"),
        ]
        return (
            select(*dims, func.count().label("cases"))
            .where(condition, *where)
            .group_by(*_positions(len(dims)))
        )

    def assignee_cells(self, *where: ColumnElement[bool]) -> Select[Any]:
        dims = [*self._dimensions(), Case.assignee_id.label("assignee_id")]
        return (
            select(
                *dims,
                func.count().label("cases"),
                func.coalesce(func.sum(case((_resolved_condition(), 1), else_=0)), 0).label(
                    "resolved"
                ),
                cast(func.coalesce(func.sum(Case.minutes_spent), 0), BigInteger).label("minutes"),
            )
            .where(Case.assignee_id.is_not(None), *where)
            .group_by(*_positions(len(dims)))
        )


def _resolved_condition() -> ColumnElement[bool]:
    return and_(Case.status.in_(RESOLVED_STATUSES), Case.resolved_at.is_not(None))


def _positions(count: int) -> list[ColumnElement[Any]]:
    # GROUP BY 1, 2, …: the dimension expressions are long (the SQLite month CASE).
    return [literal_column(str(position)) for position in range(1, count + 1)]


# --- Python -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the statistics know about one case."""

    id: int
    received_at: datetime
    municipality_id: int | None
    office_id: int
    requester_type_id: int | None
    channel_id: int
    assignee_id: int | None
    status: str
    first_response_at: datetime | None
    first_response_due_at: datetime
    resolved_at: datetime | None
    satisfaction: int | None
    minutes_spent: int
    topic_ids: tuple[int, ...]


def whole_units(later: datetime, earlier: datetime, unit: int) -> int:
    return max(floor(later.timestamp()) - floor(earlier.timestamp()), 0) // unit


def is_resolved(facts: CaseFacts) -> bool:
    return facts.status in RESOLVED_STATUSES and facts.resolved_at is not None


# A change to the rollup: (model, primary key values) -> measure -> amount.
Delta = dict[tuple[type, tuple[Any, ...]], Counter[str]]


def contributions(facts: CaseFacts, sign: int = 1, into: Delta | None = None) -> Delta:
    """What one case adds to the rollup (``sign=-1``: what removing it takes away)."""
    delta: Delta = into if into is not None else defaultdict(Counter)
    month = local_month(facts.received_at)
    municipality = facts.municipality_id or UNKNOWN
    requester_type = facts.requester_type_id or UNKNOWN
    base = (month, municipality, facts.office_id)
    resolved = is_resolved(facts)

    cell = delta[(StatsCell, (*base, requester_type, facts.channel_id))]
    cell["cases"] += sign
    if facts.first_response_at is not None:
        cell["responded"] += sign
        if facts.first_response_at <= facts.first_response_due_at:
            cell["responded_on_time"] += sign
        hours = whole_units(facts.first_response_at, facts.received_at, HOUR)
        delta[(StatsDuration, (*base, RESPONSE, hours))]["cases"] += sign
    if resolved:
        cell["resolved"] += sign
        days = whole_units(facts.resolved_at or facts.received_at, facts.received_at, DAY)
        delta[(StatsDuration, (*base, RESOLUTION, days))]["cases"] += sign
    cell["minutes"] += sign * facts.minutes_spent
    if facts.satisfaction in SATISFACTION_SCORES:
        cell[f"satisfaction_{facts.satisfaction}"] += sign

    for topic_id in facts.topic_ids:
        delta[(StatsTopicCell, (*base, topic_id))]["cases"] += sign
        key = (*base, requester_type, facts.channel_id, topic_id)
        delta[(StatsReportCell, key)]["cases"] += sign

    if facts.assignee_id is not None:
        assignee = delta[(StatsAssigneeCell, (*base, facts.assignee_id))]
        assignee["cases"] += sign
        assignee["resolved"] += sign * int(resolved)
        assignee["minutes"] += sign * facts.minutes_spent
    return delta


def difference(before: Iterable[CaseFacts], after: Iterable[CaseFacts]) -> Delta:
    """What the rollup must change when cases go from ``before`` to ``after``."""
    delta: Delta = defaultdict(Counter)
    for facts in before:
        contributions(facts, -1, delta)
    for facts in after:
        contributions(facts, 1, delta)
    return {
        key: Counter({name: amount for name, amount in measures.items() if amount})
        for key, measures in delta.items()
        if any(measures.values())
    }


def facts_from_rows(rows: Sequence[Any], topics: Sequence[tuple[int, int]]) -> list[CaseFacts]:
    topic_ids: dict[int, list[int]] = defaultdict(list)
    for case_id, topic_id in topics:
        topic_ids[case_id].append(topic_id)
    return [
        CaseFacts(
            **{column: getattr(row, column) for column in FACT_COLUMNS},
            topic_ids=tuple(sorted(topic_ids.get(row.id, ()))),
        )
        for row in rows
    ]
