"""Running advice in production: request ids and JSON logs, static file fingerprints,
metrics, readiness, the Redis job queue with its database fallback, ``tick``, backups.

``init_ops`` is the one call the factory makes; the commands are registered with the
others in ``advice.cli``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def init_ops(app: Flask) -> None:
    from advice.ops import metrics, requestlog, static, views  # noqa: F401  (routes attach)

    requestlog.init_request_log(app)
    static.init_static_fingerprints(app)
    metrics.init_metrics(app)
    app.register_blueprint(bp)
