"""Completion on the edge cases: exactly 80 %, excused absences both ways, late, a cancelled meeting,
a trainee who joined from the waitlist after the first meeting, a meeting added after marks were
taken, the assessment and the study trip."""
from datetime import datetime, timedelta, timezone

import pytest

from ecole.attendance import services
from ecole.attendance.completion import Rule, session_facts, standing
from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import Assessment, Mark, Result
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions import services as session_services
from ecole.sessions.models import Meeting
from tests.factories import make_held_session, make_user

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)
P, L, E, A = Mark.PRESENT.value, Mark.LATE.value, Mark.EXCUSED.value, Mark.ABSENT.value


def meetings(*minutes, kinds=None, cancelled=()):
    """Meetings on consecutive days before NOW, of the given lengths in minutes."""
    made = []
    for index, length in enumerate(minutes):
        start = NOW - timedelta(days=len(minutes) - index, hours=6)
        meeting = Meeting(id=index + 1, session_id=1, starts_at=start, ends_at=start + timedelta(minutes=length),
                          kind=(kinds or {}).get(index + 1, "class"),
                          cancelled_at=NOW if index + 1 in cancelled else None)
        made.append(meeting)
    return made


def marks(*values):
    return {index + 1: value for index, value in enumerate(values) if value is not None}


def test_exactly_eighty_percent_completes_and_a_minute_less_does_not():
    five = meetings(60, 60, 60, 60, 60)
    result = standing(five, marks(P, P, P, P, A), Rule(), joined_at=None, passed=None, now=NOW)
    assert (result.minutes_attended, result.minutes_counted, result.percent, result.completed) == (240, 300, 80, True)
    longer_missed = meetings(60, 60, 60, 59, 61)
    result = standing(longer_missed, marks(P, P, P, P, A), Rule(), joined_at=None, passed=None, now=NOW)
    assert result.minutes_attended == 239 and not result.completed and result.reasons == ["attendance"]


@pytest.mark.parametrize("left_out,completed,percent", [(False, False, 60), (True, True, 100)])
def test_excused_absences_count_against_or_are_left_out(left_out, completed, percent):
    five = meetings(60, 60, 60, 60, 60)
    result = standing(five, marks(P, P, P, E, E), Rule(excused_left_out=left_out), joined_at=None, passed=None, now=NOW)
    assert (result.completed, result.percent) == (completed, percent)
    assert result.minutes_attended == 180  # hours attended never include excused absences


def test_excused_from_everything_is_not_completion_even_when_left_out():
    result = standing(meetings(60, 60), marks(E, E), Rule(excused_left_out=True), joined_at=None, passed=None, now=NOW)
    assert not result.completed and result.reasons == ["nothing_attended"]


def test_late_counts_as_present():
    result = standing(meetings(60, 60, 60, 60, 60), marks(L, L, L, L, A), Rule(), joined_at=None, passed=None, now=NOW)
    assert result.completed and result.minutes_attended == 240


def test_a_cancelled_meeting_counts_for_nobody():
    five = meetings(60, 60, 60, 60, 60, cancelled={5})
    result = standing(five, marks(P, P, P, A, None), Rule(), joined_at=None, passed=None, now=NOW)
    assert (result.minutes_expected, result.percent, result.completed) == (240, 75, False)
    result = standing(five, marks(P, P, P, P, None), Rule(), joined_at=None, passed=None, now=NOW)
    assert (result.minutes_expected, result.completed, result.unmarked) == (240, True, [])


def test_joined_from_the_waitlist_after_the_first_meeting():
    five = meetings(60, 60, 60, 60, 60)
    joined = five[0].ends_at + timedelta(hours=1)
    result = standing(five, marks(None, P, P, P, A), Rule(), joined_at=joined, passed=None, now=NOW)
    assert (result.minutes_expected, result.percent, result.completed) == (240, 75, False)
    result = standing(five, marks(None, P, P, P, P), Rule(), joined_at=joined, passed=None, now=NOW)
    assert (result.minutes_expected, result.completed, result.unmarked) == (240, True, [])
    came_anyway = standing(five, marks(P, P, P, P, A), Rule(), joined_at=joined, passed=None, now=NOW)
    assert (came_anyway.minutes_expected, came_anyway.minutes_attended, came_anyway.completed) == (300, 240, True)
    # Enrolled after the fact from the paper sheet, and marked at the meetings before: on the record.
    recorded_late = standing(five, marks(A, A, P, P, P), Rule(), joined_at=NOW, passed=None, now=NOW)
    assert (recorded_late.minutes_expected, recorded_late.percent, recorded_late.completed) == (300, 60, False)


def test_a_meeting_added_after_marks_were_taken_is_unmarked_until_marked():
    four = meetings(60, 60, 60, 60)
    before = standing(four, marks(P, P, P, P), Rule(), joined_at=None, passed=None, now=NOW)
    assert before.completed and before.percent == 100
    five = meetings(60, 60, 60, 60, 60)
    after = standing(five, marks(P, P, P, P), Rule(), joined_at=None, passed=None, now=NOW)
    assert (after.unmarked, after.percent, after.completed) == ([5], 80, True)
    stricter = standing(five, marks(P, P, P, P), Rule(min_attendance=90), joined_at=None, passed=None, now=NOW)
    assert not stricter.completed


def test_assessment_and_study_trip_when_the_rule_asks_for_them():
    mixed = meetings(60, 60, 60, 60, 240, kinds={5: "visit"})
    everything = marks(P, P, P, P, P)
    assert not standing(mixed, everything, Rule(requires_assessment=True), joined_at=None, passed=None, now=NOW).completed
    assert not standing(mixed, everything, Rule(requires_assessment=True), joined_at=None, passed=False, now=NOW).completed
    assert standing(mixed, everything, Rule(requires_assessment=True), joined_at=None, passed=True, now=NOW).completed
    missed_trip = standing(mixed, marks(P, P, P, P, E), Rule(excused_left_out=True), joined_at=None, passed=None, now=NOW)
    assert missed_trip.percent == 100 and missed_trip.reasons == ["trip"]
    assert standing(mixed, marks(P, P, P, P, E), Rule(excused_left_out=True, requires_trip=False), joined_at=None,
                    passed=None, now=NOW).completed


# --- through the services, on the database ----------------------------------------------------

@pytest.fixture
def held(app, people, catalogue):
    trainees = [make_user("trainee", name=f"Stagiaire {n}", email=f"s{n}@example.org") for n in range(3)]
    course_session, enrolments = make_held_session(people.trainer, trainees,
                                                   meetings=((5, 9, 11), (4, 9, 11), (3, 9, 11), (2, 9, 11), (1, 9, 11)))
    return course_session, enrolments


def mark_all(course_session, rows, actor):
    for index, meeting in enumerate(course_session.meetings):
        services.save_marks(meeting, {e.id: row[index] for e, row in rows if row[index] is not None}, actor=actor)
    db.session.commit()


def test_validation_stores_hours_and_moves_enrolments(held, people):
    course_session, (full, eighty, low) = held
    mark_all(course_session, [(full, [P] * 5), (eighty, [P, L, P, P, A]), (low, [P, A, A, P, E])], people.trainer)
    services.validate_results(course_session, actor=people.trainer)
    db.session.commit()
    results = {r.enrolment_id: r for r in db.session.scalars(db.select(Result))}
    assert (results[full.id].minutes_attended, results[full.id].completed) == (600, True)
    assert (results[eighty.id].minutes_attended, results[eighty.id].completed) == (480, True)
    assert (results[low.id].minutes_attended, results[low.id].completed, results[low.id].reasons) == (240, False, ["attendance"])
    statuses = {e.id: e.status for e in db.session.scalars(db.select(Enrolment))}
    assert statuses[full.id] == "completed" and statuses[low.id] == "not_completed"
    assert all(r.is_locked for r in results.values())


def test_a_meeting_added_after_marks_blocks_validation_until_it_is_marked(held, people):
    course_session, enrolments = held
    mark_all(course_session, [(e, [P] * 5) for e in enrolments], people.trainer)
    today = datetime.now(timezone.utc) - timedelta(hours=3)
    added = session_services.add_meeting(course_session, today, today + timedelta(hours=1), actor=people.trainer,
                                         force=True, now=today - timedelta(days=1))
    db.session.commit()
    with pytest.raises(AttendanceError, match="ne sont pas notées"):
        services.validate_results(course_session, actor=people.trainer)
    db.session.rollback()
    services.everyone_present(added, actor=people.trainer)
    services.validate_results(course_session, actor=people.trainer)
    db.session.commit()
    assert {r.minutes_attended for r in db.session.scalars(db.select(Result))} == {660}


def test_a_cancelled_meeting_after_marks_gives_back_its_hours(held, people):
    course_session, enrolments = held
    mark_all(course_session, [(e, [P, P, P, A, A]) for e in enrolments], people.trainer)
    facts = session_facts(course_session)
    assert not facts.standing_of(enrolments[0], datetime.now(timezone.utc)).completed
    last = course_session.meetings[-1]
    session_services.cancel_meeting(course_session, last, "Pluie : piste coupée", actor=people.admin)
    services.refresh_results(session_facts(course_session))
    db.session.commit()
    result = db.session.scalar(db.select(Result).where(Result.enrolment_id == enrolments[0].id))
    assert (result.minutes_expected, result.minutes_attended, result.completed) == (480, 360, False)


def test_validated_results_are_locked_for_the_trainer(held, people):
    course_session, enrolments = held
    mark_all(course_session, [(e, [P] * 5) for e in enrolments], people.trainer)
    services.validate_results(course_session, actor=people.trainer)
    db.session.commit()
    meeting = course_session.meetings[0]
    with pytest.raises(AttendanceError, match="verrouillée"):
        services.save_marks(meeting, {enrolments[0].id: A}, actor=people.trainer)
    db.session.rollback()
    with pytest.raises(AttendanceError, match="déjà validés"):
        services.validate_results(course_session, actor=people.trainer)
    db.session.rollback()
    with pytest.raises(AttendanceError, match="administrateur"):
        services.unlock_results(course_session, "erreur", actor=people.trainer)
    db.session.rollback()
    with pytest.raises(AttendanceError, match="rouvrez-les"):
        services.unlock_register(meeting, "erreur", actor=people.admin)
    db.session.rollback()
    assert services.unlock_results(course_session, "Une présence oubliée", actor=people.admin) == 3
    services.unlock_register(meeting, "Une présence oubliée", actor=people.admin)
    services.save_marks(meeting, {enrolments[0].id: A}, actor=people.trainer)
    db.session.commit()
    assert db.session.get(Assessment, 1) is None  # nothing else was touched


def test_the_rule_of_the_course_is_used(held, people):
    course_session, enrolments = held
    services.save_rule(course_session.course_id, Rule(min_attendance=100), actor=people.admin)
    mark_all(course_session, [(e, [P, P, P, P, L]) for e in enrolments[:1]] + [(e, [P, P, P, P, A]) for e in enrolments[1:]],
             people.trainer)
    standings = {e.id: session_facts(course_session).standing_of(e, datetime.now(timezone.utc)) for e in enrolments}
    assert standings[enrolments[0].id].completed and not standings[enrolments[1].id].completed
    with pytest.raises(AttendanceError):
        services.save_rule(course_session.course_id, Rule(min_attendance=100), actor=people.trainer)
