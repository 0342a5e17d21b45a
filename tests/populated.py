"""Schools of their own for the tests that migrate, back up and restore: an app on a new database (a
SQLite file, or a database created on the PostgreSQL server) with its own stored files, a populated one
(the demo world and a small scale data set) built once per test process and copied for each test,
and every table's rows and every stored file read back for comparison.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import JSON, MetaData, Text, cast, create_engine, select, text
from sqlalchemy.engine import make_url

from config import TestingConfig

# Renewed by every writing transaction, on purpose (the page caches' keys, ecole/core/versions.py):
# never the same after a restore or a migration, and nothing a person wrote.
VOLATILE_TABLES = frozenset({"data_versions", "alembic_version"})
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> str | None:
    """A PostgreSQL server to make databases on: TEST_DATABASE_URL's (the suite's PostgreSQL stage), else
    the local one when it answers (the SQLite stage's SQLite → PostgreSQL restore), else None."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url
    engine = create_engine(LOCAL_POSTGRES, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return LOCAL_POSTGRES
    except Exception:  # noqa: BLE001 - no server here: the PostgreSQL legs are skipped
        return None
    finally:
        engine.dispose()


def stage_kind() -> str:
    """The database this run of the suite is about: PostgreSQL when TEST_DATABASE_URL names one."""
    return "postgresql" if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") else "sqlite"


class Place:
    """A database and a storage folder of their own, dropped by `drop()`."""

    def __init__(self, folder: Path, kind: str, *, template: Place | None = None):
        self.folder, self.kind = folder, kind
        folder.mkdir(parents=True, exist_ok=True)
        self.storage = folder / "storage"
        self.keys = folder / "keys"
        self._app = None
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / 'ecole.sqlite3'}"
            if template is not None:
                source, copy = sqlite3.connect(template.path), sqlite3.connect(self.path)
                source.backup(copy)
                source.close()
                copy.close()
        else:
            server = postgres_server()
            if server is None:
                pytest.skip("no PostgreSQL server (TEST_DATABASE_URL, or one on 127.0.0.1:5432)")
            base = make_url(server)
            name = f"{base.database}_bk_{uuid.uuid4().hex[:10]}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                source = f' TEMPLATE "{make_url(template.url).database}"' if template is not None else ""
                connection.execute(text(f'CREATE DATABASE "{name}"{source}'))
            admin.dispose()
            self.url = base.set(database=name).render_as_string(hide_password=False)
        if template is not None and template.storage.exists():
            shutil.copytree(template.storage, self.storage)
        if template is not None and template.keys.exists():
            shutil.copytree(template.keys, self.keys)

    @property
    def path(self) -> str:
        return make_url(self.url).database

    @property
    def app(self):
        if self._app is None:
            from ecole import create_app

            url, storage, keys = self.url, str(self.storage), str(self.keys)

            class Config(TestingConfig):
                SQLALCHEMY_DATABASE_URI = url
                STORAGE_DIR = storage
                SIGNING_KEYS_DIR = keys

            self._app = create_app(Config)
        return self._app

    def release(self) -> None:
        """Close the app's connections (a PostgreSQL template must have none)."""
        if self._app is not None:
            from ecole.extensions import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()

    def drop(self) -> None:
        self.release()
        if self.kind == "postgresql":
            admin = create_engine(postgres_server(), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(self.url).database}" WITH (FORCE)'))
            admin.dispose()


def populate(place: Place) -> None:
    """The demo world and a small scale data set, at the newest revision."""
    from flask import current_app
    from flask_migrate import upgrade

    from ecole.certificates.keys import create_key
    from ecole.demo import load_demo
    from ecole.extensions import db
    from ecole.seeding import seed_scale

    with place.app.app_context():
        upgrade()
        create_key()
        load_demo(Path(current_app.config["COURSES_DIR"]))
        seed_scale(courses=6, trainees=120, sessions=8, enrolments=200, register=10, held=3, programme=True)
        db.session.commit()


class PopulatedSchools:
    """The populated school built once per kind of database, and the copies made of it for tests."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.templates: dict[str, Place] = {}
        self.made: list[Place] = []

    def copy(self, kind: str) -> Place:
        if kind not in self.templates:
            template = Place(self.folder / f"template-{kind}", kind)
            self.made.append(template)
            populate(template)
            template.release()
            self.templates[kind] = template
        place = Place(self.folder / uuid.uuid4().hex[:8], kind, template=self.templates[kind])
        self.made.append(place)
        return place

    def drop(self) -> None:
        for place in reversed(self.made):
            place.drop()


def database_rows(connection) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's column names and rows, in primary key order, as SQLAlchemy reads them on either
    database (JSON as its text); the backups' own audit entries are left out."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    tables = {}
    for table in metadata.sorted_tables:
        if table.name in VOLATILE_TABLES:
            continue
        selected = [cast(column, Text) if isinstance(column.type, JSON) else column for column in table.columns]
        query = select(*selected).order_by(*(list(table.primary_key.columns) or selected))
        if table.name == "audit_entries":
            query = query.where(~table.c.action.like("backup.%"))
        tables[table.name] = ([column.name for column in table.columns], [tuple(row) for row in connection.execute(query)])
    return tables


def rows_of(app) -> dict[str, tuple[list[str], list[tuple]]]:
    from ecole.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return database_rows(connection)


def projected(tables: dict, columns_of: dict) -> dict[str, list[tuple]]:
    """`tables`' rows on the columns that `columns_of` gives each table (the tables it names only)."""
    result = {}
    for name, wanted in columns_of.items():
        columns, rows = tables[name]
        positions = [columns.index(column) for column in wanted]
        result[name] = [tuple(row[position] for position in positions) for row in rows]
    return result


def stored_files(app) -> dict[str, str]:
    """Every stored file's SHA-256, by key."""
    from ecole.core.storage import get_storage

    with app.app_context():
        storage = get_storage()
        return {key: hashlib.sha256(storage.get(key)).hexdigest() for key in storage.keys()}
