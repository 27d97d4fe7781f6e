"""Cases: the regional queue and case handling for staff."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("cases", __name__)
