"""Gzip: static text files and a visitor's pages are sent compressed, never a page that holds a secret."""
import gzip
import re
from pathlib import Path

from tests.helpers import same_on_every_database

STATIC = Path(__file__).resolve().parents[2] / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _stylesheet_url(client) -> str:
    return re.search(r'href="(/static/css/ecole\.css\?v=[0-9a-f]{12})"', client.get("/").get_data(as_text=True)).group(1)


@same_on_every_database
def test_a_stylesheet_is_sent_gzipped_to_a_browser_that_accepts_it(client):
    url = _stylesheet_url(client)
    response = client.get(url, headers=GZIP)
    body = response.get_data()
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (STATIC / "css" / "ecole.css").read_bytes()
    assert int(response.headers["Content-Length"]) == len(body) < (STATIC / "css" / "ecole.css").stat().st_size / 2
    assert "Accept-Encoding" in response.headers["Vary"] and "immutable" in response.headers["Cache-Control"]
    assert "Accept-Ranges" not in response.headers  # a range would be of the file, not of these bytes
    assert response.headers["ETag"].startswith('W/"')

    # The weak tag still revalidates; a client that does not ask for gzip gets the file as it is.
    assert client.get(url, headers={**GZIP, "If-None-Match": response.headers["ETag"]}).status_code == 304
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert plain.get_data() == (STATIC / "css" / "ecole.css").read_bytes()


@same_on_every_database
def test_fonts_and_small_files_are_sent_as_they_are(client):
    font = client.get("/static/fonts/web/noto-sans-latin-400-v2.woff2", headers=GZIP)
    assert font.status_code == 200 and "Content-Encoding" not in font.headers  # WOFF2 is compressed already
    logo = client.get("/static/img/logo.svg", headers=GZIP)  # 300 bytes: gzip would save less than its headers
    assert logo.status_code == 200 and "Content-Encoding" not in logo.headers


def test_a_visitors_page_is_sent_gzipped(client):
    response = client.get("/courses?lang=ar", headers=GZIP)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert 'lang="ar"' in gzip.decompress(response.get_data()).decode()
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Encoding" not in client.get("/healthz", headers=GZIP).headers  # too small to gain


def test_a_page_that_holds_a_secret_is_never_gzipped(client, as_role):
    """A CSRF token or a person's data beside text the visitor chose (a search), compressed together,
    would leak through the response's length (BREACH)."""
    signed_in = as_role("trainee")
    for url in ("/", "/courses?q=safran", "/account"):
        response = signed_in.get(url, headers=GZIP)
        assert response.status_code == 200 and "Content-Encoding" not in response.headers, url

    login = client.get("/login?next=/courses", headers=GZIP)  # the visitor's first CSRF token
    assert login.status_code == 200 and "Content-Encoding" not in login.headers
    assert 'name="csrf_token"' in login.get_data(as_text=True)
    again = client.get("/courses?q=safran", headers=GZIP)  # the token is now in the session
    assert again.status_code == 200 and "Content-Encoding" not in again.headers
