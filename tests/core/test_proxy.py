"""Behind nginx: the client's address and scheme come from exactly one proxy's headers (ECOLE_PROXY_HOPS),
and without a proxy nobody can choose them by sending X-Forwarded-* themselves."""
import pytest
from flask import jsonify, request, url_for

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from ecole.extensions import db
from tests.helpers import csrf_token, same_on_every_database

pytestmark = same_on_every_database

FROM_NGINX = {"REMOTE_ADDR": "127.0.0.1"}


def make_app(app, hops: int):
    from ecole import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        STORAGE_DIR = app.config["STORAGE_DIR"]
        PROXY_HOPS = hops

    application = create_app(Config)

    @application.route("/test/seen")
    def seen():
        return jsonify(address=request.remote_addr, scheme=request.scheme, secure=request.is_secure,
                       home=url_for("main.home", _external=True))

    return application


@pytest.fixture
def proxied(app):
    application = make_app(app, hops=1)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def direct(app):
    application = make_app(app, hops=0)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_one_proxy_by_default_in_production_none_elsewhere():
    assert ProductionConfig.PROXY_HOPS == 1
    assert DevelopmentConfig.PROXY_HOPS == TestingConfig.PROXY_HOPS == 0


def test_behind_one_proxy_the_client_is_the_address_nginx_added(proxied):
    client = proxied.test_client()
    # nginx appends the address it saw to whatever the client sent: the last value is the true one.
    seen = client.get("/test/seen", environ_base=FROM_NGINX,
                      headers={"X-Forwarded-For": "10.0.0.1, 192.0.2.7, 203.0.113.9", "X-Forwarded-Proto": "https",
                               "X-Forwarded-Host": "localhost:443"}).get_json()
    assert seen == {"address": "203.0.113.9", "scheme": "https", "secure": True, "home": "https://localhost/"}
    # Without the headers (a request straight to gunicorn): the connection's own address, plain http.
    seen = client.get("/test/seen", environ_base=FROM_NGINX).get_json()
    assert (seen["address"], seen["scheme"]) == ("127.0.0.1", "http")


def test_without_a_proxy_the_headers_are_ignored(direct):
    seen = direct.test_client().get(
        "/test/seen", environ_base={"REMOTE_ADDR": "198.51.100.4"},
        headers={"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    ).get_json()
    assert seen == {"address": "198.51.100.4", "scheme": "http", "secure": False, "home": "http://localhost/"}


def test_a_forwarded_port_or_prefix_is_never_trusted(proxied):
    # nginx does not set them: a client could.
    seen = proxied.test_client().get("/test/seen", environ_base=FROM_NGINX, headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost",
        "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/elsewhere"}).get_json()
    assert seen["home"] == "https://localhost/"


def test_https_from_the_proxy_makes_forms_check_their_origin(proxied, direct):
    """Flask-WTF checks the Referer of a form only on HTTPS: a form posted from another site is refused
    when nginx says the request came over HTTPS, which shows the scheme is honoured."""
    https = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost:443"}
    client = proxied.test_client()
    token = csrf_token(client)
    data = {"csrf_token": token, "identifier": "nobody@example.org", "password": "x"}
    refused = client.post("/login", data=data, environ_base=FROM_NGINX,
                          headers={**https, "Referer": "https://evil.example/login"})
    assert refused.status_code == 400 and "Le formulaire a expiré" in refused.get_data(as_text=True)
    answered = client.post("/login", data=data, environ_base=FROM_NGINX,
                           headers={**https, "Referer": "https://localhost/login"})
    assert answered.status_code == 400 and "Le formulaire a expiré" not in answered.get_data(as_text=True)
    # Without a proxy, the same forged header does not make the request HTTPS: no Referer check.
    client = direct.test_client()
    data["csrf_token"] = csrf_token(client)
    plain = client.post("/login", data=data, headers={**https, "Referer": "https://evil.example/login"})
    assert "Le formulaire a expiré" not in plain.get_data(as_text=True)
