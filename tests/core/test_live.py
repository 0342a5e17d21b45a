"""The live-server harness itself: gunicorn with 4 workers on its own database answers and signs people in."""
from tests.factories import PASSWORD, make_user


def test_a_live_school_serves_and_signs_in(live_school):
    school = live_school(workers=4)
    with school.context():
        user = make_user("trainee", name="Live Person", email="live@example.org")
        identifier = user.email
    client = school.client()
    assert client.get("/healthz").status == 200
    client.login(identifier, PASSWORD)
    page = client.get("/account")
    assert page.status == 200 and "Live Person" in page.body.decode()
    # The test's own database is untouched by the live one.
    from ecole.accounts.models import User
    from ecole.extensions import db

    assert db.session.scalar(db.select(User).where(User.email == identifier)) is None
