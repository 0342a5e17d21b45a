"""A school with something on every role's home: sessions, enrolments in every state, requests,
calls, lessons done. Built through the real services; `grow` adds the same again, scaled."""
from dataclasses import dataclass, field

from ecole.accounts import services as accounts
from ecole.catalogue.models import Course, Lesson
from ecole.catalogue.services import mark_lesson
from ecole.enrolment import services
from ecole.extensions import db
from tests.factories import make_past_session, make_session, make_user


@dataclass
class School:
    """What `grow` made, by kind (ids, so the test can reload what it needs)."""

    confirmed: list = field(default_factory=list)    # sessions where the trainee has a seat
    waitlisted: list = field(default_factory=list)   # sessions where the trainee waits
    offered: list = field(default_factory=list)      # enrolments of the trainee with a seat offered
    requested: list = field(default_factory=list)    # sessions with a request awaiting approval
    drafts: list = field(default_factory=list)
    to_close: list = field(default_factory=list)
    no_trainer: list = field(default_factory=list)
    others: list = field(default_factory=list)       # sessions of another trainer, with a request


def grow(people, other_trainer, scale: int, tag: str, school: School | None = None) -> School:
    """`scale` times: the trainee confirmed in one session, waitlisted in another (behind people to
    phone), offered a seat in a third; a request to approve; a draft; a session over and not closed;
    a session whose only trainer left; another trainer's session with its own request. And lessons done."""
    school = school or School()
    trainee, trainer = people.trainee, people.trainer
    for i in range(scale):
        confirmed = make_session(trainer, capacity=5, days_ahead=20 + i, commune=f"{tag} Confirmée {i}")
        services.enrol(confirmed, trainee, actor=trainee)
        school.confirmed.append(confirmed.id)

        full = make_session(trainer, capacity=1, days_ahead=25 + i, commune=f"{tag} Complète {i}")
        for j in range(2):  # people without e-mail: notices staff must read out on the phone
            person = make_user("trainee", name=f"{tag} Appel {i}-{j}", email=None, phone=_phone(tag, i, j))
            services.enrol(full, person, actor=person)
        services.enrol(full, trainee, actor=trainee)
        school.waitlisted.append(full.id)

        offering = make_session(trainer, capacity=1, days_ahead=28 + i, commune=f"{tag} Offre {i}")
        holder = make_user("trainee", name=f"{tag} Holder {i}", email=f"{tag.lower()}.holder{i}@example.org")
        held = services.enrol(offering, holder, actor=holder)
        offer = services.enrol(offering, trainee, actor=trainee)
        services.cancel(held, actor=holder)  # the seat is offered to the trainee
        school.offered.append(offer.id)

        approval = make_session(trainer, capacity=5, days_ahead=35 + i, commune=f"{tag} Accord {i}", requires_approval=True)
        asking = make_user("trainee", name=f"{tag} Demande {i}", email=f"{tag.lower()}.asking{i}@example.org")
        services.enrol(approval, asking, actor=asking)
        school.requested.append(approval.id)

        school.drafts.append(make_session(trainer, publish=False, days_ahead=40 + i, commune=f"{tag} Brouillon {i}").id)
        past, _enrolment = make_past_session(trainer, trainee, commune=f"{tag} Passée {i}")
        school.to_close.append(past.id)

        leaver = make_user("trainer", name=f"{tag} Leaver {i}", email=f"{tag.lower()}.leaver{i}@example.org")
        orphan = make_session(leaver, days_ahead=45 + i, commune=f"{tag} Orpheline {i}")
        accounts.set_roles(leaver, {"trainee"}, actor=people.admin)
        school.no_trainer.append(orphan.id)

        theirs = make_session(other_trainer, capacity=5, days_ahead=22 + i, commune=f"{tag} Autre {i}",
                              requires_approval=True)
        stranger = make_user("trainee", name=f"{tag} Inconnu {i}", email=None, phone=_phone(tag, i, 9))
        services.enrol(theirs, stranger, actor=stranger)
        school.others.append(theirs.id)
    for lesson in db.session.scalars(db.select(Lesson).join(Course).where(Course.slug == "saffron-basics")
                                     .order_by(Lesson.position).limit(1)):
        mark_lesson(trainee, lesson, True)
    db.session.commit()
    return school


def _phone(tag: str, i: int, j: int) -> str:
    """A distinct Moroccan mobile number for each person a test makes."""
    return f"07{sum(map(ord, tag)) % 100:02d}{i:04d}{j:02d}"
