"""The operators' commands of CONTRACT.md."""
import re

from ecole.accounts.models import User
from ecole.accounts.services import authenticate
from ecole.extensions import db


def test_init_prints_the_first_admin_password_once(runner):
    first = runner.invoke(args=["ecole", "init"])
    assert first.exit_code == 0, first.output
    password = re.search(r"mot de passe à usage unique : (\S+)", first.output).group(1)
    admin = db.session.scalar(db.select(User).where(User.email == "admin@ecole.local"))
    assert authenticate("admin@ecole.local", password) == admin and admin.must_change_password
    second = runner.invoke(args=["ecole", "init"])
    assert second.exit_code == 0 and "mot de passe" not in second.output


def test_create_user_with_password_from_stdin(runner):
    result = runner.invoke(args=["ecole", "create-user", "--role", "trainer", "--phone", "0677777777",
                                 "--name", "Youssef Amrani", "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    user = authenticate("0677777777", "a long password")
    assert user.roles == {"trainer"} and not user.must_change_password


def test_create_user_refuses_bad_input_in_one_line(runner, people):
    for args in (["--phone", "123"], ["--email", people.trainee.email], []):
        result = runner.invoke(args=["ecole", "create-user", "--role", "trainee", "--name", "X", *args])
        assert result.exit_code != 0
        assert result.output.strip().count("\n") == 0 and result.output.startswith("Erreur")


def test_seed_scale_is_idempotent(runner):
    from ecole.catalogue.models import Course

    first = runner.invoke(args=["ecole", "seed-scale", "--courses", "30", "--trainees", "20"])
    assert first.exit_code == 0 and "courses: +30, trainees: +20" in first.output, first.output
    second = runner.invoke(args=["ecole", "seed-scale", "--courses", "30", "--trainees", "20"])
    assert "courses: +0, trainees: +0" in second.output
    assert db.session.scalar(db.select(db.func.count(Course.id))) == 30
    assert runner.invoke(args=["ecole", "seed-scale", "--courses", "-1"]).exit_code != 0
