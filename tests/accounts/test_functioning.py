"""The optional Washington Group questions on a profile: kept only with the person's consent, erased when
it is withdrawn, refused when forged, seen and set only by the person and administrators, and audited
when an administrator records them for someone."""
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.accounts import services
from ecole.accounts.models import WG_ANSWERS, WG_QUESTIONS, Disability, User, disability_of
from ecole.accounts.services import AccountError
from ecole.core.audit import AuditEntry
from ecole.enrolment import services as enrolment
from ecole.extensions import db
from tests.catalogue.conftest import load_fixture_catalogue
from tests.factories import make_session
from tests.helpers import csrf_token, submit

CONSENTED = {"functioning_consent": "y", "wg_seeing": "3", "wg_walking": "2"}
ANSWERS = {"seeing": 3, "walking": 2}


def reload(person) -> User:
    db.session.expire_all()
    return db.session.get(User, person.id)


def audit_actions(person) -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.target_type == "User", AuditEntry.target_id == str(person.id),
        AuditEntry.action.like("user.functioning%")).order_by(AuditEntry.id)))


def record(person, answers, actor) -> None:
    services.set_functioning(person, answers, actor=actor)
    db.session.commit()


# --- the rule, without the web --------------------------------------------------------------

def test_answers_are_kept_with_consent_and_the_first_consent_date_stays(people):
    person = people.trainee
    record(person, ANSWERS, person)
    first = reload(person).functioning_consented_at
    assert reload(person).functioning == ANSWERS and first is not None
    assert disability_of(reload(person).functioning) == Disability.YES
    record(person, {"seeing": 1}, person)
    assert reload(person).functioning == {"seeing": 1} and reload(person).functioning_consented_at == first
    assert disability_of(reload(person).functioning) == Disability.NO


def test_consent_without_any_answer_is_not_stated(people):
    record(people.trainee, {}, people.trainee)
    person = reload(people.trainee)
    assert person.functioning == {} and person.functioning_consented_at is not None
    assert disability_of(person.functioning) == Disability.NOT_STATED


def test_withdrawing_consent_erases_answers_and_date(people):
    record(people.trainee, ANSWERS, people.trainee)
    record(people.trainee, None, people.trainee)
    person = reload(people.trainee)
    assert person.functioning is None and person.functioning_consented_at is None


@pytest.mark.parametrize("answers", [{"seeing": 5}, {"seeing": 0}, {"seeing": "2"}, {"seeing": True},
                                     {"seeing": None}, {"seeing": [1]}, {"flying": 2}])
def test_the_service_refuses_unknown_questions_and_answers(people, answers):
    record(people.trainee, ANSWERS, people.trainee)
    with pytest.raises(AccountError):
        services.set_functioning(people.trainee, answers, actor=people.trainee)
    db.session.rollback()
    assert reload(people.trainee).functioning == ANSWERS


def test_only_the_person_and_administrators_may_set_answers(people):
    with pytest.raises(AccountError):
        services.set_functioning(people.trainee, ANSWERS, actor=people.trainer)
    db.session.rollback()
    assert reload(people.trainee).functioning is None
    record(people.trainee, ANSWERS, people.admin)
    assert reload(people.trainee).functioning == ANSWERS


def test_an_administrator_recording_or_erasing_is_audited_without_the_answers(people):
    record(people.trainee, ANSWERS, people.trainee)  # the person themself: nothing to audit
    assert audit_actions(people.trainee) == []
    record(people.trainee, {"seeing": 4}, people.admin)
    record(people.trainee, {"seeing": 4}, people.admin)  # unchanged: no second entry
    record(people.trainee, None, people.admin)
    record(people.trainee, None, people.admin)
    assert audit_actions(people.trainee) == ["user.functioning", "user.functioning_withdrawn"]
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.like("user.functioning%"))).all()
    assert all(entry.actor_id == people.admin.id and not entry.details for entry in entries)


# --- the person's own profile --------------------------------------------------------------

def profile(client, data: dict, lang: str = "fr"):
    """The profile form as a browser sends it (what the page shows, with `data` typed in)."""
    return submit(client, f"/account?lang={lang}", data, form_url=f"/account?lang={lang}")


def test_the_person_gives_answers_with_consent_and_sees_them_again(as_role, people):
    client = as_role("trainee")
    response = profile(client, CONSENTED)
    assert response.status_code == 302
    person = reload(people.trainee)
    assert person.functioning == ANSWERS and person.functioning_consented_at is not None
    page = client.get("/account").get_data(as_text=True)
    assert _checked(page, "functioning_consent", "y")
    assert _checked(page, "wg_seeing", "3") and _checked(page, "wg_walking", "2") and _checked(page, "wg_hearing", "")
    assert "Accord donné le" in page
    assert audit_actions(people.trainee) == []  # the person's own answers are not an administrative act


def _checked(page: str, name: str, value: str) -> bool:
    """Whether the page's input `name` with `value` is checked (whatever the attributes' order)."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input {name}={value}")


def test_consent_with_no_answer_is_kept_as_not_stated(as_role, people):
    assert profile(as_role("trainee"), {"functioning_consent": "y"}).status_code == 302
    person = reload(people.trainee)
    assert person.functioning == {} and person.functioning_consented_at is not None


def test_unticking_consent_erases_the_answers(as_role, people):
    record(people.trainee, ANSWERS, people.trainee)
    client = as_role("trainee")
    # As a browser sends it: the answers are still selected on the page, only the box is unticked.
    response = profile(client, {"functioning_consent": []})
    assert response.status_code == 302
    person = reload(people.trainee)
    assert person.functioning is None and person.functioning_consented_at is None
    assert _checked(client.get("/account").get_data(as_text=True), "wg_seeing", "")


def test_answers_without_consent_are_not_saved(as_role, people):
    response = profile(as_role("trainee"), {"wg_seeing": "4", "wg_hearing": "3"})
    assert response.status_code == 302
    person = reload(people.trainee)
    assert person.functioning is None and person.functioning_consented_at is None


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
@pytest.mark.parametrize("forged", [{"wg_seeing": "5"}, {"wg_seeing": "0"}, {"wg_seeing": "x"},
                                    {"wg_flying": "2"}, {"wg_seeing": ["1", "2"], "wg_walking": "-1"}])
def test_forged_answers_are_refused_in_the_readers_language_and_change_nothing(as_role, people, forged, lang):
    record(people.trainee, ANSWERS, people.trainee)
    before = reload(people.trainee).functioning_consented_at
    response = profile(as_role("trainee"), {**CONSENTED, "name_latin": "Autre Nom", **forged}, lang=lang)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    with force_locale(lang):
        assert _("Choix invalide.") in body
    person = reload(people.trainee)
    assert person.functioning == ANSWERS and person.functioning_consented_at == before
    assert person.name_latin == "Fatima Aït Ali"


@pytest.mark.parametrize("token", ["missing", "forged"])
def test_the_profile_form_needs_its_csrf_token(as_role, people, token):
    client = as_role("trainee")
    data = {"name_latin": "Fatima Aït Ali", "phone": "0612345678", "functioning_consent": "y", "wg_seeing": "4"}
    if token == "forged":
        data["csrf_token"] = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.forged.signature"
    response = client.post("/account", data=data)
    assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
    assert reload(people.trainee).functioning is None


@pytest.mark.parametrize("lang, direction", [("fr", "ltr"), ("ar", "rtl"), ("zgh", "ltr")])
def test_the_section_is_shown_in_every_language(as_role, people, lang, direction):
    page = as_role("trainee").get(f"/account?lang={lang}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f'<html lang="{lang}" dir="{direction}">' in body
    with force_locale(lang):
        assert _("Difficultés fonctionnelles (facultatif)") in body
        for question in WG_QUESTIONS.values():
            assert str(question) in body
        for answer in WG_ANSWERS.values():
            assert body.count(f"<span>{answer}</span>") == len(WG_QUESTIONS)
    assert body.count('type="radio"') == len(WG_QUESTIONS) * (len(WG_ANSWERS) + 1)
    assert body.count("<legend>") >= len(WG_QUESTIONS)  # each question names its group of answers


# --- staff and other people ------------------------------------------------------------------

def admin_edit(client, person, data: dict):
    url = f"/admin/users/{person.id}"
    return submit(client, f"{url}/profile", data, form_url=url)


def test_an_administrator_records_answers_for_someone_with_an_audit_entry(as_role, people):
    admin = as_role("admin")
    response = admin_edit(admin, people.trainee, CONSENTED)
    assert response.status_code == 302
    assert reload(people.trainee).functioning == ANSWERS
    assert audit_actions(people.trainee) == ["user.functioning"]
    page = admin.get(f"/admin/users/{people.trainee.id}").get_data(as_text=True)
    assert _checked(page, "wg_seeing", "3") and _checked(page, "functioning_consent", "y")
    assert "Réponses sur les difficultés fonctionnelles enregistrées" in page  # the person's history
    assert admin_edit(admin, people.trainee, {"name_latin": "Fatima Ait Ali"}).status_code == 302  # kept as shown
    assert reload(people.trainee).functioning == ANSWERS and audit_actions(people.trainee) == ["user.functioning"]
    assert admin_edit(admin, people.trainee, {"functioning_consent": []}).status_code == 302
    assert reload(people.trainee).functioning is None
    assert audit_actions(people.trainee) == ["user.functioning", "user.functioning_withdrawn"]


def test_an_administrator_registers_someone_with_their_answers(as_role, people):
    admin = as_role("admin")
    assert "wg_seeing" in admin.get("/people/new").get_data(as_text=True)
    response = submit(admin, "/people/new", {"name_latin": "Mbark Bouhlal", "phone": "0600100306",
                                             "functioning_consent": "y", "wg_hearing": "4"})
    assert response.status_code == 200 and "code" in response.get_data(as_text=True)
    person = db.session.scalar(db.select(User).where(User.phone == "+212600100306"))
    assert person.functioning == {"hearing": 4} and person.functioning_consented_at is not None
    assert audit_actions(person) == ["user.functioning"]


def test_a_trainer_registering_someone_neither_sees_nor_sets_answers(as_role, people):
    trainer = as_role("trainer")
    page = trainer.get("/people/new").get_data(as_text=True)
    assert "wg_seeing" not in page and "functioning_consent" not in page
    # Posted anyway (a forged form): the fields are not the trainer's form, they are ignored.
    response = submit(trainer, "/people/new", {"name_latin": "Mbark Bouhlal", "phone": "0600100306",
                                               "functioning_consent": "y", "wg_hearing": "4"})
    assert response.status_code == 200
    person = db.session.scalar(db.select(User).where(User.phone == "+212600100306"))
    assert person.functioning is None and person.functioning_consented_at is None


def test_a_trainer_cannot_reach_anyones_answers(as_role, people):
    record(people.trainee, {"seeing": 4, "hearing": 3}, people.trainee)
    load_fixture_catalogue()
    course_session = make_session(people.trainer)
    enrolment.enrol(course_session, people.trainee, actor=people.trainee)
    db.session.commit()
    trainer = as_role("trainer")
    assert trainer.get(f"/admin/users/{people.trainee.id}").status_code == 403
    token = csrf_token(trainer, "/account")
    refused = trainer.post(f"/admin/users/{people.trainee.id}/profile",
                           data={"csrf_token": token, "name_latin": "Fatima Aït Ali", "phone": "0612345678"})
    assert refused.status_code == 403 and reload(people.trainee).functioning == {"seeing": 4, "hearing": 3}
    # What trainers read about their trainees says nothing of them.
    for url in (f"/sessions/{course_session.id}/roster", f"/sessions/{course_session.id}/roster.csv",
                f"/sessions/{course_session.id}/manage", f"/sessions/{course_session.id}"):
        response = trainer.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "Fatima" in body or url.endswith(f"/{course_session.id}"), url
        for text in (*map(str, WG_ANSWERS.values()), *map(str, WG_QUESTIONS.values()), "Difficultés fonctionnelles",
                     "handicap", "seeing", "functioning"):
            assert text not in body, (url, text)
    # A trainer's own profile holds only their own answers.
    own = trainer.get("/account").get_data(as_text=True)
    assert _checked(own, "wg_seeing", "") and not _checked(own, "functioning_consent", "y")
