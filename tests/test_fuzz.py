"""Fuzzing: every form, query string and JSON body of the app gets hostile input.

Hypothesis throws arbitrary Unicode (odd planes, right-to-left marks, combining marks),
control and NUL characters, very long values, huge numbers, and wrong types (text where a
number, id, date or choice belongs; repeated keys; missing fields; files and JSON where a
form is expected) at every endpoint of the URL map. Each answer must be

- never a 5xx;
- a clear refusal when it is a 4xx: a page with an error message (``role="alert"`` or the
  error page), or problem details under ``/api/``, and no row added or removed anywhere;
- whole when it is a success: the free text the endpoint accepted is stored as typed
  (trimmed), not cut short or mangled.

Discovery is automatic, so a new endpoint is fuzzed without anyone listing it:

1. The endpoints come from the URL map (``ENDPOINTS`` is read at collection time).
2. Each is used as the role the authorization matrix's ``ACCESS`` table allows (the
   adviser of the office holding the case, the coordinator, the admin, or anonymous), or
   with an integration key where the table asks for one; ``VISITORS`` names the
   endpoints that need a user with a second factor.
3. The keys an endpoint reads are recorded while it answers a probe: the request's
   ``args``, ``form`` and ``files`` are dictionaries that log every key a view (or a
   WTForms form) looks up, and ``get_json`` logs that the body is read as JSON.
4. A valid starting point comes from the rendered HTML form that posts to the endpoint
   (found on the endpoint's own page, or a page whose address is a prefix of it, or the
   page named in ``FORM_HOSTS``): hidden tokens, the options of selects and radios, and
   plausible values by input type. Fuzzing then mutates, drops, repeats and adds keys.

An endpoint that cannot be reached for fuzzing (no role in ``ACCESS``, no value for a
part of its address in the world, a visitor the endpoint refuses) fails its test with the
reason, instead of passing without being fuzzed. ``EXCLUDED`` lists, with reasons, the
only endpoints left out. Each endpoint that reads input first gets ``SWEEPS``, values of
the kinds that broke endpoints before, then hypothesis's random inputs.

Every generated input is counted; ``tests/fuzz_tally.py`` prints the total in the
terminal summary.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask, Request, has_request_context
from flask import request as current_request
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import String, select, text
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.routing import Rule

from advice import create_app
from advice.extensions import db
from advice.forms import Form
from tests import fuzz_tally
from tests.conftest import TEST_PASSWORD
from tests.test_authorization_matrix import ACCESS, KEY, OK, OPEN, ROLES, RULES

# Left out of fuzzing, each for a reason. Nothing else is.
EXCLUDED: dict[str, str] = {
    # Werkzeug's own file serving from static/: no code of ours reads any input there.
    "static": "files served by Werkzeug's send_from_directory; no input of ours",
}

# Generated inputs per (address, method): endpoints that read input get the full budget,
# those that read nothing (a claim button, a PDF by reference) only a few, to check that
# junk keys and odd path values do no harm. Together they keep the fuzz tests at about
# two minutes under `pytest -n 2` on both databases.
EXAMPLES_READING = 12
EXAMPLES_NOT_READING = 4
# Endpoints whose every answer is expensive: a PDF rendered by WeasyPrint, or a form that
# remaps every municipality of the region at once.
EXAMPLES_OVERRIDE: dict[str, int] = {
    "stats.report_pdf": 8,
    "admin.offices": 8,
}

# Before the random inputs, each endpoint that reads input gets one request per value
# here, in every key at once: the kinds of value that broke endpoints before, which random
# draws from many keys and values would meet only by luck.
SWEEPS = [
    "²",  # str.isdigit() is true, int() refuses it
    "١٢٣٤٥٦",  # Arabic-Indic digits: int() takes them, compare_digest does not
    "99999999999999999999",  # past INTEGER and BIGINT
    "7" * 4_400,  # past Python's int() limit of 4300 digits, and past a float
    "a\x00b",  # NUL: PostgreSQL can neither store nor compare it
    "9999-12-31",  # the last date there is: a day later overflows
    "\U0010fffd\u202e" * 200,  # a long run from the last plane, with an RTL override
]

# Lengths just past the sizes of the text columns (String(20) up to String(300)): each is
# put in every free-text field of an otherwise valid form, which must refuse it or store
# it whole, never cut it short nor fail in the database.
TEXT_LENGTHS = [21, 41, 65, 101, 121, 151, 201, 256, 301]

# Pages holding the form that posts to an endpoint, where no page's address is a prefix
# of the endpoint's own (the case page carries the "draft from a reply" form).
FORM_HOSTS: dict[str, str] = {
    "knowledge.draft_from_reply": "cases.case_page",
    "i18n.set_language": "public.index",
}

# Free-text fields an endpoint accepts without storing them as typed, and why. Every
# other text input of a form that succeeded must be found whole in the database.
NOT_STORED: dict[str, dict[str, str]] = {
    "cases.new_contact": {
        "name": "an anonymous contact's details are dropped on purpose",
        "email": "an anonymous contact's details are dropped on purpose",
        "phone": "an anonymous contact's details are dropped on purpose",
    },
    "knowledge.review_article": {"comment": "kept only when the article is sent back"},
    "knowledge.edit_article": {"comment": "kept only when the text changed (a new revision)"},
}

# Tables an endpoint writes on purpose while refusing (4xx), and why.
_THROTTLED = {
    "audit_events": "a refused or throttled attempt is audited",
    "login_attempts": "every failed attempt counts towards the throttle",
}
WRITES_WHEN_REFUSING: dict[str, dict[str, str]] = {
    "accounts.login": _THROTTLED,
    "accounts.login_code": _THROTTLED,
    "accounts.disable_two_factor": _THROTTLED,
    "accounts.renew_recovery_codes": _THROTTLED,
}

# Every call with an integration key is on record, refused or not (``key_required``).
KEY_CALLS_WRITE = {"audit_events": "each use of an integration key or token is audited"}

# Path parts a particular endpoint takes from another value of the world.
ENDPOINT_VALUES: dict[str, dict[str, str]] = {
    "admin.accept_invitation": {"token": "invitation_token"},
    "tracking.satisfaction": {"token": "resolved_token"},
}

# A valid JSON body for endpoints that read one (a value of the world); the keys to fuzz
# come from the request body's schema in the OpenAPI document as well.
JSON_BASELINES: dict[str, str] = {
    "api.create_case": "case_submission",
}
OPENAPI_ENDPOINT = "api.openapi_document"

# Extra query strings a GET needs to reach its real work (the probe adds what it reads).
QUERY: dict[str, dict[str, str]] = {
    "knowledge.reply_with_article": {"article": "public_article_id", "mode": "link"},
}

# The visitor of routes that want an integration key: a client sending one with every scope.
INTEGRATION_KEY = "integration_key"
# The visitor of routes that want a personal token: a client sending adviser_home's.
PERSONAL_TOKEN = "personal_token"
# Visitors with a second factor: signed in with it, or between the password and the code.
TOTP_SIGNED_IN = "totp_signed_in"
TOTP_CODE_STEP = "totp_code_step"
# Endpoints that show their form only to one of those visitors.
VISITORS: dict[str, str] = {
    "accounts.login_code": TOTP_CODE_STEP,
    "accounts.disable_two_factor": TOTP_SIGNED_IN,
    "accounts.renew_recovery_codes": TOTP_SIGNED_IN,
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
FUZZED_METHODS = {"GET", *STATE_CHANGING}
PROBE_KEY = "fuzz-probe"
CLEAR_REFUSAL = ('role="alert"', 'class="error-page')


def _collect_endpoints() -> list[str]:
    """The URL map's endpoints, read once at collection from an app without a database."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "collection-only-secret-key-long-enough-for-checks",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()})


ALL_ENDPOINTS = _collect_endpoints()
ENDPOINTS = [endpoint for endpoint in ALL_ENDPOINTS if endpoint not in EXCLUDED]


# --- Recording what a view reads ------------------------------------------------------------


@dataclass
class ReadLog:
    """Keys the view looked up in the request's args, form and files; which of those it
    read whole (``to_dict``, iteration); whether it read a JSON body.

    Only reads between the last ``before_request`` function and the end of the request
    count: the app's own input checks look at every key of every request.
    """

    active: bool = False
    keys: dict[str, set[str]] = field(default_factory=lambda: {"args": set(), "form": set()})
    files: set[str] = field(default_factory=set)
    whole: set[str] = field(default_factory=set)
    json: bool = False

    def reset(self) -> None:
        self.keys = {"args": set(), "form": set()}
        self.files = set()
        self.whole = set()
        self.json = False


READS = ReadLog()


class RecordingMultiDict(ImmutableMultiDict):
    """An ``ImmutableMultiDict`` that notes which keys the view asked for."""

    def _kind(self) -> str | None:
        if not READS.active or not has_request_context():
            return None
        stored = current_request._get_current_object().__dict__  # type: ignore[attr-defined]
        return next((kind for kind in ("args", "form", "files") if stored.get(kind) is self), None)

    def _note(self, key: Any) -> None:
        kind = self._kind()
        if kind == "files" and isinstance(key, str):
            READS.files.add(key)
        elif kind is not None and isinstance(key, str):
            READS.keys[kind].add(key)

    def _note_whole(self) -> None:
        kind = self._kind()
        if kind is not None:
            READS.whole.add(kind)

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self._note(key)
        return super().__contains__(key)

    def getlist(self, key: Any, type: Any = None) -> list[Any]:
        self._note(key)
        return super().getlist(key, type=type)

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        self._note_whole()
        return super().to_dict(flat)

    def items(self, multi: bool = False) -> Any:
        self._note_whole()
        return super().items(multi)

    def keys(self) -> Any:
        self._note_whole()
        return super().keys()

    def __iter__(self) -> Iterator[str]:
        self._note_whole()
        return super().__iter__()


class RecordingRequest(Request):
    parameter_storage_class = RecordingMultiDict

    def get_json(self, *args: Any, **kwargs: Any) -> Any:
        READS.json = READS.json or READS.active
        return super().get_json(*args, **kwargs)


# --- The world the endpoints act on ---------------------------------------------------------


class World:
    """The users, cases, articles, invitations and keys the addresses refer to.

    Each part is made when an address first needs it, and made anew after a request that
    succeeded: a success changes what it acts on (a case is transferred away, an article
    published, an invitation used), and the next example must meet the same start.
    """

    PARTS: dict[str, str] = {
        "reference": "case",
        "token": "case",
        "attachment_id": "case",
        "contact_id": "case",
        "resolved_token": "resolved_case",
        "article_id": "articles",
        "slug": "articles",
        "number": "articles",
        "public_article_id": "articles",
        "user_id": "user",
        "invitation_token": "invitation",
        "key_id": "integration_key",
        "token_id": "personal_token",
    }

    USERS: dict[str, dict[str, Any]] = {
        "adviser_home": {"name": "Hanna Hemma", "offices": ("stockholm",)},
        "adviser_other": {"name": "Börje Borta", "offices": ("sodertorn",)},
        "coordinator": {"name": "Maria Processledare", "roles": ("coordinator",), "offices": ()},
        "admin": {"name": "Ada Admin", "roles": ("admin",), "offices": ()},
        "reviewer": {"name": "Rita Granskare", "offices": ("stockholm",)},
        "totp_user": {"name": "Tove Tvåsteg", "offices": ("stockholm",)},
    }
    # The users a part is made by, created before its transaction begins.
    PART_USERS: dict[str, tuple[str, ...]] = {
        "case": ("adviser_home",),
        "resolved_case": ("adviser_home",),
        "articles": ("adviser_home", "reviewer"),
        "invitation": ("admin",),
        "integration_key": ("admin",),
        "personal_token": ("adviser_home",),
    }

    def __init__(self, app: Flask, make_user: Callable[..., Any]) -> None:
        self.app = app
        self.make_user = make_user
        self.users: dict[str, Any] = {}
        self.values: dict[str, Any] = {
            "inbound_id": 999_999,  # no quarantined message: only the refusal is reached
            "job_id": "no-such-job",
            "submission": "no-such-submission",
            "filename": "favicon.ico",
            "kind": "topics",
            # The body of POST /api/v1/cases, in the codes of the seed data.
            "case_submission": {
                "municipality": "0180",
                "requester_type": "private_house",
                "topics": ["heating"],
                "question": "Lönar sig bergvärme i ett hus från 1975?",
                "name": "Åsa Öberg",
                "email": "asa.oberg@example.com",
                "phone": "070-123 45 67",
                "language": "sv",
                "consent": True,
            },
        }
        self._clients: dict[str, Any] = {}
        self._recovery_codes: list[str] = []
        self._made = 0
        with app.app_context():
            from advice.regions.models import Office
            from advice.taxonomy.models import Topic

            self.values["office_id"] = db.session.scalars(
                select(Office.id).where(Office.code == "stockholm")
            ).one()
            self.values["term_id"] = db.session.scalars(
                select(Topic.id).where(Topic.code == "heating")
            ).one()

    def user(self, role: str) -> Any:
        if role not in self.users:
            self.users[role] = self.make_user(**self.USERS[role])
        return self.users[role]

    def refresh(self, part: str) -> None:
        for role in self.PART_USERS.get(part, ()):
            self.user(role)
        with self.app.app_context():
            getattr(self, f"_new_{part}")()
            db.session.commit()

    def refresh_for(self, endpoint: str, names: set[str]) -> None:
        """Make anew the parts the address of ``endpoint`` takes ``names`` from."""
        sources = {ENDPOINT_VALUES.get(endpoint, {}).get(name, name) for name in names}
        for part in sorted({self.PARTS[name] for name in sources if name in self.PARTS}):
            self.refresh(part)

    def value_for(self, endpoint: str, name: str) -> Any:
        source = ENDPOINT_VALUES.get(endpoint, {}).get(name, name)
        if source not in self.values and source in self.PARTS:
            self.refresh(self.PARTS[source])
        if source not in self.values:
            raise LookupError(
                f"{endpoint}: no value for <{name}> in the fuzz world; add one to "
                "World in tests/test_fuzz.py so the endpoint can be fuzzed"
            )
        return self.values[source]

    def _user(self, role: str) -> Any:
        from advice.accounts.models import User

        return db.session.get(User, self.users[role].id)

    def _unique(self) -> int:
        self._made += 1
        return self._made

    def _new_case(self) -> None:
        from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
        from advice.cases.services import reply_to_requester
        from tests.factories import new_case

        created = new_case()
        attachment = store_attachment(
            created.case,
            CheckedUpload("elräkning.pdf", "application/pdf", b"%PDF-1.4 faktura"),
            StoredFiles(),
            by_requester=True,
        )
        # A reply, so that the case page offers to make an article of it.
        reply_to_requester(
            created.case, self._user("adviser_home"), "Byt till en luft/vatten-värmepump.", 5
        )
        db.session.flush()
        self.values.update(
            reference=created.case.reference,
            token=created.tracking_token,
            attachment_id=attachment.id,
            contact_id=created.case.contact_id,
        )

    def _new_resolved_case(self) -> None:
        """A resolved case, whose tracking page asks how satisfied the requester is."""
        from advice.cases.services import change_status
        from tests.factories import new_case

        created = new_case()
        change_status(created.case, self._user("adviser_home"), "resolved")
        self.values["resolved_token"] = created.tracking_token

    def _new_articles(self) -> None:
        from advice.knowledge import services as kb
        from tests.factories import topic_id

        author = self._user("adviser_home")
        number = self._unique()
        published = kb.create_article(
            kb.ArticleDraft(
                title=f"Värmepump i villa {number}",
                body_md="En värmepump tar värme ur luften.",
                summary="Om värmepumpar.",
                topic_ids=[topic_id()],
            ),
            author,
        )
        kb.submit_for_review(published, author)
        kb.publish(published, self._user("reviewer"))
        draft = kb.create_article(
            kb.ArticleDraft(
                title=f"Intern rutin för hembesök {number}",
                body_md="Ring alltid före besöket.",
                audience="internal",
                topic_ids=[topic_id()],
            ),
            author,
        )
        db.session.flush()
        self.values.update(
            slug=published.slug, public_article_id=published.id, article_id=draft.id, number=1
        )

    def _new_user(self) -> None:
        from advice.accounts.services import create_user

        email = f"kollega{self._unique()}@example.org"
        user = create_user(email, "Kim Kollega", TEST_PASSWORD, ("adviser",), ("stockholm",), "sv")
        db.session.flush()
        self.values["user_id"] = user.id

    def _new_invitation(self) -> None:
        from advice.admin.services import invite_user

        invited = invite_user(
            f"ny{self._unique()}@example.org",
            "Nora Ny",
            ["adviser"],
            [self.values["office_id"]],
            "sv",
            actor=self._user("admin"),
        )
        self.values["invitation_token"] = invited.token

    def _new_integration_key(self) -> None:
        self.values["key_id"] = self._integration_key().key.id

    def _new_personal_token(self) -> None:
        self.values["token_id"] = self._personal_token().token.id

    def _personal_token(self) -> Any:
        from advice.accounts.models import User
        from advice.api.tokens import create_token

        user = db.session.get(User, self.user("adviser_home").id)
        return create_token(user, f"Översikt {self._unique()}", 30)

    def _integration_key(self) -> Any:
        from advice.api.keys import create_key
        from advice.api.models import SCOPES

        return create_key(f"E-tjänst {self._unique()}", SCOPES, self._user("admin"))

    def _totp_user(self) -> tuple[Any, list[str]]:
        """A user with the second factor on, and their recovery codes."""
        import pyotp

        from advice.accounts import totp
        from advice.accounts.models import User

        if "totp_user" not in self.users:
            user_ref = self.user("totp_user")
            with self.app.app_context():
                user = db.session.get(User, user_ref.id)
                secret = totp.new_secret()
                self._recovery_codes = totp.confirm_enrolment(
                    user, secret, pyotp.TOTP(secret).now()
                )
                db.session.commit()
        return self.users["totp_user"], self._recovery_codes

    def _totp_client(self, signed_in: bool) -> Any:
        client = self.app.test_client()
        user, codes = self._totp_user()
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert urlsplit(response.location or "").path == "/login/code", response.status_code
        if signed_in:
            response = client.post("/login/code", data={"code": codes.pop()})
            assert response.status_code == 302 and "/login" not in response.location
        return client

    def client(self, role: str) -> Any:
        """A test client signed in as ``role``, carrying an integration key, or half-way
        through a sign-in with a second factor."""
        if role not in self._clients:
            client = self.app.test_client()
            if role in (TOTP_SIGNED_IN, TOTP_CODE_STEP):
                client = self._totp_client(signed_in=role == TOTP_SIGNED_IN)
            elif role == INTEGRATION_KEY:
                self.user("admin")
                with self.app.app_context():
                    secret = self._integration_key().secret
                    db.session.commit()
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
            elif role == PERSONAL_TOKEN:
                self.user("adviser_home")
                with self.app.app_context():
                    secret = self._personal_token().secret
                    db.session.commit()
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
            elif role != "anonymous":
                user = self.user(role)
                response = client.post(
                    "/login", data={"email": user.email, "password": TEST_PASSWORD}
                )
                assert response.status_code == 302, role
            self._clients[role] = client
        return self._clients[role]


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process instead of once per test's app.

    Every test gets a new app and so a new Jinja environment; compiling the pages again
    for each would be most of the fuzz run's time. Jinja checks each template's source
    against its checksum, so a changed template is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def _start_recording() -> None:
    READS.active = True


def _stop_recording(_error: BaseException | None) -> None:
    READS.active = False


@pytest.fixture
def world(app: Flask, make_user: Callable[..., Any]) -> World:
    app.request_class = RecordingRequest
    app.before_request(_start_recording)  # after the app's own checks
    app.teardown_request(_stop_recording)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return World(app, make_user)


def role_for(endpoint: str) -> str:
    """The first kind of visitor the access table lets use the endpoint, or a key."""
    if endpoint not in ACCESS:
        raise LookupError(
            f"{endpoint} has no access rule in tests/test_authorization_matrix.py: "
            "add one, and the fuzz test will use the role it allows"
        )
    if endpoint in VISITORS:
        return VISITORS[endpoint]
    expectations = RULES[ACCESS[endpoint]]
    allowed = [role for role in ROLES if expectations[role] in (OK, OPEN)]
    if allowed:
        return allowed[0]
    if set(expectations.values()) == {KEY}:
        return PERSONAL_TOKEN if ACCESS[endpoint] == "PERSONAL_TOKEN" else INTEGRATION_KEY
    raise LookupError(f"{endpoint}: no visitor may use it, so it cannot be fuzzed")


# --- Reading the rendered forms -------------------------------------------------------------


@dataclass
class HtmlForm:
    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    text_keys: set[str] = field(default_factory=set)
    file_keys: set[str] = field(default_factory=set)


PLAUSIBLE_BY_TYPE = {
    "email": "fuzz.test@example.org",
    "tel": "070-123 45 67",
    "number": "12",
    "password": TEST_PASSWORD,
    "date": "2026-01-15",
    "url": "https://example.org/",
}
TEXT_TYPES = {"text", "email", "tel", "url", "search"}


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._selected: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = attributes.get("action") or self.page_url
            self._form = HtmlForm(
                action=urlsplit(action).path, method=attributes.get("method", "get").upper()
            )
            self.forms.append(self._form)
            return
        form = self._form
        name = attributes.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            value = attributes.get("value", "")
            if kind in ("checkbox", "radio"):
                form.options.setdefault(name, []).append(value or "on")
                if "checked" in attributes:
                    form.values.setdefault(name, []).append(value or "on")
            elif kind == "file":
                form.file_keys.add(name)
            elif kind not in ("submit", "button", "reset", "image"):
                if kind in TEXT_TYPES:
                    form.text_keys.add(name)
                form.values.setdefault(name, []).append(value or PLAUSIBLE_BY_TYPE.get(kind, "Hej"))
            elif value:
                form.options.setdefault(name, []).append(value)
        elif tag == "button" and attributes.get("value"):
            form.options.setdefault(name, []).append(attributes["value"])
        elif tag == "select":
            self._select, self._selected = name, []
            form.options.setdefault(name, [])
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            form.options[self._select].append(value)
            if "selected" in attributes:
                self._selected.append(value)
        elif tag == "textarea":
            self._textarea, self._text = name, []
            form.text_keys.add(name)

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "select" and form is not None and self._select:
            choices = [value for value in form.options[self._select] if value]
            chosen = self._selected or choices[:1]
            if chosen:
                form.values[self._select] = chosen
            self._select = None
        elif tag == "textarea" and form is not None and self._textarea:
            form.values[self._textarea] = ["".join(self._text).strip() or "Hej hopp"]
            self._textarea = None


def html_forms(html: str, page_url: str) -> list[HtmlForm]:
    parser = _FormParser(page_url)
    parser.feed(html)
    for form in parser.forms:
        for name, options in form.options.items():
            # A set of radio buttons or checkboxes with none checked: take the first, so
            # that the starting point passes "required" checks.
            if name not in form.values and options and name not in form.file_keys:
                form.values[name] = options[:1]
    return parser.forms


# --- The targets: an address and a method, with what it reads ------------------------------


@dataclass
class Target:
    endpoint: str
    rule: Rule
    method: str
    role: str
    baseline: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    text_keys: set[str] = field(default_factory=set)
    file_keys: set[str] = field(default_factory=set)
    query: dict[str, str] = field(default_factory=dict)
    json_keys: set[str] = field(default_factory=set)
    json_baseline: dict[str, Any] = field(default_factory=dict)
    read_keys: set[str] = field(default_factory=set)  # what the view was seen to look up
    reads: bool = False
    reads_json: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.rule.rule}"

    @property
    def keys(self) -> list[str]:
        return sorted(self.baseline.keys() | self.options.keys() | self.file_keys)


def path_of(rule: Rule, values: dict[str, Any]) -> str:
    return re.sub(
        r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>",
        lambda match: quote(str(values[match.group(1)]), safe=""),
        rule.rule,
    )


def path_values(world: World, endpoint: str, rule: Rule) -> dict[str, Any]:
    return {name: world.value_for(endpoint, name) for name in sorted(rule.arguments)}


def _host_pages(app: Flask, world: World, target: Target) -> list[str]:
    """Pages that may hold the form for ``target``: its own, then those at a prefix of its
    address, longest first, and the page ``FORM_HOSTS`` names."""
    hinted = FORM_HOSTS.get(target.endpoint)
    own = target.rule.rule
    pages: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: -len(rule.rule)):
        if "GET" not in (rule.methods or set()) or rule.endpoint in EXCLUDED:
            continue
        at_prefix = rule.rule != "/" and (
            own == rule.rule or own.startswith(rule.rule.rstrip("/") + "/")
        )
        if at_prefix or rule.endpoint == hinted:
            pages.append(path_of(rule, path_values(world, rule.endpoint, rule)))
    return pages


def _from_html(app: Flask, world: World, client: Any, target: Target, path: str) -> None:
    wanted_method = "GET" if target.method == "GET" else "POST"
    for page in _host_pages(app, world, target):
        response = client.get(page)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        for form in html_forms(response.get_data(as_text=True), page):
            if form.action == path and form.method == wanted_method:
                for name, values in form.values.items():
                    target.baseline.setdefault(name, values)
                for name, options in form.options.items():
                    target.options.setdefault(name, []).extend(options)
                target.text_keys |= form.text_keys
                target.file_keys |= form.file_keys
        if target.baseline or target.file_keys:
            break
    target.baseline.pop("csrf_token", None)
    target.options.pop("csrf_token", None)


def _openapi_operation(app: Flask, client: Any, target: Target) -> tuple[dict[str, Any], Any]:
    """The OpenAPI document's operation for ``target`` (empty if none), and the document."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == OPENAPI_ENDPOINT]
    if not rules or not target.rule.rule.startswith(rules[0].rule.rsplit("/", 1)[0] + "/"):
        return {}, {}  # not an address of the API the document describes
    document = client.get(rules[0].rule).get_json(silent=True) or {}
    server = (document.get("servers") or [{}])[0].get("url", "")
    wanted = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", target.rule.rule)
    for path, operations in (document.get("paths") or {}).items():
        if server + path == wanted:
            return operations.get(target.method.lower()) or {}, document
    return {}, document


def _from_openapi(app: Flask, client: Any, target: Target) -> None:
    """Query parameters and JSON body properties, as the API documents them."""
    operation, document = _openapi_operation(app, client, target)
    for parameter in operation.get("parameters") or []:
        if parameter.get("in") == "query" and parameter.get("name"):
            target.options.setdefault(parameter["name"], [])
            target.reads = True
    body = (operation.get("requestBody") or {}).get("content") or {}
    schema = (body.get("application/json") or {}).get("schema")
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(schema, dict):
        target.reads = target.reads_json = True
        target.json_keys |= set(schema.get("properties") or {})


def _refusal_of(response: Any, method: str) -> int:
    """The status of an answer that refuses the visitor, or 0: 401, 403, or a GET sent to
    the sign-in (a post may go there on success: an accepted invitation)."""
    if response.status_code in (401, 403):
        return int(response.status_code)
    to_login = urlsplit(response.location or "").path in ("/login", "/login/code")
    sent_away = method == "GET" and response.status_code == 302 and to_login
    return int(response.status_code) if sent_away else 0


def discover(app: Flask, world: World, client: Any, target: Target) -> None:
    """Fill in what ``target`` reads: from its HTML form, the OpenAPI document, and the
    keys its view looked up while answering probe requests."""
    path = path_of(target.rule, path_values(world, target.endpoint, target.rule))
    _from_html(app, world, client, target, path)
    _from_openapi(app, client, target)
    target.query = {
        name: str(world.value_for(target.endpoint, source))
        if source in world.values or source in World.PARTS
        else source
        for name, source in QUERY.get(target.endpoint, {}).items()
    }
    known: set[str] = set(target.keys)
    changed_state = False
    statuses: list[int] = []
    for round_number in range(4):
        READS.reset()
        if target.method == "GET":
            query = {**dict.fromkeys(known, "1"), **first_values(target.baseline)}
            query.update(target.query)
            response = client.get(path, query_string={**query, PROBE_KEY: "1"})
            statuses.append(_refusal_of(response, target.method))
            found = READS.keys["args"]
            whole = "args" in READS.whole
        else:
            data: dict[str, Any] = {**first_values(target.baseline), PROBE_KEY: "1"}
            for name in target.file_keys:
                data[name] = (BytesIO(PDF_BYTES), "räkning.pdf", "application/pdf")
            response = client.open(path, method=target.method, data=data, query_string=target.query)
            statuses.append(_refusal_of(response, target.method))
            changed_state = changed_state or response.status_code < 400
            if round_number == 0:  # does it read a JSON body?
                response = client.open(path, method=target.method, json={PROBE_KEY: "1"})
                changed_state = changed_state or response.status_code < 400
            found = READS.keys["form"] | READS.files
            whole = bool({"form", "files"} & READS.whole)
            target.file_keys |= READS.files
        target.read_keys |= found
        target.reads = target.reads or bool(found) or whole or READS.json
        target.reads_json = target.reads_json or READS.json
        new = found - known - {PROBE_KEY}
        if not new:
            break
        known |= new
        for name in new:
            target.options.setdefault(name, [])
    if all(statuses):
        raise LookupError(
            f"{target.label}: the fuzz visitor {target.role} is refused ({statuses}), so "
            "its input would never be read: fix the role in ACCESS or VISITORS"
        )
    if target.reads_json:
        baseline = JSON_BASELINES.get(target.endpoint)
        target.json_baseline = dict(world.value_for(target.endpoint, baseline)) if baseline else {}
        target.json_keys |= set(target.json_baseline)
    if changed_state:
        world.refresh_for(target.endpoint, set(target.rule.arguments))


def first_values(values: dict[str, list[str]]) -> dict[str, str]:
    return {name: items[0] for name, items in values.items() if items}


# --- What hypothesis generates --------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")

# fmt: off
INTERESTING = [
    # numbers: empty, signed, spaced, decimal, hex, and digits int() refuses or takes
    "", " ", "0", "1", "-1", "+1", " 1 ", "1.5", "1e9", "1_000", "0x1f", "NaN", "inf", "∞",
    "²", "¹²³", "١٢", "٣", "߁", "𝟗", "Ⅻ", "½", "١٢٣٤٥٦", "¹²³⁴⁵⁶", "１２３４５６",
    # the edges of INTEGER and BIGINT, and past them
    "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "99999999999999999999999999999999",
    # NUL and other control characters, separators, byte-order marks, non-characters
    "\x00", "a\x00b", "\x00" * 3, "\x1b[31m", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe",
    # right-to-left text and overrides, combining marks, astral and private-use planes
    "\u202eevil\u202c", "\u200f", "שלום", "مرحبا بك", "e\u0301\u0301\u0301", "Z̷͉̈a̵l̷g̶o",
    "\U0001f600", "\U0010fffd", "\U000f0000", "\U000e0001", "𝕏𝕐", "ﷺ", "\uffff",
    # dates and periods, valid and not
    "2026-02-30", "0000-01-01", "0001-01-01", "9999-12-31", "2026-13-01", "-2026-01-01",
    "2026-01-01T00:00:00", "20260101", "2026-W01", "2026", "2026-Q1", "2026-Q5", "2026-03",
    "1999", "2101", "custom",
    # the queue's keyset cursor: "<microseconds>.<id>"
    "1.1", "².1", "1.²", "99999999999999999999.1", "1.99999999999999999999",
    "253402300800000000.1",
    # words the views compare with
    "all", "open", "me", "any", "unassigned", "yes", "no", "y", "true", "false", "on",
    "null", "None", "[]", "{}", "link", "text", "preview", "send_back", "sv", "en", "xx",
    # the usual attacks
    "../../etc/passwd", "%00", "%", "'; DROP TABLE cases;--", "<script>alert(1)</script>",
    "${7*7}", "{{7*7}}", "\\", "//evil.example/", "\r\n\r\n",
]
# fmt: on

_LONG_UNITS = ["x", "é", "9", "𝕏", "e\u0301", " ", "\u202e", "ab\n"]
_LONG_SIZES = [41, 121, 151, 191, 201, 255, 256, 301, 601, 2_001, 10_001, 100_001]
_TEXT = st.text(max_size=30)  # any code point but surrogates: every plane, RTL, combining
_ASTRAL = st.text(st.characters(min_codepoint=0x10000), min_size=1, max_size=8)
_MARKS = st.text(st.characters(categories=["Mn", "Me", "Cf", "Zl", "Zp"]), min_size=1, max_size=8)
_CONTROL = st.text(st.characters(max_codepoint=0x9F, categories=["Cc"]), min_size=1, max_size=4)
_NUMBERS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.integers(min_value=4_290, max_value=4_400).map(lambda digits: "7" * digits),
)
_LONG = st.builds(
    lambda unit, size: (unit * size)[:size],
    st.sampled_from(_LONG_UNITS),
    st.sampled_from(_LONG_SIZES),
)


# Strategies are built once: hypothesis validates each new one, which costs more than the
# drawing when it happens for every key of every example.
WEIRD: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(INTERESTING), _TEXT, _ASTRAL, _MARKS, _CONTROL, _NUMBERS, _LONG
)


@functools.cache
def key_values(plausible: tuple[str, ...]) -> st.SearchStrategy[list[Any] | None]:
    """What one key gets: its valid value, nothing, junk, or several values."""
    good = st.sampled_from(plausible) if plausible else WEIRD
    mixed = st.builds(lambda a, b, c: a + b + c, good, WEIRD, st.sampled_from(["", *plausible]))
    single = st.one_of(good, good, WEIRD, WEIRD, mixed)
    return st.one_of(
        good.map(lambda value: [value]),
        good.map(lambda value: [value]),
        single.map(lambda value: [value]),
        single.map(lambda value: [value]),
        st.lists(single, min_size=2, max_size=4),  # a repeated key
        st.none(),  # a missing key
    )


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | WEIRD,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(WEIRD, children, max_size=4),
    max_leaves=12,
)
_RAW_BODIES = st.sampled_from(
    [
        (b"{", "application/json"),
        (b"[" * 50_000, "application/json"),  # nesting deeper than any parser's stack
        (b'{"a": "\\ud800"}', "application/json"),  # a lone surrogate
        (b'{"a": "\\u0000"}', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"\xff\xfe\x00", "application/x-www-form-urlencoded"),
        (b"a=%ff%fe&b=%00&=&&c", "application/x-www-form-urlencoded"),
        (b"--x\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data"),
        (b"--x\r\n", "multipart/form-data; boundary=x"),
        (b"plain text", "text/plain"),
        (b"", "application/octet-stream"),
    ]
)


FILE_PARTS: st.SearchStrategy[FileStorage] = st.builds(
    lambda data, name, kind: FileStorage(BytesIO(data), filename=name, content_type=kind),
    st.one_of(st.sampled_from([PDF_BYTES, PNG_BYTES, b""]), st.binary(max_size=40)),
    st.one_of(st.sampled_from(["räkning.pdf", "foto.png", "a.pdf"]), WEIRD),
    st.sampled_from(["application/pdf", "image/png", "text/plain", "", "x/\x00"]),
)
PATH_TEXT = WEIRD.filter(lambda value: value not in ("", ".", ".."))


@st.composite
def json_documents(draw: st.DrawFn, target: Target) -> Any:
    """An object with the body's keys, each valid, junk of any JSON type, or missing."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_JSON)  # not an object at all
    document: dict[str, Any] = {}
    for key in sorted(target.json_keys):
        choice = draw(st.integers(0, 5))
        if choice <= 2 and key in target.json_baseline:
            document[key] = target.json_baseline[key]
        elif choice == 3:
            document[key] = draw(WEIRD)
        elif choice == 4:
            document[key] = draw(_JSON)
    for key in draw(st.lists(WEIRD, max_size=2)):
        document[key] = draw(_JSON)
    return document


@dataclass
class Generated:
    method: str
    path: str
    pairs: list[tuple[str, Any]]
    body: str  # "query", "form", "multipart", "json", "raw"
    json_value: Any = None
    raw: tuple[bytes, str] | None = None

    def describe(self) -> str:
        def short(value: Any) -> str:
            text = repr(value)
            return text if len(text) <= 120 else f"{text[:100]}…({len(text)} chars)"

        parts = ", ".join(f"{key!r}: {short(value)}" for key, value in self.pairs)
        extra = ""
        if self.body == "json":
            extra = f" json={short(self.json_value)}"
        elif self.body == "raw" and self.raw:
            extra = f" raw={short(self.raw[0])} ({self.raw[1]})"
        return f"{self.method} {short(self.path)} as {self.body} {{{parts}}}{extra}"


@st.composite
def generated_requests(draw: st.DrawFn, target: Target, values: dict[str, Any]) -> Generated:
    path_args = dict(values)
    if target.rule.arguments and draw(st.integers(0, 5)) == 0:
        # One part of the address: any number where an id goes, any text elsewhere.
        name = draw(st.sampled_from(sorted(target.rule.arguments)))
        if re.search(rf"<int(?:\([^)]*\))?:{name}>", target.rule.rule):
            path_args[name] = draw(st.integers(min_value=0, max_value=2**70))
        else:
            path_args[name] = draw(PATH_TEXT)
    path = path_of(target.rule, path_args)

    pairs: list[tuple[str, Any]] = []
    for name in target.keys:
        if name in target.file_keys:
            files = draw(st.lists(FILE_PARTS, max_size=2))
            pairs.extend((name, upload) for upload in files)
            continue
        plausible = tuple(
            dict.fromkeys(target.baseline.get(name, []) + target.options.get(name, []))
        )
        chosen = draw(key_values(plausible))
        if chosen is None:
            continue
        pairs.extend((name, value) for value in chosen)
    for name in draw(st.lists(st.one_of(WEIRD, st.sampled_from(target.keys or ["x"])), max_size=2)):
        pairs.append((name, draw(WEIRD)))

    if target.method == "GET":
        query = list(target.query.items()) if draw(st.booleans()) else []
        return Generated("GET", path, query + pairs, "query")
    bodies = ["form", "form", "form", "multipart", "json", "raw"]
    if target.reads_json:
        bodies = ["json", "json", "json", "form", "raw"]
    body = draw(st.sampled_from(bodies))
    if body == "multipart" and pairs and draw(st.booleans()):
        # A text field sent as a file: the wrong type in a multipart body.
        index = draw(st.integers(0, len(pairs) - 1))
        key = pairs[index][0]
        pairs[index] = (key, draw(FILE_PARTS))
    generated = Generated(target.method, path, pairs, body)
    if body == "json" and target.json_keys:
        generated.json_value = draw(json_documents(target))
        generated.pairs = []
    elif body == "json":
        as_object = {key: value for key, value in pairs if isinstance(value, str)}
        generated.json_value = draw(st.one_of(st.just(as_object), st.just(as_object), _JSON))
        generated.pairs = []
    elif body == "raw":
        generated.raw = draw(_RAW_BODIES)
        generated.pairs = []
    return generated


def send(client: Any, generated: Generated) -> Any:
    if generated.method == "GET":
        return client.get(generated.path, query_string=MultiDict(generated.pairs))
    if generated.body == "json":
        return client.open(generated.path, method=generated.method, json=generated.json_value)
    if generated.body == "raw" and generated.raw:
        data, content_type = generated.raw
        return client.open(
            generated.path, method=generated.method, data=data, content_type=content_type
        )
    data = MultiDict(generated.pairs)
    if generated.body == "multipart" or any(isinstance(v, FileStorage) for _, v in generated.pairs):
        return client.open(
            generated.path, method=generated.method, data=data, content_type="multipart/form-data"
        )
    return client.open(generated.path, method=generated.method, data=data)


# --- Checking one answer --------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    tables = db.metadata.sorted_tables
    # Table names come from our own metadata, never from input.
    counts = ", ".join(f"(SELECT count(*) FROM {table.name})" for table in tables)  # noqa: S608
    row = db.session.execute(text(f"SELECT {counts}")).one()
    return {table.name: count for table, count in zip(tables, row, strict=True)}


def stored_texts() -> list[str]:
    texts: list[str] = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, String)]
        if columns:
            for row in db.session.execute(select(*columns)):
                texts.extend(value for value in row if isinstance(value, str))
    return texts


def as_submitted(value: str) -> str:
    """A text field's value as the forms' ``strip_text`` filter keeps it."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class _LastError(logging.Handler):
    """Keeps the last exception the app logged, to show with a 5xx."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.message = f"{type(error).__name__}: {str(error)[:300]}"


@pytest.fixture
def last_error() -> Iterator[_LastError]:
    handler = _LastError()
    logger = logging.getLogger("advice")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def _text_of(response: Any) -> str:
    textual = response.mimetype.startswith("text/") or response.is_json
    return response.get_data(as_text=True) if textual else ""


def check_answer(
    target: Target,
    generated: Generated,
    response: Any,
    before: dict[str, int],
    after: dict[str, int],
    stored: list[str] | None,
    error: str | None,
) -> None:
    status = response.status_code
    body = _text_of(response)
    where = f"{target.endpoint}: {generated.describe()} → {status}"
    assert status < 500, f"{where}: {error or body[:300]}"
    if 400 <= status < 500:
        allowed = WRITES_WHEN_REFUSING.get(target.endpoint, {})
        if target.role in (INTEGRATION_KEY, PERSONAL_TOKEN):
            allowed = {**allowed, **KEY_CALLS_WRITE}
        changed = {
            name: (before[name], after[name])
            for name in before
            if before[name] != after[name] and name not in allowed
        }
        assert not changed, f"{where}: refused, yet rows changed: {changed}"
        if urlsplit(generated.path).path.startswith("/api/"):
            assert response.mimetype == "application/problem+json", f"{where}: not a problem"
            assert json.loads(body)["status"] == status, where
        elif status == 400:
            # A refused input is explained: beside the field, or on the error page.
            assert any(marker in body for marker in CLEAR_REFUSAL), (
                f"{where}: a refusal without an error message: {body[:300]}"
            )
        return
    if response.is_json:
        json.loads(body)
    if stored is None or generated.body not in ("form", "multipart"):
        return
    exempt = NOT_STORED.get(target.endpoint, {})
    counts: dict[str, int] = {}
    for key, _value in generated.pairs:
        counts[key] = counts.get(key, 0) + 1
    for key, value in generated.pairs:
        stored_field = key in target.text_keys and key in target.read_keys
        if not stored_field or key in exempt or counts[key] != 1:
            continue
        if not isinstance(value, str) or not as_submitted(value):
            continue
        wanted = as_submitted(value)
        assert any(wanted in item for item in stored) or any(
            wanted.casefold() in item.casefold() for item in stored
        ), f"{where}: {key!r} was accepted but is not stored whole"


# --- The tests ------------------------------------------------------------------------------


def test_the_excluded_endpoints_exist_and_everything_else_is_fuzzed(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not EXCLUDED.keys() - endpoints, "EXCLUDED names endpoints that no longer exist"
    assert set(ENDPOINTS) == endpoints - EXCLUDED.keys()
    stale = (
        FORM_HOSTS.keys()
        | NOT_STORED.keys()
        | WRITES_WHEN_REFUSING.keys()
        | QUERY.keys()
        | ENDPOINT_VALUES.keys()
        | EXAMPLES_OVERRIDE.keys()
        | VISITORS.keys()
        | JSON_BASELINES.keys()
    ) - endpoints
    assert not stale, f"settings for endpoints that no longer exist: {sorted(stale)}"


def test_every_form_reads_only_what_its_fields_hold() -> None:
    """Flask-WTF's own FlaskForm lets files and JSON into text fields; ours does not."""

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    offenders = sorted(
        f"{form.__module__}.{form.__qualname__}"
        for form in subclasses(FlaskForm)
        if form.__module__.startswith("advice.") and not issubclass(form, Form)
    )
    assert not offenders, f"forms to derive from advice.forms.Form: {offenders}"


def _targets(app: Flask, endpoint: str, role: str) -> list[Target]:
    targets = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint != endpoint:
            continue
        for method in sorted((rule.methods or set()) & FUZZED_METHODS):
            targets.append(Target(endpoint=endpoint, rule=rule, method=method, role=role))
    return targets


@dataclass
class Tally:
    inputs: int = 0
    answers: dict[str, int] = field(default_factory=dict)

    def answered(self, status: int) -> None:
        kind = f"{status // 100}xx"
        self.answers[kind] = self.answers.get(kind, 0) + 1


def sweep(target: Target, values: dict[str, Any], value: str) -> Generated:
    """Every key the target reads set to ``value`` (files named so), the address valid."""
    path = path_of(target.rule, values)
    if target.method == "GET":
        pairs = [(key, value) for key in target.keys] + list(target.query.items())
        return Generated("GET", path, pairs, "query")
    if target.reads_json and target.json_keys:
        document = dict.fromkeys(sorted(target.json_keys), value)
        return Generated(target.method, path, [], "json", json_value=document)
    pairs = [
        (key, FileStorage(BytesIO(PDF_BYTES), filename=value, content_type="application/pdf"))
        if key in target.file_keys
        else (key, value)
        for key in target.keys
    ]
    return Generated(target.method, path, pairs, "multipart" if target.file_keys else "form")


def long_text(target: Target, values: dict[str, Any], text: str) -> Generated:
    """The valid starting point with ``text`` in every free-text field the view reads."""
    pairs = [
        (key, text if key in target.text_keys else value)
        for key, value in first_values(target.baseline).items()
    ]
    body = "query" if target.method == "GET" else "form"
    return Generated(target.method, path_of(target.rule, values), pairs, body)


def _fuzz(
    app: Flask, world: World, client: Any, target: Target, last_error: _LastError, tally: Tally
) -> None:
    """Sweep the target with ``SWEEPS``, then run hypothesis against it; every input tried
    is counted in ``tally``."""

    def attempt(generated: Generated) -> None:
        tally.inputs += 1
        with app.app_context():
            before = row_counts()
        last_error.message = None
        response = send(client, generated)
        tally.answered(response.status_code)
        with client.session_transaction() as session:
            # Redirects are not followed, so the flashed messages would pile up.
            flashed = session.pop("_flashes", [])
        refused = any(category == "error" for category, _message in flashed)
        succeeded = response.status_code < 400 and target.method in STATE_CHANGING
        # A form that was taken redirects (post/redirect/get) without an error message.
        taken = succeeded and 300 <= response.status_code < 400 and not refused
        with app.app_context():
            after = row_counts()
            stored = stored_texts() if taken else None
        try:
            check_answer(target, generated, response, before, after, stored, last_error.message)
        finally:
            if succeeded:
                world.refresh_for(target.endpoint, set(target.rule.arguments))

    if target.reads:
        for value in SWEEPS:
            attempt(sweep(target, path_values(world, target.endpoint, target.rule), value))
        for size in TEXT_LENGTHS if target.text_keys & target.read_keys else ():
            values = path_values(world, target.endpoint, target.rule)
            attempt(long_text(target, values, "å" * size))

    @settings(
        max_examples=EXAMPLES_OVERRIDE.get(
            target.endpoint, EXAMPLES_READING if target.reads else EXAMPLES_NOT_READING
        ),
        deadline=None,
        derandomize=True,
        database=None,
        report_multiple_bugs=False,
        # No shrinking: the failing request is shown whole, and shrinking would render the
        # page hundreds of times more; a failing run takes no longer than a passing one.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
    # The hypothesis test lives inside the pytest test and takes no fixtures, so there is
    # no function-scoped fixture shared between examples unawares: what an example
    # changes is put back by ``attempt`` (``World.refresh_for``) before the next one.
    @given(data=st.data())
    def one_input(data: st.DataObject) -> None:
        values = path_values(world, target.endpoint, target.rule)
        attempt(data.draw(generated_requests(target, values), label="request"))

    one_input()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hostile_input_gets_a_clear_answer(
    app: Flask, world: World, endpoint: str, last_error: _LastError
) -> None:
    started = time.perf_counter()
    role = role_for(endpoint)
    client = world.client(role)
    targets = _targets(app, endpoint, role)
    assert targets, f"{endpoint} has no method to fuzz"
    tally = Tally()
    failures: list[str] = []
    for target in targets:
        discover(app, world, client, target)
        try:
            _fuzz(app, world, client, target, last_error, tally)
        except Exception as failure:  # every target runs; the failures are shown together
            failures.append(f"{target.label}: {failure}")
    fuzz_tally.record(endpoint, tally.inputs, time.perf_counter() - started, tally.answers)
    assert not failures, "\n\n".join(failures)


# --- What the fuzzing found, kept as plain examples ------------------------------------------


def test_a_whole_number_is_ascii_digits_within_the_column() -> None:
    from advice.validators import MAX_INTEGER, parse_integer

    assert parse_integer("42") == 42
    assert parse_integer(str(MAX_INTEGER)) == MAX_INTEGER
    for refused in (None, "", "²", "١٢", "-1", "+1", " 1", "1.0", str(MAX_INTEGER + 1), "7" * 5000):
        assert parse_integer(refused) is None, refused


# (visitor, method, address, body, status): each gave a 500 before it was fixed. A body is
# form fields, ("file", a field's name), ("json", value) or ("raw", bytes, content type).
FOUND: list[tuple[str, str, str, Any, int]] = [
    # Digits that str.isdigit() accepts and int() refuses, in filters and paging.
    ("adviser_home", "GET", "/queue?office=²&status=all", None, 200),
    ("adviser_home", "GET", "/queue?after=².1", None, 200),
    ("anonymous", "GET", "/kb?page=²", None, 200),
    ("adviser_home", "GET", "/articles?topic=²", None, 200),
    ("adviser_home", "GET", "/cases/{reference}/reply-with-article?article=²", None, 404),
    ("adviser_home", "GET", "/stats?office=²", None, 400),
    ("admin", "GET", "/admin/audit?user=²&page=²", None, 200),
    ("admin", "GET", "/admin/audit?to=9999-12-31", None, 400),  # no day after it
    ("coordinator", "POST", "/admin/offices", {"office-1": "²", "retention-1": "²"}, 400),
    # Numbers past an INTEGER column, in an address, a filter or a form.
    ("adviser_home", "GET", "/articles/2147483648", None, 404),
    ("adviser_home", "GET", "/queue?assignee=2147483648&status=all", None, 200),
    ("anonymous", "GET", "/kb?topic=99999999999999999999", None, 200),
    ("adviser_home", "GET", "/stats?office=99999999999999999999", None, 400),
    ("adviser_home", "POST", "/cases/{reference}/articles", {"article_id": "2147483648"}, 400),
    ("adviser_home", "POST", "/articles/from-reply", {"entry": "9223372036854775808"}, 400),
    ("adviser_home", "POST", "/cases/{reference}/note", {"note-minutes": "7" * 4000}, 400),
    # Digits compare_digest cannot compare, in the sign-in's second step.
    (TOTP_CODE_STEP, "POST", "/login/code", {"code": "١٢٣٤٥٦"}, 200),
    # NUL, which PostgreSQL can neither store nor compare.
    ("adviser_home", "POST", "/cases/%00/note", {"note-body": "Hej"}, 400),
    ("admin", "GET", "/admin/audit?reference=%00", None, 400),
    ("anonymous", "POST", "/login", {"email": "a\x00@example.org", "password": "x"}, 400),
    # A file, or JSON, where a form's text field belongs.
    ("adviser_home", "POST", "/cases/{reference}/note", ("file", "note-body"), 400),
    ("anonymous", "POST", "/login", ("file", "email"), 400),
    ("adviser_home", "POST", "/cases/{reference}/note", ("json", False), 400),
    ("adviser_home", "POST", "/cases/{reference}/note", ("json", {"note-body": 5}), 400),
    (
        "adviser_home",
        "POST",
        "/cases/{reference}/note",
        ("raw", b"[" * 50_000, "application/json"),
        400,
    ),
    # JSON the API cannot take: nested past the parser's stack, NUL, a lone surrogate.
    (INTEGRATION_KEY, "POST", "/api/v1/cases", ("raw", b"[" * 50_000, "application/json"), 400),
    (
        INTEGRATION_KEY,
        "POST",
        "/api/v1/cases",
        ("raw", b'{"name": "\\u0000"}', "application/json"),
        400,
    ),
    (
        INTEGRATION_KEY,
        "POST",
        "/api/v1/cases",
        ("raw", b'{"name": "\\ud800"}', "application/json"),
        400,
    ),
]


def test_the_inputs_the_fuzzing_found_get_a_clear_answer(app: Flask, world: World) -> None:
    failures = []
    for visitor, method, address, body, expected in FOUND:
        client = world.client(visitor)
        url = address.format(reference=world.value_for("cases.case_page", "reference"))
        if isinstance(body, tuple) and body[0] == "file":
            upload = (BytesIO(PDF_BYTES), "räkning.pdf", "application/pdf")
            response = client.open(url, method=method, data={body[1]: upload})
        elif isinstance(body, tuple) and body[0] == "json":
            response = client.open(url, method=method, json=body[1])
        elif isinstance(body, tuple):
            response = client.open(url, method=method, data=body[1], content_type=body[2])
        else:
            response = client.open(url, method=method, data=body)
        if response.status_code != expected:
            failures.append(f"{method} {url[:80]} {str(body)[:60]}: {response.status_code}")
        with client.session_transaction() as session:
            session.pop("_flashes", None)
    assert not failures, "\n".join(failures)


def test_a_satisfaction_answer_the_page_does_not_offer_is_refused_with_a_reason(
    app: Flask, world: World
) -> None:
    client = world.client("anonymous")
    token = world.value_for("tracking.satisfaction", "resolved_token")
    address = f"/track/{token}/satisfaction"
    response = client.post(address, data={"satisfaction-comment": "Bra"})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert client.post(address, data={"satisfaction-score": "5"}).status_code == 302
    again = client.post(address, data={"satisfaction-score": "1"})
    assert again.status_code == 400
    assert "Du har redan svarat" in again.get_data(as_text=True)
    open_case = world.value_for("tracking.track", "token")
    early = client.post(f"/track/{open_case}/satisfaction", data={"satisfaction-score": "5"})
    assert early.status_code == 400
    assert "inte avslutat ännu" in early.get_data(as_text=True)
