"""Account rules, tested without HTTP."""
from datetime import timedelta

import pytest

from ecole.accounts import services
from ecole.accounts.models import OneTimeCode, User
from ecole.accounts.services import AccountError
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize("raw,expected", [
    ("0612345678", "+212612345678"), ("06 12 34 56 78", "+212612345678"), ("06-12-34-56-78", "+212612345678"),
    ("+212 6 12 34 56 78", "+212612345678"), ("00212612345678", "+212612345678"), ("0528123456", "+212528123456"),
    ("+33612345678", "+33612345678"), ("", None), (None, None),
])
def test_phone_numbers_are_normalised(raw, expected):
    assert services.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "0812345678", "+2128123456789", "phone", "+212612"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(AccountError):
        services.normalize_phone(raw)


def test_register_needs_a_phone_or_an_email():
    with pytest.raises(AccountError):
        services.register_user({"name_latin": "Sans Contact"}, actor=None, password=PASSWORD)


def test_one_account_per_phone_and_email():
    make_user("trainee", phone="0612345678", email="a@example.org")
    with pytest.raises(AccountError, match="numéro"):
        services.register_user({"name_latin": "B", "phone": "+212 612 345 678"}, actor=None, password=PASSWORD)
    with pytest.raises(AccountError, match="e-mail"):
        services.register_user({"name_latin": "B", "email": "A@Example.org"}, actor=None, password=PASSWORD)


@pytest.mark.parametrize("field,value", [("gender", "x"), ("birth_year", "19x0"), ("birth_year", "1850"),
                                         ("audience", "astronaut"), ("name_latin", "")])
def test_profile_values_are_checked(field, value):
    data = {"name_latin": "Personne", "phone": "0612345678", field: value}
    with pytest.raises(AccountError):
        services.register_user(data, actor=None, password=PASSWORD)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_authenticate_by_phone_or_email():
    user = make_user("trainee", phone="0612345678", email="fatima@example.org")
    assert services.authenticate("06 12 34 56 78", PASSWORD) is user
    assert services.authenticate("FATIMA@example.org", PASSWORD) is user
    assert services.authenticate("0612345678", "wrong password") is None
    assert services.authenticate("0699999999", PASSWORD) is None


def test_deactivated_accounts_cannot_sign_in(people):
    services.set_active(people.trainee, False, actor=people.admin)
    assert services.authenticate(people.trainee.email, PASSWORD) is None


def test_role_changes_are_audited_and_end_sessions(people):
    epoch = people.trainee.session_epoch
    services.set_roles(people.trainee, {"trainee", "trainer"}, actor=people.admin)
    db.session.commit()
    assert people.trainee.roles == {"trainee", "trainer"}
    assert people.trainee.session_epoch == epoch + 1
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.roles"))
    assert entry.actor_id == people.admin.id and entry.target_id == str(people.trainee.id)
    assert entry.details == {"before": ["trainee"], "after": ["trainee", "trainer"]}


def test_admin_cannot_remove_own_admin_role(people):
    with pytest.raises(AccountError):
        services.set_roles(people.admin, {"trainer"}, actor=people.admin)


def test_one_time_code_sets_a_password_once(people):
    code = services.issue_reset_code(people.trainee, actor=people.admin)
    db.session.commit()
    assert services.redeem_code(people.trainee.phone, "00000000" if code != "00000000" else "1", "new password 1") is None
    assert services.redeem_code(people.trainee.phone, code, "new password 1") == people.trainee
    db.session.commit()
    assert services.authenticate(people.trainee.phone, "new password 1") == people.trainee
    assert services.redeem_code(people.trainee.phone, code, "new password 2") is None  # spent


def test_only_the_newest_code_works(people):
    first = services.issue_reset_code(people.trainee, actor=people.admin)
    second = services.issue_reset_code(people.trainee, actor=people.admin)
    db.session.commit()
    assert services.redeem_code(people.trainee.email, first, "new password 1") is None
    assert services.redeem_code(people.trainee.email, second, "new password 1") == people.trainee


def test_expired_codes_are_refused(people):
    code = services.issue_reset_code(people.trainee, actor=people.admin)
    row = db.session.scalar(db.select(OneTimeCode))
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert services.redeem_code(people.trainee.email, code, "new password 1") is None


def test_first_admin_is_created_once():
    created = services.ensure_first_admin()
    db.session.commit()
    assert created is not None
    user, password = created
    assert user.is_admin and user.must_change_password
    assert services.authenticate(user.email, password) == user
    assert services.ensure_first_admin() is None


def test_passwords_are_hashed_with_owasps_argon2id_parameters(app):
    from ecole.accounts.passwords import hash_secret, verify_secret

    app.config["PASSWORD_HASH_FAST"] = False
    try:
        stored = hash_secret("a long enough passphrase")
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert verify_secret(stored, "a long enough passphrase") and not verify_secret(stored, "another one")
    finally:
        app.config["PASSWORD_HASH_FAST"] = True


def test_a_hash_made_with_older_parameters_is_made_again_at_sign_in():
    from argon2 import PasswordHasher

    user = make_user("trainee", email="old-hash@example.org")
    older = PasswordHasher(time_cost=3, memory_cost=16, parallelism=2).hash(PASSWORD)  # another default
    user.password_hash = older
    db.session.commit()
    assert services.authenticate("old-hash@example.org", PASSWORD) == user
    db.session.commit()
    db.session.expire_all()
    assert user.password_hash != older and user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert services.authenticate("old-hash@example.org", PASSWORD) == user  # and it still signs in
    # A wrong password changes nothing.
    user.password_hash = older
    db.session.commit()
    assert services.authenticate("old-hash@example.org", "not the password") is None
    db.session.commit()
    db.session.expire_all()
    assert user.password_hash == older
