"""The route × role table: every registered route, who may use it, and how to build its URL.

A new route without an entry here makes tests/core/test_access.py fail: decide who may use it.
"""
from dataclasses import dataclass, field
from typing import Callable

EVERYONE = frozenset({"anonymous", "trainee", "trainer", "admin"})
SIGNED_IN = frozenset({"trainee", "trainer", "admin"})
STAFF = frozenset({"trainer", "admin"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Route:
    allowed: frozenset
    url: Callable[[dict], str]                 # world → URL (world holds the ids the URL needs)
    data: Callable[[dict], dict] = field(default=lambda world: {})  # a valid POST body, for POST routes
    crawl: bool = True                         # the crawler visits it with GET


def fixed(path: str) -> Callable[[dict], str]:
    return lambda world: path


# endpoint → {method: Route}
ROUTES: dict[str, dict[str, Route]] = {
    "static": {"GET": Route(EVERYONE, fixed("/static/css/ecole.css"), crawl=False)},
    "main.home": {"GET": Route(EVERYONE, fixed("/"))},
    "main.healthz": {"GET": Route(EVERYONE, fixed("/healthz"), crawl=False)},
    # Prometheus's page: the test client comes from 127.0.0.1, an allowed address (tests/core/test_metrics.py).
    "main.metrics": {"GET": Route(EVERYONE, fixed("/metrics"), crawl=False)},
    # The installable web app (ecole/main/offline_views.py): not HTML pages, except the offline page.
    "offline.manifest": {"GET": Route(EVERYONE, fixed("/manifest.webmanifest"), crawl=False)},
    "offline.service_worker": {"GET": Route(EVERYONE, fixed("/sw.js"), crawl=False)},
    "offline.offline_page": {"GET": Route(EVERYONE, fixed("/offline"), crawl=False)},
    "offline.saved_lessons": {"GET": Route(EVERYONE, fixed("/offline/lessons"), crawl=False)},
    "auth.login": {
        "GET": Route(EVERYONE, fixed("/login")),
        "POST": Route(EVERYONE, fixed("/login"), lambda w: {"identifier": "nobody@example.org", "password": "x"}),
    },
    "auth.logout": {"POST": Route(SIGNED_IN, fixed("/logout"))},
    "auth.register": {
        "GET": Route(EVERYONE, fixed("/register")),
        "POST": Route(EVERYONE, fixed("/register"), lambda w: {"name_latin": "Nouvelle Personne"}),
    },
    "auth.forgot_password": {
        "GET": Route(EVERYONE, fixed("/password/forgot")),
        "POST": Route(EVERYONE, fixed("/password/forgot"), lambda w: {"identifier": "nobody@example.org"}),
    },
    "auth.redeem_code": {
        "GET": Route(EVERYONE, fixed("/password/code")),
        "POST": Route(EVERYONE, fixed("/password/code"), lambda w: {"identifier": "x", "code": "1"}),
    },
    "account.profile": {
        "GET": Route(SIGNED_IN, fixed("/account")),
        "POST": Route(SIGNED_IN, fixed("/account"), lambda w: {"name_latin": ""}),
    },
    "account.language": {"POST": Route(SIGNED_IN, fixed("/account/language"),
                                       lambda w: {"lang": "ar", "next": "/account"})},
    "account.password": {
        "GET": Route(SIGNED_IN, fixed("/account/password")),
        "POST": Route(SIGNED_IN, fixed("/account/password"), lambda w: {"current": "wrong"}),
    },
    "people.register_person": {
        "GET": Route(STAFF, fixed("/people/new")),
        "POST": Route(STAFF, fixed("/people/new"), lambda w: {"name_latin": "Personne Inscrite", "phone": "0698765432",
                                                              "audience": "farmer", "locale": "ar"}),
    },
    "admin.dashboard": {"GET": Route(ADMIN, fixed("/admin/"))},
    "admin.users": {"GET": Route(ADMIN, fixed("/admin/users"))},
    "admin.user": {"GET": Route(ADMIN, lambda w: f"/admin/users/{w['trainee_id']}")},
    "admin.user_roles": {"POST": Route(ADMIN, lambda w: f"/admin/users/{w['trainee_id']}/roles",
                                       lambda w: {"roles": ["trainee", "trainer"]})},
    "admin.user_profile": {"POST": Route(ADMIN, lambda w: f"/admin/users/{w['other_id']}/profile",
                                         lambda w: {"name_latin": "Ahmed Boukhris", "email": "other@example.org",
                                                    "audience": "farmer", "locale": "ar"})},
    "admin.user_active": {"POST": Route(ADMIN, lambda w: f"/admin/users/{w['other_id']}/active")},
    "admin.user_code": {"POST": Route(ADMIN, lambda w: f"/admin/users/{w['other_id']}/code")},
    "admin.audit_log": {"GET": Route(ADMIN, fixed("/admin/audit"))},
    # Personal data (ecole/privacy/): a person's own page and download; an administrator's download for
    # a person and the erasure of a person on request (of "other", whom no other route's world needs).
    "privacy.my_data": {"GET": Route(SIGNED_IN, fixed("/account/data"))},
    "privacy.download_mine": {"POST": Route(SIGNED_IN, fixed("/account/data/download"), lambda w: {"format": "json"})},
    "privacy.person_data": {"POST": Route(ADMIN, lambda w: f"/admin/users/{w['other_id']}/data",
                                          lambda w: {"format": "json"})},
    "privacy.erase": {"GET": Route(ADMIN, lambda w: f"/admin/users/{w['other_id']}/erase"),
                      "POST": Route(ADMIN, lambda w: f"/admin/users/{w['other_id']}/erase",
                                    lambda w: {"reason": "Demande écrite remise le 3 mars", "identity_checked": "y"})},
    # Catalogue: open to read by anyone; progress for signed-in people.
    "catalogue.index": {"GET": Route(EVERYONE, fixed("/courses"))},
    "catalogue.course": {"GET": Route(EVERYONE, fixed("/courses/saffron-basics"))},
    "catalogue.lesson": {"GET": Route(EVERYONE, fixed("/courses/saffron-basics/lessons/bulbes"))},
    "catalogue.mark_done": {"POST": Route(SIGNED_IN, fixed("/courses/saffron-basics/lessons/bulbes/done"),
                                          lambda w: {"done": "1"})},
    "catalogue.offline_pack": {"GET": Route(SIGNED_IN, fixed("/courses/saffron-basics/offline.json"), crawl=False)},
    "catalogue.handout": {"GET": Route(EVERYONE, fixed("/courses/saffron-basics/handout.pdf"), crawl=False)},
    # Catalogue administration
    "admin_catalogue.courses": {"GET": Route(ADMIN, fixed("/admin/courses"))},
    "admin_catalogue.course_new": {
        "GET": Route(ADMIN, fixed("/admin/courses/new")),
        "POST": Route(ADMIN, fixed("/admin/courses/new"), lambda w: {"slug": "new-course", "action": "preview"}),
    },
    "admin_catalogue.course_edit": {
        "GET": Route(ADMIN, fixed("/admin/courses/saffron-basics/edit")),
        "POST": Route(ADMIN, fixed("/admin/courses/saffron-basics/edit"), lambda w: {"action": "preview"}),
    },
    "admin_catalogue.course_publish": {"POST": Route(ADMIN, fixed("/admin/courses/draft-course/publish"))},
    "admin_catalogue.lesson_new": {
        "GET": Route(ADMIN, fixed("/admin/courses/saffron-basics/lessons/new")),
        "POST": Route(ADMIN, fixed("/admin/courses/saffron-basics/lessons/new"), lambda w: {"key": "x"}),
    },
    "admin_catalogue.lesson_edit": {
        "GET": Route(ADMIN, fixed("/admin/courses/saffron-basics/lessons/bulbes/edit")),
        "POST": Route(ADMIN, fixed("/admin/courses/saffron-basics/lessons/bulbes/edit"), lambda w: {"key": "bulbes"}),
    },
    "admin_catalogue.lesson_delete": {"POST": Route(ADMIN, fixed("/admin/courses/saffron-basics/lessons/cueillette/delete"))},
    # Sessions and enrolment
    "sessions.show": {"GET": Route(EVERYONE, lambda w: f"/sessions/{w['session']}")},
    "sessions.enrol": {"POST": Route(SIGNED_IN, lambda w: f"/sessions/{w['other_session']}/enrol")},
    "sessions.session_calendar": {"GET": Route(EVERYONE, lambda w: f"/sessions/{w['session']}/calendar.ics", crawl=False)},
    "sessions.mine": {"GET": Route(STAFF, fixed("/sessions/mine"))},
    "sessions.new": {
        "GET": Route(STAFF, fixed("/sessions/new")),
        "POST": Route(STAFF, fixed("/sessions/new"), lambda w: {"commune": ""}),
    },
    "sessions.edit": {
        "GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/edit"),
        "POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/edit", lambda w: {"commune": ""}),
    },
    "sessions.manage": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/manage")},
    "sessions.add_meeting": {"POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/meetings",
                                           lambda w: {"day": "2031-05-04", "start": "09:00", "end": "08:00"})},
    "sessions.delete_meeting": {"POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/meetings/{w['meeting']}/delete")},
    "sessions.publish": {"POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/publish")},
    "sessions.complete": {"GET": Route(STAFF, lambda w: f"/sessions/{w['other_session']}/complete"),
                          "POST": Route(STAFF, lambda w: f"/sessions/{w['other_session']}/complete")},
    "sessions.cancel": {"POST": Route(STAFF, lambda w: f"/sessions/{w['other_session']}/cancel",
                                      lambda w: {"reason": "Route coupée par la neige"})},
    "sessions.walk_in": {"POST": Route(STAFF, lambda w: f"/sessions/{w['other_session']}/walk-in",
                                       lambda w: {"identifier": "asking@example.org"})},
    "rosters.roster": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/roster")},
    "rosters.roster_csv": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/roster.csv", crawl=False)},
    "rosters.roster_pdf": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/roster.pdf", crawl=False)},
    "sessions.events": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/events")},
    "sessions.cancel_meeting": {"POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/meetings/{w['meeting']}/cancel",
                                              lambda w: {"reason": "Route coupée"})},
    # --- attendance: registers, results, a person's own attendance, completion rules ---
    "attendance.register": {"GET": Route(STAFF, lambda w: f"/meetings/{w['meeting']}/register")},
    "attendance.save_register": {"POST": Route(STAFF, lambda w: f"/meetings/{w['meeting']}/register",
                                               lambda w: {f"mark-{w['enrolment']}": "present"})},
    "attendance.lock_register": {"POST": Route(STAFF, lambda w: f"/meetings/{w['meeting']}/register/lock")},
    "attendance.unlock_register": {"POST": Route(ADMIN, lambda w: f"/meetings/{w['meeting']}/register/unlock",
                                                 lambda w: {"reason": "Erreur de saisie"})},
    "attendance.register_history": {"GET": Route(STAFF, lambda w: f"/meetings/{w['meeting']}/register/history")},
    "attendance.results": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/results")},
    "attendance.validate_results": {"POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/results/validate")},
    "attendance.unlock_results": {"POST": Route(ADMIN, lambda w: f"/sessions/{w['session']}/results/unlock",
                                                lambda w: {"reason": "Erreur de saisie"})},
    "attendance.my_attendance": {"GET": Route(SIGNED_IN, lambda w: f"/training/{w['enrolment']}/attendance")},
    "attendance.completion_rule": {
        "GET": Route(ADMIN, lambda w: f"/admin/courses/{w['course']}/completion"),
        "POST": Route(ADMIN, lambda w: f"/admin/courses/{w['course']}/completion",
                      lambda w: {"min_attendance": "75", "absence_streak": "2", "requires_trip": "y"})},
    "attendance.my_meetings": {"GET": Route(STAFF, fixed("/meetings/mine"))},
    "attendance.my_registers": {"GET": Route(STAFF, fixed("/meetings/mine/registers.json"), crawl=False)},
    "attendance.sync_marks": {"POST": Route(STAFF, fixed("/attendance/sync"))},
    "attendance.decide_review": {"POST": Route(STAFF, lambda w: f"/mark-reviews/{w['review']}/reject")},
    "main.csrf_token": {"GET": Route(SIGNED_IN, fixed("/csrf-token"), crawl=False)},
    # --- end of attendance ---
    "training.my_training": {"GET": Route(SIGNED_IN, fixed("/me/training"))},
    "training.calendar_feed": {"POST": Route(SIGNED_IN, fixed("/me/calendar"))},
    "training.feed": {"GET": Route(EVERYONE, lambda w: f"/calendar/{w['token']}.ics", crawl=False)},
    "training.restore_enrolment": {"POST": Route(frozenset({"trainee"}), lambda w: f"/enrolments/{w['enrolment']}/restore")},
    "training.cancel_enrolment": {"GET": Route(SIGNED_IN, lambda w: f"/enrolments/{w['enrolment']}/cancel"),
                                  "POST": Route(SIGNED_IN - {"anonymous"}, lambda w: f"/enrolments/{w['enrolment']}/cancel",
                                                lambda w: {"reason": "Absent"})},
    "training.accept_offer": {"POST": Route(frozenset({"trainee"}), lambda w: f"/enrolments/{w['offered']}/accept")},
    "decisions.approve": {"POST": Route(STAFF, lambda w: f"/enrolments/{w['requested']}/approve")},
    "decisions.reject": {"POST": Route(STAFF, lambda w: f"/enrolments/{w['requested']}/reject",
                                      lambda w: {"reason": "Session réservée aux coopératives"})},
    "decisions.promote": {"POST": Route(STAFF, lambda w: f"/enrolments/{w['waitlisted']}/promote")},
    "decisions.queue": {"GET": Route(STAFF, fixed("/admin/enrolments"))},
    "notifications.index": {"GET": Route(SIGNED_IN, fixed("/notifications"))},
    "notifications.mark_read": {"POST": Route(SIGNED_IN, fixed("/notifications/read"))},
    "notifications.calls": {"GET": Route(STAFF, fixed("/calls"))},
    "notifications.call_done": {"POST": Route(STAFF, lambda w: f"/calls/{w['call']}/done")},
    # --- Attendance: assessments and the satisfaction questionnaire (evaluation blueprint) ---
    "evaluation.assessments": {
        "GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/assessments"),
        "POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/assessments",
                      lambda w: {f"passed_{w['enrolment']}": "1", f"score_{w['enrolment']}": "14,5"}),
    },
    # Anyone signed in gets the page; it says whether the questionnaire is theirs and open.
    "evaluation.survey_page": {
        "GET": Route(SIGNED_IN, lambda w: f"/sessions/{w['session']}/survey"),
        "POST": Route(SIGNED_IN, lambda w: f"/sessions/{w['session']}/survey", lambda w: {"useful": "4"}),
    },
    "evaluation.survey_results": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/survey/results")},
    # --- end of assessments and questionnaire ---
    "admin_catalogue.themes": {
        "GET": Route(ADMIN, fixed("/admin/themes")),
        "POST": Route(ADMIN, fixed("/admin/themes"), lambda w: {"code": "water_boards", "title_fr": "Eau"}),
    },
    # --- attendance: sign-in sheets and their scans (ecole/attendance/sheet_views.py) -------------
    "sheets.meeting_sheet": {"GET": Route(STAFF, lambda w: f"/meetings/{w['meeting']}/sign-in-sheet.pdf", crawl=False)},
    "sheets.session_sheet": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/sign-in-sheet.pdf", crawl=False)},
    "sheets.session_scans": {"GET": Route(STAFF, lambda w: f"/sessions/{w['session']}/scans"),
                             "POST": Route(STAFF, lambda w: f"/sessions/{w['session']}/scans")},
    "sheets.choose_meeting": {"POST": Route(STAFF, lambda w: f"/scan-pages/{w['scan_page']}/meeting",
                                            lambda w: {f"page-{w['scan_page']}-meeting": str(w["meeting"])})},
    "sheets.scan_page": {"GET": Route(STAFF, lambda w: f"/scan-pages/{w['scan_page']}", crawl=False)},
    "sheets.scan_original": {"GET": Route(STAFF, lambda w: f"/scans/{w['scan']}/original", crawl=False)},
    # --- end of attendance: sign-in sheets and scans ------------------------------------------------
    # --- study trips (ecole/trips/views.py): w["trip"] is a published trip of people.trainer whose
    # participant is people.trainee, with a published report ----------------------------------------
    "trips.details": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip"),
                      "POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip", lambda w: {"purpose_fr": "Voir"})},
    "trips.itinerary": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/itinerary")},
    "trips.add_stop": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/stops", lambda w: {
        "day": w["trip_day"], "start": "09:00", "end": "11:00", "commune": "Tiznit", "place": "Coopérative"})},
    "trips.edit_stop": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/stops/{w['trip_stop']}"),
                        "POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/stops/{w['trip_stop']}", lambda w: {
                            "day": w["trip_day"], "start": "09:00", "end": "11:00", "commune": "Tiznit", "place": "Souk"})},
    "trips.delete_stop": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/stops/{w['trip_stop_2']}/delete")},
    "trips.logistics": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/logistics")},
    "trips.add_vehicle": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/vehicles",
                                        lambda w: {"vehicle-label": "Voiture", "vehicle-seats": "4"})},
    "trips.add_funding": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/funding",
                                        lambda w: {"funding-funder": "Région", "funding-amount": "5000"})},
    "trips.add_contact": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/contacts",
                                        lambda w: {"contact-name": "Said", "contact-phone": "0612121212"})},
    "trips.delete_part": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/contacts/{w['trip_contact']}/delete")},
    "trips.apply": {"GET": Route(SIGNED_IN, lambda w: f"/sessions/{w['open_trip']}/apply"),
                    "POST": Route(SIGNED_IN, lambda w: f"/sessions/{w['open_trip']}/apply", lambda w: {"motivation": "Apprendre"})},
    "trips.participants": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/participants")},
    "trips.apply_for": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/apply-for",
                                      lambda w: {"for-identifier": "other@example.org", "for-motivation": "Dit au téléphone"})},
    "trips.decide": {"POST": Route(ADMIN, lambda w: f"/sessions/{w['trip']}/trip/applications/{w['trip_request']}/select")},
    "trips.ride": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/participants/{w['trip_participant']}/ride",
                                 lambda w: {f"ride-{w['trip_participant']}-vehicle": str(w["trip_vehicle"])})},
    "trips.documents": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/documents")},
    "trips.set_document": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/documents/{w['trip_participant']}",
                                         lambda w: {f"doc-{w['trip_participant']}-kind": "medical",
                                                    f"doc-{w['trip_participant']}-status": "received"})},
    "trips.document_file": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/documents/file/{w['trip_document']}",
                                         crawl=False)},
    "trips.road_book": {"GET": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/road-book.pdf", crawl=False)},
    "trips.report_edit": {"GET": Route(SIGNED_IN, lambda w: f"/sessions/{w['trip']}/trip/report")},
    "trips.save_entry": {"POST": Route(SIGNED_IN, lambda w: f"/sessions/{w['trip']}/trip/report/{w['trip_stop']}", lambda w: {
        f"stop-{w['trip_stop']}-language": "ar", f"stop-{w['trip_stop']}-learnt": "تعلمنا"})},
    "trips.add_photo": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/photos")},
    "trips.delete_photo": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/photos/{w['trip_photo']}/delete")},
    "trips.publish": {"POST": Route(STAFF, lambda w: f"/sessions/{w['trip']}/trip/report/unpublish")},
    "trips.report": {"GET": Route(EVERYONE, lambda w: f"/trips/{w['trip']}")},
    "trips.report_pdf": {"GET": Route(EVERYONE, lambda w: f"/trips/{w['trip']}/report.pdf", crawl=False)},
    "trips.photo": {"GET": Route(EVERYONE, lambda w: f"/trips/{w['trip']}/photos/{w['trip_photo']}.jpg", crawl=False)},
    # --- end of study trips ---------------------------------------------------------------------------
    # --- certificates: public verification (ecole/certificates/views.py) ----------------------------------
    "certificates.verify_index": {"GET": Route(EVERYONE, fixed("/verify"))},
    "certificates.verify": {"GET": Route(EVERYONE, lambda w: f"/verify/{w['certificate']}")},
    "certificates.verify_pdf": {"GET": Route(EVERYONE, lambda w: f"/verify/{w['certificate']}.pdf", crawl=False)},
    "certificates.check_file": {"POST": Route(EVERYONE, fixed("/verify/file"))},
    "certificates.verify_json": {"GET": Route(EVERYONE, lambda w: f"/verify/{w['certificate']}.json", crawl=False)},
    "certificates.issuer": {"GET": Route(EVERYONE, fixed("/issuer.json"), crawl=False)},
    "certificates.session_certificates": {"GET": Route(ADMIN, lambda w: f"/sessions/{w['certified_session']}/certificates")},
    "certificates.issue_session": {"POST": Route(ADMIN, lambda w: f"/sessions/{w['certified_session']}/certificates")},
    "certificates.issue_one": {"POST": Route(ADMIN, lambda w: f"/enrolments/{w['uncertified']}/certificate")},
    "certificates.register": {"GET": Route(ADMIN, fixed("/admin/certificates"))},
    "certificates.manage": {"GET": Route(ADMIN, lambda w: f"/certificates/{w['certificate_id']}")},
    "certificates.change": {"POST": Route(ADMIN, lambda w: f"/certificates/{w['certificate_id']}/revoke",
                                          lambda w: {"revoke-reason": "Délivré par erreur"})},
    "certificates.mine": {"GET": Route(SIGNED_IN, fixed("/me/certificates"))},
    "certificates.design": {"GET": Route(ADMIN, fixed("/admin/certificates/design")),
                            "POST": Route(ADMIN, fixed("/admin/certificates/design"), lambda w: {"kind": "logo"})},
    "certificates.remove_asset": {"POST": Route(ADMIN, lambda w: f"/admin/certificates/design/{w['asset']}/delete")},
    "certificates.asset_image": {"GET": Route(ADMIN, lambda w: f"/admin/certificates/design/{w['asset']}.png", crawl=False)},
    # Reports (issue 13): figures for staff (small cells hidden for trainers), names for administrators.
    "reports.dashboard": {"GET": Route(STAFF, fixed("/reports"))},
    "reports.people": {"GET": Route(ADMIN, lambda w: f"/reports/people?programme={w['programme']}")},
    "reports.table_csv": {"GET": Route(STAFF, lambda w: f"/reports/sex.csv?programme={w['programme']}", crawl=False)},
    "reports.export": {"POST": Route(STAFF, lambda w: f"/reports/exports?programme={w['programme']}",
                                     lambda w: {"format": "xlsx"})},
    "reports.export_status": {"GET": Route(STAFF, lambda w: f"/reports/exports/{w['report_export']}")},
    "reports.export_download": {"GET": Route(STAFF, lambda w: f"/reports/exports/{w['report_export']}/download",
                                             crawl=False)},
    "reports.programmes": {"GET": Route(ADMIN, fixed("/admin/programmes"))},
    "reports.programme": {"GET": Route(ADMIN, lambda w: f"/admin/programmes/{w['programme']}"),
                          "POST": Route(ADMIN, lambda w: f"/admin/programmes/{w['programme']}", lambda w: {"code": ""})},
}


class LazyWorld(dict):
    """A world whose parts are built when a URL first asks for one of their ids: the hooks run in
    order until the id is there. The route table's tests build a world per case (over a thousand):
    most routes need only the first parts."""

    def __init__(self, people, base: dict):
        super().__init__(base)
        self._people, self._pending = people, list(WORLD_HOOKS)

    def __missing__(self, key):
        while self._pending:
            self.update(self._pending.pop(0)(self._people))
            if dict.__contains__(self, key):
                return dict.__getitem__(self, key)
        raise KeyError(key)


def world_for(people, *, lazy: bool = False) -> dict:
    """The ids the URLs above need, built on the `people` fixture (more are added by later domains).
    `lazy`: parts are built when first asked for (read every URL and body before taking a snapshot)."""
    from tests.factories import make_user

    other = make_user("trainee", name="Ahmed Boukhris", email="other@example.org")
    base = {"trainee_id": people.trainee.id, "other_id": other.id}
    if lazy:
        return LazyWorld(people, base)
    for hook in WORLD_HOOKS:
        base.update(hook(people))
    return base


def _catalogue(people) -> dict:
    from tests.catalogue.conftest import load_fixture_catalogue

    load_fixture_catalogue()
    return {}


def _sessions(people) -> dict:
    from ecole.enrolment import calendar, services
    from ecole.extensions import db
    from ecole.notifications.models import Notification
    from tests.factories import make_session, make_user

    session = make_session(people.trainer, capacity=2)
    other = make_session(people.trainer, capacity=5, commune="Askaoun")
    mine = services.enrol(session, people.trainee, actor=people.trainee)
    waiting = make_user("trainee", name="Said Waiting", phone="0611111111", email=None)
    filler = make_user("trainee", name="Filler", email="filler@example.org")
    services.enrol(session, filler, actor=filler)
    queued = services.enrol(session, waiting, actor=waiting)  # full: waitlisted
    approval = make_session(people.trainer, capacity=5, commune="Tafraout", requires_approval=True)
    asking = make_user("trainee", name="Asking Person", email="asking@example.org")
    request = services.enrol(approval, asking, actor=asking)
    offered_session = make_session(people.trainer, capacity=1, commune="Igherm")
    holder = make_user("trainee", name="Seat Holder", email="holder@example.org")
    held = services.enrol(offered_session, holder, actor=holder)
    offered = services.enrol(offered_session, people.trainee, actor=people.trainee)
    services.cancel(held, actor=holder)  # the seat goes to the trainee as an offer
    token = calendar.feed_token(people.trainee)
    call = db.session.scalar(db.select(Notification).where(Notification.user_id == waiting.id))
    db.session.commit()
    return {"session": session.id, "other_session": other.id, "meeting": session.meetings[0].id,
            "enrolment": mine.id, "waitlisted": queued.id, "requested": request.id, "offered": offered.id,
            "token": token, "call": call.id, "course": session.course_id}


# --- attendance: sign-in sheets and scans --------------------------------------------------------
def _sheet_scans(people) -> dict:
    """A scan of one blank page (no code: "unread") for the first session of _sessions."""
    import io

    from PIL import Image

    from ecole.attendance import scans
    from ecole.extensions import db
    from ecole.sessions.models import CourseSession

    course_session = db.session.scalar(db.select(CourseSession).order_by(CourseSession.id).limit(1))
    blank = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(blank, "PNG")
    scan = scans.upload_scan(course_session, "blank.png", io.BytesIO(blank.getvalue()), actor=people.trainer)
    db.session.commit()
    return {"scan": scan.id, "scan_page": scan.pages[0].id}
# --- end of attendance: sign-in sheets and scans ---------------------------------------------------


def _offline(people) -> dict:
    """A held meeting whose locked register got a mark from an offline phone: a review to decide."""
    from ecole.attendance import services, sync
    from ecole.extensions import db
    from tests.factories import make_held_session, make_user

    course_session, (enrolment,) = make_held_session(
        people.trainer, [make_user("trainee", name="Hors Ligne", email="offline@example.org")], meetings=((1, 9, 11),))
    meeting = course_session.meetings[0]
    services.everyone_present(meeting, actor=people.trainer)
    services.lock_register(meeting, actor=people.trainer)
    sync.sync_marks([{"client_id": "route-table-review", "meeting": meeting.id, "enrolment": enrolment.id,
                      "status": "late", "marked_at": "2026-01-01T09:30:00+01:00"}], actor=people.trainer)
    db.session.commit()
    return {"review": db.session.scalar(db.select(sync.MarkReview.id))}


def _trips(people) -> dict:
    """A published trip of people.trainer: people.trainee selected (with a document on file), someone
    else's application waiting, a report entry, a photo of nobody, and the report published."""
    import io
    from datetime import date, timedelta

    from PIL import Image

    from ecole.extensions import db
    from ecole.trips import services
    from tests.factories import make_trip, make_user

    trip = make_trip(people.trainer, seats=3, days_ahead=60)
    course_session = trip.course_session
    participant = services.apply(course_session, people.trainee, "Apprendre à vendre", actor=people.trainee)
    services.select_participant(participant, actor=people.admin)
    asking = make_user("trainee", name="Candidate Voyage", email="trip-asking@example.org")
    request = services.apply(course_session, asking, "Voir la coopérative", actor=asking)
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), "orange").save(picture, "PNG")
    document = services.set_document(participant, "identity", "received", actor=people.trainer, filename="cin.png",
                                     stream=io.BytesIO(picture.getvalue()))
    stop = trip.stops[0]
    services.save_entry(stop, people.trainee, "fr", "Le prix se fixe ensemble.", "Un local commun.", actor=people.trainee)
    photo = services.add_photo(stop, "safran.png", io.BytesIO(picture.getvalue()), caption="Les fleurs", actor=people.trainer)
    contact = services.add_contact(trip, "Brahim", "0600000000", "Accompagnateur", actor=people.trainer)
    services.publish_report(trip, actor=people.trainer)
    open_trip = make_trip(people.trainer, stops=1, days_ahead=90, commune="Tata")  # nobody applied yet
    db.session.commit()
    return {"trip": course_session.id, "open_trip": open_trip.session_id, "trip_stop": stop.id, "trip_stop_2": trip.stops[1].id,
            "trip_request": request.id, "trip_participant": participant.id, "trip_document": document.id,
            "trip_photo": photo.id, "trip_vehicle": trip.vehicles[0].id, "trip_contact": contact.id,
            "trip_day": (date.today() + timedelta(days=70)).isoformat()}


_RENDERED: dict = {}


def _certificates(people) -> dict:
    """A certificate of a held session whose results are validated. The route table builds a world
    per case (hundreds): its PDF is rendered once and its bytes reused (the PDF's own tests are in
    tests/certificates/)."""
    import io
    from unittest import mock

    from PIL import Image

    from ecole.certificates import printing, services
    from ecole.extensions import db
    from tests.factories import make_user, make_validated_session

    holder = make_user("trainee", name="Titulaire Certificat", email="certificate@example.org")
    waiting = make_user("trainee", name="Sans Certificat", email="uncertified@example.org")
    course_session, (enrolment, uncertified) = make_validated_session(people.trainer, [holder, waiting])
    render = printing.certificate_pdf

    def once(certificate):
        if "pdf" not in _RENDERED:
            _RENDERED["pdf"] = render(certificate)
        return _RENDERED["pdf"]

    with mock.patch.object(printing, "certificate_pdf", once):
        certificate = services.issue(enrolment, actor=people.admin)
    picture = io.BytesIO()
    Image.new("RGBA", (90, 40), (0, 0, 0, 0)).save(picture, "PNG")
    picture.seek(0)
    signature = services.add_asset("signature", "signature.png", picture, name="Latifa Oubaha", title="Directrice",
                                   actor=people.admin)
    db.session.commit()
    return {"certificate": certificate.code, "certificate_id": certificate.id, "certified_session": course_session.id,
            "uncertified": uncertified.id, "asset": signature.id}


def _reports(people) -> dict:
    """A programme holding the certified session, with a target, and an XLSX export a trainer asked for."""
    from datetime import date

    from ecole.extensions import db
    from ecole.reports import services
    from ecole.reports.indicators import Filters

    certified = _certificates_world(people)
    programme = services.create_programme(
        {"code": "ROUTES-2026", "titles": {"fr": "Programme des routes"}, "funder": "Fondation Souss",
         "starts_on": date(2020, 1, 1), "ends_on": date(2030, 12, 31), "targets": {"trained": 10}}, actor=people.admin)
    services.set_sessions(programme, [certified], actor=people.admin)
    export = services.request_export(Filters(date(2020, 1, 1), date(2030, 12, 31), programme.id), "xlsx", "fr",
                                     with_names=False, actor=people.trainer)
    db.session.commit()
    return {"programme": programme.id, "report_export": export.id}


def _certificates_world(people) -> int:
    """The certified session of _certificates (built before this hook)."""
    from ecole.certificates.models import Certificate
    from ecole.enrolment.models import Enrolment
    from ecole.extensions import db

    return db.session.scalar(db.select(Enrolment.session_id).join(Certificate, Certificate.enrolment_id == Enrolment.id)
                             .limit(1))


WORLD_HOOKS: list = [_catalogue, _sessions, _sheet_scans, _offline, _trips, _certificates, _reports]
