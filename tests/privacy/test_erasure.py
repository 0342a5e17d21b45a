"""An administrator erases a person on request: she cannot sign in any more, by any way; her names, phone
and e-mail are in no row and no stored file; the pages that listed her show the placeholder; the funders'
counts do not change; her certificate still verifies, without a name and without its PDF. Two erasures at
once erase once."""
import io
import json
import subprocess
import zipfile

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.accounts.models import User
from ecole.certificates.models import Certificate
from ecole.core.audit import AuditEntry
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.privacy import services
from ecole.privacy.services import PrivacyError
from ecole.reports.indicators import compute
from tests.factories import PASSWORD
from tests.helpers import csrf_token, post, signed_in, submit
from tests.privacy.conftest import EMAIL, IDENTIFYING, NAMES, OTHER, PHONE

REASON = "Demande écrite remise au bureau de Taliouine le 3 mars"


def erase(app, admin, person, reason=REASON):
    return submit(signed_in(app, admin), f"/admin/users/{person.id}/erase",
                  {"reason": reason, "identity_checked": "y"})


def figures(filters) -> dict:
    """What the funders are given, names left aside."""
    report = compute(filters)
    return {"totals": report.totals, "tables": report.tables,
            "people": sorted((p.id, p.gender, p.birth_year, p.commune, p.audience, p.disability, p.minutes, p.completed,
                              p.first_day) for p in report.people.values())}


def found_in_rows(words) -> list[str]:
    """Every text and JSON value of every table that holds one of `words`."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                if isinstance(value, (dict, list)):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, str) and any(word in value for word in words):
                    found.append(f"{table.name}.{column}: {value[:120]}")
    return found


def text_of_file(path) -> str:
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8", "replace")


def found_in_files(folder, words) -> list[str]:
    return [str(path.relative_to(folder)) for path in sorted(folder.rglob("*")) if path.is_file()
            and any(word in text_of_file(path) for word in words)]


def test_an_erased_person_is_nowhere_and_the_funders_counts_do_not_change(app, history, people, own_storage):
    itto, admin = history.itto, people.admin
    before = figures(history.programme_filters)
    assert found_in_rows(IDENTIFYING) and found_in_files(own_storage, IDENTIFYING)  # the scans do see her
    certificate_key = history.certificate.storage_key

    response = erase(app, admin, itto)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{itto.id}")
    db.session.expire_all()

    assert found_in_rows(IDENTIFYING) == []
    assert found_in_files(own_storage, IDENTIFYING) == []
    assert not (own_storage / certificate_key).exists()
    assert not list(own_storage.glob(f"trips/{history.trip.session_id}/documents/*"))
    assert not list(own_storage.glob(f"trips/{history.trip.session_id}/photos/*"))
    assert figures(history.programme_filters) == before

    erased = db.session.get(User, itto.id)
    assert erased.erased_at is not None and not erased.active and erased.roles == set()
    assert (erased.gender, erased.birth_year, erased.commune, erased.audience) == ("f", 1990, "Taliouine", "cooperative_member")
    assert erased.functioning == {"summary": "yes"}  # a lot of difficulty walking: the disaggregation keeps it
    # Her seat in the session that has not begun went to the person waiting.
    upcoming = {e.user_id: e.status for e in db.session.scalars(
        db.select(Enrolment).where(Enrolment.session_id == history.upcoming.id))}
    assert upcoming[itto.id] == "cancelled" and "offered" in upcoming.values()
    # The one audit entry names the account, not the person.
    (entry,) = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
    assert (entry.target_type, entry.target_id, entry.actor_id, entry.details) == ("User", str(itto.id), admin.id,
                                                                                  {"reason": REASON})
    # Lahcen, who shared her sessions, her trip and a photo, keeps his data (but for that photo).
    lahcen = db.session.get(User, history.other.id)
    assert (lahcen.name_latin, lahcen.name_arabic, lahcen.email) == (OTHER["latin"], OTHER["arabic"], OTHER["email"])


def test_she_cannot_sign_in_again_in_any_way(app, history, people):
    itto = history.itto
    open_session = signed_in(app, itto)
    remembered = app.test_client()
    assert post(remembered, "/login", {"identifier": PHONE, "password": PASSWORD, "remember": "y"}).status_code == 302
    token = remembered.get_cookie("remember_token").value
    assert erase(app, people.admin, itto).status_code == 302

    assert open_session.get("/account").status_code == 302  # signed out of the session she had open
    cookie_only = app.test_client()
    cookie_only.set_cookie("remember_token", token)
    assert cookie_only.get("/account").status_code == 302  # and the remember cookie opens nothing
    for identifier in (PHONE, EMAIL, "+212612345670"):
        response = post(app.test_client(), "/login", {"identifier": identifier, "password": PASSWORD})
        assert response.status_code == 400 and "mot de passe incorrect" in response.get_data(as_text=True)
    response = post(app.test_client(), "/password/code",
                    {"identifier": PHONE, "code": history.code, "password": "un tout nouveau secret"})
    assert response.status_code == 400  # the code she was given works no more
    db.session.expire_all()
    assert db.session.get(User, itto.id).password_hash is None


def test_her_phone_and_email_are_free_for_a_new_account(app, history, people):
    from ecole.accounts.services import find_by_identifier, register_user

    erase(app, people.admin, history.itto)
    assert find_by_identifier(PHONE) is None and find_by_identifier(EMAIL) is None
    again = register_user({"name_latin": "Nouvelle Personne", "phone": PHONE, "email": EMAIL}, actor=people.admin).user
    db.session.commit()
    assert again.id != history.itto.id


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_pages_that_listed_her_show_the_placeholder(app, history, people, lang):
    itto = history.itto
    erase(app, people.admin, itto)
    with force_locale(lang):
        placeholder = _("Personne effacée n° %(id)s", id=itto.id)
    assert lang == "fr" or placeholder != f"Personne effacée n° {itto.id}"
    trainer, admin = signed_in(app, people.trainer), signed_in(app, people.admin)
    pages = [(trainer, f"/sessions/{history.completed.id}/roster"),
             (trainer, f"/sessions/{history.completed.id}/manage"),
             (trainer, f"/meetings/{history.completed.meetings[0].id}/register"),
             (trainer, f"/sessions/{history.completed.id}/results"),
             (trainer, f"/sessions/{history.completed.id}/events"),
             (admin, f"/reports/people?programme={history.programme_filters.programme_id}"),
             (admin, f"/admin/users?q={itto.id}"), (admin, "/admin/users"), (admin, f"/admin/users/{itto.id}"),
             (admin, f"/sessions/{history.completed.id}/certificates"), (admin, "/admin/certificates"),
             (admin, f"/certificates/{history.certificate.id}")]
    for client, url in pages:
        response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert not [word for word in IDENTIFYING if word in body], url
        if client is trainer:  # her empty phone and e-mail are not shown as "None"
            assert ">None<" not in body and " None " not in body, url
        if url != f"/admin/users?q={itto.id}":
            assert placeholder in body, url
    audit = admin.get(f"/admin/audit?lang={lang}").get_data(as_text=True)
    assert placeholder in audit and not [word for word in IDENTIFYING if word in audit]


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_her_certificate_says_the_holder_was_erased(app, history, people, lang):
    from ecole.certificates import credential, keys

    code = history.certificate.code
    erase(app, people.admin, history.itto)
    visitor = app.test_client()
    page = visitor.get(f"/verify/{code}?lang={lang}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    with force_locale(lang):
        said = _("Les données personnelles du titulaire ont été effacées à sa demande : son nom n’est plus affiché et "
                 "l’école ne garde plus le document PDF. Le certificat reste enregistré sous ce code ; le fichier que "
                 "la personne détient peut encore être vérifié.")
        erased = _("Données effacées")
    assert (lang == "fr") == (said.startswith("Les données"))
    assert said in body and erased in body and code in body
    assert not [word for word in IDENTIFYING if word in body]
    assert visitor.get(f"/verify/{code}.pdf?lang={lang}").status_code == 410
    signed = visitor.get(f"/verify/{code}.json").get_json()
    assert not [word for word in IDENTIFYING if word in json.dumps(signed, ensure_ascii=False)]
    assert [item["identityType"] for item in signed["credentialSubject"]["identifier"]] == ["emailAddress"]
    assert credential.verify(signed, keys.current_key().public)
    # The file she holds still checks out, from its SHA-256 alone.
    check = visitor.post("/verify/file", data={"csrf_token": csrf_token(visitor, "/verify"),
                                               "file": (io.BytesIO(history.certificate_pdf), "certificate.pdf")})
    assert check.status_code == 200 and f"/verify/{code}" in check.get_data(as_text=True)


def test_the_confirmation_page_says_what_goes_and_what_stays(app, history, people):
    page = signed_in(app, people.admin).get(f"/admin/users/{history.itto.id}/erase?lang=fr").get_data(as_text=True)
    for said in ("Ce qui est effacé", "Ce qui est gardé, sans nom", "1 photo où elle figure",
                 "2 inscriptions à des sessions qui n’ont pas commencé sont annulées", "1 certificat délivré",
                 "le genre, l’année de naissance, la commune, le public", f"Personne effacée n° {history.itto.id}"):
        assert said in page, said
    assert 'name="reason"' in page and 'name="identity_checked"' in page


@pytest.mark.parametrize("data, message", [
    ({"reason": "", "identity_checked": "y"}, "Ce champ est obligatoire."),
    ({"reason": REASON}, "Cochez cette case une fois la demande vérifiée."),
    ({"reason": f"Demande de {NAMES['latin']}", "identity_checked": "y"}, "La raison ne doit citer ni le nom"),
    ({"reason": "Demande par téléphone du 0612345670", "identity_checked": "y"}, "La raison ne doit citer ni le nom"),
])
def test_a_refused_erasure_says_why_and_changes_nothing(app, history, people, data, message):
    response = submit(signed_in(app, people.admin), f"/admin/users/{history.itto.id}/erase", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, history.itto.id).erased_at is None
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "privacy.erase")) is None


def test_nobody_erases_themselves_nor_the_last_administrator(app, history, people):
    admin = people.admin
    response = submit(signed_in(app, admin), f"/admin/users/{admin.id}/erase",
                      {"reason": REASON, "identity_checked": "y"})
    assert response.status_code == 400 and "Vous ne pouvez pas effacer votre propre compte." in response.get_data(as_text=True)
    other_admin = people.trainer
    from ecole.accounts.services import set_roles

    set_roles(other_admin, {"admin"}, actor=admin)
    admin.active = False  # the only other administrator is not one any more
    db.session.commit()
    with pytest.raises(PrivacyError, match="dernier administrateur"):
        services.erase_person(other_admin, REASON, actor=admin)


def test_an_erased_account_is_never_changed_again(app, history, people):
    from ecole.accounts import services as accounts
    from ecole.accounts.services import AccountError

    erase(app, people.admin, history.itto)
    itto = db.session.get(User, history.itto.id)
    for change in (lambda: accounts.update_profile(itto, {"phone": "0699887766"}, actor=people.admin),
                   lambda: accounts.set_roles(itto, {"trainee"}, actor=people.admin),
                   lambda: accounts.set_active(itto, True, actor=people.admin),
                   lambda: accounts.issue_reset_code(itto, actor=people.admin)):
        with pytest.raises(AccountError):
            change()
        db.session.rollback()
    admin = signed_in(app, people.admin)
    response = post(admin, f"/admin/users/{itto.id}/code")
    assert response.status_code == 302
    assert "ne peut plus être modifié" in admin.get(response.headers["Location"]).get_data(as_text=True)
    response = post(admin, f"/admin/users/{itto.id}/profile", {"name_latin": "Revenue", "phone": "0699887766"})
    assert response.status_code == 400 and "ne peut plus être modifié" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, itto.id).phone is None


def test_the_second_of_two_erasures_changes_nothing(app, history, people):
    erase(app, people.admin, history.itto)
    response = erase(app, people.admin, history.itto)
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "privacy.erase")) == 1


def test_two_administrators_erasing_at_once_erase_once(app, history, people):
    """A double submit, or two administrators at the same moment: one erasure, one audit entry, no error."""
    from tests.enrolment.test_concurrency import run_together

    url = f"/admin/users/{history.itto.id}/erase"
    devices = []
    for _number in range(2):
        client = signed_in(app, people.admin)
        devices.append((client, csrf_token(client, url)))
    statuses = run_together([lambda c=c, t=t: c.post(url, data={"csrf_token": t, "reason": REASON,
                                                                  "identity_checked": "y"}).status_code
                             for c, t in devices])
    assert statuses == [302, 302], statuses
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "privacy.erase")) == 1
    assert db.session.get(User, history.itto.id).erased_at is not None
    assert db.session.scalar(db.select(Certificate.holder_erased_at).where(Certificate.id == history.certificate.id))


def test_an_erased_trainer_is_printed_on_no_new_certificate(app, history, people):
    from ecole.certificates import services as certificates

    erase(app, people.admin, people.trainer)
    his = db.session.scalar(db.select(Enrolment).where(Enrolment.session_id == history.completed.id,
                                                       Enrolment.user_id == history.other.id))
    certificate = certificates.issue(his, actor=people.admin)
    db.session.commit()
    assert certificate.holder_latin == OTHER["latin"] and certificate.trainers == ""
    assert history.certificate.trainers == "Brahim Oubella"  # issued before his erasure: it never changes



def racing_the_erasure(app, monkeypatch, person: int, admin: int, action) -> str:
    """`action` (run as a POST request's, it raises ValueError when refused) starts while an
    administrator's erasure of `person` is halfway, its transaction open: what became of it."""
    import threading
    import time

    from ecole.enrolment import services as enrolment

    halfway, go = threading.Event(), threading.Event()
    forget = enrolment.forget_reasons

    def paused(user):  # the erasure has given back her seats and taken out her files: it waits here
        forget(user)
        halfway.set()
        go.wait(30)

    monkeypatch.setattr(enrolment, "forget_reasons", paused)
    outcome = []

    def erasing():
        with app.app_context():
            services.erase_person(db.session.get(User, person), REASON, actor=db.session.get(User, admin))
            db.session.commit()

    def acting():
        with app.test_request_context("/", method="POST"):  # as a form's request: SQLite's writer from the start
            try:
                action()
                db.session.commit()
                outcome.append("done")
            except ValueError:  # EnrolmentError, TripError
                db.session.rollback()
                outcome.append("refused")
            except Exception as error:  # noqa: BLE001 - what went wrong is the assertion's message
                outcome.append(repr(error))

    eraser = threading.Thread(target=erasing)
    eraser.start()
    assert halfway.wait(60)
    actor = threading.Thread(target=acting)
    actor.start()
    time.sleep(1)  # time enough to act, were nothing in the way
    go.set()
    eraser.join(60)
    actor.join(60)
    db.session.rollback()
    return outcome[0]


def test_an_enrolment_racing_with_the_erasure_leaves_her_no_seat(app, history, people, monkeypatch):
    """She enrols (or is enrolled) at the very moment an administrator erases her: the enrolment waits
    for the erasure and is refused. Never a live seat (PostgreSQL gave her one before enrol held her row)."""
    from ecole.enrolment import services as enrolment
    from ecole.sessions.models import CourseSession
    from tests.factories import make_session

    later = make_session(people.trainer, capacity=5, days_ahead=45, commune="Tata").id
    person, admin = history.itto.id, people.admin.id

    def enrol():
        enrolment.enrol(db.session.get(CourseSession, later), db.session.get(User, person),
                        actor=db.session.get(User, admin), walk_in=True)

    assert racing_the_erasure(app, monkeypatch, person, admin, enrol) == "refused"
    assert db.session.scalar(db.select(db.func.count()).select_from(Enrolment).where(
        Enrolment.user_id == person, Enrolment.session_id == later)) == 0


def test_a_trip_document_or_photo_racing_with_the_erasure_is_refused_and_leaves_no_file(app, history, people,
                                                                                       own_storage, monkeypatch):
    """Her identity card scanned, or a photo of her added, while she is erased: it waits and is refused;
    no row and no file of hers is left."""
    from ecole.trips import services as trips
    from ecole.trips.models import ReportPhoto, TripDocument, TripStop
    from tests.privacy.conftest import _picture

    person, admin, trainer = history.itto.id, people.admin.id, people.trainer.id
    application = db.session.scalar(db.select(Enrolment.id).where(Enrolment.user_id == person,
                                                                  Enrolment.session_id == history.trip.session_id))
    stop = history.trip.stops[0].id

    def scan():
        trips.set_document(db.session.get(Enrolment, application), "medical", "received",
                           actor=db.session.get(User, trainer), filename="certificat.png", stream=_picture())

    assert racing_the_erasure(app, monkeypatch, person, admin, scan) == "refused"
    assert db.session.scalar(db.select(db.func.count()).select_from(TripDocument).where(
        TripDocument.enrolment_id == application)) == 0
    assert not list(own_storage.rglob(f"{application}-medical-*"))
    with pytest.raises(trips.TripError):
        trips.add_photo(db.session.get(TripStop, stop), "safran.png", _picture(), people=[db.session.get(User, person)],
                        actor=db.session.get(User, trainer))
    with pytest.raises(trips.TripError):
        trips.save_entry(db.session.get(TripStop, stop), db.session.get(User, person), "fr", "Appris", "",
                         actor=db.session.get(User, person))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportPhoto)) == 0


def test_a_comment_on_her_written_while_she_is_erased_is_refused(app, history, people, monkeypatch):
    """The trainer assesses her, with a comment that names her, as she is erased: the comment waits and is
    refused (her result and score may still be written: the funders count them)."""
    from ecole.attendance import evaluation
    from ecole.attendance.models import Assessment

    person, admin, trainer = history.itto.id, people.admin.id, people.trainer.id
    theirs = db.session.scalar(db.select(Enrolment.id).where(Enrolment.user_id == person,
                                                             Enrolment.session_id == history.missed.id))

    def assess(comment: str):
        return lambda: evaluation.record_assessment(db.session.get(Enrolment, theirs), False, 8, comment,
                                                    actor=db.session.get(User, trainer))

    assert racing_the_erasure(app, monkeypatch, person, admin, assess(f"{NAMES['latin']} était absente")) == "refused"
    assert found_in_rows(IDENTIFYING) == []
    assess("")()
    db.session.commit()
    assert db.session.scalar(db.select(Assessment.score).where(Assessment.enrolment_id == theirs)) == 8


def test_absences_marked_while_she_is_erased_tell_nobody_her_name(app, history, people, monkeypatch):
    """Her second absence in a row is marked as she is erased: the marks are kept, and no notice names her
    to her trainer (on PostgreSQL one did, after the erasure had taken out the others)."""
    from ecole.attendance import services as attendance
    from ecole.sessions.models import Meeting
    from tests.factories import make_held_session

    held, (theirs,) = make_held_session(people.trainer, [history.itto], commune="Tata")
    meetings, person, admin, trainer = [m.id for m in held.meetings[:2]], history.itto.id, people.admin.id, people.trainer.id
    theirs = theirs.id
    db.session.commit()

    def mark():
        for meeting in meetings:
            attendance.save_marks(db.session.get(Meeting, meeting), {theirs: "absent"}, actor=db.session.get(User, trainer))

    assert racing_the_erasure(app, monkeypatch, person, admin, mark) == "done"
    assert found_in_rows(IDENTIFYING) == []
    from ecole.attendance.models import AttendanceMark
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceMark).where(
        AttendanceMark.enrolment_id == theirs, AttendanceMark.status == "absent")) == 2


@pytest.mark.parametrize("change", ["her profile", "her account switched on"])
def test_a_change_to_her_account_while_she_is_erased_does_not_bring_her_back(app, history, people, monkeypatch, change):
    """She saves her profile (her names, her phone) or an administrator switches her account on as she is
    erased: the change waits and is refused; the erased row stays erased (on PostgreSQL the update wrote
    her names back over the erasure)."""
    from ecole.accounts import services as accounts
    from ecole.accounts.services import AccountError

    person, admin = history.itto.id, people.admin.id

    def act():
        her = db.session.get(User, person)
        if change == "her profile":
            accounts.update_profile(her, {"name_latin": NAMES["latin"], "phone": PHONE}, actor=her)
        else:
            accounts.set_active(her, True, actor=db.session.get(User, admin))

    assert issubclass(AccountError, ValueError)
    assert racing_the_erasure(app, monkeypatch, person, admin, act) == "refused"
    her = db.session.get(User, person)
    assert her.erased_at is not None and (her.phone, her.email, her.active) == (None, None, False)
    assert found_in_rows(IDENTIFYING) == []
