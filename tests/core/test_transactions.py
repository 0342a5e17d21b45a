"""ecole/core/transactions.py: a request the database asks to retry runs again from a clean
slate (its flashes, its notices and their e-mails once), never after it committed; on SQLite a
request that may write starts as a writer."""
import sqlite3

import pytest
from flask import flash, session
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from config import TestingConfig
from ecole.extensions import db
from ecole.notifications.models import Notification
from tests.factories import make_user


def _locked() -> OperationalError:
    return OperationalError("UPDATE users SET …", {}, sqlite3.OperationalError("database is locked"))


@pytest.fixture
def private_app(app, smtp):
    """An app of its own on the test database, with test views added before its first request."""
    from ecole import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        STORAGE_DIR = app.config["STORAGE_DIR"]
        WTF_CSRF_ENABLED = False
        MAIL_SERVER, MAIL_PORT = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]

    application = create_app(Config)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_a_busy_database_runs_the_view_again_from_a_clean_slate(private_app, smtp):
    from ecole.accounts.models import User
    from ecole.notifications.services import notify

    person_id = make_user("trainee", email="busy@example.org").id
    seen = []

    @private_app.route("/test/busy", methods=["POST"])
    def busy():
        seen.append(list(session.get("_flashes", [])))
        flash("essai")
        notify(db.session.get(User, person_id), "enrolment.cancelled", reason="test")
        db.session.flush()
        if len(seen) == 1:
            raise _locked()  # as SQLite says when it cannot take the lock
        db.session.commit()
        return "ok"

    response = private_app.test_client().post("/test/busy")
    assert response.status_code == 200 and len(seen) == 2
    assert seen[1] == []  # the first attempt's flash is gone: the person sees one message
    db.session.rollback()
    assert len(db.session.scalars(select(Notification).where(Notification.user_id == person_id)).all()) == 1
    assert len(smtp.wait(1)) == 1
    assert len(smtp.wait(2, timeout=0.5)) == 1  # and one e-mail


def test_a_view_that_committed_is_never_run_twice(private_app, smtp):
    from ecole.accounts.models import User
    from ecole.notifications.services import notify

    person_id = make_user("trainee", email="once@example.org").id
    calls = []

    @private_app.route("/test/committed", methods=["POST"])
    def committed():
        calls.append(1)
        notify(db.session.get(User, person_id), "enrolment.cancelled", reason="test")
        db.session.commit()
        raise _locked()

    response = private_app.test_client().post("/test/committed")
    assert response.status_code == 500 and calls == [1]
    db.session.rollback()
    assert len(db.session.scalars(select(Notification).where(Notification.user_id == person_id)).all()) == 1
    assert len(smtp.wait(1)) == 1  # what was committed is still e-mailed, once


def test_a_database_that_stays_busy_gets_a_bounded_number_of_tries(private_app):
    from ecole.core.transactions import ATTEMPTS

    calls = []

    @private_app.route("/test/always-busy", methods=["POST"])
    def always_busy():
        calls.append(1)
        raise _locked()

    assert private_app.test_client().post("/test/always-busy").status_code == 500
    assert len(calls) == ATTEMPTS


def test_only_requests_that_may_write_start_as_writers_on_sqlite(client, people):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL locks rows")
    from tests.helpers import csrf_token, login

    login(client, people.trainee)
    token = csrf_token(client, "/account")
    begins = []

    def listener(connection, cursor, statement, parameters, context, executemany):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/account")
        reads = list(begins)
        begins.clear()
        client.post("/notifications/read", data={"csrf_token": token})
        writes = list(begins)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert reads and set(reads) == {"BEGIN"}
    assert writes and set(writes) == {"BEGIN IMMEDIATE"}


def test_sign_in_checks_the_password_without_holding_the_write_lock(client, people):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    from tests.factories import PASSWORD
    from tests.helpers import csrf_token

    token = csrf_token(client)
    identifier = people.trainee.email
    db.session.commit()  # (the test's own reads end here: only the request's transactions are seen)
    begins = []

    def listener(connection, cursor, statement, parameters, context, executemany):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.post("/login", data={"identifier": identifier, "password": PASSWORD,
                                               "csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 302
    # The account is read and its password checked as a reader; only the sign-in stamp takes the lock.
    assert begins[:2] == ["BEGIN", "BEGIN IMMEDIATE"], begins
    db.session.expire_all()
    assert people.trainee.last_login_at is not None
