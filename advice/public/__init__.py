"""The public site: start page, health check and the pages every visitor may read."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from advice.public import views  # noqa: E402,F401
