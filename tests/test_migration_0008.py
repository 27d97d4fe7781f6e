"""Migration 0008 (second factor, erasure decisions) keeps the data it finds, both ways.

On SQLite it rebuilds two tables (users for the wider secret column, case_entries for the
new entry kind): their rows, and the rows that refer to them through foreign keys with
ON DELETE CASCADE or SET NULL, must all come through.
"""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from advice.extensions import db
from tests.test_migrations import bare_app, empty_database_url  # noqa: F401 (fixtures)

TABLES = {
    "users": "SELECT id, email, name, language, notify, session_epoch FROM users ORDER BY id",
    "user_roles": "SELECT user_id, role FROM user_roles ORDER BY 1, 2",
    "user_offices": "SELECT user_id, office_id FROM user_offices ORDER BY 1, 2",
    "entries": "SELECT id, case_id, kind, body, author_id FROM case_entries ORDER BY id",
    "attachments": "SELECT id, entry_id, filename FROM attachments ORDER BY id",
    "audit": "SELECT id, actor_id, action FROM audit_events ORDER BY id",
    "cases": "SELECT id, reference, assignee_id, erasure_requested_at FROM cases ORDER BY id",
}


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    snapshot = {
        name: [tuple(row) for row in db.session.execute(text(sql))] for name, sql in TABLES.items()
    }
    db.session.commit()
    return snapshot


def _data() -> None:
    from advice.accounts.services import create_user
    from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
    from advice.audit import services as audit
    from advice.cases.models import CaseEntry
    from advice.cases.services import request_erasure
    from advice.cli import run_seed
    from tests.factories import new_case

    run_seed()
    user = create_user(
        "hanna@example.org", "Hanna", "a long password", ("adviser", "admin"), ("stockholm",)
    )
    case = new_case().case
    case.assignee_id = user.id
    entry = CaseEntry(kind="reply", body="Åtgärda vinden först.", author_id=user.id, is_public=True)
    case.entries.append(entry)
    db.session.flush()
    store_attachment(
        case,
        CheckedUpload("ritning.pdf", "application/pdf", b"%PDF-1.4 x"),
        StoredFiles(),
        entry=entry,
    )
    request_erasure(case, "Radera allt.")
    audit.record("test.event", actor_id=user.id)
    db.session.commit()


def test_the_upgrade_and_the_downgrade_keep_every_row(bare_app):  # noqa: F811
    with bare_app.app_context():
        upgrade()
        _data()
        before = _snapshot()
        assert len(before["user_roles"]) == 2 and before["attachments"][0][1] is not None

        downgrade(revision="0007")
        assert _snapshot() == before
        upgrade()
        assert _snapshot() == before


def test_the_new_entry_kind_is_allowed_and_unknown_kinds_still_are_not(bare_app):  # noqa: F811
    with bare_app.app_context():
        upgrade()
        _data()
        case_id = db.session.execute(text("SELECT id FROM cases")).scalar_one()
        insert = text(
            "INSERT INTO case_entries (case_id, kind, is_public, created_at) "
            "VALUES (:case_id, :kind, false, CURRENT_TIMESTAMP)"
        )
        db.session.execute(insert, {"case_id": case_id, "kind": "erasure_decision"})
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(insert, {"case_id": case_id, "kind": "no_such_kind"})
        db.session.rollback()
        # Going back removes the decisions the earlier schema cannot hold, and nothing else.
        downgrade(revision="0007")
        kinds = (
            db.session.execute(text("SELECT kind FROM case_entries ORDER BY id")).scalars().all()
        )
        assert "erasure_decision" not in kinds and "reply" in kinds
        db.session.commit()
