from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from advice.extensions import db
from advice.public import bp
from advice.regions.services import region_profile
from advice.security import public


@bp.get("/")
@public
def index() -> str:
    return render_template("public/index.html", region=region_profile())


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.get("/integritet")
@public
def privacy() -> str:
    """The privacy notice the intake form's consent refers to."""
    return render_template("public/privacy.html", region=region_profile())


@bp.get("/tillganglighet")
@public
def accessibility() -> str:
    """The accessibility statement (tillgänglighetsredogörelse) the law requires."""
    from advice.admin.services import accessibility_statement

    return render_template(
        "public/accessibility.html",
        region=region_profile(),
        statement=accessibility_statement(),
    )
