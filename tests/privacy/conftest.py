"""A person with a history in every domain, built through the services as the application builds it:
Itto Ouhammou (names in three scripts, phone and e-mail, the Washington Group answers) completed a held
session (marks, assessment with a comment, validated result, a certificate), missed two meetings in a
row of another (notices to her and to her trainer, who is told her name), applied for a study trip
(motivation, an identity document with its file, a photo consent, a report entry, a photo of her with
someone else), is waiting for a later session, did a lesson, has a calendar feed and a pending
one-time code, and is named in the audit log by staff who wrote her name. The administration made a
workbook with names. Someone else, Lahcen Ait Baha, shares some of it: nothing of his must reach her
download, nor go with her erasure."""
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PIL import Image

from ecole.accounts import services as accounts
from ecole.attendance import evaluation
from ecole.attendance import services as attendance
from ecole.catalogue import services as catalogue_services
from ecole.catalogue.models import Lesson
from ecole.certificates import services as certificates
from ecole.enrolment import calendar
from ecole.enrolment import services as enrolment
from ecole.extensions import db
from ecole.reports import services as reports
from ecole.reports.indicators import Filters
from ecole.sessions import services as sessions
from ecole.trips import services as trips
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_held_session, make_session, make_trip, make_user

NAMES = {"latin": "Itto Ouhammou", "arabic": "إيطو أوحمو", "tifinagh": "ⵉⵟⵟⵓ ⵓⵃⵎⵎⵓ"}
PHONE, EMAIL = "0612345670", "itto.ouhammou@example.org"
# Everything that says who she is, as it may be written (the phone as typed and as stored).
IDENTIFYING = (*NAMES.values(), EMAIL, PHONE, "+212612345670", "612345670")
OTHER = {"latin": "Lahcen Ait Baha", "arabic": "لحسن آيت باها", "email": "lahcen.aitbaha@example.org", "phone": "0677001122"}


@dataclass
class History:
    itto: object
    other: object
    completed: object       # the session she completed
    missed: object          # the session whose meetings she missed
    trip: object
    upcoming: object        # a later session where she holds a seat
    certificate: object
    certificate_pdf: bytes
    code: str               # a one-time code handed to her
    programme_filters: Filters


def _picture() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (160, 120), "orange").save(data, "PNG")
    data.seek(0)
    return data


@pytest.fixture
def own_storage(app, tmp_path, monkeypatch):
    """A storage folder of this test's own, so that a scan of every stored file sees this test's files only."""
    from ecole.core.storage import FolderStorage

    folder = tmp_path / "storage"
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(folder))
    monkeypatch.setitem(app.extensions, "ecole.storage", FolderStorage(folder))
    return folder


@pytest.fixture
def history(people, catalogue, own_storage) -> History:  # noqa: F811
    admin, trainer = people.admin, people.trainer
    itto = make_user("trainee", name=NAMES["latin"], phone=PHONE, email=EMAIL, locale="ar", gender="f",
                       birth_year=1990, commune="Taliouine", audience="cooperative_member",
                       organisation="Coopérative Souktana du safran")
    accounts.update_profile(itto, {"name_arabic": NAMES["arabic"], "name_tifinagh": NAMES["tifinagh"]}, actor=admin)
    accounts.set_functioning(itto, {"seeing": 1, "walking": 3}, actor=itto)
    other = make_user("trainee", name=OTHER["latin"], phone=OTHER["phone"], email=OTHER["email"], gender="m",
                      birth_year=1970, commune="Askaoun", audience="farmer")
    accounts.update_profile(other, {"name_arabic": OTHER["arabic"]}, actor=admin)

    # A held session she completed, with an assessment whose comment names her, and its certificate.
    completed, (mine, his) = make_held_session(trainer, [itto, other])
    for meeting in completed.meetings:
        attendance.save_marks(meeting, {mine.id: "present", his.id: "late"}, actor=trainer)
    evaluation.record_assessment(mine, True, 16.5, f"{NAMES['latin']} explique bien la taille des bulbes.", actor=trainer)
    attendance.validate_results(completed, actor=trainer)
    db.session.commit()
    certificate = certificates.issue(mine, actor=admin)
    db.session.commit()
    from ecole.core.storage import get_storage

    certificate_pdf = get_storage().get(certificate.storage_key)

    # Two meetings missed in a row in another session: she and her trainer get a notice (his names her).
    missed, (absent, present) = make_held_session(trainer, [itto, other], commune="Askaoun")
    for meeting in missed.meetings[:2]:
        attendance.save_marks(meeting, {absent.id: "absent", present.id: "present"}, actor=trainer)
    sessions.cancel_meeting(missed, missed.meetings[2], f"{NAMES['latin']} et son groupe sont au souk", actor=admin)

    # A study trip: applied, selected, documents (one with its file), a report entry, a photo with Lahcen.
    trip = make_trip(trainer, seats=4, days_ahead=40)
    applied = trips.apply(trip.course_session, itto, "Je veux vendre notre safran sans intermédiaire.", actor=itto)
    trips.select_participant(applied, actor=admin)
    his_trip = trips.apply(trip.course_session, other, "Voir la coopérative.", actor=other)
    trips.select_participant(his_trip, actor=admin)
    trips.set_document(applied, "identity", "received", actor=trainer, filename="cin.png", stream=_picture())
    trips.set_document(applied, "photo_consent", "received", actor=trainer)
    trips.save_entry(trip.stops[0], itto, "ar", "تعلمت تحديد الثمن مع النساء.", "محل مشترك.", actor=itto)
    trips.add_photo(trip.stops[0], "safran.png", _picture(), caption=f"{NAMES['latin']} et Lahcen au séchage",
                    people=[itto, other], actor=trainer)

    # Waiting for a later session (her seat is given back when she is erased), a lesson, a calendar feed.
    upcoming = make_session(trainer, capacity=1, commune="Tafraout", days_ahead=20)
    enrolment.enrol(upcoming, itto, actor=itto)
    waiting = make_user("trainee", name="Said Waiting", email="said.waiting@example.org")
    enrolment.enrol(upcoming, waiting, actor=waiting)
    lesson = db.session.scalar(db.select(Lesson).where(Lesson.course_id == completed.course_id).limit(1))
    catalogue_services.mark_lesson(itto, lesson, True)
    calendar.feed_token(itto)
    code = accounts.issue_reset_code(itto, actor=admin)
    db.session.commit()

    # The administration's programme and a workbook with names.
    today = date.today()
    programme = reports.create_programme(
        {"code": "PRIV-2026", "titles": {"fr": "Programme"}, "funder": "Fondation", "starts_on": today - timedelta(days=90),
         "ends_on": today + timedelta(days=90)}, actor=admin)
    reports.set_sessions(programme, [completed.id, missed.id], actor=admin)
    filters = Filters(today - timedelta(days=90), today + timedelta(days=90), programme.id)
    reports.request_export(filters, "xlsx", "fr", with_names=True, actor=admin)
    db.session.commit()
    return History(itto=itto, other=other, completed=completed, missed=missed, trip=trip, upcoming=upcoming,
                   certificate=certificate, certificate_pdf=certificate_pdf, code=code, programme_filters=filters)
