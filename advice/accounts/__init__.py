"""Staff accounts: sign-in, sign-out, throttling, users and roles."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("accounts", __name__)
