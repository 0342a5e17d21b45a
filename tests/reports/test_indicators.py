"""The funders' indicators on a hand-made school whose answers are worked out by hand and written
below as literal numbers: who counts as trained, person-hours, completion (through the real
attendance services and completion rules), age bands across a birthday, programmes sharing a
session, filters, small cells and targets.

The main school (`school` fixture), programme PAFR-2026 (2025-12-01 → 2026-11-30), meetings 09:00–12:00
on the school's clock unless said otherwise (P present, L late, E excused, A absent, - no mark):

    S1 saffron (excused left out, 80 %), Dec 2025, 3 meetings + a 4th on 13 Dec cancelled after marks
         Amina PPP(P)  Youssef PLP(P)  Khadija PEP(P)  Hassan AAA(P)           validated
    S2 argan (excused counted, 100 %), 14–16 Apr 2026; also in programme COOP-2026
         Amina PPP  Lahcen PEP                                                  validated
    S3 saffron, 9–10 Jun 2026, 09:00–11:00
         Amina PP  Youssef PP                                                   validated
    S4 saffron, 24 Nov and 1 Dec 2026 (ends after the period)
         Aïcha PP  Zahra --                                                     not validated
    S5 awareness course (does not count as training), 5 May 2026
         Amina P  Rachid P

So: trained Amina (22 h), Youssef (13 h), Khadija (6 h), Lahcen (6 h), Aïcha (3 h) = 5 people, 50 h;
completed Amina, Youssef, Khadija = 3 of the 4 trained in sessions ended in the period (75 %)."""
from datetime import date, datetime, time, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select, update

from ecole.accounts.services import set_functioning
from ecole.attendance import services as attendance
from ecole.attendance.completion import Rule
from ecole.catalogue.models import Course
from ecole.enrolment import services as enrolment_services
from ecole.enrolment.models import Enrolment, EnrolmentEvent
from ecole.extensions import db
from ecole.reports import services as report_services
from ecole.reports.indicators import Filters, compute, hide_small_cells
from ecole.sessions import services as session_services
from ecole.sessions.services import SessionData, to_utc
from ecole.trips import services as trip_services
from ecole.trips.services import StopData
from tests.factories import make_trip, make_user

LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)  # "now" when the meetings were scheduled
MARKS = {"P": "present", "L": "late", "E": "excused", "A": "absent"}
PAFR = (date(2025, 12, 1), date(2026, 11, 30))


# --- small builders ---------------------------------------------------------------------------

def trainee(name: str, email: str, *, functioning: dict | None = None, **profile):
    """A trainee; `functioning`: their WG-SS answers, given with their consent."""
    person = make_user("trainee", name=name, email=email, **profile)
    if functioning is not None:
        set_functioning(person, functioning, actor=person)
        db.session.commit()
    return person


def held_session(trainer, course_slug: str, days, trainees, *, commune: str = "Tiznit", hours=(9, 12)):
    """A published session of `course_slug` with one meeting per day of `days` (school clock, fixed
    dates in the past), every trainee confirmed before the first meeting."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    course_session = session_services.save_session(None, SessionData(
        course_id=course.id, trainer_ids=[trainer.id], commune=commune, place="Dar Chabab",
        languages=["fr", "ar"], capacity=30), actor=trainer)
    for day in days:
        session_services.add_meeting(course_session, to_utc(day, time(hours[0])), to_utc(day, time(hours[1])),
                                     actor=trainer, force=True, now=LONG_AGO)
    session_services.publish(course_session, actor=trainer)
    enrolments = [enrolment_services.enrol(course_session, person, actor=trainer, walk_in=True)
                  for person in trainees]
    db.session.execute(update(EnrolmentEvent).where(EnrolmentEvent.enrolment_id.in_([e.id for e in enrolments]))
                       .values(at=LONG_AGO))
    db.session.commit()
    return course_session, enrolments


def mark(course_session, rows, actor):
    """rows: (enrolment, "PLEA-") pairs, one letter per meeting in time order, through save_marks."""
    for index, meeting in enumerate(course_session.meetings):
        marks = {e.id: MARKS[letters[index]] for e, letters in rows if letters[index] != "-"}
        if marks:
            attendance.save_marks(meeting, marks, actor=actor)
    db.session.commit()


def validate(course_session, actor):
    attendance.validate_results(course_session, actor=actor)
    db.session.commit()


def programme(code: str, period, session_ids, *, actor, targets=None):
    made = report_services.create_programme({"code": code, "titles": {"fr": code}, "starts_on": period[0],
                                             "ends_on": period[1], "targets": targets or {}}, actor=actor)
    report_services.set_sessions(made, session_ids, actor=actor)
    db.session.commit()
    return made


def rows_of(report, dimension):
    """(value, trained, completed, completion base, person-hours) of each row of a disaggregation."""
    return [(r.value, r.trained, r.completed, r.completion_base, r.person_hours) for r in report.tables[dimension]]


def names(people):
    return [p.name_latin for p in people]


# --- the school -------------------------------------------------------------------------------

@pytest.fixture
def school(people, catalogue):
    trainer, admin = people.trainer, people.admin
    attendance.save_rule(db.session.scalar(select(Course.id).where(Course.slug == "saffron-basics")),
                         Rule(min_attendance=80, excused_left_out=True), actor=admin)
    attendance.save_rule(db.session.scalar(select(Course.id).where(Course.slug == "argan-coop")),
                         Rule(min_attendance=100, excused_left_out=False), actor=admin)
    attendance.save_rule(db.session.scalar(select(Course.id).where(Course.slug == "draft-course")),
                         Rule(counts_as_training=False), actor=admin)
    db.session.commit()

    amina = trainee("Amina Ait Ali", "amina@example.org", gender="f", birth_year=1990, commune="Taliouine",
                    audience="cooperative_member", functioning={"seeing": 1, "hearing": 2})
    youssef = trainee("Youssef Idrissi", "youssef@example.org", gender="m", birth_year=2008, commune="Tiznit",
                      audience="youth")
    khadija = trainee("Khadija Amzil", "khadija@example.org", gender="f", birth_year=1970, commune="Taliouine",
                      audience="farmer", functioning={"walking": 3})
    lahcen = trainee("Lahcen Ait Brahim", "lahcen@example.org", gender="m", birth_year=1960, commune="Askaoun",
                     audience="elected_official", functioning={"seeing": 4, "hearing": 1})
    hassan = trainee("Hassan Amzil", "hassan@example.org", gender="m", birth_year=1985, commune="Askaoun",
                     audience="farmer")
    zahra = trainee("Zahra Oubella", "zahra@example.org", gender="f", birth_year=2000, commune="Tiznit",
                    audience="other")
    rachid = trainee("Rachid Oubella", "rachid@example.org", gender="m", birth_year=1995, commune="Tiznit",
                     audience="commune_staff")
    aicha = trainee("Aicha Idrissi", "aicha@example.org", gender=None, birth_year=None, commune="",
                    audience="teacher")

    s1, (e_amina1, e_youssef1, e_khadija1, e_hassan1) = held_session(
        trainer, "saffron-basics", [date(2025, 12, 10), date(2025, 12, 11), date(2025, 12, 12), date(2025, 12, 13)],
        [amina, youssef, khadija, hassan], commune="Taliouine")
    mark(s1, [(e_amina1, "PPPP"), (e_youssef1, "PLPP"), (e_khadija1, "PEPP"), (e_hassan1, "AAAP")], trainer)
    session_services.cancel_meeting(s1, s1.meetings[3], "Neige : la piste est coupée", actor=admin)
    db.session.commit()
    validate(s1, trainer)

    s2, (e_amina2, e_lahcen2) = held_session(
        trainer, "argan-coop", [date(2026, 4, 14), date(2026, 4, 15), date(2026, 4, 16)], [amina, lahcen])
    mark(s2, [(e_amina2, "PPP"), (e_lahcen2, "PEP")], trainer)
    validate(s2, trainer)

    s3, (e_amina3, e_youssef3) = held_session(
        trainer, "saffron-basics", [date(2026, 6, 9), date(2026, 6, 10)], [amina, youssef], commune="Askaoun",
        hours=(9, 11))
    mark(s3, [(e_amina3, "PP"), (e_youssef3, "PP")], trainer)
    validate(s3, trainer)

    s4, (e_aicha4, _e_zahra4) = held_session(
        trainer, "saffron-basics", [date(2026, 11, 24), date(2026, 12, 1)], [aicha, zahra], commune="Taliouine")
    mark(s4, [(e_aicha4, "PP")], trainer)

    s5, (e_amina5, e_rachid5) = held_session(trainer, "draft-course", [date(2026, 5, 5)], [amina, rachid])
    mark(s5, [(e_amina5, "P"), (e_rachid5, "P")], trainer)
    validate(s5, trainer)

    pafr = programme("PAFR-2026", PAFR, [s.id for s in (s1, s2, s3, s4, s5)], actor=admin,
                     targets={"trained": 10, "women_trained": 4, "completion_rate": 80, "person_hours": 40,
                              "sessions": 4, "trips": 2, "communes": 0})
    coop = programme("COOP-2026", (date(2026, 1, 1), date(2026, 12, 31)), [s2.id], actor=admin)
    return SimpleNamespace(amina=amina, youssef=youssef, khadija=khadija, lahcen=lahcen, hassan=hassan,
                           zahra=zahra, rachid=rachid, aicha=aicha, s1=s1, s2=s2, s3=s3, s4=s4, s5=s5,
                           pafr=pafr, coop=coop)


def pafr_report(school, **filters):
    return compute(Filters(*PAFR, programme_id=school.pafr.id, **filters))


# --- who is trained, and their hours ----------------------------------------------------------

def test_headline_figures_of_the_programme(school):
    report = pafr_report(school)
    assert report.totals == {
        "trained": 5, "women_trained": 2, "completed": 3, "completion_base": 4, "completion_rate": 75.0,
        "person_hours": 50.0, "sessions": 4, "trips": 0, "communes": 3,
    }
    assert names(report.people_for("trained")) == [
        "Aicha Idrissi", "Amina Ait Ali", "Khadija Amzil", "Lahcen Ait Brahim", "Youssef Idrissi"]
    assert names(report.people_for("completed")) == ["Amina Ait Ali", "Khadija Amzil", "Youssef Idrissi"]


def test_a_person_in_three_courses_counts_once_with_the_hours_of_all_three(school):
    report = pafr_report(school)
    amina = report.people[school.amina.id]
    assert [p.id for p in report.people_for("trained")].count(school.amina.id) == 1
    assert amina.session_ids == {school.s1.id, school.s2.id, school.s3.id}  # not the awareness meeting
    assert (amina.minutes, amina.hours) == (1320, 22.0)  # 9 h + 9 h + 4 h; the cancelled meeting gives nothing
    assert amina.completed and amina.in_ended_session
    youssef = report.people[school.youssef.id]
    assert (youssef.minutes, youssef.completed) == (780, True)  # late counts as present: 9 h + 4 h


def test_people_who_never_came_are_not_trained(school):
    report = pafr_report(school)
    # Hassan: absent at every held meeting (his "present" is at the cancelled one); Zahra: no mark at all;
    # Rachid: only at the awareness meeting.
    for person in (school.hassan, school.zahra, school.rachid):
        assert person.id not in report.people
    statuses = dict(db.session.execute(select(Enrolment.user_id, Enrolment.status)
                                       .where(Enrolment.session_id == school.s1.id)).all())
    assert statuses[school.hassan.id] == "not_completed"


def test_excused_absence_follows_the_completion_rule_of_the_course(school):
    statuses = dict(db.session.execute(select(Enrolment.user_id, Enrolment.status)
                                       .where(Enrolment.session_id.in_([school.s1.id, school.s2.id]))
                                       .where(Enrolment.user_id.in_([school.khadija.id, school.lahcen.id]))).all())
    assert statuses == {school.khadija.id: "completed", school.lahcen.id: "not_completed"}
    report = pafr_report(school)
    khadija, lahcen = report.people[school.khadija.id], report.people[school.lahcen.id]
    # The same attendance (present, excused, present): left out on saffron, held against on argan (100 %).
    assert (khadija.hours, khadija.completed, khadija.in_ended_session) == (6.0, True, True)
    assert (lahcen.hours, lahcen.completed, lahcen.in_ended_session) == (6.0, False, True)


def test_cancelled_meetings_and_awareness_courses_do_not_count(school):
    everything = compute(Filters(*PAFR))  # no programme: every session of the period
    assert everything.totals["trained"] == 5 and everything.totals["person_hours"] == 50.0
    assert everything.totals["sessions"] == 4  # S5, the awareness meeting, is not delivered training
    assert school.rachid.id not in everything.people
    awareness_only = compute(Filters(date(2026, 5, 1), date(2026, 5, 31)))
    assert awareness_only.totals["trained"] == 0 and awareness_only.people == {}
    december_13 = compute(Filters(date(2025, 12, 13), date(2025, 12, 13)))  # only the cancelled meeting
    assert december_13.totals["trained"] == 0 and december_13.totals["sessions"] == 0


def test_a_session_in_two_programmes_counts_in_both(school):
    coop = compute(Filters(date(2026, 1, 1), date(2026, 12, 31), programme_id=school.coop.id))
    assert coop.totals == {
        "trained": 2, "women_trained": 1, "completed": 1, "completion_base": 2, "completion_rate": 50.0,
        "person_hours": 15.0, "sessions": 1, "trips": 0, "communes": 2,
    }
    assert names(coop.people_for("trained")) == ["Amina Ait Ali", "Lahcen Ait Brahim"]
    pafr = pafr_report(school)
    assert {school.amina.id, school.lahcen.id} <= set(pafr.people)


# --- age bands ----------------------------------------------------------------------------------

def test_age_is_taken_at_the_first_attended_meeting_of_the_period(school):
    report = pafr_report(school)
    youssef = report.people[school.youssef.id]  # born 2008: 17 in December 2025, 18 at his June 2026 course
    assert youssef.first_day == date(2025, 12, 10)
    assert youssef.value("age") == "under_18"
    assert names(report.people_for("trained", "age", "under_18")) == ["Youssef Idrissi"]
    assert report.people_for("trained", "age", "18_24") == []

    from_2026 = compute(Filters(date(2026, 1, 1), date(2026, 11, 30), programme_id=school.pafr.id))
    youssef = from_2026.people[school.youssef.id]
    assert youssef.first_day == date(2026, 6, 9) and youssef.value("age") == "18_24"
    assert rows_of(from_2026, "age") == [
        ("under_18", 0, 0, 0, 0.0),
        ("18_24", 1, 1, 1, 4.0),    # Youssef: S3
        ("25_35", 0, 0, 0, 0.0),
        ("36_59", 1, 1, 1, 13.0),   # Amina, 36 in 2026: S2 + S3
        ("60_plus", 1, 0, 1, 6.0),  # Lahcen
        ("unknown", 1, 0, 0, 3.0),  # Aïcha, no birth year
    ]
    assert school.khadija.id not in from_2026.people  # she only came in December 2025


def test_the_period_is_days_on_the_school_clock(people, catalogue):
    person = trainee("Nadia Ait Ouaziz", "nadia@example.org", gender="f", birth_year=1999, commune="Tata")
    # 00:30 on 1 January 2026 in Morocco is still 31 December 2025 in UTC.
    course_session, (enrolment,) = held_session(people.trainer, "saffron-basics", [date(2026, 1, 1)], [person],
                                                hours=(0, 2))
    assert course_session.meetings[0].starts_at.astimezone(timezone.utc).date() == date(2025, 12, 31)
    mark(course_session, [(enrolment, "P")], people.trainer)
    assert compute(Filters(date(2026, 1, 1), date(2026, 1, 1))).totals["person_hours"] == 2.0
    assert compute(Filters(date(2025, 12, 31), date(2025, 12, 31))).totals["trained"] == 0


# --- disaggregations ------------------------------------------------------------------------------

def test_disaggregations(school):
    report = pafr_report(school)
    assert rows_of(report, "sex") == [
        ("f", 2, 2, 2, 28.0),        # Amina 22 h, Khadija 6 h
        ("m", 2, 1, 2, 19.0),        # Youssef 13 h (completed), Lahcen 6 h
        ("unknown", 1, 0, 0, 3.0),   # Aïcha (S4 ends after the period: not in the rate's base)
    ]
    assert rows_of(report, "age") == [
        ("under_18", 1, 1, 1, 13.0),
        ("18_24", 0, 0, 0, 0.0),
        ("25_35", 1, 1, 1, 22.0),
        ("36_59", 1, 1, 1, 6.0),
        ("60_plus", 1, 0, 1, 6.0),
        ("unknown", 1, 0, 0, 3.0),
    ]
    assert rows_of(report, "commune") == [
        ("Taliouine", 2, 2, 2, 28.0),
        ("", 1, 0, 0, 3.0),
        ("Askaoun", 1, 0, 1, 6.0),
        ("Tiznit", 1, 1, 1, 13.0),
    ]
    assert report.tables["commune"][1].label == "Commune non renseignée"
    assert rows_of(report, "audience") == [
        ("elected_official", 1, 0, 1, 6.0),
        ("commune_staff", 0, 0, 0, 0.0),
        ("farmer", 1, 1, 1, 6.0),
        ("artisan", 0, 0, 0, 0.0),
        ("cooperative_member", 1, 1, 1, 22.0),
        ("teacher", 1, 0, 0, 3.0),
        ("animator", 0, 0, 0, 0.0),
        ("youth", 1, 1, 1, 13.0),
        ("womens_association", 0, 0, 0, 0.0),
        ("other", 0, 0, 0, 0.0),
    ]
    assert rows_of(report, "disability") == [
        ("yes", 2, 1, 2, 12.0),         # Khadija (walking 3), Lahcen (seeing 4)
        ("no", 1, 1, 1, 22.0),          # Amina (answers 1 and 2)
        ("not_stated", 2, 1, 1, 16.0),  # Youssef, Aïcha
    ]
    rates = {r.value: r.completion_rate for r in report.tables["sex"]}
    assert rates == {"f": 100.0, "m": 50.0, "unknown": None}


def test_filters_by_commune_and_audience(school):
    taliouine = pafr_report(school, commune="Taliouine")
    assert taliouine.totals == {
        "trained": 2, "women_trained": 2, "completed": 2, "completion_base": 2, "completion_rate": 100.0,
        "person_hours": 28.0, "sessions": 3, "trips": 0, "communes": 1,
    }
    assert names(taliouine.people_for("trained")) == ["Amina Ait Ali", "Khadija Amzil"]
    youth = pafr_report(school, audience="youth")
    assert youth.totals == {
        "trained": 1, "women_trained": 0, "completed": 1, "completion_base": 1, "completion_rate": 100.0,
        "person_hours": 13.0, "sessions": 2, "trips": 0, "communes": 1,
    }
    assert pafr_report(school, commune="Askaoun", audience="youth").totals["trained"] == 0


def test_sessions_and_trips_delivered(people, catalogue):
    trainer = people.trainer
    walker = trainee("Said Ait Lahcen", "said@example.org", gender="m", birth_year=1980, commune="Tazenakht")
    traveller = trainee("Fadma Ouchen", "fadma@example.org", gender="f", birth_year=1988, commune="Taliouine")
    stay_home = trainee("Mina Bouzid", "mina@example.org", gender="f", birth_year=1992, commune="Tata")
    trip = make_trip(trainer, stops=2)
    first_stop = trip.stops[0]
    trip_services.update_stop(first_stop, StopData(
        starts_at=to_utc(date(2026, 5, 20), time(9)), ends_at=to_utc(date(2026, 5, 20), time(12, 30)),
        commune="Taliouine", place="Coopérative 1", host_organisation="Coopérative Souktana 1"), actor=trainer)
    db.session.commit()
    trip_enrolment = enrolment_services.enrol(trip.course_session, traveller, actor=trainer, walk_in=True)
    db.session.commit()
    attendance.save_marks(first_stop.meeting, {trip_enrolment.id: "present"}, actor=trainer)
    db.session.commit()
    course_session, (walker_enrolment,) = held_session(trainer, "saffron-basics", [date(2026, 5, 5)], [walker])
    mark(course_session, [(walker_enrolment, "L")], trainer)
    nobody_came, (absent,) = held_session(trainer, "argan-coop", [date(2026, 5, 6)], [stay_home])
    mark(nobody_came, [(absent, "A")], trainer)

    report = compute(Filters(date(2026, 5, 1), date(2026, 5, 31)))
    assert report.totals == {
        "trained": 2, "women_trained": 1, "completed": 0, "completion_base": 1, "completion_rate": 0.0,
        "person_hours": 6.5, "sessions": 1, "trips": 1, "communes": 2,
    }  # the trip ends in January (its other stop): only the class is in the rate's base
    assert report.people[traveller.id].minutes == 210


# --- small cells ---------------------------------------------------------------------------------

def test_small_cells_are_hidden_with_their_hours_and_no_names(school):
    report = hide_small_cells(pafr_report(school))
    assert report.hidden and report.people == {} and report.people_for("trained") == []
    assert rows_of(report, "sex") == [("f", None, None, None, None), ("m", None, None, None, None),
                                      ("unknown", None, None, None, None)]
    assert rows_of(report, "age") == [
        ("under_18", None, None, None, None), ("18_24", 0, 0, 0, 0.0), ("25_35", None, None, None, None),
        ("36_59", None, None, None, None), ("60_plus", None, None, None, None), ("unknown", None, None, None, None)]
    for dimension, rows in report.tables.items():
        for row in rows:
            assert row.trained in (0, None), (dimension, row)  # every figure here is 1 to 4 people
            assert row.trained == 0 or (row.minutes, row.completion_rate) == (None, None)
    totals = report.totals
    assert (totals["trained"], totals["women_trained"], totals["completed"]) == (5, None, None)
    assert (totals["completion_rate"], totals["person_hours"], totals["sessions"]) == (None, 50.0, 4)


def test_a_single_hidden_cell_in_a_column_hides_the_next_smallest(people, catalogue):
    """12 people, one session of 3 meetings of 2 h: Taliouine 6 women who complete; Tiznit 5 men,
    4 of whom come once (2 h) and do not complete, one who completes; Askaoun 1 woman who completes."""
    def many(prefix, count, **profile):
        return [trainee(f"{prefix} {n}", f"{prefix.lower()}{n}@example.org", birth_year=1995, audience="farmer",
                        **profile) for n in range(count)]

    taliouine = many("Taliouine", 6, gender="f", commune="Taliouine")
    tiznit = many("Tiznit", 5, gender="m", commune="Tiznit")
    askaoun = many("Askaoun", 1, gender="f", commune="Askaoun")
    course_session, enrolments = held_session(
        people.trainer, "saffron-basics", [date(2026, 5, 12), date(2026, 5, 13), date(2026, 5, 14)],
        taliouine + tiznit + askaoun, hours=(9, 11))
    letters = ["PPP"] * 6 + ["PAA"] * 4 + ["PPP"] + ["PPP"]
    mark(course_session, list(zip(enrolments, letters)), people.trainer)
    validate(course_session, people.trainer)

    full = compute(Filters(date(2026, 1, 1), date(2026, 12, 31)))
    assert (full.totals["trained"], full.totals["completed"], full.totals["completion_rate"]) == (12, 8, 66.7)
    assert rows_of(full, "commune") == [("Taliouine", 6, 6, 6, 36.0), ("Tiznit", 5, 1, 5, 14.0),
                                        ("Askaoun", 1, 1, 1, 6.0)]
    hidden = hide_small_cells(full)
    # Askaoun (1) is the column's only small cell: Tiznit, the next smallest, goes too (with its hours).
    assert rows_of(hidden, "commune") == [("Taliouine", 6, 6, 6, 36.0), ("Tiznit", None, None, None, None),
                                          ("Askaoun", None, None, None, None)]
    # One man completed: the only hidden cell of the column, so the women's 7 are hidden too.
    assert rows_of(hidden, "sex") == [("f", 7, None, None, 42.0), ("m", 5, None, None, 14.0),
                                      ("unknown", 0, 0, 0, 0.0)]
    assert [(r.value, r.trained, r.completed) for r in hidden.tables["age"] if r.trained] == [("25_35", 12, 8)]
    assert (hidden.totals["trained"], hidden.totals["women_trained"], hidden.totals["completed"]) == (12, 7, 8)
    assert (hidden.totals["completion_rate"], hidden.totals["person_hours"]) == (66.7, 56.0)
    assert hidden.people_for("trained") == []


# --- targets --------------------------------------------------------------------------------------

def test_progress_towards_the_programme_targets(school):
    report = pafr_report(school)
    assert report.progress() == [
        ("trained", 5, 10, 50),
        ("women_trained", 2, 4, 50),
        ("completion_rate", 75.0, 80, 94),
        ("person_hours", 50.0, 40, 125),
        ("sessions", 4, 4, 100),
        ("trips", 0, 2, 0),
    ]  # "communes": 0 is no target
    assert hide_small_cells(report).progress()[1] == ("women_trained", None, 4, None)
    assert compute(Filters(*PAFR)).progress() == []  # no programme, no targets


def test_all_figures_come_from_five_queries(school):
    statements = []
    programme_id = school.pafr.id
    db.session.expunge_all()  # nothing read beforehand helps

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        compute(Filters(*PAFR, programme_id=programme_id))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 5
