"""Migrations build exactly the models' schema, and go down and up again without loss of structure."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ecole.extensions import db
from tests.populated import projected, rows_of, stage_kind


def test_models_match_the_migrations(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_down_to_base_and_up_again(app):
    tables = set(inspect(db.engine).get_table_names())
    db.session.remove()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert set(inspect(db.engine).get_table_names()) == tables


# --- on a populated database (the demo world and a small scale data set) ----------------------

def _revisions_newest_first() -> list:
    from alembic.script import ScriptDirectory
    from flask import current_app

    return list(ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).walk_revisions())


def _columns(tables: dict) -> dict[str, list[str]]:
    return {name: columns for name, (columns, _rows) in tables.items()}


def test_every_migration_goes_down_and_up_on_a_populated_database(populated_school):
    """Each migration, newest first, goes down, up and down again with the data of the school in its
    tables: what a step does not drop comes back identical, row for row (SQLite rebuilds tables to
    alter them: with foreign keys enforced, that deleted or refused rows)."""
    place = populated_school(stage_kind())
    original = rows_of(place.app)
    assert sum(len(rows) for _columns, rows in original.values()) > 1000
    with place.app.app_context():
        kept = _columns(original)  # tables never dropped so far, on their columns at the lowest revision yet
        for revision in _revisions_newest_first():
            below = revision.down_revision or "base"
            for target in (below, revision.revision, below):
                db.session.remove()
                if target != below:
                    upgrade(revision=target)
                    continue  # what the upgrade did to the rows shows once it is undone
                downgrade(revision=target)
                now = rows_of(place.app)
                kept = {name: [column for column in columns if column in now[name][0]]
                        for name, columns in kept.items() if name in now}
                assert projected(now, kept) == projected(original, kept), f"{revision.revision}: rows changed"
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
        assert diff == [], diff

