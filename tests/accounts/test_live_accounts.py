"""Over real HTTP, gunicorn with 4 workers and no Redis: a code is redeemed once, sign-in limits
hold across workers and across the spellings of a phone number, and /register does not tell who
has an account."""
import re
import threading

from ecole.accounts import services
from tests.factories import PASSWORD, make_user

PHONE = "0612043512"
SPELLINGS = ("0612043512", "06 12 04 35 12", "06.12.04.35.12", "+212612043512")


def _text(response) -> str:
    return response.body.decode("utf-8", "replace")


def test_one_code_redeemed_by_four_clients_at_once_succeeds_once(live_school):
    school = live_school(workers=4)
    with school.context() as db:
        admin = make_user("admin", name="Live Admin", email="live-admin@example.org")
        person = make_user("trainee", name="Slip Person", phone=PHONE, email=None)
        code = services.issue_reset_code(person, actor=admin)
        db.session.commit()
    clients = [school.client() for _ in range(4)]
    tokens = [client.csrf("/password/code") for client in clients]
    barrier = threading.Barrier(4)
    answers = [None] * 4

    def redeem(index: int) -> None:
        password = f"my own secret number {index}"
        barrier.wait()
        answers[index] = clients[index].post("/password/code", {
            "identifier": SPELLINGS[index], "code": code, "password": password, "confirm": password,
        }, token=tokens[index])

    threads = [threading.Thread(target=redeem, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = [answer.status for answer in answers]
    assert sorted(statuses) == [302, 400, 400, 400], (statuses, school.log())
    winner = statuses.index(302)
    for index, answer in enumerate(answers):
        if index != winner:
            assert "Ce code n’est pas valable pour ce compte" in _text(answer)
    assert "database is locked" not in school.log()
    # The winner's password is the one that works.
    school.client().login(PHONE, f"my own secret number {winner}")
    loser = (winner + 1) % 4
    assert school.client().post("/login", {"identifier": PHONE, "password": f"my own secret number {loser}"}).status == 400


def test_sign_in_limits_hold_across_workers_and_spellings(live_school):
    school = live_school(workers=4)  # development settings: 10 failed sign-ins a minute
    with school.context():
        make_user("trainee", name="Limited Person", phone=PHONE, email=None)
        make_user("trainer", name="Other Person", phone="0623456789", email=None)

    # 30 failed sign-ins from one address (a new account name each time): the 4 workers count together.
    client = school.client()
    token = client.csrf("/login")
    statuses = [client.post("/login", {"identifier": f"nobody{n}@example.org", "password": "wrong password"},
                            token=token).status for n in range(30)]
    assert statuses.count(400) <= 10 and statuses.count(400) + statuses.count(429) == 30, statuses
    assert statuses[:10] == [400] * 10 and set(statuses[10:]) == {429}, statuses

    # 30 at once from another address (6 browsers, 5 attempts each): counted as they arrive, so
    # parallel requests cannot all slip under the limit.
    browsers = [school.client(source="127.0.0.20") for _ in range(6)]
    tokens = [browser.csrf("/login") for browser in browsers]
    barrier = threading.Barrier(len(browsers))
    burst: list[int] = []

    def attempts(index: int) -> None:
        barrier.wait()
        for n in range(5):
            burst.append(browsers[index].post("/login", {"identifier": f"burst{index}-{n}@example.org",
                                                         "password": "wrong password"}, token=tokens[index]).status)

    threads = [threading.Thread(target=attempts, args=(index,)) for index in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(burst) == 30 and burst.count(400) == 10 and burst.count(429) == 20, burst

    # One account, four spellings, from four other addresses: still one count.
    browsers = [school.client(source=f"127.0.0.{n}") for n in range(2, 6)]
    tokens = [browser.csrf("/login") for browser in browsers]
    statuses = [browsers[n % 4].post("/login", {"identifier": SPELLINGS[n % 4], "password": "wrong password"},
                                     token=tokens[n % 4]).status for n in range(12)]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429], statuses
    # While the account is limited, even the right password in another spelling, from another address, waits.
    late = school.client(source="127.0.0.9")
    for spelling in ("+212612043512", "06 12 04 35 12", "+212 6 12 04 35 12"):
        assert late.post("/login", {"identifier": spelling, "password": PASSWORD}).status == 429, spelling
    # Other accounts are not affected.
    late.login("0623456789", PASSWORD)


def test_register_answers_the_same_for_an_existing_and_a_new_number(live_school):
    school = live_school(workers=4)
    with school.context():
        make_user("trainee", name="Existing Person", phone=PHONE, email=None)

    def register(phone: str) -> tuple:
        browser = school.client()
        response = browser.post("/register", {
            "name_latin": "Nouvelle Personne", "phone": phone, "email": "", "gender": "", "birth_year": "",
            "commune": "", "audience": "farmer", "organisation": "", "locale": "fr",
            "password": "a fresh passphrase", "confirm": "a fresh passphrase",
        })
        page = browser.get(response.header("Location") or "/register")
        return response.status, response.header("Location"), re.sub(r'value="[^"]{20,}"', "", _text(page))

    existing, new = register("06 12 04 35 12"), register("0677889900")
    assert existing == new
    assert new[:2] == (302, "/login") and "Votre compte est prêt" in new[2]
    # The existing account is unchanged, the new one works.
    school.client().login(PHONE, PASSWORD)
    assert school.client().post("/login", {"identifier": PHONE, "password": "a fresh passphrase"}).status == 400
    school.client().login("0677889900", "a fresh passphrase")


def test_four_sign_ins_at_once_with_an_older_hash_all_succeed_and_it_is_made_again_once(live_school):
    from argon2 import PasswordHasher

    from ecole.accounts.models import User

    school = live_school(workers=4)
    older = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)  # other parameters than today's
    with school.context() as db:
        person = make_user("trainee", name="Old Hash", phone=PHONE, email=None)
        person.password_hash = older
        db.session.commit()
        person_id = person.id
    clients = [school.client() for _ in range(4)]
    tokens = [client.csrf("/login") for client in clients]
    barrier = threading.Barrier(4)
    answers = [None] * 4

    def sign_in(index: int) -> None:
        barrier.wait()
        answers[index] = clients[index].post("/login", {"identifier": SPELLINGS[index], "password": PASSWORD},
                                             token=tokens[index])

    threads = [threading.Thread(target=sign_in, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [answer.status for answer in answers] == [302] * 4, school.log()
    with school.context() as db:
        stored = db.session.get(User, person_id).password_hash
    assert stored != older and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # the live server: real parameters
    school.client().login(PHONE, PASSWORD)  # and the new hash signs in
