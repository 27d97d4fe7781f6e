"""PDF documents: the requester's summary, the internal case record, the statistics report."""

from flask import Blueprint

# The routes attach in views.py, imported when the blueprint is registered.
bp = Blueprint("documents", __name__)

# The statistics module finds the report renderer here (it wires its own route).
from advice.documents.stats_report import render_stats_report  # noqa: E402

__all__ = ["bp", "render_stats_report"]
