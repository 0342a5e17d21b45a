"""`flask ecole demo`: a small, realistic demo world, built through the domains' own services.

Why services and not inserts: the demo must look like a school that has been working (audit
entries, enrolment events, notices in each person's language, seats counted by the same
conditional UPDATEs), and it must break when the rules change, not drift away from them.

Idempotent: each part has a stable key and is built only when it is missing, in one transaction
committed once by the command. People are found by e-mail address (phone number for those who
have none); sessions by who created them (the demo administrator), course and venue; the
catalogue by the slugs the demo uses. What exists is left exactly as it is, even when people
have since played with it (accepted the offer, changed a password): a second run writes nothing.

Time: the services refuse a meeting in the past, so the closed session is recorded as it was
scheduled back then (`add_meeting(now=…)`, the moment of scheduling, two weeks before its
meetings); its enrolments, results and closing are done today, after its meetings, as staff
would record them. Every other date is in the weeks after the first run.
"""
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ecole.accounts.models import ROLE_TITLES, Role, User
from ecole.accounts.passwords import verify_secret
from ecole.accounts.services import AccountError, find_by_identifier, normalize_email, normalize_phone, register_user
from ecole.attendance import services as attendance_services
from ecole.attendance.evaluation import record_assessment
from ecole.attendance.models import Mark
from ecole.attendance.survey import answer_survey
from ecole.catalogue.models import Course
from ecole.catalogue.services import import_catalogue
from ecole.core.cli import fail
from ecole.core.models import utcnow
from ecole.core.timezone import school_zone
from ecole.enrolment import services as enrolment_services
from ecole.enrolment.models import Enrolment
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.sessions import services as session_services
from ecole.sessions.models import CourseSession, Venue
from ecole.sessions.services import SessionData, SessionError

# Public on purpose (printed, in the README): the command refuses a production database.
DEMO_PASSWORD = "souss-demo-2026"


class DemoError(Exception):
    """The demo cannot be loaded here; str(error) is a translated, one-line message."""


@dataclass(frozen=True)
class Person:
    key: str
    role: Role
    name_latin: str
    name_arabic: str
    name_tifinagh: str = ""
    email: str | None = None
    phone: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    commune: str = ""
    audience: str = "other"
    organisation: str = ""
    locale: str = "fr"

    @property
    def identifier(self) -> str:
        return normalize_email(self.email) if self.email else normalize_phone(self.phone)

    def profile(self) -> dict:
        return {"email": self.email, "phone": self.phone, "name_latin": self.name_latin,
                "name_arabic": self.name_arabic, "name_tifinagh": self.name_tifinagh, "gender": self.gender,
                "birth_year": self.birth_year, "commune": self.commune, "audience": self.audience,
                "organisation": self.organisation, "locale": self.locale}


# The demo administrator is not the first administrator `init` creates (admin@ecole.local).
PEOPLE = (
    Person("latifa", Role.ADMIN, "Latifa Oubaha", "لطيفة أوبها", email="latifa.oubaha@example.org", gender="f",
           birth_year=1979, commune="Taliouine", audience="other", organisation="Migrations & Développement"),
    Person("lahcen", Role.TRAINER, "Lahcen Id Belaid", "لحسن إد بلعيد", email="lahcen.idbelaid@example.org",
           phone="0600100201", gender="m", birth_year=1972, commune="Taliouine", audience="animator",
           organisation="EPDR — Migrations & Développement", locale="fr"),
    Person("fadma", Role.TRAINER, "Fadma Outaleb", "فاضمة أوطالب", "ⴼⴰⴹⵎⴰ ⵓⵟⴰⵍⴱ", phone="0600100202", gender="f",
           birth_year=1985, commune="Tafraout", audience="animator", organisation="EPDR — Migrations & Développement",
           locale="zgh"),
    Person("aicha", Role.TRAINEE, "Aicha Id Brahim", "عائشة إد إبراهيم", "ⵄⴰⵢⵛⴰ ⵉⴷ ⴱⵔⴰⵀⵉⵎ", phone="0600100301",
           gender="f", birth_year=1984, commune="Taliouine", audience="cooperative_member",
           organisation="Coopérative féminine du safran Tamount", locale="zgh"),
    Person("hassan", Role.TRAINEE, "Hassan Amzil", "حسن أمزيل", phone="0600100302", gender="m", birth_year=1971,
           commune="Askaoun", audience="farmer", organisation="Association des usagers de l’eau d’Askaoun",
           locale="ar"),
    Person("khadija", Role.TRAINEE, "Khadija Ouzzine", "خديجة أوزين", email="khadija.ouzzine@example.org",
           phone="0600100303", gender="f", birth_year=1990, commune="Tiznit", audience="commune_staff",
           organisation="Commune de Tiznit", locale="fr"),
    Person("omar", Role.TRAINEE, "Omar Akhiat", "عمر أخيات", email="omar.akhiat@example.org", gender="m",
           birth_year=1966, commune="Igherm", audience="elected_official", organisation="Conseil communal d’Igherm",
           locale="ar"),
    Person("itto", Role.TRAINEE, "Itto Ouhammou", "إيطو أوحمو", "ⵉⵜⵜⵓ ⵓⵃⴰⵎⵎⵓ", phone="0600100305", gender="f",
           birth_year=1999, commune="Tafraout", audience="youth", locale="zgh"),
    Person("mbark", Role.TRAINEE, "Mbark Bouhlal", "امبارك بوهلال", phone="0600100306", gender="m", birth_year=1958,
           commune="Taliouine", audience="farmer", locale="ar"),
    Person("zahra", Role.TRAINEE, "Zahra Ait Ahmed", "زهرة آيت أحمد", "ⵣⴰⵀⵔⴰ ⴰⵢⵜ ⴰⵃⵎⴷ",
           email="zahra.aitahmed@example.org", gender="f", birth_year=1987, commune="Askaoun",
           audience="womens_association", organisation="Association Tilelli des femmes d’Askaoun", locale="zgh"),
    Person("youssef", Role.TRAINEE, "Youssef Anflous", "يوسف أنفلوس", email="youssef.anflous@example.org",
           gender="m", birth_year=1994, commune="Tiznit", audience="teacher", organisation="École primaire Al Massira",
           locale="fr"),
    Person("rachid", Role.TRAINEE, "Rachid Id Ali", "رشيد إد علي", phone="0600100309", gender="m", birth_year=1980,
           commune="Igherm", audience="commune_staff", organisation="Commune d’Igherm", locale="ar"),
)


INIT = "flask --app wsgi ecole init"
SCHEDULED_BEFORE_DAYS = 14  # the closed session was scheduled two weeks before its first meeting
CANCEL_REASON = "La piste vers Tafraout est coupée par les crues ; la session sera reprogrammée."
REJECT_REASON = "Cette session est réservée aux coopératives de la province de Tiznit."


@dataclass
class World:
    people: dict[str, User]
    today: date

    @property
    def admin(self) -> User:
        return self.people["latifa"]


@dataclass
class Report:
    accounts: list[tuple[Person, User, bool]] = field(default_factory=list)  # (person, account, created now)
    sessions_created: int = 0
    sessions_kept: int = 0
    catalogue_imported: bool = False


# --- the sessions: what staff enter, then what happens to each -------------------------------

def _staff_enrol(course_session: CourseSession, world: World, *keys: str) -> list[Enrolment]:
    """People without e-mail are enrolled by the session's trainer, who took their names by phone."""
    trainer = course_session.trainers[0]
    return [enrolment_services.enrol(course_session, world.people[key], actor=trainer) for key in keys]


def _self_enrol(course_session: CourseSession, world: World, *keys: str) -> list[Enrolment]:
    return [enrolment_services.enrol(course_session, world.people[key], actor=world.people[key]) for key in keys]


def _open_story(course_session: CourseSession, world: World) -> None:
    _staff_enrol(course_session, world, "hassan", "mbark")
    _self_enrol(course_session, world, "zahra")


def _full_story(course_session: CourseSession, world: World) -> None:
    """Four seats taken, two people waiting; one cancels, so the first waiting gets an offer."""
    itto, *_others = _staff_enrol(course_session, world, "itto", "aicha", "mbark")
    _self_enrol(course_session, world, "omar")
    _staff_enrol(course_session, world, "hassan")
    _self_enrol(course_session, world, "zahra")
    _staff_enrol(course_session, world, "rachid")
    enrolment_services.cancel(itto, actor=world.people["itto"])  # she cancels herself: her seat is offered


def _approval_story(course_session: CourseSession, world: World) -> None:
    omar, zahra, *_pending = _self_enrol(course_session, world, "omar", "zahra", "khadija", "youssef")
    enrolment_services.approve(omar, actor=world.admin)
    enrolment_services.reject(zahra, REJECT_REASON, actor=world.admin)


def _cancelled_story(course_session: CourseSession, world: World) -> None:
    _staff_enrol(course_session, world, "itto")
    _self_enrol(course_session, world, "youssef")
    enrolment_services.cancel_session(course_session, CANCEL_REASON, actor=world.admin)


def _completed_story(course_session: CourseSession, world: World) -> None:
    """Enrolled on the spot (an enrolment before its start would be dated today, after it), the
    registers taken from the paper sheets and locked, assessments, two questionnaires, the results
    validated by the trainer, then the session closed."""
    trainer = course_session.trainers[0]
    omar, rachid, khadija = [enrolment_services.enrol(course_session, world.people[key], actor=trainer, walk_in=True)
                             for key in ("omar", "rachid", "khadija")]
    first, second = course_session.meetings
    marks = {first: {omar.id: Mark.PRESENT, rachid.id: Mark.LATE, khadija.id: Mark.PRESENT},
             second: {omar.id: Mark.PRESENT, rachid.id: Mark.PRESENT, khadija.id: Mark.ABSENT}}
    for meeting, row in marks.items():
        attendance_services.save_marks(meeting, row, actor=trainer)
        attendance_services.lock_register(meeting, actor=trainer)
    for enrolment, passed, score, comment in (
            (omar, True, 16, "Diagnostic de son douar présenté avec clarté."),
            (rachid, True, 13.5, "Bonne carte des ressources ; à compléter avec les femmes du douar."),
            (khadija, False, None, "Absente à la restitution : peut la présenter à la prochaine session.")):
        record_assessment(enrolment, passed, score, comment, actor=trainer)
    now = utcnow()
    for key, answers in (("omar", {"useful": 4, "clear": 4, "trainer": 4, "organisation": 3, "recommend": 4,
                                   "change": "Plus de temps sur le terrain."}),
                         ("rachid", {"useful": 4, "clear": 3, "trainer": 4, "organisation": 2, "recommend": 4,
                                     "change": ""})):
        answer_survey(course_session, world.people[key], answers, now=now)
    _demo_scan(course_session, first, trainer)
    attendance_services.validate_results(course_session, actor=trainer)
    session_services.complete(course_session, actor=trainer)
    _certificates_story(course_session, world)


def _certificates_story(course_session: CourseSession, world: World) -> None:
    """The closed session's certificates: both people who completed it get one; Omar's is corrected
    (his name in Arabic was misspelt in his profile: the old certificate is superseded), Rachid's is
    revoked (his hours are checked against the paper sheet before a new one is issued)."""
    from ecole.accounts.services import update_profile
    from ecole.certificates import keys
    from ecole.certificates import services as certificates

    if not keys.all_keys():
        keys.create_key()
    omar, rachid = world.people["omar"], world.people["rachid"]
    spelt_right = omar.name_arabic
    update_profile(omar, {"name_arabic": "عمر اخيات"}, actor=world.admin)  # as the desk first typed it
    answer = certificates.eligibility(course_session)
    issued = {e.user_id: certificates.issue(e, actor=world.admin) for e in answer.eligible}
    update_profile(omar, {"name_arabic": spelt_right}, actor=world.admin)
    certificates.reissue(issued[omar.id], "Nom en arabe corrigé dans le profil.", actor=world.admin)
    certificates.revoke(issued[rachid.id], "Heures à revérifier sur la feuille signée ; un nouveau certificat suivra.",
                        actor=world.admin)


def _demo_scan(course_session: CourseSession, meeting, trainer: User) -> None:
    """The first meeting's sign-in sheet, printed and sent back as the trainer's scan (a PDF): Ecole
    reads each page's code and files it under its meeting, beside the register."""
    from io import BytesIO

    from ecole.attendance import scans, sheets

    pdf = sheets.meeting_sheet_pdf(meeting)
    scans.upload_scan(course_session, "feuille-emargement-seance-1.pdf", BytesIO(pdf), actor=trainer)


def _trip_plan(course_session: CourseSession, world: World) -> None:
    """Before publication: the trip from the Souss to the saffron cooperatives of Taliouine, two stops
    with their hosts (dates in the coming days, for the applications), a minibus of 4 seats (the
    capacity follows it), lodging, budget, funding and emergency contacts."""
    from ecole.trips import services as trips
    from ecole.trips.services import StopData, TripData

    trainer = course_session.trainers[0]
    trip = trips.ensure_trip(course_session)
    trips.save_trip(trip, TripData(
        purpose={"fr": "Voir comment les femmes de la coopérative Souktana récoltent, sèchent et vendent un safran "
                       "de qualité, et ramener chez soi une façon de fixer ensemble le prix.",
                 "ar": "الاطلاع على طريقة نساء تعاونية سوكتانا في جني الزعفران وتجفيفه وبيعه بجودة عالية، ونقل "
                       "طريقة تحديد الثمن جماعيا إلى بلداتنا.",
                 "zgh": "ⴰⴷ ⵏⵥⵕ ⵎⴰⵎⴽ ⵙⵜⵜⴰⵡⵉⵏⵜ ⵜⵉⵎⵖⴰⵔⵉⵏ ⵏ ⵜⵎⵔⵙⵍⵜ ⵏ ⵙⵓⴽⵜⴰⵏⴰ ⴰⵣⴰⴼⵔⴰⵏ, ⵙⵇⵇⵓⵔⵏⵜ ⵜ ⵙⵣⵣⵏⵣⵏⵜ ⵜ."},
        questions={"fr": "Comment la coopérative fixe-t-elle son prix ?\nComment garantit-elle la qualité ?\n"
                         "Que pouvons-nous reproduire chez nous ?",
                   "ar": "كيف تحدد التعاونية ثمن منتوجها؟\nكيف تضمن الجودة؟\nماذا يمكننا أن ننقل إلى بلداتنا؟"},
        lodging="Gîte Toubkal de Taliouine (2 chambres de 4 lits, sanitaires partagés).",
        meals="Déjeuners chez les hôtes, dîner au gîte.", budget_per_participant=650, seats_bound=True,
        documents_block=False, required_documents=["identity", "photo_consent"]), actor=world.admin)
    for days, place, host, contact, phone, program in (
            (8, "Coopérative Souktana du safran", "Coopérative Souktana", "Fatima Ait Lahcen", "0600100401",
             {"fr": "La cueillette à l’aube, l’émondage et le séchage à l’ombre.",
              "ar": "القطف عند الفجر، ونزع المياسم، والتجفيف في الظل."}),
            (9, "Maison du safran", "Maison du safran de Taliouine", "Brahim Oumouloud", "0600100402",
             {"fr": "Le contrôle de la qualité, l’étiquetage et la vente groupée.",
              "ar": "مراقبة الجودة، ووضع العلامات، والبيع الجماعي."})):
        day = world.today + timedelta(days=days)
        trips.add_stop(trip, StopData(starts_at=_local(day, time(8, 30)), ends_at=_local(day, time(12, 30)),
                                      commune="Taliouine", place=place, host_organisation=host, host_contact=contact,
                                      host_phone=phone, program=program), actor=trainer)
    trips.add_vehicle(trip, "Minibus de l’association", 4, driver="Lahcen Aznag", driver_phone="0600100403",
                      actor=world.admin)
    trips.add_funding(trip, "Région Souss-Massa", 1800, actor=world.admin)
    trips.add_funding(trip, "Migrations & Développement", 800, actor=world.admin)
    trips.add_contact(trip, "Latifa Oubaha", "0600100404", "Coordinatrice de l’école", actor=world.admin)
    trips.add_contact(trip, "Centre de santé de Taliouine", "0528534100", "Urgences", actor=world.admin)


def _demo_photo(color: tuple[int, int, int]) -> bytes:
    """A drawn photo (the demo ships no pictures of real people): a field of saffron flowers."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), (236, 222, 196))
    draw = ImageDraw.Draw(image)
    for x in range(30, 640, 70):
        for y in range(60, 420, 90):
            draw.ellipse((x, y, x + 36, y + 36), fill=color)
            draw.line((x + 18, y + 36, x + 18, y + 70), fill=(70, 120, 50), width=4)
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _trip_story(course_session: CourseSession, world: World) -> None:
    """Six applications (two recorded by staff for people who do not write), four selected under the
    seats of the minibus, two on the waitlist; then the trip is held: the stops pass into the past,
    their registers are taken and locked, the participants write the report in their languages,
    photos are added (one shows someone who refused photos: it stays unpublished), and it is published."""
    from io import BytesIO

    from ecole.trips import services as trips
    from ecole.trips.services import StopData

    trainer = course_session.trainers[0]
    trip = trips.ensure_trip(course_session)
    motivations = {
        "aicha": ("Notre coopérative vend au souk sans étiquette : je veux voir comment Souktana vend plus cher.", None),
        "zahra": ("Je veux proposer aux femmes d’Askaoun une vente groupée.", None),
        "mbark": ("Il veut apprendre le séchage : son safran noircit. (dit au téléphone)", trainer),
        "itto": ("Je suis jeune et je veux créer une petite unité de conditionnement à Tafraout.", None),
        "hassan": ("Il veut comparer avec l’association de l’eau d’Askaoun. (dit à la permanence)", trainer),
        "youssef": ("Pour préparer une sortie de mes élèves sur les produits du terroir.", None),
    }
    applications = {key: trips.apply(course_session, world.people[key], text, actor=actor or world.people[key])
                    for key, (text, actor) in motivations.items()}
    for key in ("aicha", "zahra", "itto", "mbark", "hassan", "youssef"):  # the last two find the minibus full
        trips.select_participant(applications[key], actor=world.admin)
    vehicle = trip.vehicles[0]
    for key in ("aicha", "zahra", "itto", "mbark"):
        trips.assign_vehicle(applications[key], vehicle, actor=trainer)
        trips.set_document(applications[key], "identity", "received", actor=trainer)
    for key, answer in (("aicha", "received"), ("zahra", "received"), ("itto", "received"), ("mbark", "refused")):
        trips.set_document(applications[key], "photo_consent", answer, actor=trainer)
    # The trip is held: its stops were last week.
    for number, stop in enumerate(trip.stops):
        day = world.today - timedelta(days=9 - number)
        trips.update_stop(stop, StopData(
            starts_at=_local(day, time(8, 30)), ends_at=_local(day, time(12, 30)), commune=stop.commune, place=stop.place,
            host_organisation=stop.host_organisation, host_contact=stop.host_contact, host_phone=stop.host_phone,
            program=stop.program), actor=trainer)
    marks = [{applications["aicha"].id: Mark.PRESENT, applications["zahra"].id: Mark.PRESENT,
              applications["itto"].id: Mark.LATE, applications["mbark"].id: Mark.PRESENT},
             {applications["aicha"].id: Mark.PRESENT, applications["zahra"].id: Mark.PRESENT,
              applications["itto"].id: Mark.PRESENT, applications["mbark"].id: Mark.EXCUSED}]
    for stop, row in zip(trip.stops, marks):
        attendance_services.save_marks(stop.meeting, row, actor=trainer)
        attendance_services.lock_register(stop.meeting, actor=trainer)
    first, second = trip.stops
    for stop, key, lang, learnt, replicate in (
            (first, "aicha", "zgh", "ⵏⵍⵎⴷ ⴰⴷ ⵏⵙⵇⵇⵓⵔ ⴰⵣⴰⴼⵔⴰⵏ ⴳ ⵜⵉⵍⵉ, ⵓⵔ ⴳ ⵜⴰⴼⵓⴽⵜ.", "ⴰⴷ ⵏⴳ ⵢⴰⵏ ⵓⵎⵙⵙⵓⵔⵙ ⵏ ⵓⵙⵇⵇⵓⵔ ⴳ ⵜⵎⵔⵙⵍⵜ."),
            (first, "mbark", "ar", "تعلمت أن الزعفران يجفف في الظل وليس في الشمس، وأن النزع يتم في نفس اليوم.",
             "سأجفف زعفراني في غرفة مظلمة وجيدة التهوية."),
            (second, "zahra", "fr", "La coopérative fixe son prix en assemblée, avec une fiche de coûts par gramme.",
             "Proposer une vente groupée aux femmes d’Askaoun, avec la même fiche."),
            (second, "itto", "fr", "L’étiquette dit l’origine, la date de récolte et le nom de la coopérative.",
             "Une petite unité de conditionnement à Tafraout, avec des étiquettes en trois langues.")):
        trips.save_entry(stop, world.people[key], lang, learnt, replicate, actor=world.people[key])
    trips.save_entry(second, trainer, "fr", "Le groupe a comparé trois prix de vente et leurs marges.",
                     "Restitution prévue à Askaoun et à Tafraout le mois prochain.", actor=trainer)
    trips.add_photo(first, "cueillette.jpg", BytesIO(_demo_photo((120, 70, 160))), caption="La cueillette à l’aube",
                    people=[world.people["aicha"], world.people["zahra"]], actor=trainer)
    trips.add_photo(first, "sechage.jpg", BytesIO(_demo_photo((190, 60, 40))), caption="Le séchage à l’ombre",
                    people=[world.people["mbark"]], actor=trainer)  # he refused photos: never published
    trips.add_photo(second, "etiquettes.jpg", BytesIO(_demo_photo((200, 150, 40))), caption="Les étiquettes",
                    people=[], actor=trainer)
    trips.publish_report(trip, actor=trainer)


@dataclass(frozen=True)
class Plan:
    """One demo session: what staff enter in the session form, then its story. Its key: the course and
    the venue of a session the demo administrator created."""

    course_slug: str
    commune: str
    place: str
    trainer: str
    meetings: tuple[tuple[int, time, time], ...]  # (days after today, start, end) on Morocco's clock
    capacity: int = 20
    requires_approval: bool = False
    offer_hours: int = 48
    women_seats: int = 0
    notes: str = ""
    format: str = ""  # "study_trip": a study trip, whose `prepare` adds its stops
    # What is added before publication (a trip's itinerary and logistics).
    prepare: Callable[[CourseSession, "World"], None] | None = None
    # What happens once it is published; None leaves it a draft.
    story: Callable[[CourseSession, "World"], None] | None = None


PLANS = (
    Plan("plan-action-communal", "Tiznit", "Salle de réunion de la commune", "lahcen",
         ((45, time(9), time(12, 30)),), capacity=25,
         notes="Apportez le programme d’action de votre commune s’il existe."),
    Plan("irrigation-goutte-a-goutte", "Askaoun", "Foyer de la commune d’Askaoun", "fadma",
         ((10, time(9), time(13)), (11, time(9), time(13))), capacity=20,
         notes="Le second jour se passe dans les parcelles : chaussures fermées et chapeau.", story=_open_story),
    # A demo is shown over several days: the offer stays open a week instead of the usual 48 hours.
    Plan("safran-taliouine", "Taliouine", "Centre de collecte du safran", "lahcen",
         ((17, time(9), time(12, 30)), (18, time(9), time(12, 30))), capacity=4, offer_hours=7 * 24,
         notes="Petit groupe : visite des champs de safran à la floraison, départ à 8 h 30 du centre.",
         story=_full_story),
    Plan("cooperative-loi-112-12", "Tiznit", "Maison de l’artisan", "fadma",
         ((24, time(14), time(17, 30)),), capacity=15, requires_approval=True, women_seats=5,
         notes="Réservée aux membres de coopératives : l’équipe de l’école confirme chaque demande.",
         story=_approval_story),
    Plan("tourisme-rural-maisons-hotes", "Tafraout", "Maison d’hôtes de la vallée des Ammeln", "fadma",
         ((31, time(9), time(16)),), capacity=12, story=_cancelled_story),
    Plan("diagnostic-participatif", "Igherm", "Salle de la commune d’Igherm", "lahcen",
         ((-21, time(9), time(12, 30)), (-20, time(9), time(12, 30))), capacity=15, story=_completed_story),
    Plan("safran-taliouine", "Taliouine", "Coopérative Souktana du safran", "fadma", (), capacity=4,
         format="study_trip", notes="Départ de Tiznit à 6 h devant la commune ; retour le lendemain soir.",
         prepare=_trip_plan, story=_trip_story),
)


# --- building --------------------------------------------------------------------------------

def load_demo(courses_dir: Path) -> Report:
    """Build what is missing of the demo world; flush only (the command commits once)."""
    report = Report()
    _check_schema()
    report.catalogue_imported = _ensure_catalogue(courses_dir)
    people = _ensure_people(report)
    world = World(people=people, today=utcnow().astimezone(school_zone()).date())
    for plan in PLANS:
        if _find_session(plan, world) is not None:
            report.sessions_kept += 1
            continue
        _build_session(plan, world)
        report.sessions_created += 1
    _ensure_programme(world)
    db.session.flush()
    return report


PROGRAMME_CODE = "PAFR-SOUSS"


def _ensure_programme(world: World) -> None:
    """A funder's programme holding every demo session and trip, with targets, so that the report
    (/reports) shows real figures: the closed session's attendance, the trip's stops."""
    from ecole.reports import services as report_services
    from ecole.reports.models import Programme

    if db.session.scalar(db.select(Programme.id).where(Programme.code == PROGRAMME_CODE)) is not None:
        return
    programme = report_services.create_programme({
        "code": PROGRAMME_CODE,
        "titles": {"fr": "Programme d’appui aux filières rurales du Souss",
                   "ar": "برنامج دعم السلاسل الفلاحية القروية بسوس",
                   "zgh": "ⴰⵖⴰⵡⴰⵙ ⵏ ⵜⵉⵡⵉⵙⵉ ⵉ ⵜⵙⵏⵙⵍⵉⵏ ⵏ ⵜⵎⵏⴰⴹⵉⵏ ⵏ ⵙⵓⵙ"},
        "funder": "Fonds de coopération Souss–Europe (exemple)",
        "starts_on": date(world.today.year - 1, 1, 1), "ends_on": date(world.today.year + 1, 12, 31),
        "targets": {"trained": 30, "women_trained": 15, "completed": 20, "person_hours": 400, "sessions": 5,
                    "trips": 1, "communes": 5},
    }, actor=world.admin)
    sessions = db.session.scalars(db.select(CourseSession.id).where(CourseSession.created_by_id == world.admin.id))
    report_services.set_sessions(programme, list(sessions), actor=world.admin)
    # Two people answered the Washington Group questions with their consent (recorded on paper by
    # Latifa): Mbark walks with great difficulty; Aicha has some difficulty seeing.
    from ecole.accounts.services import set_functioning

    set_functioning(world.people["mbark"], {"seeing": 2, "hearing": 1, "walking": 3, "remembering": 1,
                                            "self_care": 1, "communicating": 1}, actor=world.admin)
    set_functioning(world.people["aicha"], {"seeing": 2, "hearing": 1, "walking": 1, "remembering": 1,
                                            "self_care": 1, "communicating": 1}, actor=world.admin)


def _check_schema() -> None:
    """The demo writes through today's models: the schema must be the migrations' latest."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    if current != heads:
        raise DemoError(_("La base de données n’est pas prête : lancez d’abord « %(command)s ».", command=INIT))


def _ensure_catalogue(courses_dir: Path) -> bool:
    """The school's catalogue, imported as `init` imports it when the demo's courses are missing."""
    wanted = {plan.course_slug for plan in PLANS}
    if wanted <= set(db.session.scalars(db.select(Course.slug).where(Course.slug.in_(wanted)))):
        return False
    if not courses_dir.is_dir():
        raise DemoError(_("Le catalogue de l’école est introuvable (%(path)s) : lancez d’abord « %(command)s ».",
                          path=str(courses_dir), command=INIT))
    result = import_catalogue(courses_dir, actor=None)
    if result.problems:
        raise DemoError(ngettext("%(num)d problème dans le catalogue (%(path)s) : la démonstration n’est pas chargée.",
                                 "%(num)d problèmes dans le catalogue (%(path)s) : la démonstration n’est pas chargée.",
                                 len(result.problems), path=str(courses_dir)))
    missing = wanted - set(db.session.scalars(db.select(Course.slug).where(Course.slug.in_(wanted))))
    if missing:
        raise DemoError(_("Formations absentes du catalogue (%(path)s), la démonstration en a besoin : %(slugs)s",
                          path=str(courses_dir), slugs=", ".join(sorted(missing))))
    return True


def _ensure_people(report: Report) -> dict[str, User]:
    people: dict[str, User] = {}
    admin = None
    for person in PEOPLE:
        user = find_by_identifier(person.identifier)
        created = user is None
        if created:
            # The administrator registers the staff and the people who have no e-mail (as at the
            # school's desk); people with an address registered themselves.
            actor = admin if person.role != Role.TRAINEE or not person.email else None
            user = register_user(person.profile(), actor=actor, password=DEMO_PASSWORD, roles=(person.role,)).user
        elif not user.has_role(person.role):
            raise DemoError(_("Le compte %(login)s existe déjà sans le rôle « %(role)s » : la démonstration ne le "
                              "modifie pas.", login=person.identifier, role=str(ROLE_TITLES[person.role])))
        if person.role == Role.ADMIN:
            admin = user
        people[person.key] = user
        report.accounts.append((person, user, created))
    return people


def _find_session(plan: Plan, world: World) -> CourseSession | None:
    return db.session.scalar(
        db.select(CourseSession).join(Course, Course.id == CourseSession.course_id)
        .join(Venue, Venue.id == CourseSession.venue_id)
        .where(CourseSession.created_by_id == world.admin.id, Course.slug == plan.course_slug,
               Venue.commune == plan.commune, Venue.place == plan.place).limit(1))


def _local(day: date, at: time) -> datetime:
    return session_services.to_utc(day, at)


def _build_session(plan: Plan, world: World) -> CourseSession:
    course = db.session.scalar(db.select(Course).where(Course.slug == plan.course_slug))
    trainer = world.people[plan.trainer]
    data = SessionData(course_id=course.id, trainer_ids=[trainer.id], commune=plan.commune, place=plan.place,
                       capacity=plan.capacity, requires_approval=plan.requires_approval, offer_hours=plan.offer_hours,
                       women_seats=plan.women_seats, notes=plan.notes, format=plan.format)
    course_session = session_services.save_session(None, data, actor=world.admin)
    # None: scheduled now. A session in the past is scheduled as of two weeks before it began.
    scheduled_at = None
    if plan.meetings and plan.meetings[0][0] < 0:
        scheduled_at = _local(world.today + timedelta(days=plan.meetings[0][0] - SCHEDULED_BEFORE_DAYS), time(8))
    for days, start, end in plan.meetings:
        day = world.today + timedelta(days=days)
        session_services.add_meeting(course_session, _local(day, start), _local(day, end), actor=trainer,
                                     now=scheduled_at)
    if plan.prepare is not None:
        plan.prepare(course_session, world)
    if plan.story is None:
        return course_session
    session_services.publish(course_session, actor=world.admin)
    plan.story(course_session, world)
    return course_session


# --- the command -----------------------------------------------------------------------------

def _fail(message: str) -> None:
    fail(" ".join(message.split()))  # one line, whatever the message


def _password_shown(user: User, created: bool) -> str:
    # Passwords people changed since are kept, never reset: the table says so instead.
    if created or verify_secret(user.password_hash, DEMO_PASSWORD):
        return DEMO_PASSWORD
    return _("(modifié depuis, non affiché)")


def _width(text: str) -> int:
    """Columns a terminal gives the text: Arabic vowel marks (مكوِّن) take none."""
    return sum(1 for char in text if not unicodedata.combining(char))


def _print_report(report: Report) -> None:
    if report.catalogue_imported:
        click.echo(_("Catalogue de l’école importé."))
    created = sum(1 for _person, _user, new in report.accounts if new)
    click.echo(ngettext("%(num)d compte de démonstration créé.", "%(num)d comptes de démonstration créés.", created))
    click.echo(ngettext("%(num)d session de démonstration créée.", "%(num)d sessions de démonstration créées.",
                        report.sessions_created))
    if report.sessions_kept or created < len(report.accounts):
        click.echo(_("Ce qui existait déjà est laissé tel quel."))
    rows = [(_("Rôle"), _("Nom"), _("Identifiant"), _("Langue"), _("Mot de passe"))]
    for person, user, new in report.accounts:
        rows.append((str(ROLE_TITLES[person.role]), user.name_latin, user.identifier, user.locale,
                     _password_shown(user, new)))
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    click.echo("")
    click.echo(_("Comptes de démonstration (connexion : %(url)s) :", url=current_app.config["BASE_URL"] + "/login"))
    for row in rows:
        click.echo("  " + "  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip())
    click.echo("")
    click.echo(_("Ces mots de passe sont publics : ne chargez jamais la démonstration dans la base d’une vraie école."))


@click.command("demo")
@click.option("--force", is_flag=True, help="Load it even when ECOLE_ENV=production (its passwords are public).")
@click.option("--lang", default="fr", type=click.Choice(["fr", "ar", "zgh"]), help="Language of the messages.")
@with_appcontext
def demo_command(force: bool, lang: str):
    """A small demo world in three languages: trainers, trainees, sessions in every state, notices."""
    with force_locale(lang):
        if current_app.config.get("ECOLE_ENV") == "production" and not force:
            _fail(_("%(setting)s : la démonstration n’est pas chargée dans la base d’une vraie école (ses mots de "
                    "passe sont publics) ; ajoutez %(option)s pour la charger quand même.",
                    setting="ECOLE_ENV=production", option="--force"))
        try:
            report = load_demo(Path(current_app.config["COURSES_DIR"]))
        except (DemoError, AccountError) as error:
            _fail(str(error))
        except (SessionError, EnrolmentError) as error:
            _fail(_("La démonstration n’est pas chargée : %(reason)s", reason=str(error)))
        db.session.commit()
        # Notices are not e-mailed: the demo's addresses are example.org; they show in the app and
        # on the call list.
        _print_report(report)
