"""The OpenAPI 3.1 document, built from the API's routes and marshmallow schemas.

Each view declares its operation with ``@operation(...)``; the document walks the app's URL
map for the ``api`` blueprint, so a route and its description cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from advice.api import schemas

F = TypeVar("F", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
PROBLEM = "application/problem+json"
API_PREFIX = "/api/v1"


def operation(**description: Any) -> Callable[[F], F]:
    """Attach an OpenAPI operation (summary, parameters, responses…) to a view."""

    def decorator(view: F) -> F:
        view.openapi = description  # type: ignore[attr-defined]
        return view

    return decorator


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": "Problem"}}}


def path_parameter(name: str, max_length: int) -> dict[str, Any]:
    """A string in the path, such as a slug or a case reference."""
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "string", "maxLength": max_length},
    }


def ok(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _openapi_path(rule: str, prefix: str) -> str:
    path = rule.removeprefix(prefix) or "/"
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", path)


def build_spec(app: Flask, blueprint: str = "api", prefix: str = API_PREFIX) -> dict[str, Any]:
    spec = APISpec(
        title="Energi- och klimatrådgivning – API",
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "The regional energy and climate advice service for municipal e-services "
                "and websites: public knowledge base articles and taxonomies (no key), "
                "questions into the regional queue (integration key with scope intake) and "
                "the statistics (scope stats). Keys are created by the service's "
                "administrator. Advisers read their queue and cases with a personal token. "
                "Errors are problem details (RFC 9457)."
            )
        },
        servers=[{"url": prefix}],
    )
    for name in (
        "Problem",
        "Term",
        "Municipality",
        "Taxonomy",
        "ArticleSummary",
        "Article",
        "Paging",
        "ArticleList",
        "CaseSubmission",
        "CreatedCase",
        "StatsPeriod",
        "StatsTable",
        "Stats",
        "QueueList",
        "CaseRecord",
    ):
        spec.components.schema(name, schema=getattr(schemas, name))
    spec.components.security_scheme(
        "integrationKey",
        {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An integration key, 'Authorization: Bearer ek_….…'. Each key has the "
                "scopes intake and/or stats, is rate-limited, and every call is audited."
            ),
        },
    )
    spec.components.security_scheme(
        "personalToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An adviser's personal token, 'Authorization: Bearer pt_….…', made on their "
                "settings page (Mina inställningar). It reads what its adviser may open, nothing "
                "more; it expires after 30 or 90 days, and every call is audited."
            ),
        },
    )
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{blueprint}.")),
        key=lambda rule: rule.rule,
    )
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        description = getattr(view, "openapi", None)
        if description is None:
            continue
        methods = sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
        operations = {
            method.lower(): {"operationId": rule.endpoint.partition(".")[2], **description}
            for method in methods
        }
        spec.path(path=_openapi_path(rule.rule, prefix), operations=operations)
    return spec.to_dict()


def openapi_document(app: Flask) -> dict[str, Any]:
    """The app's document, built once per process."""
    document = app.extensions.get("advice.openapi")
    if document is None:
        document = app.extensions["advice.openapi"] = build_spec(app)
    return document
