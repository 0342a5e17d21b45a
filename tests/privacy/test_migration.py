"""The erasure's migration goes down and up again with an erased person in the database: going down, her
account (no phone, no e-mail) gets an address that reaches nobody, so that the older check holds."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from ecole.extensions import db
from tests.privacy.test_erasure import erase

BEFORE_ERASURE = "8b59ac6ec1a4"  # the revision before 1c2ff2e3fe2f (users.erased_at)


def test_down_and_up_with_an_erased_person(app, history, people):
    itto_id, lahcen_id = history.itto.id, history.other.id
    erase(app, people.admin, history.itto)
    db.session.remove()
    try:
        downgrade(revision=BEFORE_ERASURE)
        assert "erased_at" not in {column["name"] for column in inspect(db.engine).get_columns("users")}
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text("SELECT id, email FROM users WHERE id IN (:a, :b)"),
                                           {"a": itto_id, "b": lahcen_id}).all())
        assert rows == {itto_id: f"erased-{itto_id}@erased.invalid", lahcen_id: "lahcen.aitbaha@example.org"}
    finally:
        upgrade()
    assert "erased_at" in {column["name"] for column in inspect(db.engine).get_columns("users")}
    assert "holder_erased_at" in {column["name"] for column in inspect(db.engine).get_columns("certificates")}
