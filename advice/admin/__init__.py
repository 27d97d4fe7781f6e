"""Administration: users, offices and the municipality mapping, taxonomies, settings."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("admin", __name__)
