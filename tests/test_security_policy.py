from __future__ import annotations

from flask import Flask

from advice.accounts.models import User
from advice.extensions import db
from advice.security import can_see_case, role_required
from tests.factories import new_case


def _add_route(app: Flask, rule: str, view, public: bool = False) -> None:
    if public:
        view.is_public = True
    app.add_url_rule(rule, rule.strip("/"), view)


def test_private_views_redirect_anonymous_visitors_to_sign_in(app, client):
    _add_route(app, "/private-probe", lambda: "secret")
    response = client.get("/private-probe")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_public_views_are_open_only_when_marked(app, client):
    _add_route(app, "/public-probe", lambda: "hello", public=True)
    assert client.get("/public-probe").status_code == 200


def test_role_required_refuses_other_roles_with_403(app, client, make_user, login):
    _add_route(app, "/coordinator-probe", role_required("coordinator")(lambda: "figures"))
    login(make_user(roles=("adviser",)))
    assert client.get("/coordinator-probe").status_code == 403


def test_role_required_admits_the_role(app, client, make_user, login):
    _add_route(app, "/coordinator-probe", role_required("coordinator")(lambda: "figures"))
    login(make_user(roles=("coordinator",), offices=()))
    assert client.get("/coordinator-probe").status_code == 200


def test_case_is_visible_to_holding_office_and_assignee_only(app, make_user):
    own = make_user(offices=("stockholm",))
    other = make_user(offices=("sodertorn",))
    coordinator = make_user(roles=("coordinator",), offices=())
    with app.app_context():
        case = new_case(municipality_code="0180").case
        db.session.commit()
        assert can_see_case(db.session.get(User, own.id), case)
        assert not can_see_case(db.session.get(User, other.id), case)
        # The coordinator reads aggregates, not citizens' personal data.
        assert not can_see_case(db.session.get(User, coordinator.id), case)
        case.assignee_id = other.id
        assert can_see_case(db.session.get(User, other.id), case)
