"""The jobs migration goes down and up again on its own (SQLite and PostgreSQL)."""
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ecole.extensions import db

REVISION = "7b3e2f9c1a4d"


def test_jobs_migration_down_and_up(app):
    config = current_app.extensions["migrate"].migrate.get_config()
    before = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    db.session.remove()
    downgrade(revision=before)
    assert "jobs" not in inspect(db.engine).get_table_names()
    upgrade()
    db.engine.dispose()  # inspect the upgraded file from a new connection, not one opened before the change
    columns = {column["name"] for column in inspect(db.engine).get_columns("jobs")}
    assert {"kind", "key", "state", "progress", "error", "attempts", "lease_expires_at"} <= columns
    inspector = inspect(db.engine)
    # One job per idempotency key: a unique constraint (or the unique index SQLite may report instead).
    uniques = inspector.get_unique_constraints("jobs") + [i for i in inspector.get_indexes("jobs") if i.get("unique")]
    assert any(c["column_names"] == ["key"] for c in uniques), uniques
