"""The JSON API under /api/v1, described by an OpenAPI 3.1 document built from its code."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
