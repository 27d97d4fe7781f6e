"""The requester's private tracking page, reached only through the link we sent."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)

from advice.tracking import views  # noqa: E402,F401
