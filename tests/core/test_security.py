"""Security baseline: headers, cookies, production settings, error pages, rate limits."""
import pytest

from config import ProductionConfig
from ecole.extensions import limiter
from tests.helpers import post


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client):
    body = client.get("/login").get_data(as_text=True)
    assert "<script>" not in body and " onclick=" not in body and "style=" not in body


def test_static_files_are_cached_for_a_year_with_a_hash(client):
    body = client.get("/").get_data(as_text=True)
    import re
    css = re.search(r'href="(/static/css/ecole\.css\?v=[0-9a-f]{12})"', body).group(1)
    response = client.get(css)
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]


def test_fonts_stylesheets_and_scripts_carry_only_the_headers_they_use(client):
    """A document's policies mean nothing to a font, stylesheet or script (nginx sends none with them
    either); an SVG, which a browser can open as a page, keeps them all."""
    for url in ("/static/fonts/web/noto-sans-latin-400-v2.woff2", "/static/css/ecole.css", "/static/js/pwa.js"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff", url
        assert not {"Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"} & set(response.headers.keys()), url
    svg = client.get("/static/img/logo.svg")
    assert "script-src 'self'" in svg.headers["Content-Security-Policy"] and svg.headers["X-Frame-Options"] == "DENY"


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig.check()
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE


@pytest.mark.parametrize("lang,title", [("fr", "Page introuvable"), ("ar", None), ("zgh", None)])
def test_error_pages_speak_the_users_language(client, lang, title):
    response = client.get(f"/no-such-page?lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and f'lang="{lang}"' in body
    if title:
        assert title in body
    else:
        assert "Page introuvable" not in body


def test_too_large_upload_is_413(app, client):
    too_large = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post("/login", data=b"x" * too_large, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)


def test_method_not_allowed_is_not_500(client):
    assert client.delete("/").status_code == 405


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_503_when_the_database_is_down(tmp_path):
    from config import TestingConfig
    from ecole import create_app

    class Broken(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/none.sqlite3"

    response = create_app(Broken).test_client().get("/healthz")
    assert response.status_code == 503


@pytest.fixture
def rate_limited(app):
    """The production limit (10 failed sign-ins a minute) instead of the suite's generous one."""
    saved = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = ProductionConfig.LOGIN_RATE_LIMIT
    limiter.reset()
    yield
    app.config["LOGIN_RATE_LIMIT"] = saved
    limiter.reset()


def test_twenty_wrong_passwords_are_rate_limited_identically(app, people, rate_limited):
    answers = {}
    for identifier in (people.trainee.email, "nobody@example.org"):
        limiter.reset()
        client = app.test_client()
        statuses = [post(client, "/login", {"identifier": identifier, "password": "wrong"}).status_code
                    for _ in range(20)]
        answers[identifier] = statuses
        assert statuses.count(429) >= 10, statuses
        assert statuses[0] == 400
    assert answers[people.trainee.email] == answers["nobody@example.org"]


def test_rate_limited_page_is_translated(app, people, rate_limited):
    client = app.test_client()
    for _ in range(12):
        response = post(client, "/login?lang=ar", {"identifier": "x@example.org", "password": "wrong"})
    assert response.status_code == 429 and 'lang="ar"' in response.get_data(as_text=True)
