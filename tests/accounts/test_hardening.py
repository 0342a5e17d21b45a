"""Issue 7, accounts: one-time codes used once and not voided by strangers, wrong codes counted per
code, limits per account whatever the spelling, a /register that does not tell who has an account,
and new passwords that are not the old one, a very common one or the person's own number."""
import multiprocessing
import re

import pytest

from config import ProductionConfig
from ecole.accounts import services
from ecole.accounts.models import OneTimeCode, User
from ecole.accounts.services import MAX_CODE_ATTEMPTS, AccountError
from ecole.core.ratelimit import SQLiteStorage, uri_for
from ecole.extensions import db, limiter
from tests.factories import PASSWORD
from tests.helpers import post, read_mail, submit

NEW = "a brand new secret"


def _code(user, channel="staff"):
    if channel == "staff":
        admin = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
        code = services.issue_reset_code(user, actor=admin)
    else:
        code = services._issue_code(user, channel="email", actor=None)
    db.session.commit()
    return code


def _pending(user) -> int:
    return db.session.scalar(db.select(db.func.count(OneTimeCode.id)).where(
        OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None)))


# --- one-time codes -------------------------------------------------------------------------------

def test_a_code_works_once(people):
    code = _code(people.trainee)
    assert services.redeem_code(people.trainee.phone, code, NEW) == people.trainee
    db.session.commit()
    assert services.redeem_code(people.trainee.phone, code, "another new secret") is None
    assert services.authenticate(people.trainee.phone, NEW) == people.trainee


def test_a_strangers_forgot_password_does_not_void_the_staff_slip(people, client):
    slip = _code(people.trainee)
    for _ in range(3):  # a stranger asks for e-mailed codes for this address, again and again
        assert post(client, "/password/forgot", {"identifier": people.trainee.email}).status_code == 302
    db.session.expire_all()
    assert _pending(people.trainee) == 2  # the slip's code and the newest e-mailed one
    response = post(client, "/password/code", {"identifier": "06 12 34 56 78", "code": slip, "password": NEW,
                                               "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_new_email_code_spends_only_older_email_codes(people):
    slip, first = _code(people.trainee), _code(people.trainee, "email")
    second = _code(people.trainee, "email")
    assert services.redeem_code(people.trainee.email, first, NEW) is None
    assert services.redeem_code(people.trainee.email, second, NEW) == people.trainee
    db.session.commit()
    # The redeemed code spent every other one, the staff slip included.
    assert services.redeem_code(people.trainee.email, slip, "another new secret") is None
    assert _pending(people.trainee) == 0


def test_a_staff_code_spends_older_codes_of_every_channel(people):
    mailed, old_slip = _code(people.trainee, "email"), _code(people.trainee)
    new_slip = _code(people.trainee)
    assert _pending(people.trainee) == 1
    for stale in (mailed, old_slip):
        assert services.redeem_code(people.trainee.email, stale, NEW) is None
    assert services.redeem_code(people.trainee.email, new_slip, NEW) == people.trainee


def test_wrong_codes_spend_the_accounts_codes_after_the_limit(people):
    code = _code(people.trainee)
    for attempt in range(MAX_CODE_ATTEMPTS):
        wrong = f"{(int(code) + attempt + 1) % 10 ** 8:08d}"
        assert services.redeem_code(people.trainee.phone, wrong, NEW) is None
        db.session.commit()
    assert _pending(people.trainee) == 0
    assert services.redeem_code(people.trainee.phone, code, NEW) is None  # the right code came too late


def test_wrong_codes_from_many_addresses_count_together(app, people):
    code = _code(people.trainee)
    answers = []
    for attempt in range(MAX_CODE_ATTEMPTS):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{attempt + 1}"
        spelling = ("0612345678", "06 12 34 56 78", "+212612345678", "06.12.34.56.78")[attempt % 4]
        wrong = f"{(int(code) + attempt + 1) % 10 ** 8:08d}"
        answers.append(post(client, "/password/code", {"identifier": spelling, "code": wrong, "password": NEW,
                                                       "confirm": NEW}))
    assert {answer.status_code for answer in answers} == {400}
    body = answers[-1].get_data(as_text=True)
    assert "Ce code n’est pas valable" in body and f"Après {MAX_CODE_ATTEMPTS} codes erronés" in body
    late = app.test_client()
    late.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    response = post(late, "/password/code", {"identifier": "0612345678", "code": code, "password": NEW,
                                             "confirm": NEW})
    assert response.status_code == 400
    assert services.authenticate(people.trainee.phone, PASSWORD) is not None  # nothing changed


def test_the_wrong_code_answer_is_the_same_for_an_unknown_account(client, people):
    _code(people.trainee)
    bodies = []
    for identifier in ("0612345678", "0699999999"):
        response = post(client, "/password/code", {"identifier": identifier, "code": "12345678", "password": NEW,
                                                   "confirm": NEW})
        assert response.status_code == 400
        bodies.append(re.sub(r'value="[^"]*"', "", response.get_data(as_text=True)))
    assert bodies[0] == bodies[1]


def test_the_code_wrong_message_is_translated(client, people):
    response = post(client, "/password/code?lang=ar", {"identifier": "0612345678", "code": "12345678",
                                                        "password": NEW, "confirm": NEW})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ce code n’est pas valable" not in body
    assert str(MAX_CODE_ATTEMPTS) in body


# --- new passwords -----------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "password", "Password", "12345678", "azertyuiop", "motdepasse", "iloveyou", "qwertyuiop",
    # the person's own phone number, e-mail address and name, in any spelling
    "0612345678", "06 12 34 56 78", "+212612345678", "212612345678", "612345678", "06.12.34.56.78",
    "trainee@example.org", "TRAINEE@example.org", "fatima aït ali", "FatimaAïtAli",
])
def test_guessable_passwords_are_refused(people, password):
    with pytest.raises(AccountError, match="trop facile à deviner"):
        services.check_password_strength(password, user=people.trainee)


def test_a_good_password_is_accepted(people):
    services.check_password_strength("tagine sous l'arganier", user=people.trainee)


def test_the_current_password_cannot_be_the_new_one(people):
    with pytest.raises(AccountError, match="différent du mot de passe actuel"):
        services.change_password(people.trainee, PASSWORD, PASSWORD)


def test_a_redeemed_code_cannot_be_the_new_password_and_stays_valid(people):
    code = _code(people.trainee)
    with pytest.raises(AccountError, match="différent du mot de passe actuel et du code"):
        services.redeem_code(people.trainee.phone, code, code)
    with pytest.raises(AccountError, match="différent"):
        services.redeem_code(people.trainee.phone, code, PASSWORD)  # the current password
    with pytest.raises(AccountError, match="trop facile"):
        services.redeem_code(people.trainee.phone, code, "0612345678")
    assert services.redeem_code(people.trainee.phone, code, NEW) == people.trainee


def test_the_forced_change_refuses_the_one_time_password_and_password(client):
    from ecole.accounts.services import ensure_first_admin

    user, one_time = ensure_first_admin()
    db.session.commit()
    post(client, "/login", {"identifier": user.email, "password": one_time})
    for new, message in ((one_time, "différent du mot de passe actuel"), ("password", "trop facile à deviner"),
                         ("admin@ecole.local", "trop facile à deviner"), ("abc", "entre 8 et 200 caractères")):
        response = post(client, "/account/password", {"current": one_time, "password": new, "confirm": new})
        assert response.status_code == 400 and message in response.get_data(as_text=True), new
    response = post(client, "/account/password?lang=zgh", {"current": one_time, "password": "password",
                                                            "confirm": "password"})
    assert response.status_code == 400 and "trop facile" not in response.get_data(as_text=True)
    assert client.get("/admin/users").headers["Location"].endswith("/account/password")
    response = post(client, "/account/password", {"current": one_time, "password": NEW, "confirm": NEW})
    assert response.status_code == 302 and client.get("/admin/users").status_code == 200


def test_registration_refuses_a_guessable_password(client):
    response = submit(client, "/register", {"name_latin": "Said Amrani", "phone": "0677665544",
                                            "password": "0677665544", "confirm": "0677665544"})
    assert response.status_code == 400 and "trop facile à deviner" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


# --- /register does not tell who has an account --------------------------------------------------

def _register(client, phone, email=""):
    return submit(client, "/register", {"name_latin": "Quelqu’un d’Autre", "phone": phone, "email": email,
                                        "password": NEW, "confirm": NEW})


def _page_without_tokens(client, url):
    return re.sub(r'value="[^"]{20,}"', "", client.get(url).get_data(as_text=True))


def test_register_answers_the_same_for_an_existing_and_a_new_number(app, people):
    before = (people.trainee.name_latin, people.trainee.password_hash, people.trainee.session_epoch)
    answers = {}
    for phone in ("06 12 34 56 78", "0655443322"):  # the trainee's number, then a free one
        client = app.test_client()
        response = _register(client, phone)
        answers[phone] = (response.status_code, response.headers.get("Location"), _page_without_tokens(client, "/login"))
        assert client.get("/account").status_code == 302  # nobody is signed in by registering
    assert answers["06 12 34 56 78"] == answers["0655443322"]
    assert answers["0655443322"][:2] == (302, "/login")
    assert "Votre compte est prêt" in answers["0655443322"][2]
    db.session.expire_all()
    trainee = db.session.get(User, people.trainee.id)
    assert (trainee.name_latin, trainee.password_hash, trainee.session_epoch) == before
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.name_latin == "Quelqu’un d’Autre")) == 1
    assert services.authenticate("0655443322", NEW) is not None
    assert services.authenticate("0612345678", NEW) is None


def test_register_with_a_taken_email_warns_its_owner(app, people, smtp):
    client = app.test_client()
    response = _register(client, "0655443322", email="Trainee@Example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert db.session.scalar(db.select(User).where(User.phone == "+212655443322")) is None
    assert smtp.messages == []  # not before the answer has left…
    response.close()  # …as a WSGI server closes it once sent
    messages = smtp.wait(1)
    assert [message.rcpt_tos for message in messages] == [["trainee@example.org"]]
    subject, body = read_mail(messages[0])
    assert "créer un compte" in subject and "n’a pas été modifié" in body


@pytest.fixture
def rate_limited(app):
    """The real limit (10 a minute) instead of the suite's generous one."""
    saved = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = ProductionConfig.LOGIN_RATE_LIMIT
    limiter.reset()
    yield
    app.config["LOGIN_RATE_LIMIT"] = saved
    limiter.reset()


def test_register_is_rate_limited(app, rate_limited):
    client = app.test_client()
    statuses = [_register(client, f"06554433{n:02d}").status_code for n in range(12)]
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429], statuses


# --- sign-in limits per account, whatever the spelling ---------------------------------------------

SPELLINGS = ("0612345678", "06 12 34 56 78", "06.12.34.56.78", "+212612345678", "+212 6 12 34 56 78")


def test_account_key_is_one_per_account():
    assert {services.account_key(spelling) for spelling in SPELLINGS} == {"+212612345678"}
    assert services.account_key(" Trainee@Example.ORG ") == "trainee@example.org"
    assert services.account_key("not a number") == "not a number"


def test_sign_in_limit_holds_across_spellings_and_addresses(app, people, rate_limited):
    statuses = []
    for attempt in range(10):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.2.{attempt + 1}"
        statuses.append(post(client, "/login", {"identifier": SPELLINGS[attempt % len(SPELLINGS)],
                                                "password": "wrong password"}).status_code)
    assert statuses == [400] * 10
    for spelling in SPELLINGS:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.3.1"
        # Even the right password is refused while the account is limited, in every spelling.
        assert post(client, "/login", {"identifier": spelling, "password": PASSWORD}).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.3.2"
    assert post(other, "/login", {"identifier": people.trainer.phone, "password": PASSWORD}).status_code == 302


# --- the shared SQLite store -------------------------------------------------------------------

def _hammer(uri: str, count: int, queue) -> None:
    storage = SQLiteStorage(uri)
    queue.put([storage.incr("shared", 60) for _ in range(count)])


def test_sqlite_store_counts_across_processes(tmp_path):
    uri = uri_for(tmp_path / "limits.sqlite3")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_hammer, args=(uri, 50, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    values = sorted(value for _ in workers for value in queue.get(timeout=60))
    for worker in workers:
        worker.join(timeout=60)
    assert values == list(range(1, 201))  # no increment lost, none counted twice
    assert SQLiteStorage(uri).get("shared") == 200


def test_sqlite_store_windows_expire_and_clear(tmp_path):
    import time

    storage = SQLiteStorage(uri_for(tmp_path / "limits.sqlite3"))
    assert storage.incr("a", 0.2) == 1 and storage.incr("a", 0.2) == 2 and storage.get("a") == 2
    assert storage.get_expiry("a") > time.time()
    time.sleep(0.25)
    assert storage.get("a") == 0 and storage.incr("a", 60) == 1  # a new window
    storage.incr("b", 60)
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1 and storage.get("b") == 0 and storage.check()


def test_default_store_is_a_file_in_the_instance_folder(tmp_path):
    from flask import Flask
    from limits.storage import storage_from_string

    from ecole.core import ratelimit

    embedded = Flask("embedded", instance_path=str(tmp_path / "instance"))
    embedded.config["RATELIMIT_STORAGE_URI"] = None  # neither REDIS_URL nor RATELIMIT_STORAGE_URI set
    ratelimit.init_app(embedded)
    uri = embedded.config["RATELIMIT_STORAGE_URI"]
    assert uri == f"ecole-sqlite://{tmp_path}/instance/ratelimit.sqlite3"
    storage = storage_from_string(uri)  # the scheme `limits` resolves, as Flask-Limiter does
    assert isinstance(storage, SQLiteStorage) and storage.incr("k", 60) == 1
    assert (tmp_path / "instance" / "ratelimit.sqlite3").exists()
    configured = Flask("redis", instance_path=str(tmp_path / "other"))
    configured.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/14"
    ratelimit.init_app(configured)
    assert configured.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/14"


def test_the_suites_app_counts_in_the_sqlite_store(app):
    assert isinstance(limiter.storage, SQLiteStorage)


def test_each_app_counts_in_its_own_store(app, tmp_path):
    """A second application in the process (a restore's, a test's) leaves the first one's store and
    switch alone: the limits were once kept for the last app bound, whichever app a request was for."""
    from flask import Flask

    other = Flask("other", instance_path=str(tmp_path))
    other.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_ENABLED=False)
    limiter.init_app(other)
    assert isinstance(limiter.storage, SQLiteStorage) and limiter.enabled  # the suite's app, still
    with other.app_context():
        assert not isinstance(limiter.storage, SQLiteStorage) and not limiter.enabled
