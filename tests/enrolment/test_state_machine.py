"""The enrolment state machine, seats, waitlist and offers, tested through the services."""
from datetime import timedelta

import pytest

from ecole.enrolment import services
from ecole.enrolment.models import TRANSITIONS, Enrolment, EnrolmentEvent
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from tests.factories import make_session, make_user


def people_list(n, prefix="p", **profile):
    return [make_user("trainee", name=f"{prefix} {i}", email=f"{prefix}{i}@example.org", **profile) for i in range(n)]


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def seats_consistent(session) -> None:
    session = fresh(session)
    holders = db.session.scalar(db.select(db.func.count(Enrolment.id)).where(
        Enrolment.session_id == session.id, Enrolment.status.in_(["offered", "confirmed", "completed", "not_completed"])))
    assert session.seats_taken == holders <= session.capacity


@pytest.fixture
def trainer(catalogue):
    return make_user("trainer", email="trainer@example.org")


# Only the illegal pairs: a legal one is not a case of this test (it would pass without checking anything).
ILLEGAL = [(start, target) for start in S for target in S if target not in TRANSITIONS[start]]


def test_the_illegal_pairs_are_most_pairs():
    assert len(ILLEGAL) > len(S) ** 2 // 2 and all(target not in TRANSITIONS[start] for start, target in ILLEGAL)


@pytest.mark.parametrize(("start", "target"), ILLEGAL, ids=[f"{a.value}->{b.value}" for a, b in ILLEGAL])
def test_every_illegal_transition_is_refused(trainer, start, target):
    session = make_session(trainer)
    person = make_user("trainee", email="someone@example.org")
    enrolment = Enrolment(session_id=session.id, user_id=person.id, status=start.value)
    db.session.add(enrolment)
    db.session.commit()
    with pytest.raises(EnrolmentError):
        services.move(enrolment, target, actor=trainer)
    db.session.rollback()
    assert fresh(enrolment).status == start.value
    assert db.session.scalar(db.select(db.func.count(EnrolmentEvent.id))) == 0


def test_a_transition_that_lost_a_race_is_refused(trainer):
    session = make_session(trainer)
    person = make_user("trainee", email="someone@example.org")
    enrolment = services.enrol(session, person, actor=person)
    db.session.commit()
    # Someone else cancels it meanwhile (another request, another transaction).
    db.session.execute(db.update(Enrolment).where(Enrolment.id == enrolment.id).values(status="cancelled"))
    db.session.commit()
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(enrolment, "status", "confirmed")  # this request still believes it is confirmed
    with pytest.raises(EnrolmentError, match="vient de changer"):
        services.move(enrolment, S.COMPLETED, actor=trainer)


def test_enrol_confirms_then_waitlists_in_order(trainer):
    session = make_session(trainer, capacity=2)
    a, b, c, d = people_list(4)
    statuses = [services.enrol(session, p, actor=p).status for p in (a, b, c, d)]
    db.session.commit()
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    waiting = services.waitlist(fresh(session))
    assert [e.user_id for e in waiting] == [c.id, d.id]
    assert services.waitlist_positions(waiting) == {waiting[0].id: 1, waiting[1].id: 2}
    seats_consistent(session)


def test_a_person_cannot_enrol_twice(trainer):
    session = make_session(trainer)
    person = make_user("trainee", email="someone@example.org")
    services.enrol(session, person, actor=person)
    db.session.commit()
    with pytest.raises(EnrolmentError, match="déjà inscrite"):
        services.enrol(session, person, actor=person)


def test_cancel_offers_the_seat_to_the_first_waiting_then_accept(trainer):
    session = make_session(trainer, capacity=1, offer_hours=24)
    a, b, c = people_list(3)
    first = services.enrol(session, a, actor=a)
    second = services.enrol(session, b, actor=b)
    services.enrol(session, c, actor=c)
    db.session.commit()
    services.cancel(first, actor=a)
    db.session.commit()
    second = fresh(second)
    assert second.status == "offered"
    assert timedelta(hours=23) < second.offer_expires_at - second.updated_at <= timedelta(hours=24)
    seats_consistent(session)
    services.accept_offer(second, actor=b)
    db.session.commit()
    assert fresh(second).status == "confirmed"
    seats_consistent(session)


def test_an_expired_offer_passes_to_the_next_and_the_job_is_idempotent(trainer):
    session = make_session(trainer, capacity=1, offer_hours=1)
    a, b, c = people_list(3)
    first = services.enrol(session, a, actor=a)
    second = services.enrol(session, b, actor=b)
    third = services.enrol(session, c, actor=c)
    db.session.commit()
    services.cancel(first, actor=a)
    db.session.commit()
    later = fresh(second).offer_expires_at + timedelta(minutes=1)
    assert services.expire_offers(now=later) == 1
    db.session.commit()
    assert services.expire_offers(now=later) == 0  # run twice: nothing more happens
    db.session.commit()
    assert fresh(second).status == "cancelled" and fresh(second).cancel_reason == "offer expired"
    assert fresh(third).status == "offered"
    seats_consistent(session)
    with pytest.raises(EnrolmentError, match="délai"):
        services.accept_offer(fresh(third), actor=c, now=fresh(third).offer_expires_at + timedelta(seconds=1))


def test_approval_required_sessions(trainer):
    session = make_session(trainer, capacity=1, requires_approval=True)
    a, b = people_list(2)
    first = services.enrol(session, a, actor=a)
    second = services.enrol(session, b, actor=b)
    db.session.commit()
    assert (first.status, second.status) == ("requested", "requested")
    assert fresh(session).seats_taken == 0  # a request holds no seat
    services.approve(first, actor=trainer)
    services.approve(second, actor=trainer)
    db.session.commit()
    assert (fresh(first).status, fresh(second).status) == ("confirmed", "waitlisted")
    with pytest.raises(EnrolmentError):
        services.approve(fresh(first), actor=trainer)


def test_reject_and_staff_cancel_need_a_reason(trainer):
    session = make_session(trainer, capacity=3, requires_approval=True)
    person = make_user("trainee", email="someone@example.org")
    enrolment = services.enrol(session, person, actor=person)
    db.session.commit()
    with pytest.raises(EnrolmentError, match="raison"):
        services.reject(enrolment, "  ", actor=trainer)
    services.reject(enrolment, "Réservée aux coopératives de safran", actor=trainer)
    db.session.commit()
    assert fresh(enrolment).status == "cancelled"


def test_trainee_cancels_only_before_the_start(trainer):
    session = make_session(trainer, capacity=3)
    person = make_user("trainee", email="someone@example.org")
    enrolment = services.enrol(session, person, actor=person)
    db.session.commit()
    s = fresh(session)
    s.starts_at = s.starts_at - timedelta(days=60)  # the session has begun
    db.session.commit()
    with pytest.raises(EnrolmentError):
        services.cancel(fresh(enrolment), actor=person)
    services.cancel(fresh(enrolment), actor=trainer, reason="Absent aux deux premières séances")
    db.session.commit()
    assert fresh(enrolment).status == "cancelled"


def test_re_enrolling_after_a_cancellation(trainer):
    session = make_session(trainer, capacity=3)
    person = make_user("trainee", email="someone@example.org")
    enrolment = services.enrol(session, person, actor=person)
    services.cancel(enrolment, actor=person)
    again = services.enrol(session, person, actor=person)
    db.session.commit()
    assert again.id == enrolment.id and fresh(again).status == "confirmed"
    events = db.session.scalars(db.select(EnrolmentEvent.to_status).where(EnrolmentEvent.enrolment_id == again.id)
                                .order_by(EnrolmentEvent.id)).all()
    assert events == ["requested", "confirmed", "cancelled", "requested", "confirmed"]


def test_reserved_seats_for_women(trainer):
    session = make_session(trainer, capacity=3, women_seats=2)
    men = people_list(2, prefix="man", gender="m")
    women = people_list(2, prefix="woman", gender="f")
    results = [services.enrol(session, p, actor=p).status for p in (*men, *women)]
    db.session.commit()
    assert results == ["confirmed", "waitlisted", "confirmed", "confirmed"]
    seats_consistent(session)


def test_staff_promote_needs_a_free_seat(trainer):
    session = make_session(trainer, capacity=1)
    a, b = people_list(2)
    services.enrol(session, a, actor=a)
    waiting = services.enrol(session, b, actor=b)
    db.session.commit()
    with pytest.raises(EnrolmentError, match="Aucune place"):
        services.staff_promote(waiting, actor=trainer)
    s = fresh(session)
    s.capacity = 2
    db.session.commit()
    services.staff_promote(fresh(waiting), actor=trainer)
    db.session.commit()
    assert fresh(waiting).status == "confirmed"
    seats_consistent(session)


def test_cancelling_a_session_cancels_every_enrolment(trainer):
    session = make_session(trainer, capacity=1)
    a, b = people_list(2)
    services.enrol(session, a, actor=a)
    services.enrol(session, b, actor=b)
    db.session.commit()
    assert services.cancel_session(fresh(session), "Crue de l’oued", actor=trainer) == 2
    db.session.commit()
    statuses = db.session.scalars(db.select(Enrolment.status)).all()
    assert statuses == ["cancelled", "cancelled"] and fresh(session).seats_taken == 0
    with pytest.raises(EnrolmentError):
        services.enrol(fresh(session), make_user("trainee", email="late@example.org"), actor=trainer, walk_in=True)


def test_enrolment_window(trainer):
    from ecole.core.models import utcnow

    session = make_session(trainer, enrolment_opens_at=utcnow() + timedelta(days=1))
    person = make_user("trainee", email="someone@example.org")
    with pytest.raises(EnrolmentError, match="pas ouvertes"):
        services.enrol(session, person, actor=person)
    db.session.rollback()
    assert services.enrol(fresh(session), fresh(person), actor=trainer, walk_in=True).status == "confirmed"


def test_capacity_cannot_shrink_below_seats_taken(trainer):
    from ecole.sessions.services import SessionData, SessionError, save_session

    session = make_session(trainer, capacity=2)
    for person in people_list(2):
        services.enrol(session, person, actor=person)
    db.session.commit()
    s = fresh(session)
    data = SessionData(course_id=s.course_id, trainer_ids=[trainer.id], commune="Taliouine", place="Maison du safran",
                       languages=["ar"], capacity=1)
    with pytest.raises(SessionError):
        save_session(s, data, actor=trainer)
