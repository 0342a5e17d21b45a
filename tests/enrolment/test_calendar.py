"""Calendars: one session's .ics and a person's secret feed, parsed back with icalendar."""
import re
from datetime import date, datetime, time, timezone

import pytest
from icalendar import Calendar

from ecole.enrolment import services
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions import services as session_services
from ecole.sessions.services import to_utc
from tests.factories import make_session, make_user
from tests.helpers import login, post

ZONE = "Africa/Casablanca"
TITLES = {"fr": "Le safran de Taliouine, de la plantation à la vente",
          "ar": "زعفران تالوين من الغرس إلى البيع",
          "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}
RAMADAN_DAY = date(2026, 3, 1)    # Morocco's clock is UTC+0 during Ramadan 2026 (tzdata 2026f)
ORDINARY_DAY = date(2026, 7, 15)  # … and UTC+1 between Ramadan and 21 Sep 2026
WRITTEN_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
FEED_URL = re.compile(r"/calendar/([A-Za-z0-9_-]+)\.ics")


def add_meeting(session, day, start, end, trainer, topic=""):
    # The clock-change days of 2026 are past now: schedule them as a trainer would have in January.
    meeting = session_services.add_meeting(session, to_utc(day, start), to_utc(day, end), topic=topic,
                                           actor=trainer, force=True, now=WRITTEN_AT)
    db.session.commit()
    return meeting


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, object]:
    found = [c for c in calendar.walk("VEVENT")]
    uids = [str(e["UID"]) for e in found]
    assert len(uids) == len(set(uids)), f"duplicate UIDs: {uids}"
    return {uid: e for uid, e in zip(uids, found)}


def by_meeting(calendar: Calendar, meeting) -> object:
    matches = [e for uid, e in events(calendar).items() if uid.startswith(f"meeting-{meeting.id}@")]
    assert len(matches) == 1, (meeting, list(events(calendar)))
    return matches[0]


def zone_name(value) -> str:
    tz = value.tzinfo
    return getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)


def assert_times(event, meeting) -> None:
    for prop, expected in (("DTSTART", meeting.starts_at), ("DTEND", meeting.ends_at)):
        value = event.decoded(prop)
        assert value.tzinfo is not None, (prop, value)
        assert zone_name(value) == ZONE, (prop, value.tzinfo)
        assert event[prop].params.get("TZID") == ZONE
        assert value == expected, (prop, value, expected)


def assert_timezone_present(calendar: Calendar) -> None:
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    assert ZONE in zones, zones


@pytest.fixture
def timetable(people, catalogue):
    """A published session with three meetings: one ordinary, one during Ramadan 2026, one after it."""
    session = make_session(people.trainer, days_ahead=30)
    ramadan = add_meeting(session, RAMADAN_DAY, time(9, 0), time(12, 0), people.trainer, topic="Émondage")
    ordinary = add_meeting(session, ORDINARY_DAY, time(9, 0), time(12, 30), people.trainer)
    return session, ramadan, ordinary


def test_to_utc_follows_moroccos_ramadan_clock(app):
    # The assumption the whole file rests on: 09:00 local is 09:00 UTC in Ramadan, 08:00 UTC otherwise.
    assert to_utc(RAMADAN_DAY, time(9, 0)).hour == 9
    assert to_utc(ORDINARY_DAY, time(9, 0)).hour == 8
    assert to_utc(ORDINARY_DAY, time(9, 0)).tzinfo is not None


def test_session_ics_has_every_meeting_on_moroccos_clock(client, timetable):
    session, ramadan, ordinary = timetable
    calendar = parse(client.get(f"/sessions/{session.id}/calendar.ics"))
    assert_timezone_present(calendar)
    found = events(calendar)
    assert len(found) == len(session.meetings) == 3
    for meeting in session.meetings:
        assert_times(by_meeting(calendar, meeting), meeting)

    during = by_meeting(calendar, ramadan).decoded("DTSTART")
    after = by_meeting(calendar, ordinary).decoded("DTSTART")
    # Wall clock 09:00 in both cases; UTC differs by the Ramadan hour.
    assert (during.hour, during.minute) == (9, 0) and during.date() == RAMADAN_DAY
    assert (after.hour, after.minute) == (9, 0) and after.date() == ORDINARY_DAY
    assert during.astimezone(timezone.utc).hour == 9
    assert after.astimezone(timezone.utc).hour == 8
    assert by_meeting(calendar, ordinary).decoded("DTEND").astimezone(timezone.utc).time() == time(11, 30)
    # As written in the file: local time with its zone, not UTC.
    raw = client.get(f"/sessions/{session.id}/calendar.ics").get_data(as_text=True)
    assert "DTSTART;TZID=Africa/Casablanca:20260301T090000" in raw
    assert "DTSTART;TZID=Africa/Casablanca:20260715T090000" in raw


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_session_ics_summary_is_the_course_title_in_the_asked_language(client, timetable, lang):
    session, ramadan, ordinary = timetable
    calendar = parse(client.get(f"/sessions/{session.id}/calendar.ics?lang={lang}"))
    summaries = {str(by_meeting(calendar, m)["SUMMARY"]) for m in session.meetings}
    assert all(s.startswith(TITLES[lang]) for s in summaries), summaries
    assert str(by_meeting(calendar, ramadan)["SUMMARY"]) == f"{TITLES[lang]} — Émondage"
    assert str(by_meeting(calendar, ordinary)["SUMMARY"]) == TITLES[lang]
    others = [title for code, title in TITLES.items() if code != lang]
    assert not any(other in summary for other in others for summary in summaries), summaries


def test_session_ics_of_a_draft_is_hidden(client, as_role, people, catalogue):
    draft = make_session(people.trainer, publish=False)
    assert client.get(f"/sessions/{draft.id}/calendar.ics").status_code == 404
    assert as_role("trainer").get(f"/sessions/{draft.id}/calendar.ics").status_code == 200


def feed_token(test_client, renew: bool = False) -> str:
    data = {"renew": "1"} if renew else {}
    response = post(test_client, "/me/calendar", data)
    assert response.status_code == 302
    page = test_client.get(response.headers["Location"]).get_data(as_text=True)
    match = FEED_URL.search(page)
    assert match, "the feed address is not shown"
    return match.group(1)


@pytest.fixture
def learner(people, catalogue):
    """A trainee (profile in Arabic) with a confirmed, an offered, a cancelled and a waitlisted enrolment."""
    trainer = people.trainer
    person = make_user("trainee", name="Khadija Amrani", email="khadija@example.org", locale="ar")
    confirmed = make_session(trainer, commune="Taliouine", days_ahead=20)
    services.enrol(confirmed, person, actor=person)
    # A meeting on a past Ramadan date (added after the enrolment: a session that has begun is closed).
    ramadan = add_meeting(confirmed, RAMADAN_DAY, time(9, 0), time(12, 0), trainer)

    offered = make_session(trainer, commune="Igherm", capacity=1, days_ahead=40)
    holder = make_user("trainee", name="Seat Holder", email="holder@example.org")
    held = services.enrol(offered, holder, actor=holder)
    services.enrol(offered, person, actor=person)
    services.cancel(held, actor=holder)  # the freed seat is offered to the person

    cancelled = make_session(trainer, commune="Askaoun", days_ahead=50)
    services.cancel(services.enrol(cancelled, person, actor=person), actor=person)

    full = make_session(trainer, commune="Tafraout", capacity=1, days_ahead=60)
    services.enrol(full, people.trainee, actor=people.trainee)
    services.enrol(full, person, actor=person)  # waitlisted
    db.session.commit()
    statuses = {s.id: db.session.scalar(db.select(Enrolment.status).where(
        Enrolment.session_id == s.id, Enrolment.user_id == person.id))
        for s in (confirmed, offered, cancelled, full)}
    assert statuses == {confirmed.id: "confirmed", offered.id: "offered", cancelled.id: "cancelled",
                        full.id: "waitlisted"}, statuses
    return person, {"confirmed": confirmed, "offered": offered, "cancelled": cancelled, "waitlisted": full,
                    "ramadan": ramadan}


def test_feed_holds_confirmed_and_offered_sessions_not_cancelled_ones(app, learner):
    person, sessions = learner
    browser = app.test_client()
    login(browser, person)
    token = feed_token(browser)
    calendar = parse(app.test_client().get(f"/calendar/{token}.ics"))  # no sign-in: calendar apps have none
    assert_timezone_present(calendar)
    found = events(calendar)
    expected = [m for key in ("confirmed", "offered") for m in sessions[key].meetings]
    assert len(found) == len(expected) == 3
    for meeting in expected:
        assert_times(by_meeting(calendar, meeting), meeting)
    shown = {str(e["URL"]).rsplit("/", 1)[-1] for e in found.values()}
    assert shown == {str(sessions["confirmed"].id), str(sessions["offered"].id)}
    for key in ("cancelled", "waitlisted"):
        for meeting in sessions[key].meetings:
            assert not any(uid.startswith(f"meeting-{meeting.id}@") for uid in found), key
    ramadan = by_meeting(calendar, sessions["ramadan"]).decoded("DTSTART")
    assert (ramadan.hour, ramadan.astimezone(timezone.utc).hour) == (9, 9)
    # In the person's language (their profile), whatever the calendar application asks.
    assert all(str(e["SUMMARY"]).startswith(TITLES["ar"]) for e in found.values())


def test_feed_address_is_stable_until_renewed_then_the_old_one_is_gone(app, learner):
    person, _sessions = learner
    browser, outsider = app.test_client(), app.test_client()
    login(browser, person)
    first = feed_token(browser)
    assert feed_token(browser) == first  # showing it again does not change it
    assert outsider.get(f"/calendar/{first}.ics").status_code == 200
    renewed = feed_token(browser, renew=True)
    assert renewed != first and len(renewed) >= 24
    assert outsider.get(f"/calendar/{first}.ics").status_code == 404
    assert outsider.get(f"/calendar/{renewed}.ics").status_code == 200


@pytest.mark.parametrize("token", ["unknown-token-0000000000000000", "x", "a" * 65, "%00", "..%2F..%2Fetc"])
def test_unknown_feed_token_is_404(client, learner, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_feed_of_a_deactivated_person_is_404(app, learner):
    person, _sessions = learner
    browser = app.test_client()
    login(browser, person)
    token = feed_token(browser)
    person = db.session.get(type(person), person.id)
    person.active = False
    db.session.commit()
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404


def test_feed_needs_a_signed_in_person_to_show_the_token(client):
    response = post(client, "/me/calendar")
    assert response.status_code in (302, 401, 403)
    assert not FEED_URL.search(client.get("/me/training").get_data(as_text=True))


def test_feed_uids_stay_unique_when_a_trainer_is_also_enrolled(app, people, catalogue):
    # A person may hold several roles: a trainer enrolled in a session they co-teach gets each meeting once.
    trainer = people.trainer
    session = make_session(trainer, days_ahead=25)
    services.enrol(session, trainer, actor=trainer)
    db.session.commit()
    browser = app.test_client()
    login(browser, trainer)
    calendar = parse(app.test_client().get(f"/calendar/{feed_token(browser)}.ics"))
    assert len(events(calendar)) == len(session.meetings)
