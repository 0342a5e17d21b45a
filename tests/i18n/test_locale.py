"""Language selection, direction and Moroccan formats."""
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale

from ecole.accounts.models import User
from ecole.extensions import db
from ecole.i18n import format_date, format_datetime, format_number
from tests.helpers import login, post


def html_lang(response) -> str:
    import re
    return re.search(r'<html lang="([^"]+)" dir="([^"]+)"', response.get_data(as_text=True)).groups()


@pytest.mark.parametrize("header,expected", [
    ("ar-MA,fr;q=0.5", ("ar", "rtl")), ("zgh", ("zgh", "ltr")), ("en-US,en;q=0.9", ("fr", "ltr")),
    ("fr-FR", ("fr", "ltr")), ("de,ar;q=0.3", ("ar", "rtl")), ("", ("fr", "ltr")), ("!!;q=x", ("fr", "ltr")),
])
def test_accept_language_primary_subtag(client, header, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_lang_parameter_wins_and_is_remembered_by_cookie(client):
    assert html_lang(client.get("/?lang=zgh", headers={"Accept-Language": "ar"})) == ("zgh", "ltr")
    assert html_lang(client.get("/", headers={"Accept-Language": "ar"})) == ("zgh", "ltr")


@pytest.mark.parametrize("bad", ["xx", "../../etc", "ar_MA", "", "zgh_Latn", "%00"])
def test_unknown_languages_fall_back_without_error(client, bad):
    response = client.get(f"/?lang={bad}")
    assert response.status_code == 200 and html_lang(response)[0] == "fr"


def test_a_lang_link_changes_the_page_and_the_cookie_never_the_profile(client, people):
    login(client, people.trainee)
    response = client.get("/?lang=zgh")
    assert html_lang(response) == ("zgh", "ltr")
    assert "lang=zgh" in response.headers.get("Set-Cookie", "")
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).locale == "fr"
    assert html_lang(client.get("/account")) == ("fr", "ltr")  # the profile's language still leads


def test_the_switcher_of_a_signed_in_person_saves_their_choice(client, people):
    login(client, people.trainee)
    page = client.get("/courses?q=safran").get_data(as_text=True)
    # A form (POST, CSRF) that comes back to this page; no language link that would only set a cookie.
    assert 'action="/account/language"' in page and 'value="/courses?q=safran"' in page
    assert 'hreflang="ar"' not in page
    response = post(client, "/account/language", {"lang": "ar", "next": "/courses?q=safran"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses?q=safran")
    assert "lang=ar" in response.headers.get("Set-Cookie", "")
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).locale == "ar"
    other_device = client.application.test_client()
    login(other_device, people.trainee)
    assert html_lang(other_device.get("/account")) == ("ar", "rtl")


def test_the_switcher_needs_its_csrf_token_and_a_known_language(client, people):
    login(client, people.trainee)
    assert client.post("/account/language", data={"lang": "zgh", "next": "/"}).status_code == 400
    assert post(client, "/account/language", {"lang": "xx", "next": "/"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).locale == "fr"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "/account\r\nSet-Cookie: x=1", "javascript:alert(1)", ""])
def test_the_switcher_goes_back_only_to_this_site(client, people, target):
    login(client, people.trainee)
    response = post(client, "/account/language", {"lang": "zgh", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).locale == "zgh"


def test_language_switcher_writes_each_language_in_its_own_script(client):
    body = client.get("/login?lang=ar").get_data(as_text=True)
    for code, name in (("fr", "Français"), ("ar", "العربية"), ("zgh", "ⵜⴰⵎⴰⵣⵉⵖⵜ")):
        assert f'lang="{code}" hreflang="{code}"' in body and name in body
    assert 'href="/login?lang=zgh"' in body


def test_moroccan_formats_with_latin_digits(app):
    with app.test_request_context("/"):
        with force_locale("ar"):
            assert format_date(date(2026, 7, 14)) == "14 يوليوز 2026"  # Moroccan month names, Latin digits
            assert format_date(date(2026, 8, 3)) == "3 غشت 2026"
            assert all(ch in "0123456789.,\u200e\u200f\u00a0\u202f" for ch in format_number(12345.5))
        with force_locale("fr"):
            assert format_date(date(2026, 8, 3)) == "3 août 2026"
        with force_locale("zgh"):
            assert "ⵖⵓⵛⵜ" in format_date(date(2026, 8, 3))


def test_times_are_shown_in_casablanca_with_the_ramadan_change(app):
    # tzdata 2026f: UTC+1, UTC+0 during Ramadan (16 Feb – 22 Mar 2026), and UTC+0 for good from
    # 21 Sep 2026. The pinned tzdata package decides, not the machine's older zoneinfo.
    with app.test_request_context("/"), force_locale("fr"):
        assert "12:00" in format_datetime(datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc))
        assert "11:00" in format_datetime(datetime(2026, 3, 1, 11, 0, tzinfo=timezone.utc))
        assert "11:00" in format_datetime(datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc))


def test_messages_around_signing_in_and_out_are_in_the_right_persons_language(app, people):
    """Forms settle their language before the view (ecole/i18n): signing in or out changes whose it is.
    A person who reads Arabic signs in from a French browser and must choose their own password: told
    so in Arabic; once signed out, the visitor's browser is told in French."""
    from tests.factories import PASSWORD

    person = people.trainee
    person.locale, person.must_change_password = "ar", True
    db.session.commit()
    client = app.test_client()
    french = {"Accept-Language": "fr"}
    answer = post(client, "/login", {"identifier": person.email, "password": PASSWORD}, headers=french)
    assert answer.status_code == 302 and answer.location.endswith("/account/password")
    with force_locale("ar"):
        from flask_babel import gettext
        arabic = gettext("Choisissez votre propre mot de passe avant de continuer.")
    assert arabic != "Choisissez votre propre mot de passe avant de continuer."
    assert arabic in client.get("/account/password", headers=french).get_data(as_text=True)
    db.session.expire_all()
    person = db.session.get(User, person.id)
    person.must_change_password = False
    db.session.commit()
    answer = post(client, "/logout", headers=french)
    assert answer.status_code == 302
    assert "Vous êtes déconnecté." in client.get("/", headers=french).get_data(as_text=True)
