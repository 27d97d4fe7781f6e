"""Every state-changing route refuses a request without a CSRF token, and changes nothing.

The routes come from the app's own URL map. Each is posted to by a visitor who may use it
(the adviser of the office holding the case for case routes, the admin for operations, and
so on, from the access table of the authorization matrix), so that the refusal is the CSRF
check's and not the access check's.

Exempt on purpose (``csrf.exempt``), and nothing else:

- ``knowledge.suggestions`` (POST /kb/suggest.json): a read-only lookup of public articles
  for the question being typed on /ask. It writes nothing and returns only public content;
  it takes POST so that the question text stays out of URLs and access logs.
- ``api.create_case`` (POST /api/v1/cases) and ``api.stats`` (a GET, exempt like every
  call with an integration key): authenticated by an integration key in the
  Authorization header, never by the session cookie, so a forged cross-site request has no
  authority to borrow (tests/test_api_integrations.py posts without a token and without a
  key).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from advice.extensions import csrf
from tests import test_authorization_matrix as matrix
from tests.conftest import TEST_PASSWORD
from tests.test_authorization_matrix import (
    ACCESS,
    OK,
    OPEN,
    ROLES,
    RULES,
    STATE_CHANGING,
    World,
    _fingerprint,
    _url,
)

world = matrix.world  # the fixture: one case, its attachment and token, two articles

EXEMPT = {"knowledge.suggestions", "api.create_case", "api.stats"}

pytestmark = pytest.mark.csrf


def _exempt_endpoints(app: Flask) -> set[str]:
    exempt = set()
    for endpoint, view in app.view_functions.items():
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views:
            exempt.add(endpoint)
        if endpoint.partition(".")[0] in csrf._exempt_blueprints:
            exempt.add(endpoint)
    return exempt


def _signed_in(app: Flask, user: Any) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the login form carries a CSRF token"
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token[1]}
    )
    assert response.status_code == 302
    return client


def test_only_the_documented_routes_are_exempt(app: Flask) -> None:
    assert _exempt_endpoints(app) == EXEMPT


def test_every_state_changing_route_needs_the_token(app: Flask, world: World) -> None:
    clients = {"anonymous": app.test_client()}
    for role, user in world.users.items():
        clients[role] = _signed_in(app, user)
    exempt = _exempt_endpoints(app)
    failures: list[str] = []
    checked = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        methods = set(rule.methods or ()) & STATE_CHANGING
        if not methods or rule.endpoint in exempt:
            continue
        expectations = RULES[ACCESS[rule.endpoint]]
        role = next(role for role in ROLES if expectations[role] in (OK, OPEN))
        client = clients[role]
        url = _url(rule, world.values)
        for method in sorted(methods):
            with app.app_context():
                before = _fingerprint()
            response = client.open(
                url,
                method=method,
                data={"body": "x", "reason": "x", "status": "closed", "language": "en"},
            )
            checked += 1
            with app.app_context():
                after = _fingerprint()
            if response.status_code != 400:
                failures.append(f"{method} {url} as {role}: {response.status_code}, not 400")
            if before != after:
                failures.append(f"{method} {url} as {role}: the database changed")
    assert not failures, "\n".join(failures)
    assert checked >= 30


def test_the_exempt_suggestions_change_nothing(app: Flask, world: World) -> None:
    client = app.test_client()
    with app.app_context():
        before = _fingerprint()
    response = client.post("/kb/suggest.json", data={"q": "värmepump"})
    assert response.status_code == 200
    with app.app_context():
        assert _fingerprint() == before
