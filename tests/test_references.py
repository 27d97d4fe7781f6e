from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from advice.cases.models import Case
from advice.extensions import db
from tests.factories import new_case

REFERENCE = re.compile(r"^EK-\d{4}-\d{5}$")


def test_references_count_up_per_year_and_restart_in_a_new_year(app):
    with app.app_context():
        first = new_case(received_at=datetime(2025, 12, 31, 12, tzinfo=UTC)).case
        second = new_case(received_at=datetime(2025, 12, 31, 13, tzinfo=UTC)).case
        third = new_case(received_at=datetime(2026, 1, 2, 9, tzinfo=UTC)).case
        db.session.commit()
        assert [first.reference, second.reference, third.reference] == [
            "EK-2025-00001",
            "EK-2025-00002",
            "EK-2026-00001",
        ]


def test_reference_year_follows_swedish_local_time(app):
    with app.app_context():
        # 23:30 UTC on 31 December is already New Year's Day in Stockholm.
        case = new_case(received_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)).case
        assert case.reference.startswith("EK-2026-")


def test_database_refuses_a_duplicate_reference(app):
    with app.app_context():
        case = new_case().case
        db.session.commit()
        duplicate = new_case().case
        duplicate.reference = case.reference
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_references_stay_unique_under_concurrent_intake(app):
    threads, per_thread = 6, 8
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def intake() -> None:
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_thread):
                    new_case()
                    db.session.commit()
        except BaseException as error:  # reported to the main thread below
            failures.append(error)

    workers = [threading.Thread(target=intake) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    with app.app_context():
        references = list(db.session.scalars(select(Case.reference)))
        assert len(references) == threads * per_thread
        assert len(set(references)) == len(references)
        assert all(REFERENCE.match(reference) for reference in references)
        assert db.session.scalar(select(func.max(Case.reference_number))) == threads * per_thread
