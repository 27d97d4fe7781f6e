"""Public intake: a citizen's question becomes a case without any account."""

from flask import Blueprint

bp = Blueprint("intake", __name__)

from advice.intake import views  # noqa: E402,F401
