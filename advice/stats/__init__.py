"""Statistics for the region: figures, charts, exports and the national period report."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("stats", __name__)
