"""The requester's private tracking page, reached only through the link we sent."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("tracking", __name__)
