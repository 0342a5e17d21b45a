"""Objects the tests build, through the services as the application does: people and sessions."""
from dataclasses import dataclass
from datetime import date, time, timedelta

from ecole.catalogue.models import Course
from ecole.extensions import db
from ecole.sessions import services as session_services
from ecole.sessions.services import SessionData

PASSWORD = "correct horse battery"
ROLES = ("anonymous", "trainee", "trainer", "admin")


@dataclass
class People:
    trainee: object
    trainer: object
    admin: object

    def __getitem__(self, role):
        return getattr(self, role)


def make_user(role: str, *, name: str | None = None, phone: str | None = None, email: str | None = "",
              locale: str = "fr", **profile):
    """A user with PASSWORD; email="" gives role@example.org, email=None gives no address (phone only)."""
    from ecole.accounts.services import register_user

    name = name or f"{role.title()} Test"
    data = {"name_latin": name, "phone": phone, "email": f"{role}@example.org" if email == "" else email,
            "locale": locale, **profile}
    user = register_user(data, actor=None, password=PASSWORD, roles=(role,)).user
    db.session.commit()
    return user


def make_session(trainer, *, course_slug: str = "saffron-basics", capacity: int = 10, days_ahead: int = 30,
                 publish: bool = True, commune: str = "Taliouine", place: str = "Maison du safran", **extra):
    course = db.session.scalar(db.select(Course).where(Course.slug == course_slug))
    data = SessionData(course_id=course.id, trainer_ids=[trainer.id], commune=commune, place=place,
                       languages=["ar", "zgh"], capacity=capacity, **extra)
    session = session_services.save_session(None, data, actor=trainer)
    day = date.today() + timedelta(days=days_ahead)
    session_services.add_meeting(session, session_services.to_utc(day, time(9, 0)),
                                 session_services.to_utc(day, time(12, 30)), topic="Visite des champs de safran", actor=trainer, force=True)
    if publish:
        session_services.publish(session, actor=trainer)
    db.session.commit()
    return session


def make_past_session(trainer, trainee=None, *, commune: str = "Askaoun"):
    """A published session whose only meeting began yesterday (scheduled back then), the trainee
    enrolled on the spot: a session staff may now close."""
    from ecole.enrolment import services

    course = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    data = SessionData(course_id=course.id, trainer_ids=[trainer.id], commune=commune, place="Foyer",
                       languages=["ar"], capacity=5)
    session = session_services.save_session(None, data, actor=trainer)
    yesterday = date.today() - timedelta(days=1)
    session_services.add_meeting(session, session_services.to_utc(yesterday, time(9, 0)),
                                 session_services.to_utc(yesterday, time(12, 0)), actor=trainer, force=True,
                                 now=session_services.to_utc(yesterday, time(8, 0)))
    session_services.publish(session, actor=trainer)
    enrolment = services.enrol(session, trainee, actor=trainer, walk_in=True) if trainee else None
    db.session.commit()
    return session, enrolment


def make_held_session(trainer, trainees, *, meetings=((3, 9, 11), (2, 9, 11), (1, 9, 11)), capacity: int = 50,
                      course_slug: str = "saffron-basics", commune: str = "Tiznit", kind: str = "class"):
    """A published session whose meetings (days ago, start hour, end hour) were held, every trainee
    confirmed in good time before the first one (their enrolment is dated back, as if they enrolled
    then). Returns the session and the enrolments, in the order of `trainees`."""
    from datetime import datetime, timezone

    from ecole.enrolment import services
    from ecole.enrolment.models import EnrolmentEvent

    course = db.session.scalar(db.select(Course).where(Course.slug == course_slug))
    data = SessionData(course_id=course.id, trainer_ids=[trainer.id], commune=commune, place="Dar Chabab",
                       languages=["fr", "ar"], capacity=capacity)
    session = session_services.save_session(None, data, actor=trainer)
    long_ago = datetime.now(timezone.utc) - timedelta(days=60)
    for days_ago, start, end in meetings:
        day = date.today() - timedelta(days=days_ago)
        meeting = session_services.add_meeting(session, session_services.to_utc(day, time(start, 0)),
                                               session_services.to_utc(day, time(end, 0)), actor=trainer, force=True,
                                               now=long_ago)
        meeting.kind = kind
    session_services.publish(session, actor=trainer)
    enrolments = [services.enrol(session, person, actor=trainer, walk_in=True) for person in trainees]
    db.session.execute(db.update(EnrolmentEvent).where(EnrolmentEvent.enrolment_id.in_([e.id for e in enrolments]))
                       .values(at=long_ago))
    db.session.commit()
    return session, enrolments


def make_trip(trainer, *, capacity: int = 10, days_ahead: int = 30, stops: int = 2, seats: int | None = None,
              publish: bool = True, documents_block: bool = False, required=("identity", "photo_consent"),
              commune: str = "Taliouine"):
    """A study trip (a session of format "study trip") with its purpose, `stops` stops with hosts on
    consecutive days, and one vehicle of `seats` seats when given (the capacity then follows the seats)."""
    from ecole.trips import services as trip_services
    from ecole.trips.services import StopData, TripData

    course_session = make_session(trainer, capacity=capacity, days_ahead=days_ahead, publish=False, commune=commune,
                                  place="Coopérative du safran", format="study_trip")
    trip = trip_services.ensure_trip(course_session)
    trip_services.save_trip(trip, TripData(
        purpose={"fr": "Voir comment une coopérative de femmes vend son safran.",
                 "ar": "معرفة كيف تبيع تعاونية نسائية زعفرانها.",
                 "zgh": "ⴰⴷ ⵏⵥⵕ ⵎⴰⵎⴽ ⵜⵣⵣⵏⵣⴰ ⵢⴰⵜ ⵜⴰⵎⵔⵙⵍⵜ ⵏ ⵜⵎⵖⴰⵔⵉⵏ ⴰⵣⴰⴼⵔⴰⵏ."},
        questions={"fr": "Comment fixer le prix ?\nComment garantir la qualité ?"},
        lodging="Gîte de Taliouine", meals="Déjeuner chez l’hôte", budget_per_participant=800,
        seats_bound=seats is not None, documents_block=documents_block, required_documents=list(required)), actor=trainer)
    for number in range(stops):
        day = date.today() + timedelta(days=days_ahead + 1 + number)
        trip_services.add_stop(trip, StopData(
            starts_at=session_services.to_utc(day, time(9, 0)), ends_at=session_services.to_utc(day, time(12, 0)),
            commune=("Taliouine", "Tazenakht", "Askaoun")[number % 3], place=f"Coopérative {number + 1}",
            host_organisation=f"Coopérative Souktana {number + 1}", host_contact="Fatima Ait Lahcen",
            host_phone="0661234567", program={"fr": "Récolte et séchage du safran", "ar": "جني وتجفيف الزعفران"}),
            actor=trainer)
    if seats is not None:
        trip_services.add_vehicle(trip, "Minibus de l’association", seats, driver="Lahcen", driver_phone="0670000000",
                                  actor=trainer)
    if publish:
        session_services.publish(course_session, actor=trainer)
    db.session.commit()
    return trip


def make_validated_session(trainer, trainees, *, absent=(), course_slug: str = "saffron-basics"):
    """A held session of three meetings whose registers are complete and whose results the trainer
    validated: everyone present, except the people of `absent` (absent from every meeting). Returns the
    session and the enrolments, in the order of `trainees`."""
    from ecole.attendance import services as attendance

    course_session, enrolments = make_held_session(trainer, trainees, course_slug=course_slug)
    missing = {person.id for person in absent}
    for meeting in course_session.meetings:
        attendance.save_marks(meeting, {e.id: "absent" if e.user_id in missing else "present" for e in enrolments},
                              actor=trainer)
    attendance.validate_results(course_session, actor=trainer)
    db.session.commit()
    return course_session, enrolments
