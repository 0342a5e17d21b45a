"""Language selection, direction and Moroccan formats."""
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale

from ecole.accounts.models import User
from ecole.extensions import db
from ecole.i18n import format_date, format_datetime, format_number
from tests.conftest import login


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


def test_signed_in_choice_goes_to_the_profile(client, people):
    login(client, people.trainee)
    client.get("/?lang=ar")
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).locale == "ar"
    other_device = client.application.test_client()
    login(other_device, people.trainee)
    assert html_lang(other_device.get("/account")) == ("ar", "rtl")


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
