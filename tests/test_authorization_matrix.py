"""Who reaches what: every route of the URL map against every kind of visitor.

The table ``ACCESS`` below declares, once, which rule guards each endpoint. A route that is
added without a line in the table fails ``test_every_route_has_an_access_rule``, so nobody
can add an address without deciding who may use it.

For GET routes the real status is checked; for state-changing routes only the refusals are
exercised (a visitor who may not use the route gets 302 to the login page, 403 or 404), and
the database must be exactly as it was before the refused request.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
from advice.extensions import db
from advice.knowledge import services as kb
from advice.regions.models import Office
from advice.taxonomy.models import Topic
from tests.factories import new_case, topic_id

ROLES = ("anonymous", "adviser_home", "adviser_other", "coordinator", "admin")

# What each rule means for each kind of visitor: the status class a GET gets.
#   "ok"     the view answers (2xx)
#   "login"  302 to /login (staff routes, not signed in)
#   "403"    signed in but the wrong role
#   "404"    the object is not theirs (another office's case): it does not exist for them
#   "any"    the route is open: it may answer anything except a sign-in demand or 401/403
#   "401"    the route wants an integration key or personal token, which no session replaces
OK, LOGIN, FORBIDDEN, HIDDEN, OPEN, KEY = "ok", "login", "403", "404", "any", "401"

RULES: dict[str, dict[str, str]] = {
    # Open to everybody (the citizen's side, sign-in, health checks).
    "PUBLIC": dict.fromkeys(ROLES, OPEN),
    # The API's calls with an integration key (tests/test_api_integrations.py checks keys
    # and scopes); a signed-in session gets no further than a stranger.
    "INTEGRATION_KEY": dict.fromkeys(ROLES, KEY),
    # An adviser's reads with their personal token (tests/test_api_personal_tokens.py); a
    # signed-in session is no token.
    "PERSONAL_TOKEN": dict.fromkeys(ROLES, KEY),
    # Any signed-in staff member.
    "STAFF_ANY": {
        "anonymous": LOGIN,
        "adviser_home": OK,
        "adviser_other": OK,
        "coordinator": OK,
        "admin": OK,
    },
    # Advisers of any office (queue, new contact, reuse search).
    "ADVISER": {
        "anonymous": LOGIN,
        "adviser_home": OK,
        "adviser_other": OK,
        "coordinator": FORBIDDEN,
        "admin": FORBIDDEN,
    },
    # Advisers of the office holding the case (or its assignee); others do not see it.
    "ADVISER_OF_CASE": {
        "anonymous": LOGIN,
        "adviser_home": OK,
        "adviser_other": HIDDEN,
        "coordinator": FORBIDDEN,
        "admin": FORBIDDEN,
    },
    # The knowledge base's staff side and the statistics: advisers and coordinators.
    "COORDINATOR_OR_ADVISER": {
        "anonymous": LOGIN,
        "adviser_home": OK,
        "adviser_other": OK,
        "coordinator": OK,
        "admin": FORBIDDEN,
    },
    # Administration of users, offices, categories and settings.
    "COORDINATOR_OR_ADMIN": {
        "anonymous": LOGIN,
        "adviser_home": FORBIDDEN,
        "adviser_other": FORBIDDEN,
        "coordinator": OK,
        "admin": OK,
    },
    # The sign-in's second step (the code): without a password step first, back to the
    # sign-in; a signed-in user is sent on to their start page.
    "SIGN_IN_STEP": {
        "anonymous": LOGIN,
        "adviser_home": OPEN,
        "adviser_other": OPEN,
        "coordinator": OPEN,
        "admin": OPEN,
    },
    # The data-subject export's search: advisers (their offices' contacts) and admins.
    "ADVISER_OR_ADMIN": {
        "anonymous": LOGIN,
        "adviser_home": OK,
        "adviser_other": OK,
        "coordinator": FORBIDDEN,
        "admin": OK,
    },
    # One contact's export: advisers who may open one of the contact's cases (those cases
    # only), admins for the whole region; for others the contact does not exist.
    "EXPORT_CONTACT": {
        "anonymous": LOGIN,
        "adviser_home": OK,
        "adviser_other": HIDDEN,
        "coordinator": FORBIDDEN,
        "admin": OK,
    },
    # Technical operations: the inbound quarantine and failed background work.
    "ADMIN": {
        "anonymous": LOGIN,
        "adviser_home": FORBIDDEN,
        "adviser_other": FORBIDDEN,
        "coordinator": FORBIDDEN,
        "admin": OK,
    },
}

# endpoint -> rule. ONE line per endpoint of the URL map.
ACCESS: dict[str, str] = {
    "static": "PUBLIC",
    # public site
    "public.index": "PUBLIC",
    "public.healthz": "PUBLIC",
    "public.privacy": "PUBLIC",
    "public.accessibility": "PUBLIC",
    "ops.readyz": "PUBLIC",
    "ops.metrics": "PUBLIC",  # guarded by its own token/address check, 404 otherwise
    "i18n.set_language": "PUBLIC",
    # accounts
    "accounts.login": "PUBLIC",
    "accounts.logout": "PUBLIC",
    "accounts.settings": "STAFF_ANY",
    "accounts.login_code": "SIGN_IN_STEP",
    "accounts.two_factor": "STAFF_ANY",
    "accounts.disable_two_factor": "STAFF_ANY",
    "accounts.renew_recovery_codes": "STAFF_ANY",
    "accounts.create_personal_token": "ADVISER",
    "accounts.revoke_personal_token": "ADVISER",
    "admin.accept_invitation": "PUBLIC",
    # the requester's side
    "intake.ask": "PUBLIC",
    "intake.received": "PUBLIC",
    "tracking.track": "PUBLIC",
    "tracking.reply": "PUBLIC",
    "tracking.attachment": "PUBLIC",
    "tracking.erasure": "PUBLIC",
    "tracking.satisfaction": "PUBLIC",
    "documents.tracking_summary": "PUBLIC",
    "knowledge.public_index": "PUBLIC",
    "knowledge.public_article": "PUBLIC",
    "knowledge.vote": "PUBLIC",
    "knowledge.suggestions": "PUBLIC",
    # the JSON API, public part (read-only)
    "api.list_articles": "PUBLIC",
    "api.get_article": "PUBLIC",
    "api.taxonomy": "PUBLIC",
    "api.openapi_document": "PUBLIC",
    "api.create_case": "INTEGRATION_KEY",
    "api.stats": "INTEGRATION_KEY",
    "api.my_queue": "PERSONAL_TOKEN",
    "api.get_case": "PERSONAL_TOKEN",
    "api_docs.page": "STAFF_ANY",
    # cases
    "cases.queue": "ADVISER",
    "cases.new_contact": "ADVISER",
    "cases.case_page": "ADVISER_OF_CASE",
    "cases.claim_case": "ADVISER_OF_CASE",
    "cases.assign_case": "ADVISER_OF_CASE",
    "cases.reply": "ADVISER_OF_CASE",
    "cases.note": "ADVISER_OF_CASE",
    "cases.log_call": "ADVISER_OF_CASE",
    "cases.set_status": "ADVISER_OF_CASE",
    "cases.transfer_case": "ADVISER_OF_CASE",
    "cases.upload": "ADVISER_OF_CASE",
    "cases.attachment": "ADVISER_OF_CASE",
    "cases.register_erasure": "ADVISER_OF_CASE",
    "cases.decide_erasure": "ADVISER_OF_CASE",
    # the data-subject export (registerutdrag)
    "privacy.export_search": "ADVISER_OR_ADMIN",
    "privacy.export_json": "EXPORT_CONTACT",
    "privacy.export_pdf": "EXPORT_CONTACT",
    "documents.case_summary": "ADVISER_OF_CASE",
    "documents.case_record": "ADVISER_OF_CASE",
    "documents.send_case_summary": "ADVISER_OF_CASE",
    "inbound.case_mail": "ADVISER_OF_CASE",
    "knowledge.case_articles": "ADVISER_OF_CASE",
    "knowledge.link_case_article": "ADVISER_OF_CASE",
    "knowledge.unlink_case_article": "ADVISER_OF_CASE",
    "knowledge.reply_with_article": "ADVISER_OF_CASE",
    "knowledge.draft_from_reply": "ADVISER",
    "knowledge.reuse_search": "ADVISER",
    # knowledge base, staff side
    "knowledge.staff_index": "COORDINATOR_OR_ADVISER",
    "knowledge.new_article": "COORDINATOR_OR_ADVISER",
    "knowledge.edit_article": "COORDINATOR_OR_ADVISER",
    "knowledge.staff_article": "COORDINATOR_OR_ADVISER",
    "knowledge.submit_article": "COORDINATOR_OR_ADVISER",
    "knowledge.review_article": "COORDINATOR_OR_ADVISER",
    "knowledge.archive_article": "COORDINATOR_OR_ADVISER",
    "knowledge.restore_article": "COORDINATOR_OR_ADVISER",
    "knowledge.article_revision": "COORDINATOR_OR_ADVISER",
    "knowledge.article_diff": "COORDINATOR_OR_ADVISER",
    # statistics
    "stats.index": "COORDINATOR_OR_ADVISER",
    "stats.export_csv": "COORDINATOR_OR_ADVISER",
    "stats.export_xlsx": "COORDINATOR_OR_ADVISER",
    "stats.report_csv": "COORDINATOR_OR_ADVISER",
    "stats.report_pdf": "COORDINATOR_OR_ADVISER",
    "stats.report_xlsx": "COORDINATOR_OR_ADVISER",
    # administration
    "admin.index": "COORDINATOR_OR_ADMIN",
    "admin.users": "COORDINATOR_OR_ADMIN",
    "admin.invite": "COORDINATOR_OR_ADMIN",
    "admin.user": "COORDINATOR_OR_ADMIN",
    "admin.deactivate": "COORDINATOR_OR_ADMIN",
    "admin.reactivate": "COORDINATOR_OR_ADMIN",
    "admin.send_invitation": "COORDINATOR_OR_ADMIN",
    "admin.offices": "COORDINATOR_OR_ADMIN",
    "admin.new_office": "COORDINATOR_OR_ADMIN",
    "admin.office": "COORDINATOR_OR_ADMIN",
    "admin.taxonomies": "COORDINATOR_OR_ADMIN",
    "admin.new_term": "COORDINATOR_OR_ADMIN",
    "admin.term": "COORDINATOR_OR_ADMIN",
    "admin.term_active": "COORDINATOR_OR_ADMIN",
    "admin.settings": "COORDINATOR_OR_ADMIN",
    # operations
    "inbound.quarantine": "ADMIN",
    "inbound.retry": "ADMIN",
    "inbound.dismiss": "ADMIN",
    "ops.failed_work": "ADMIN",
    "ops.retry_job": "ADMIN",
    "audit.log": "ADMIN",
    "admin.security": "ADMIN",
    "admin.reset_two_factor": "ADMIN",
    "admin.integrations": "ADMIN",
    "admin.revoke_integration": "ADMIN",
}

# Extra query strings a GET needs to reach its real work.
QUERY: dict[str, str] = {
    "knowledge.reply_with_article": "article={public_article_id}&mode=link",
}

# GETs that would change the visitor's own session (and so the rest of the run).
SESSION_CHANGING_GETS = {"accounts.logout"}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class World:
    values: dict[str, Any]
    users: dict[str, Any]


def test_every_route_has_an_access_rule(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, f"routes without an access rule in ACCESS: {missing}"
    stale = sorted(ACCESS.keys() - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"
    assert set(ACCESS.values()) <= RULES.keys()


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    users = {
        "adviser_home": make_user(name="Hanna Hemma", offices=("stockholm",)),
        "adviser_other": make_user(name="Börje Borta", offices=("sodertorn",)),
        "coordinator": make_user(name="Maria Processledare", roles=("coordinator",), offices=()),
        "admin": make_user(name="Ada Admin", roles=("admin",), offices=()),
    }
    reviewer_ref = make_user(name="Rita Granskare")
    from advice.accounts.models import User

    with app.app_context():
        created = new_case()
        case = created.case
        attachment = store_attachment(
            case,
            CheckedUpload("elräkning.pdf", "application/pdf", b"%PDF-1.4 faktura"),
            StoredFiles(),
            by_requester=True,
        )
        author = db.session.get(User, users["adviser_home"].id)
        reviewer = db.session.get(User, reviewer_ref.id)
        published = kb.create_article(
            kb.ArticleDraft(
                title="Värmepump i villa",
                body_md="En värmepump tar värme ur luften.",
                summary="Om värmepumpar.",
                topic_ids=[topic_id()],
            ),
            author,
        )
        kb.submit_for_review(published, author)
        kb.publish(published, reviewer)
        draft = kb.create_article(
            kb.ArticleDraft(
                title="Intern rutin för hembesök",
                body_md="Ring alltid före besöket.",
                audience="internal",
                topic_ids=[topic_id()],
            ),
            author,
        )
        db.session.commit()
        stockholm = db.session.scalars(select(Office.id).where(Office.code == "stockholm")).one()
        term = db.session.scalars(select(Topic.id).where(Topic.code == "heating")).one()
        values = {
            "reference": case.reference,
            "attachment_id": attachment.id,
            "token": created.tracking_token,
            "slug": published.slug,
            "draft_slug": draft.slug,
            "article_id": draft.id,
            "public_article_id": published.id,
            "number": 1,
            "user_id": users["adviser_home"].id,
            "contact_id": case.contact_id,
            "office_id": stockholm,
            "kind": "topics",
            "term_id": term,
            "inbound_id": 999_999,  # no quarantined message: only refusals are checked
            "job_id": "no-such-job",
            "key_id": 999_999,  # no integration key: only refusals are checked
            "token_id": 999_999,  # no personal token: only refusals are checked
            "submission": "no-such-submission",
            "filename": "favicon.ico",
        }
    return World(values=values, users=users)


def _url(rule: Any, values: dict[str, Any]) -> str:
    path = re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda match: str(values[match.group(1)]), rule.rule)
    query = QUERY.get(rule.endpoint)
    return f"{path}?{query.format(**values)}" if query else path


def _fingerprint() -> str:
    """A digest of every row of every table: equal digests, nothing changed. The audit
    log's record of a refused call is the one row a refusal may add."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        query = select(table)
        if table.name == "audit_events":
            query = query.where(~table.c.action.endswith(".refused"))
        rows = db.session.execute(query).all()
        digest.update(table.name.encode())
        for row in sorted(repr(tuple(row)) for row in rows):
            digest.update(row.encode())
    return digest.hexdigest()


def _goes_to_login(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def _matches(expected: str, response: Any) -> bool:
    status = response.status_code
    if expected == OK:
        return 200 <= status < 300
    if expected == LOGIN:
        return _goes_to_login(response)
    if expected == FORBIDDEN:
        return status == 403
    if expected == HIDDEN:
        return status == 404
    if expected == KEY:
        return status == 401
    return not _goes_to_login(response) and status not in (401, 403)


def _clients(app: Flask, world: World) -> dict[str, Any]:
    from tests.conftest import TEST_PASSWORD

    clients = {"anonymous": app.test_client()}
    for role, user in world.users.items():
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, role
        clients[role] = client
    return clients


def test_the_authorization_matrix(app: Flask, world: World) -> None:
    clients = _clients(app, world)
    failures: list[str] = []
    checked = 0
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))
    for rule in rules:
        expectations = RULES[ACCESS[rule.endpoint]]
        url = _url(rule, world.values)
        methods = set(rule.methods or ())
        for role in ROLES:
            expected = expectations[role]
            client = clients[role]
            if "GET" in methods and not (
                rule.endpoint in SESSION_CHANGING_GETS and role != "anonymous"
            ):
                response = client.get(url)
                checked += 1
                if not _matches(expected, response):
                    failures.append(
                        f"GET {url} as {role}: expected {expected}, got "
                        f"{response.status_code} {response.location or ''}"
                    )
            if methods & STATE_CHANGING and expected not in (OK, OPEN):
                with app.app_context():
                    before = _fingerprint()
                response = client.post(url, data={"body": "x", "reason": "x", "status": "closed"})
                checked += 1
                with app.app_context():
                    after = _fingerprint()
                if response.status_code not in (302, 401, 403, 404) or (
                    response.status_code == 302 and not _goes_to_login(response)
                ):
                    failures.append(f"POST {url} as {role}: got {response.status_code}")
                elif not _matches(expected, response):
                    failures.append(
                        f"POST {url} as {role}: expected {expected}, got {response.status_code}"
                    )
                if before != after:
                    failures.append(f"POST {url} as {role}: the database changed")
    assert not failures, "\n".join(failures)
    assert checked > 300


def test_an_internal_draft_has_no_public_address(client: Any, world: World) -> None:
    assert client.get(f"/kb/{world.values['draft_slug']}").status_code == 404
    assert client.get(f"/kb/{world.values['slug']}").status_code == 200


def test_the_tracking_link_only_opens_its_own_case(client: Any, world: World) -> None:
    assert client.get(f"/track/{world.values['token']}").status_code == 200
    assert client.get("/track/" + "x" * 40).status_code == 404
