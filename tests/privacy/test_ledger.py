"""An erasure outlives the backups taken before it (ecole/privacy/services.py, the erasures' ledger): a
restore of an archive made before she was erased erases her again, by the command itself, audited; a
ledger that names another database's accounts erases nobody; the backup command writes the entries a
stopped process did not."""
import contextvars
import json
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from ecole.accounts.models import Role, User, UserRole
from ecole.core.audit import AuditEntry
from ecole.core.backup import make_backup
from ecole.core.models import utcnow
from ecole.core.storage import get_storage
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.privacy import services
from ecole.privacy.queries import mentions
from ecole.sessions.models import CourseSession, Meeting
from tests.populated import rows_of, stage_kind

REASON = "Demande écrite remise au bureau de Taliouine le 3 mars"


def cli(place, *args: str):
    """`flask ecole …` on that place's app (in a context of its own, away from the suite's app)."""
    return contextvars.Context().run(place.app.test_cli_runner().invoke, args=["ecole", *args])


def someone_with_a_seat() -> User:
    """A trainee of the demo world who holds a seat in a session that has not begun."""
    begun = select(Meeting.session_id).where(Meeting.starts_at <= utcnow())
    return db.session.scalar(select(User).join(Enrolment, Enrolment.user_id == User.id).join(
        CourseSession, CourseSession.id == Enrolment.session_id).where(
        Enrolment.status == S.CONFIRMED.value, CourseSession.id.not_in(begun), User.email.is_not(None),
        User.erased_at.is_(None)).order_by(User.id).limit(1))


def an_admin() -> User:
    return db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.ADMIN.value).order_by(User.id).limit(1))


def holding(words) -> list[str]:
    """The tables whose rows quote one of `words`."""
    return sorted(name for name, (_columns, rows) in rows_of(current_app._get_current_object()).items()
                  if any(isinstance(value, str) and word in value for row in rows for value in row for word in words))


@pytest.fixture
def school(populated_school):
    """A populated school on the stage's database, and a trainee of it who holds a seat to come."""
    place = populated_school(stage_kind())
    with place.app.app_context():
        person_id = someone_with_a_seat().id
    place.release()
    return place, person_id


def test_a_restore_from_before_her_erasure_erases_her_again(school, tmp_path):
    place, person_id = school
    with place.app.app_context():
        person = db.session.get(User, person_id)
        words, admin_id = mentions(person), an_admin().id
        archive = make_backup(tmp_path / "before.tar", actor=None).path
        db.session.commit()
        archived = rows_of(place.app)["users"]
        assert services.erase_person(person, REASON, actor=db.session.get(User, admin_id))
        db.session.commit()
        first = json.loads(get_storage().get(f"ledger/erasures/{person_id}.json"))
        assert first["user"] == person_id and first["reason"] == REASON
        assert first["erased_at"] == db.session.get(User, person_id).erased_at.isoformat()
        assert not any(word in json.dumps(first, ensure_ascii=False) for word in words)  # no name in the ledger
    place.release()

    for attempt in range(2):  # and a second restore of the same archive, the same again
        result = cli(place, "restore", str(archive), "--force")
        assert result.exit_code == 0, result.output
        assert f"(n° {person_id})" in result.output, result.output
        with place.app.app_context():
            again = db.session.get(User, person_id)
            assert again.erased_at.isoformat() == first["erased_at"] and not again.active and again.email is None
            assert holding(words) == [], words
            assert db.session.scalar(select(db.func.count()).select_from(Enrolment).where(
                Enrolment.user_id == person_id, Enrolment.status.in_([S.CONFIRMED.value, S.REQUESTED.value]),
                Enrolment.session_id.not_in(select(Meeting.session_id).where(Meeting.starts_at <= utcnow())))) == 0
            entry = db.session.scalars(select(AuditEntry).where(
                AuditEntry.action == "privacy.erase", AuditEntry.target_id == str(person_id))).all()[-1]
            assert entry.details["again_after_restore"] == "before.tar" and entry.details["reason"] == REASON
            assert entry.actor_id == admin_id
            assert services.reapply_erasures(archive="before.tar") == []  # nothing left to do
            db.session.rollback()
            # Everyone else's account is the archive's.
            columns, rows = rows_of(place.app)["users"]
            others = [row for row in rows if row[columns.index("id")] != person_id]
            assert (columns, others) == (archived[0], [row for row in archived[1] if row[columns.index("id")] != person_id])
        place.release()


def test_a_ledger_from_another_database_erases_nobody_and_does_not_stop_a_restore(school, tmp_path):
    place, person_id = school
    with place.app.app_context():
        person = db.session.get(User, person_id)
        archive = make_backup(tmp_path / "before.tar", actor=None).path
        db.session.commit()
        # The same id, another account: created at another time.
        other = {"user": person_id, "account_created_at": (person.created_at - timedelta(days=3)).isoformat(),
                 "erased_at": utcnow().isoformat(), "by": None, "reason": REASON}
        get_storage().put(f"ledger/erasures/{person_id}.json", json.dumps(other).encode())
        for number, broken in enumerate([b"{not json", b"[]", b'{"user": 1e400}', b'{"user": 100000000000000000000}',
                                         b'{"user": "3"}', b'{"user": true}', b"[" * 100_000, b"\xff\xfe"]):
            get_storage().put(f"ledger/erasures/{999990 + number}.json", broken)
        before = rows_of(place.app)
    place.release()
    result = cli(place, "restore", str(archive), "--force")
    assert result.exit_code == 0, result.output
    assert "de nouveau" not in result.output
    with place.app.app_context():
        assert db.session.get(User, person_id).erased_at is None
        assert rows_of(place.app)["users"] == before["users"]
        # The restore kept the ledger as it was, the archive's word notwithstanding.
        assert json.loads(get_storage().get(f"ledger/erasures/{person_id}.json")) == other
    place.release()


def test_the_backup_command_writes_what_the_ledger_lacks(school, tmp_path):
    place, person_id = school
    with place.app.app_context():
        services.erase_person(db.session.get(User, person_id), REASON, actor=an_admin())
        db.session.commit()
        key = f"ledger/erasures/{person_id}.json"
        written = get_storage().get(key)
        get_storage().delete(key)  # as if the process had stopped between the commit and the ledger
    place.release()
    result = cli(place, "backup", str(tmp_path / "nightly.tar.gz"))
    assert result.exit_code == 0, result.output
    with place.app.app_context():
        rewritten = json.loads(get_storage().get(key))
        assert rewritten == {**json.loads(written), "erased_at": rewritten["erased_at"]}
        assert services.write_ledger() == 0
    place.release()
