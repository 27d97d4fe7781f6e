"""The public site: start page, health check and the pages every visitor may read."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("public", __name__)
