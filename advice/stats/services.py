"""Keeping the statistics rollup correct.

The rollup (``advice.stats.models``) counts every case with an id up to the watermark
``stats_state.covered_through``; newer cases are counted live by the queries. Two session
hooks keep the covered part equal to a recount, inside the transaction that changes a case:

- ``before_flush``: for each covered case the unit of work is about to change in a way the
  statistics see, the case's row as the database still holds it is read (locked on
  PostgreSQL), and the difference between its old and new contributions is added to the
  rollup with atomic increments;
- ``do_orm_execute``: an ORM ``update(Case)`` / ``delete(Case)`` statement (the claim's
  conditional update) gets the same treatment around its execution.

Hooks rather than calls in every case service: a service written later (the API, an edit
form) cannot forget them. Changes made outside the ORM session (raw SQL, the demo loader's
COPY) are not seen: the demo only adds cases above the watermark, which count live, and
``flask rebuild-stats`` takes new cases into the rollup (``--full`` rebuilds all of it).

Every transaction that writes a case takes a shared lock on the ``stats_state`` row (on
PostgreSQL), and a rebuild takes it exclusively: a rebuild therefore never moves the
watermark past a case whose transaction is still open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, event, func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from advice.cases.models import Case, case_topics
from advice.clock import utcnow
from advice.extensions import db
from advice.stats.cells import (
    FACT_COLUMNS,
    CaseFacts,
    CellSql,
    Delta,
    difference,
    facts_from_rows,
)
from advice.stats.models import (
    ROLLUP_MODELS,
    StatsAssigneeCell,
    StatsCell,
    StatsDuration,
    StatsReportCell,
    StatsState,
    StatsTopicCell,
)
from advice.stats.periods import local_month, months_between, next_month

STATE_ID = 1
_TRACKED = frozenset(FACT_COLUMNS) - {"id"}


# --- Reading the watermark --------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _ensure_state(session: Session) -> None:
    table = StatsState.__table__
    values = {"id": STATE_ID, "covered_through": 0}
    if _dialect(session) == "postgresql":
        statement = pg_insert(table).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(table).values(**values).on_conflict_do_nothing()
    session.execute(statement)


def watermark(session: Session | None = None, *, lock: str | None = None) -> int:
    """The highest case id the rollup covers; ``lock`` is "share" or "update" (PostgreSQL)."""
    session = session or db.session
    query = select(StatsState.covered_through).where(StatsState.id == STATE_ID)
    if lock and _dialect(session) == "postgresql":
        query = query.with_for_update(read=lock == "share")
    value = session.execute(query).scalar()
    return int(value or 0)


# --- Applying a difference -------------------------------------------------------------


def apply_delta(session: Session, delta: Delta) -> None:
    """Add the difference to the rollup, cell by cell, in primary key order.

    Increments are atomic (``x = x + :n``), so concurrent transactions that touch the same
    cell add up; the fixed order keeps two of them from waiting on each other in a cycle.
    """
    by_model: dict[type, list[tuple[tuple[Any, ...], dict[str, int]]]] = {}
    for (model, key), measures in delta.items():
        by_model.setdefault(model, []).append((key, dict(measures)))
    postgresql = _dialect(session) == "postgresql"
    for model in ROLLUP_MODELS:
        entries = by_model.get(model)
        if not entries:
            continue
        table = model.__table__
        key_names = [column.name for column in table.primary_key.columns]
        measure_names = [c.name for c in table.columns if c.name not in key_names]
        rows = []
        for key, measures in sorted(entries, key=lambda entry: _sortable(entry[0])):
            row = dict(zip(key_names, key, strict=True))
            row.update({name: measures.get(name, 0) for name in measure_names})
            rows.append(row)
        build = pg_insert if postgresql else sqlite_insert
        statement = build(table)
        statement = statement.on_conflict_do_update(
            index_elements=key_names,
            set_={name: table.c[name] + statement.excluded[name] for name in measure_names},
        )
        session.execute(statement, rows)


def _sortable(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(str(part) if not isinstance(part, int) else part for part in key)


# --- Facts of cases as the database holds them ------------------------------------------


def load_facts(
    session: Session, ids: Sequence[int] | None = None, *, where: Any = None, lock: bool = False
) -> list[CaseFacts]:
    columns = [getattr(Case, name) for name in FACT_COLUMNS]
    query = select(*columns)
    if ids is not None:
        query = query.where(Case.id.in_(ids))
    if where is not None:
        query = query.where(where)
    if lock and _dialect(session) == "postgresql":
        query = query.with_for_update(of=Case.__table__)
    rows = session.execute(query.order_by(Case.id)).all()
    if not rows:
        return []
    topics = session.execute(
        select(case_topics.c.case_id, case_topics.c.topic_id).where(
            case_topics.c.case_id.in_([row.id for row in rows])
        )
    ).all()
    return facts_from_rows(rows, [(row[0], row[1]) for row in topics])


def _facts_after_flush(case: Case, before: CaseFacts) -> CaseFacts:
    """The case as this flush will leave it: changed attributes, else the stored values."""
    state = inspect(case)
    values: dict[str, Any] = {}
    for name in FACT_COLUMNS:
        history = state.attrs[name].history
        values[name] = history.added[0] if history.added else getattr(before, name)
    topics_history = state.attrs.topics.history
    if topics_history.has_changes():
        topic_ids = tuple(sorted(topic.id for topic in case.topics))
    else:
        topic_ids = before.topic_ids
    return CaseFacts(**values, topic_ids=topic_ids)


def _changes_statistics(case: Case) -> bool:
    state = inspect(case)
    if state.attrs.topics.history.has_changes():
        return True
    return any(state.attrs[name].history.has_changes() for name in _TRACKED)


# --- The hooks ----------------------------------------------------------------------------


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    written = [obj for obj in session.new if isinstance(obj, Case)]
    changed = [obj for obj in session.dirty if isinstance(obj, Case) and _changes_statistics(obj)]
    removed = [obj for obj in session.deleted if isinstance(obj, Case)]
    if not (written or changed or removed):
        return
    covered = watermark(session, lock="share")
    ids = sorted(
        {case.id for case in (*changed, *removed) if case.id is not None and case.id <= covered}
    )
    if not ids:
        return
    before = {facts.id: facts for facts in load_facts(session, ids, lock=True)}
    after = [
        _facts_after_flush(case, before[case.id])
        for case in changed
        if case.id in before and case not in removed
    ]
    apply_delta(session, difference(before.values(), after))


def _on_orm_execute(state: ORMExecuteState) -> Any:
    """Returns the statement's result when it ran the statement itself, else None."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not Case:
        return
    if state.is_update and not (_updated_columns(state.statement) & _TRACKED):
        return
    session = state.session
    covered = watermark(session, lock="share")
    if covered == 0:
        return
    condition = Case.id <= covered
    where = state.statement.whereclause
    before = load_facts(session, where=condition if where is None else condition & where, lock=True)
    result = state.invoke_statement()
    if before:
        after = load_facts(session, [facts.id for facts in before]) if state.is_update else []
        apply_delta(session, difference(before, after))
    return result


def _updated_columns(statement: Any) -> set[str]:
    """Names of the columns an UPDATE sets; everything when they cannot be told."""
    values = getattr(statement, "_values", None) or dict(
        getattr(statement, "_ordered_values", None) or ()
    )
    if not values:
        return set(_TRACKED)
    return {getattr(key, "key", None) or getattr(key, "name", None) or str(key) for key in values}


def install_hooks() -> None:
    """Listen on every session; idempotent, as the app factory runs once per test."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "do_orm_execute", _on_orm_execute):
        event.listen(Session, "do_orm_execute", _on_orm_execute)


# --- Rebuilding -------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildReport:
    full: bool
    cases_added: int
    covered_through: int


def rebuild(*, full: bool = False) -> RebuildReport:
    """Take the cases above the watermark into the rollup (``full``: start from nothing).

    Runs in the caller's transaction; holds the state row's lock until it commits.
    """
    session = db.session
    _ensure_state(session)
    covered = watermark(session, lock="update")
    if full:
        covered = 0
        for model in ROLLUP_MODELS:
            session.execute(delete(model))
    highest = session.execute(select(func.max(Case.id))).scalar() or 0
    added = 0
    if highest > covered:
        window = (Case.id > covered, Case.id <= highest)
        added = session.execute(select(func.count()).where(*window)).scalar() or 0
        sql = CellSql(_dialect(session), tuple(_months_of(session, window)))
        for model, query in (
            (StatsCell, sql.cells(*window)),
            (StatsTopicCell, sql.topic_cells(*window)),
            (StatsReportCell, sql.topic_cells(*window, report=True)),
            (StatsDuration, sql.durations("response", *window)),
            (StatsDuration, sql.durations("resolution", *window)),
            (StatsAssigneeCell, sql.assignee_cells(*window)),
        ):
            _add_rows(session, model, query)
    session.execute(
        update(StatsState)
        .where(StatsState.id == STATE_ID)
        .values(covered_through=max(highest, covered), rebuilt_at=utcnow())
    )
    return RebuildReport(full=full, cases_added=added, covered_through=max(highest, covered))


def _months_of(session: Session, window: Iterable[Any]) -> list[Any]:
    if _dialect(session) == "postgresql":
        return []  # PostgreSQL works the month out itself
    first, last = session.execute(
        select(func.min(Case.received_at), func.max(Case.received_at)).where(*window)
    ).one()
    if first is None:
        return []
    return months_between(local_month(first), next_month(local_month(last)))


def _add_rows(session: Session, model: type, query: Select[Any]) -> None:
    table = model.__table__
    key_names = [column.name for column in table.primary_key.columns]
    names = [column.name for column in query.selected_columns]
    measures = [name for name in names if name not in key_names]
    build = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
    statement = build(table).from_select(names, query)
    statement = statement.on_conflict_do_update(
        index_elements=key_names,
        set_={name: table.c[name] + statement.excluded[name] for name in measures},
    )
    session.execute(statement)
