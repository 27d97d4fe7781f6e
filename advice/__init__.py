"""advice: case management for regional energy and climate advice."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from advice import config as config_module
from advice.database import engine_options, init_database
from advice.extensions import csrf, db, limiter, login_manager, migrate

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance_path = os.environ.get("ADVICE_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(REPOSITORY_ROOT / "templates"),
        static_folder=str(REPOSITORY_ROOT / "static"),
    )
    load_configuration(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_logging(app)
    return app


def load_configuration(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ADVICE")
    database_url = config_module.database_url_from_environment()
    if database_url:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.instance_secret_key(Path(app.instance_path))
    options = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    config_module.derive_settings(app.config)
    config_module.validate(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def register_extensions(app: Flask) -> None:
    from advice import models  # noqa: F401  (every table known to metadata and Alembic)
    from advice.headers import init_headers
    from advice.i18n import init_i18n
    from advice.ops import init_ops
    from advice.security import init_security
    from advice.validators import init_input_checks

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(REPOSITORY_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_i18n(app)
    init_security(app)
    init_input_checks(app)
    init_headers(app)
    init_ops(app)


def register_blueprints(app: Flask) -> None:
    from advice.accounts.views import bp as accounts_bp
    from advice.admin.views import bp as admin_bp
    from advice.api.docs import bp as api_docs_bp
    from advice.api.views import bp as api_bp
    from advice.audit.views import bp as audit_bp
    from advice.cases.views import bp as cases_bp
    from advice.documents.views import bp as documents_bp
    from advice.inbound.views import bp as inbound_bp
    from advice.intake.views import bp as intake_bp
    from advice.knowledge.views import bp as knowledge_bp
    from advice.privacy.views import bp as privacy_bp
    from advice.public.views import bp as public_bp
    from advice.stats.views import bp as stats_bp
    from advice.tracking.views import bp as tracking_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(inbound_bp)
    app.register_blueprint(knowledge_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)


def register_errorhandlers(app: Flask) -> None:
    from advice.errors import register_errorhandlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from advice.templating import init_templating

    init_templating(app)


def register_commands(app: Flask) -> None:
    from advice.cli import register_commands as register

    register(app)


def register_logging(app: Flask) -> None:
    from advice.logs import hide_tracking_tokens

    hide_tracking_tokens()
