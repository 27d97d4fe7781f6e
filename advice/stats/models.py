"""The statistics rollup: case counts per local month and dimension.

The rollup holds every case with an id up to ``StatsState.covered_through``; cases above it
(new since the last ``flask rebuild-stats``, or loaded in bulk) are counted live from
``cases``. Changes to covered cases are applied in the same transaction as the change
(``advice.stats.services``), so rollup plus live part always equals a recount.

Dimensions that a case may lack (municipality, requester type) are stored as 0, so they can
be part of a primary key on every database. The rollup is derived data: it has no foreign
keys, and ``flask rebuild-stats --full`` rebuilds it from the cases.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from advice.cases.models import OPEN_STATUSES, Case
from advice.clock import UTCDateTime
from advice.extensions import db

UNKNOWN = 0

# Unanswered cases past their due time are counted live (whether a case is past due
# changes with the clock, not with the case); few cases are unanswered, so a partial index
# finds them without reading the period's answered cases.
UNANSWERED_INDEX = Index(
    "ix_cases_unanswered_received",
    Case.received_at,
    postgresql_where=Case.first_response_at.is_(None),
    sqlite_where=Case.first_response_at.is_(None),
)

# The open cases now (the backlog by age, each adviser's open cases) are counted live as
# well; an index over just the open ones holds every column those queries read.
OPEN_CASES_INDEX = Index(
    "ix_cases_open_received",
    Case.received_at,
    Case.status,
    Case.office_id,
    Case.municipality_id,
    Case.assignee_id,
    Case.first_response_at,
    Case.first_response_due_at,
    postgresql_where=Case.status.in_(OPEN_STATUSES),
    sqlite_where=Case.status.in_(OPEN_STATUSES),
)


class _Cell:
    # First in the primary key: every query reads a range of months.
    month: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-3)
    municipality_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, sort_order=-2
    )
    office_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, sort_order=-1
    )


class StatsCell(_Cell, db.Model):
    """Cases received per month, municipality, office, requester type and channel."""

    __tablename__ = "stats_cells"

    requester_type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    responded: Mapped[int] = mapped_column(Integer, default=0)
    responded_on_time: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(BigInteger, default=0)
    satisfaction_1: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_2: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_3: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_4: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_5: Mapped[int] = mapped_column(Integer, default=0)


class StatsTopicCell(_Cell, db.Model):
    """Case topics: a case with two topics counts once under each."""

    __tablename__ = "stats_topic_cells"

    topic_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class StatsReportCell(_Cell, db.Model):
    """Case topics by requester type and channel, for the national period report.

    Kept apart from ``stats_topic_cells``: its cross of three categories has twenty times
    the rows, which the statistics page does not need to read.
    """

    __tablename__ = "stats_report_cells"

    requester_type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    topic_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class StatsDuration(_Cell, db.Model):
    """Histograms: time to first response in whole hours, to resolution in whole days.

    Exact medians and percentiles of whole hours (days) come from summing these counts.
    """

    __tablename__ = "stats_durations"

    measure: Mapped[str] = mapped_column(String(12), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class StatsAssigneeCell(_Cell, db.Model):
    """Cases per current assignee, for the coordinator's view of workload."""

    __tablename__ = "stats_assignee_cells"

    assignee_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(BigInteger, default=0)


class StatsState(db.Model):
    """One row: how far the rollup reaches."""

    __tablename__ = "stats_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Every case with an id up to this one is in the rollup; the rest are counted live.
    covered_through: Mapped[int] = mapped_column(BigInteger, default=0)
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


ROLLUP_MODELS = (StatsCell, StatsTopicCell, StatsReportCell, StatsDuration, StatsAssigneeCell)
