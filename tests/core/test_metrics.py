"""/metrics: Prometheus's text format, requests counted by endpoint with their durations, the job queue
as it stands, and a page that exists only for the configured addresses."""
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import TestingConfig
from ecole.core import metrics
from ecole.core.models import utcnow
from ecole.extensions import db
from ecole.jobs.models import Job
from tests.helpers import same_on_every_database


def samples(client, **environ) -> dict:
    """{(sample name, sorted labels): value} of one scrape."""
    response = client.get("/metrics", environ_base=environ)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def requests_of(found: dict, endpoint: str, method: str = "GET", status: str = "200") -> float:
    return found.get(("ecole_http_requests_total", (("endpoint", endpoint), ("method", method), ("status", status))), 0)


@same_on_every_database
def test_requests_are_counted_by_endpoint_method_and_status_with_their_durations(client):
    before = samples(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    client.get("/no/such/page")
    client.open("/", method="BREW")
    after = samples(client)
    assert requests_of(after, "main.healthz") - requests_of(before, "main.healthz") == 3
    # A path that is no page counts under "none", an unknown method under "other": labels stay few.
    assert requests_of(after, "none", status="404") - requests_of(before, "none", status="404") == 1
    assert requests_of(after, "none", "other", "405") - requests_of(before, "none", "other", "405") == 1
    healthz = (("endpoint", "main.healthz"), ("method", "GET"))
    count = ("ecole_http_request_duration_seconds_count", healthz)
    assert after[count] - before.get(count, 0) == 3
    every = ("ecole_http_request_duration_seconds_bucket", tuple(sorted(healthz + (("le", "+Inf"),))))
    assert after[every] - before.get(every, 0) == 3
    assert after[("ecole_http_request_duration_seconds_sum", healthz)] > before.get(
        ("ecole_http_request_duration_seconds_sum", healthz), 0)
    assert after[("ecole_database_up", ())] == 1
    assert [key for key in after if key[0] == "ecole_build_info"]


def test_the_job_queue_as_it_stands(client):
    now = utcnow()
    for key, state, run_after in (("a", "queued", now - timedelta(minutes=2)), ("b", "queued", now - timedelta(seconds=5)),
                                  ("c", "queued", now + timedelta(hours=1)), ("d", "running", now),
                                  ("e", "failed", now), ("f", "done", now)):
        db.session.add(Job(kind="send_mail", key=f"metrics:{key}", state=state, run_after=run_after))
    db.session.add(Job(kind="issue_certificates", key="metrics:g", state="queued", run_after=now))
    db.session.commit()
    found = samples(client)
    jobs = {labels: value for (name, labels), value in found.items() if name == "ecole_jobs"}
    assert jobs == {(("kind", "send_mail"), ("state", "queued")): 3, (("kind", "send_mail"), ("state", "running")): 1,
                    (("kind", "send_mail"), ("state", "failed")): 1,
                    (("kind", "issue_certificates"), ("state", "queued")): 1}
    # The oldest job that may run has waited two minutes (the one due in an hour is not waiting yet).
    assert 120 <= found[("ecole_jobs_oldest_due_seconds", (("kind", "send_mail"),))] < 180


@same_on_every_database
@pytest.mark.parametrize("address", ["10.1.2.3", "192.0.2.1", "2001:db8::1", "::ffff:10.0.0.1", ""])
def test_any_other_address_finds_no_page(client, address):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page introuvable" in body and "ecole_" not in body
    # Saying it comes from the machine itself changes nothing: without a proxy the header is not read.
    forged = client.get("/metrics", environ_base={"REMOTE_ADDR": address}, headers={"X-Forwarded-For": "127.0.0.1"})
    assert forged.status_code == 404


@same_on_every_database
@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_the_machine_itself_may_read_by_default(client, address):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.fixture
def monitored(app):
    """An app behind one proxy that lets a monitoring network read its figures."""
    from ecole import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        STORAGE_DIR = app.config["STORAGE_DIR"]
        PROXY_HOPS = 1
        METRICS_ALLOWED = " 127.0.0.1, ::1 ,10.0.0.0/8,"

    application = create_app(Config)
    yield application
    with application.app_context():
        db.engine.dispose()


@same_on_every_database
def test_allowed_networks_are_judged_on_the_address_the_proxy_gave(monitored):
    client = monitored.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    # Through nginx: the last X-Forwarded-For value is the client; one it wrote itself before it is not.
    through_nginx = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", environ_base=through_nginx,
                      headers={"X-Forwarded-For": "127.0.0.1, 198.51.100.7"}).status_code == 404
    assert client.get("/metrics", environ_base=through_nginx,
                      headers={"X-Forwarded-For": "198.51.100.7, 10.0.0.5"}).status_code == 200


@same_on_every_database
def test_a_wrong_allowed_entry_stops_the_start_up(app):
    from ecole import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        METRICS_ALLOWED = "127.0.0.1,localhost"

    with pytest.raises(RuntimeError, match="ECOLE_METRICS_ALLOWED: 'localhost'"):
        create_app(Config)
    assert metrics.allowed_networks("") == ()


@same_on_every_database
def test_figures_come_even_when_the_database_does_not_answer(tmp_path):
    from ecole import create_app

    class Broken(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/none.sqlite3"

    found = samples(create_app(Broken).test_client())
    assert found[("ecole_database_up", ())] == 0
    assert not [key for key in found if key[0] == "ecole_jobs"]
