"""The shared knowledge base: reviewed articles, public and internal."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("knowledge", __name__)
