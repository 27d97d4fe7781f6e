from __future__ import annotations

from sqlalchemy import func, select

from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.taxonomy.models import Channel, RequesterType, Topic


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Municipality, Office, Topic, RequesterType, Channel)
    }


def test_seed_loads_the_26_municipalities_each_covered_by_one_office(app):
    with app.app_context():
        municipalities = list(db.session.scalars(select(Municipality)))
        assert len(municipalities) == 26
        by_code = {m.code: m for m in municipalities}
        assert by_code["0180"].name == "Stockholm"
        assert by_code["0117"].name == "Österåker"
        assert all(m.office is not None for m in municipalities)
        assert _counts()["Topic"] == 13
        assert _counts()["RequesterType"] == 7
        assert _counts()["Channel"] == 7


def test_seed_twice_changes_nothing(app, runner):
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Nothing to add" in result.output
    with app.app_context():
        assert _counts() == before


def test_seed_keeps_the_coordinators_changes(app, runner):
    with app.app_context():
        municipality = db.session.scalars(
            select(Municipality).where(Municipality.code == "0182")
        ).one()
        stockholm = db.session.scalars(select(Office).where(Office.code == "stockholm")).one()
        municipality.office = stockholm
        db.session.commit()
    runner.invoke(args=["seed"])
    with app.app_context():
        moved = db.session.scalars(select(Municipality).where(Municipality.code == "0182")).one()
        assert moved.office.code == "stockholm"
