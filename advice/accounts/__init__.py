"""Staff accounts: sign-in, sign-out, throttling, users and roles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from advice.accounts import views  # noqa: E402,F401
