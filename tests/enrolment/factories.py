"""Building sessions and enrolments for tests through the real services."""
from datetime import date, time, timedelta

from ecole.catalogue.models import Course
from ecole.extensions import db
from ecole.sessions import services as session_services
from ecole.sessions.services import SessionData


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
