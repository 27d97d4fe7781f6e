"""The admin's audit log page: search by user, case reference and time range; read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from advice.audit.models import AuditEvent
from advice.extensions import db
from tests.factories import new_case


def _events(app: Flask, make_user: Any) -> dict[str, Any]:
    anna = make_user(name="Anna Rådgivare")
    erik = make_user(name="Erik Ek")
    with app.app_context():
        case = new_case().case
        other = new_case().case
        db.session.flush()
        for day in range(1, 61):
            db.session.add(
                AuditEvent(
                    at=datetime(2026, 3, 1 + day % 28, 12, 0, tzinfo=UTC),
                    actor_id=anna.id,
                    action="case.viewed",
                    case_id=case.id,
                )
            )
        db.session.add(
            AuditEvent(
                at=datetime(2026, 5, 10, 9, 0, tzinfo=UTC),
                actor_id=erik.id,
                action="case.note_added",
                case_id=other.id,
            )
        )
        db.session.commit()
        return {
            "anna": anna,
            "erik": erik,
            "reference": case.reference,
            "other_reference": other.reference,
        }


def test_the_admin_searches_the_log_by_user_case_and_time(
    app: Flask, client: Any, make_user: Any, login: Any
) -> None:
    data = _events(app, make_user)
    login(make_user(name="Ada Admin", roles=("admin",), offices=()))

    by_user = client.get(f"/admin/audit?user={data['erik'].id}")
    assert by_user.status_code == 200
    page = by_user.get_data(as_text=True)
    assert "case.note_added" in page and "case.viewed" not in page
    assert data["other_reference"] in page

    by_case = client.get(f"/admin/audit?reference={data['other_reference'].lower()}")
    assert "case.note_added" in by_case.get_data(as_text=True)
    assert "case.viewed" not in by_case.get_data(as_text=True)

    in_may = client.get("/admin/audit?from=2026-05-01&to=2026-05-31").get_data(as_text=True)
    assert "case.note_added" in in_may and "case.viewed" not in in_may
    in_march = client.get("/admin/audit?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    assert "case.viewed" in in_march and "case.note_added" not in in_march

    assert client.get("/admin/audit?from=igår").status_code == 400


def test_the_log_is_paginated(app: Flask, client: Any, make_user: Any, login: Any) -> None:
    data = _events(app, make_user)
    login(make_user(name="Ada Admin", roles=("admin",), offices=()))
    first = client.get(f"/admin/audit?reference={data['reference']}").get_data(as_text=True)
    assert first.count("<code>") == 50  # one row per event
    assert 'rel="next"' in first
    second = client.get(f"/admin/audit?reference={data['reference']}&page=2").get_data(as_text=True)
    assert first.count("case.viewed") + second.count("case.viewed") == 60
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_only_admins_read_the_log_and_nobody_edits_it(
    app: Flask, client: Any, make_user: Any, login: Any
) -> None:
    assert client.get("/admin/audit").status_code == 302
    login(make_user(roles=("coordinator",), offices=()))
    assert client.get("/admin/audit").status_code == 403
    audit_rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")]
    assert audit_rules
    for rule in audit_rules:
        assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}
