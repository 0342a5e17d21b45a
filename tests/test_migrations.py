"""Migrations build exactly the models' schema, and go down and up again without loss of structure."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ecole.extensions import db
from tests.populated import Place, projected, rows_of, stage_kind, stored_files


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


def test_a_backup_from_before_the_newest_migration_is_restored_and_upgraded(populated_school, tmp_path):
    """A school backed up by the previous version of Ecole, restored by this one: every row and every
    stored file comes back; what the newest migration adds starts as it does on an upgrade."""
    from ecole.core.backup import make_backup, restore_backup

    source = populated_school(stage_kind())
    original, files = rows_of(source.app), stored_files(source.app)
    with source.app.app_context():
        newest = _revisions_newest_first()[0]
        db.session.remove()
        downgrade(revision=newest.down_revision)
        before_newest = _columns(rows_of(source.app))
        archive = make_backup(tmp_path, actor=None).path
    target = Place(tmp_path / "target", stage_kind())
    try:
        with target.app.app_context():
            manifest = restore_backup(archive)
            assert manifest["revision"] == newest.down_revision
            assert MigrationContext.configure(db.session.connection()).get_current_heads() == (newest.revision,)
        restored = rows_of(target.app)
        assert projected(restored, before_newest) == projected(original, before_newest)
        assert _columns(restored) == _columns(original)
        assert stored_files(target.app) == files
    finally:
        target.drop()
