"""Cases: the regional queue and case handling for staff."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from advice.cases import views  # noqa: E402,F401
