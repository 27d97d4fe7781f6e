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


def operation(**description: Any) -> Callable[[F], F]:
    """Attach an OpenAPI operation (summary, parameters, responses…) to a view."""

    def decorator(view: F) -> F:
        view.openapi = description  # type: ignore[attr-defined]
        return view

    return decorator


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": "Problem"}}}


def ok(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _openapi_path(rule: str, prefix: str) -> str:
    path = rule.removeprefix(prefix) or "/"
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", path)


def build_spec(app: Flask, blueprint: str = "api", prefix: str = "/api/v1") -> dict[str, Any]:
    spec = APISpec(
        title="Energi- och klimatrådgivning – API",
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Public knowledge base articles and the taxonomies of the regional energy "
                "and climate advice service. Errors are problem details (RFC 9457)."
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
    ):
        spec.components.schema(name, schema=getattr(schemas, name))
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
