"""Logs an operator can follow: one JSON object per line, the request's id in each line written during
the request and in the answer's X-Request-ID, an access line per request that holds no secret."""
import io
import json
import logging
import re

import pytest

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from ecole.core import logs
from ecole.enrolment import calendar
from ecole.extensions import db
from tests.factories import PASSWORD
from tests.helpers import login, post, same_on_every_database

pytestmark = same_on_every_database

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logged_app(app):
    """An app of its own on the test database writing access lines, with two test views."""
    from ecole import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        STORAGE_DIR = app.config["STORAGE_DIR"]
        ACCESS_LOG = True
        LOG_FORMAT = "json"

    application = create_app(Config)

    @application.route("/test/log")
    def write_a_line():
        logging.getLogger("ecole.test").warning("a line\nwritten in a view: %s", "ⵜⴰⵎⴰⵣⵉⵖⵜ")
        return "ok"

    @application.route("/test/boom")
    @application.route("/test/boom/<token>")
    def boom(token=None):
        raise RuntimeError("the printer caught fire")

    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def log_lines():
    """read() → every line written through the JSON handler so far, each parsed."""
    stream = io.StringIO()
    handler = logs.make_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    root.removeHandler(handler)
    root.setLevel(level)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "ecole.access"]


def test_every_line_of_a_request_carries_the_id_of_its_answer(logged_app, log_lines):
    response = logged_app.test_client().get("/test/log")
    request_id = response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(request_id)
    logging.getLogger("ecole.test").info("outside any request")
    lines = log_lines()
    view_line, access_line, outside = lines
    assert view_line == {"time": view_line["time"], "level": "WARNING", "logger": "ecole.test",
                         "message": "a line\nwritten in a view: ⵜⴰⵎⴰⵣⵉⵖⵜ", "request_id": request_id}
    assert view_line["time"].endswith("+00:00")
    assert access_line["request_id"] == request_id
    assert outside["request_id"] is None
    # Two requests, two ids.
    assert logged_app.test_client().get("/test/log").headers["X-Request-ID"] != request_id


@pytest.mark.parametrize("sent", ["nginx-0123456789abcdef", "3f2c1a9e-55b1-4c1e-9d7e-0a1b2c3d4e5f",
                                  "c0ffee0000000000000000000000beef"])
def test_a_sane_incoming_id_is_kept(logged_app, log_lines, sent):
    response = logged_app.test_client().get("/test/log", headers={"X-Request-ID": sent})
    assert response.headers["X-Request-ID"] == sent
    assert {line["request_id"] for line in log_lines()} == {sent}


@pytest.mark.parametrize("sent", ["short", "x" * 129, "two words here", 'quote"d-0123456', "<script>alert(1)</script>",
                                  "ⵜⴰⵎⴰⵣⵉⵖⵜ-12345678", "semi;colon;value", ""])
def test_an_insane_incoming_id_is_replaced(logged_app, log_lines, sent):
    response = logged_app.test_client().get("/test/log", headers={"X-Request-ID": sent})
    request_id = response.headers["X-Request-ID"]
    assert request_id != sent and GENERATED_ID.fullmatch(request_id)
    assert {line["request_id"] for line in log_lines()} == {request_id}


def test_the_access_line_says_what_was_asked_and_by_which_account(logged_app, log_lines, people):
    client = logged_app.test_client()
    login(client, people.trainee)
    response = client.get("/account?lang=ar")
    assert response.status_code == 200
    line = access_lines(log_lines())[-1]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"], line["user_id"]) == ("GET", "/account", 200, people.trainee.id)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["message"].startswith("GET /account 200 ")
    # A visitor: no account.
    logged_app.test_client().get("/courses?q=safran")
    line = access_lines(log_lines())[-1]
    assert (line["path"], line["user_id"]) == ("/courses", None)


def test_access_lines_hold_no_password_token_code_or_query(logged_app, log_lines, people):
    token = calendar.feed_token(people.trainee)
    db.session.commit()  # the app of this test reads it from a connection of its own
    client = logged_app.test_client()
    post(client, "/login", {"identifier": people.trainee.email, "password": "Wrong-but-secret-1"})
    post(client, "/login", {"identifier": people.trainee.email, "password": PASSWORD})
    client.get(f"/calendar/{token}.ics?secret=query-value")
    client.get("/verify/AB12-CD34-EF56")
    written = "\n".join(json.dumps(line, ensure_ascii=False) for line in log_lines())
    for secret in ("Wrong-but-secret-1", PASSWORD, token, "query-value", "AB12-CD34-EF56", people.trainee.email):
        assert secret not in written
    paths = [line["path"] for line in access_lines(log_lines())]
    assert "/calendar/<token>.ics" in paths and "/verify/<code>" in paths


def test_an_exception_is_logged_with_its_traceback_in_one_line(logged_app, log_lines):
    response = logged_app.test_client().get("/test/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    (error,) = [line for line in log_lines() if line["level"] == "ERROR"]
    assert error["request_id"] == request_id and error["logger"] == logged_app.logger.name
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: the printer caught fire" in error["exception"]
    (access,) = access_lines(log_lines())
    assert (access["status"], access["request_id"]) == (500, request_id)
    # The error's line names the page without its secret, as the access line does.
    logged_app.test_client().get("/test/boom/s3cr3t-feed-token")
    error = [line for line in log_lines() if line["level"] == "ERROR"][-1]
    assert error["message"] == "unhandled error on GET /test/boom/<token>" and "s3cr3t" not in json.dumps(error)


def test_the_log_format_is_checked_at_start_up(app):
    from ecole import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        LOG_FORMAT = "yaml"

    with pytest.raises(RuntimeError, match="ECOLE_LOG_FORMAT"):
        create_app(Config)


def test_text_lines_for_development_json_lines_for_production():
    assert (DevelopmentConfig.LOG_FORMAT, DevelopmentConfig.ACCESS_LOG) == ("text", False)
    assert (ProductionConfig.LOG_FORMAT, ProductionConfig.ACCESS_LOG) == ("json", False)  # nginx writes it
    stream = io.StringIO()
    handler = logs.make_handler("text", stream)
    handler.handle(logging.LogRecord("ecole.test", logging.INFO, "", 0, "plain %s", ("line",), None))
    assert stream.getvalue().rstrip().endswith("INFO ecole.test: plain line")
