"""Public intake: a citizen's question becomes a case without any account."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("intake", __name__)
