"""Fixtures every test reuses: the app on a real database, a client, one user per role, sign-in."""
import contextvars
import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from config import TestingConfig
from ecole import create_app
from ecole.extensions import db
from tests.factories import PASSWORD, ROLES, People, make_user  # noqa: F401  (fixtures below use them)
from tests.helpers import Inbox, login


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        return _worker_database(url, worker)
    if url:
        return url
    # A file, not :memory:, so that several connections (threads, a live server) see the same data.
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def _worker_database(url: str, worker: str) -> str:
    """With several test processes (pytest -n), each gets a database of its own on the same server:
    `test` becomes `test_gw0`, `test_gw1`… (created the first time)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


def _reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, as in production: it gets its own app context, `g`
    and database session instead of borrowing the test's (which would hide bugs)."""

    def open(self, *args, **kwargs):
        # The test's own transaction ends around each request, as a new request would see the
        # database: SQLite reads from a snapshot taken at BEGIN.
        _end_test_transaction()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _end_test_transaction()
        return response


def _end_test_transaction() -> None:
    from flask import has_app_context

    if has_app_context():
        db.session.commit()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    limits_dir = tmp_path_factory.mktemp("limits")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE_DIR = str(tmp_path_factory.mktemp("storage"))
        SIGNING_KEYS_DIR = str(tmp_path_factory.mktemp("keys"))
        # The embedded default store (a SQLite file), one per test process.
        RATELIMIT_STORAGE_URI = f"ecole-sqlite://{limits_dir / 'ratelimit.sqlite3'}"

    _reset_database(database_url)
    application = create_app(Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()  # the schema comes from the migrations, as in production
        from ecole.certificates.keys import create_key

        create_key()  # the school's signing key, as `init` makes it
        # Rows the migrations seed (the school's themes…) are put back after every test.
        SEEDED.clear()
        for table in db.metadata.sorted_tables:
            rows = [dict(row._mapping) for row in db.session.execute(table.select())]
            if rows:
                SEEDED[table] = rows
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


SEEDED: dict = {}


def _empty_tables() -> None:
    # DELETE, not TRUNCATE: faster on small tables, and sequences keep counting, so the seeded
    # rows put back with their ids never collide with the next insert.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f"DELETE FROM {table.name}"))
    for table, rows in SEEDED.items():
        db.session.execute(table.insert(), rows)
    db.session.commit()


@pytest.fixture(autouse=True)
def app_context(app):
    """Each test runs in a fresh application context and starts from empty tables."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()


@pytest.fixture
def queued_jobs(app):
    """Jobs wait in a queue, as in production where a worker runs them, instead of running inline in
    the request that made them (racing requests, statements counted per request)."""
    from huey import MemoryHuey

    from ecole.jobs.runner import init_app

    inline = app.extensions["ecole.jobs"]
    init_app(app, inline.kinds, huey=MemoryHuey("ecole-tests-queue", immediate=False, results=False))
    yield
    app.extensions["ecole.jobs"] = inline


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def people(app_context) -> People:
    return People(
        trainee=make_user("trainee", name="Fatima Aït Ali", phone="0612345678", email="trainee@example.org"),
        trainer=make_user("trainer", name="Brahim Oubella", phone="0623456789", email="trainer@example.org"),
        admin=make_user("admin", name="Amina Idrissi", email="admin@example.org"),
    )


@pytest.fixture
def as_role(app, people):
    """as_role("trainer") → a test client signed in as that role (or anonymous)."""

    def make(role: str):
        test_client = app.test_client()
        if role != "anonymous":
            login(test_client, people[role])
        return test_client

    return make


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd) on a free loopback port, wired into the app's MAIL_* settings."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    old = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    app.config.update(old)
    controller.stop()


@pytest.fixture
def live_school(tmp_path):
    """live_school(workers=4, env=None, server="gunicorn") → a started LiveSchool (gunicorn, or "flask":
    `make run`'s threaded development server, on its own database), stopped after the test."""
    from tests.live import LiveSchool

    schools = []

    def start(workers: int = 4, env: dict | None = None, server: str = "gunicorn") -> LiveSchool:
        folder = tmp_path / f"live{len(schools)}"
        folder.mkdir()
        school = LiveSchool(folder, workers=workers, env=env, server=server)
        schools.append(school)
        return school.start()

    yield start
    for school in schools:
        school.stop()


@pytest.fixture(scope="session")
def populated_school(tmp_path_factory):
    """populated_school(kind) → a tests.populated.Place ("sqlite" or "postgresql") holding its own copy of
    a populated school (the demo world and a small scale data set, built once per kind), dropped at the end."""
    from tests.populated import PopulatedSchools

    schools = PopulatedSchools(tmp_path_factory.mktemp("populated"))
    yield schools.copy
    schools.drop()
