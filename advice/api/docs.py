"""The API's documentation page for staff, rendered from the OpenAPI document itself, so
the page, the document and the code cannot disagree. No script: the page is plain HTML."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from advice.api.openapi import API_PREFIX, openapi_document

bp = Blueprint("api_docs", __name__)

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _type_of(document: dict[str, Any], schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    kind = schema.get("type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds and "items" in schema:
        return f"[{_type_of(document, schema['items'])}]"
    return " | ".join(k for k in kinds if k) or "any"


def _fields(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(document, schema)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": _type_of(document, prop),
            "required": name in required,
            "description": prop.get("description", ""),
            "enum": prop.get("enum"),
            "default": prop.get("default"),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, methods in document["paths"].items():
        for method in METHOD_ORDER:
            operation = methods.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            operations.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": API_PREFIX + path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "keyed": bool(operation.get("security")),
                    "parameters": [
                        {
                            **parameter,
                            "type": _type_of(document, parameter.get("schema", {})),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": _fields(document, body["schema"]) if body else None,
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return operations


@bp.get("/api-docs")
def page() -> str:
    document = openapi_document(current_app)
    return render_template(
        "api/docs.html",
        info=document["info"],
        version=document["openapi"],
        operations=_operations(document),
        schemas={
            name: _fields(document, schema)
            for name, schema in document["components"]["schemas"].items()
        },
    )
