"""An administrator corrects a person's names, phone and e-mail on the person's page: the profile's
own service and rules, audited, and each refusal said clearly under its field, changing nothing."""
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.accounts.models import User
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.factories import make_user
from tests.helpers import post, submit


def profile_url(person) -> str:
    return f"/admin/users/{person.id}/profile"


def edit(client, person, data: dict, lang: str = "fr"):
    """Fill the profile form of the person's page as a browser would, and send it."""
    return submit(client, f"{profile_url(person)}?lang={lang}", data, form_url=f"/admin/users/{person.id}?lang={lang}")


def reload(person) -> User:
    db.session.expire_all()
    return db.session.get(User, person.id)


def test_the_persons_page_has_the_profile_form_filled_in(as_role, people):
    body = as_role("admin").get(f"/admin/users/{people.trainee.id}").get_data(as_text=True)
    assert f'action="{profile_url(people.trainee)}"' in body
    assert 'name="name_latin" required type="text" value="Fatima Aït Ali"' in body
    assert 'value="+212612345678"' in body and 'value="trainee@example.org"' in body


def test_an_administrator_changes_names_phone_and_email_with_an_audit_entry(as_role, people):
    admin = as_role("admin")
    response = edit(admin, people.trainee, {"name_latin": "Fatima Ait Ali", "name_arabic": "فاطمة آيت علي",
                                            "name_tifinagh": "ⴼⴰⵟⵉⵎⴰ", "phone": "06 11 22 33 44",
                                            "email": "Fatima@Example.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{people.trainee.id}")
    person = reload(people.trainee)
    assert (person.name_latin, person.name_arabic, person.name_tifinagh) == ("Fatima Ait Ali", "فاطمة آيت علي", "ⴼⴰⵟⵉⵎⴰ")
    assert (person.phone, person.email) == ("+212611223344", "fatima@example.org")  # the profile's normalisation
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert entry.actor_id == people.admin.id and entry.target_id == str(person.id)
    assert sorted(entry.details["fields"]) == ["email", "name_arabic", "name_latin", "name_tifinagh", "phone"]
    page = admin.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Le profil est enregistré." in page and "Modification d’un profil" in page
    # The person signs in with the new phone number.
    assert person.session_epoch == people.trainee.session_epoch


def test_saving_the_form_unchanged_writes_no_audit_entry(as_role, people):
    assert edit(as_role("admin"), people.trainee, {}).status_code == 302
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.update")) is None


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
@pytest.mark.parametrize("field, value, message", [
    ("phone", "0623456789", "Un compte existe déjà avec ce numéro de téléphone."),      # the trainer's, spelled otherwise
    ("phone", "+212 623-456-789", "Un compte existe déjà avec ce numéro de téléphone."),
    ("email", "TRAINER@example.org", "Un compte existe déjà avec cette adresse e-mail."),
    ("phone", "abc", "Numéro de téléphone invalide : écrivez par exemple 0612345678 ou +212612345678."),
    ("phone", "0812345678", "Numéro de téléphone invalide : écrivez par exemple 0612345678 ou +212612345678."),
    ("email", "fatima@", "Adresse e-mail invalide."),
])
def test_a_refused_phone_or_email_is_explained_under_its_field(as_role, people, lang, field, value, message):
    before = reload(people.trainee)
    snapshot = (before.phone, before.email, before.name_latin)
    response = edit(as_role("admin"), people.trainee, {field: value, "name_latin": "Changé"}, lang=lang)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    with force_locale(lang):
        expected = _(message)
    assert lang == "fr" or expected != message  # translated
    assert f'<small class="error" id="{field}-error">{expected}</small>' in body.replace("&#39;", "'")
    assert '<details class="card" id="profile" open>' in body  # the form stays open on its errors
    after = reload(people.trainee)
    assert (after.phone, after.email, after.name_latin) == snapshot
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.update")) is None


@pytest.mark.parametrize("data, message", [
    ({"name_latin": ""}, "Ce champ est obligatoire."),
    ({"phone": "", "email": ""}, "Donnez un numéro de téléphone ou une adresse e-mail."),
    ({"birth_year": "1800"}, "Année de naissance invalide."),
])
def test_the_profiles_other_rules_apply(as_role, people, data, message):
    response = edit(as_role("admin"), people.trainee, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert reload(people.trainee).name_latin == "Fatima Aït Ali"


def test_an_administrator_may_give_back_a_phone_an_account_no_longer_uses(as_role, people):
    other = make_user("trainee", name="Ahmed Boukhris", phone="0698765432", email="other@example.org")
    admin = as_role("admin")
    assert edit(admin, other, {"phone": "0611111111"}).status_code == 302
    assert edit(admin, people.trainee, {"phone": "0698765432"}).status_code == 302
    assert reload(people.trainee).phone == "+212698765432"


def test_only_administrators_edit_someone_elses_profile(as_role, people):
    for role in ("trainee", "trainer"):
        client = as_role(role)
        response = post(client, profile_url(people.admin), {"name_latin": "Pirate", "email": "admin@example.org"})
        assert response.status_code == 403
    assert reload(people.admin).name_latin == "Amina Idrissi"
