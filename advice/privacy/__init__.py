"""Privacy duties: retention (gallring), anonymisation, erasure decisions and the
data-subject export (registerutdrag)."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("privacy", __name__)
