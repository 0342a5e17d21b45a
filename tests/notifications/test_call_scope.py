"""The call list shows phone numbers: a trainer sees the people of their own sessions only, and
nobody when that scope cannot be worked out (the rule fails closed)."""
from ecole.accounts.models import UserRole
from ecole.enrolment import services
from ecole.extensions import db
from ecole.notifications import queries
from tests.factories import make_session, make_user
from tests.helpers import signed_in


def _phone_only_people_in_two_sessions(people, other_trainer):
    mine = make_session(people.trainer, commune="Taliouine")
    theirs = make_session(other_trainer, commune="Askaoun")
    aicha = make_user("trainee", name="Aicha Mine", phone="0611111111", email=None)
    hassan = make_user("trainee", name="Hassan Theirs", phone="0622222222", email=None)
    services.enrol(mine, aicha, actor=people.trainer)
    services.enrol(theirs, hassan, actor=other_trainer)
    db.session.commit()
    return aicha, hassan


def test_a_trainer_sees_only_the_people_of_their_own_sessions(app, people, catalogue, other_trainer):
    aicha, hassan = _phone_only_people_in_two_sessions(people, other_trainer)
    page = signed_in(app, people.trainer).get("/calls").get_data(as_text=True)
    assert "+212611111111" in page and "+212622222222" not in page
    other = signed_in(app, other_trainer).get("/calls").get_data(as_text=True)
    assert "+212622222222" in other and "+212611111111" not in other
    every = signed_in(app, people.admin).get("/calls").get_data(as_text=True)
    assert "+212611111111" in every and "+212622222222" in every
    # …and one cannot mark another trainer's call done either.
    theirs = db.session.scalar(db.select(queries.Notification).where(queries.Notification.user_id == hassan.id))
    from tests.helpers import post

    assert post(signed_in(app, people.trainer), f"/calls/{theirs.id}/done").status_code == 404


def test_nobody_is_shown_when_the_scope_cannot_be_worked_out(app, people, catalogue, other_trainer):
    _phone_only_people_in_two_sessions(people, other_trainer)
    assert len(db.session.scalars(queries.calls_for(people.admin)).all()) == 2
    # A trainer who teaches nothing, a trainee, a person whose trainer role was taken away: nothing.
    idle = make_user("trainer", name="Idle Trainer", email="idle@example.org")
    assert db.session.scalars(queries.calls_for(idle)).all() == []
    assert db.session.scalars(queries.calls_for(people.trainee)).all() == []
    db.session.execute(db.delete(UserRole).where(UserRole.user_id == other_trainer.id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(queries.calls_for(db.session.get(type(other_trainer), other_trainer.id))).all() == []
