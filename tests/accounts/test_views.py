"""Sign-in, registration, sessions and recovery as a person uses them."""
from ecole.accounts.models import User
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.factories import PASSWORD
from tests.helpers import csrf_token, login, post, submit


def test_register_then_profile(client):
    response = submit(client, "/register", {
        "name_latin": "Fatima Aït Ali", "name_arabic": "فاطمة آيت علي", "phone": "06 61 23 45 67",
        "audience": "cooperative_member", "commune": "Taliouine", "locale": "ar", "gender": "f",
        "birth_year": "1990", "password": PASSWORD, "confirm": PASSWORD,
    })
    # Registering signs nobody in (the answer must be the same when the number already had an account).
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/account").status_code == 302
    user = db.session.scalar(db.select(User).where(User.phone == "+212661234567"))
    assert user.name_arabic == "فاطمة آيت علي" and user.roles == {"trainee"} and user.birth_year == 1990
    assert post(client, "/login", {"identifier": "0661234567", "password": PASSWORD}).status_code == 302
    page = client.get("/account")
    assert page.status_code == 200 and 'lang="ar"' in page.get_data(as_text=True)


def test_register_errors_are_shown_and_nothing_is_saved(client):
    response = post(client, "/register", {"name_latin": "X", "phone": "12", "password": "short", "confirm": "other"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in body
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_sign_in_with_phone_in_any_format(client, people):
    response = post(client, "/login", {"identifier": "+212 6 12 34 56 78", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_wrong_password_and_unknown_account_get_the_same_answer(client, people):
    wrong = post(client, "/login", {"identifier": people.trainee.email, "password": "wrong password"})
    unknown = post(client, "/login", {"identifier": "nobody@example.org", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 400
    assert "Téléphone, e-mail ou mot de passe incorrect." in wrong.get_data(as_text=True)
    strip = lambda r: r.get_data(as_text=True).replace(people.trainee.email, "").replace("nobody@example.org", "")  # noqa: E731
    import re
    token = re.compile(r'value="[^"]{40,}"')
    assert token.sub("", strip(wrong)) == token.sub("", strip(unknown))


def test_unsafe_next_is_ignored(client, people):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = post(client, f"/login?next={target}", {"identifier": people.trainee.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", target
        post(client, "/logout")


def test_safe_next_is_followed(client, people):
    response = post(client, "/login?next=/account/password", {"identifier": people.trainee.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


def test_logout_ends_every_session(app, people):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, people.trainee)
    login(laptop, people.trainee)
    stolen = phone.get_cookie("session").value
    post(phone, "/logout")
    assert laptop.get("/account").status_code == 302  # the other device is signed out too
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").status_code == 302  # a copied cookie is worthless after sign-out


def test_password_change_signs_out_other_devices_only(app, people):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, people.trainee)
    login(laptop, people.trainee)
    response = post(phone, "/account/password", {"current": PASSWORD, "password": "a new password", "confirm": "a new password"})
    assert response.status_code == 302
    assert phone.get("/account").status_code == 200
    assert laptop.get("/account").status_code == 302


def test_remember_cookie_lasts_at_most_30_days(client, people):
    response = post(client, "/login", {"identifier": people.trainee.email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    assert "Max-Age=2592000" in remember or "Expires=" in remember
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_first_sign_in_with_a_one_time_password_forces_a_change(client):
    from ecole.accounts.services import ensure_first_admin

    user, password = ensure_first_admin()
    db.session.commit()
    response = post(client, "/login", {"identifier": user.email, "password": password})
    assert response.headers["Location"].endswith("/account/password")
    assert client.get("/admin/users").headers["Location"].endswith("/account/password")
    post(client, "/account/password", {"current": password, "password": "my own password", "confirm": "my own password"})
    assert client.get("/admin/users").status_code == 200


def test_staff_registers_a_person_who_then_sets_a_password(as_role, client, people):
    trainer = as_role("trainer")
    response = submit(trainer, "/people/new", {"name_latin": "Lahcen Ait Baha", "phone": "0655443322",
                                            "audience": "farmer", "locale": "zgh"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    import re
    code = re.search(r'class="code" dir="ltr">(\d{8})<', body).group(1)
    person = db.session.scalar(db.select(User).where(User.phone == "+212655443322"))
    assert person.created_by_id == people.trainer.id and person.password_hash is None
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.register")).actor_id == people.trainer.id
    response = post(client, "/password/code", {"identifier": "0655443322", "code": code,
                                               "password": "lahcen password", "confirm": "lahcen password"})
    assert response.status_code == 302
    assert post(client, "/login", {"identifier": "0655443322", "password": "lahcen password"}).status_code == 302


def test_admin_changes_roles_with_an_audit_entry(as_role, people):
    admin = as_role("admin")
    response = post(admin, f"/admin/users/{people.trainee.id}/roles", {"roles": ["trainee", "trainer"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).roles == {"trainee", "trainer"}
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Changement de rôles" in page


def test_bad_role_value_changes_nothing(as_role, people):
    admin = as_role("admin")
    post(admin, f"/admin/users/{people.trainee.id}/roles", {"roles": ["emperor"]})
    db.session.expire_all()
    assert db.session.get(User, people.trainee.id).roles == {"trainee"}


def test_unknown_user_is_404(as_role):
    assert as_role("admin").get("/admin/users/999999").status_code == 404


def test_admin_list_search_and_paging(as_role, people):
    admin = as_role("admin")
    assert "Fatima" in admin.get("/admin/users?q=fatima").get_data(as_text=True)
    assert "Fatima" not in admin.get("/admin/users?q=zzz").get_data(as_text=True)
    for page in ("abc", "0", "-3", "99999999999999999999"):
        assert admin.get(f"/admin/users?page={page}").status_code == 200


def test_csrf_token_helper_reads_a_real_form(client):
    assert len(csrf_token(client)) > 40


def _anonymous_get_urls() -> list[str]:
    from tests.routes import ROUTES

    urls = []
    for methods in ROUTES.values():
        route = methods.get("GET")
        if route is None or "anonymous" not in route.allowed:
            continue
        try:
            urls.append(route.url({}))
        except (KeyError, TypeError, AttributeError):
            continue  # needs ids from a world: the fixed URLs are enough to show the class
    return urls


def test_a_visitors_request_leaves_the_cookie_alone(client):
    """A page answered to someone not signed in sets no cookie once the session holds its CSRF
    token: a late answer to a request sent before signing in must not replace the new session."""
    client.get("/login")
    urls = _anonymous_get_urls()
    assert len(urls) > 10
    for url in urls:
        cookies = client.get(url).headers.getlist("Set-Cookie")
        assert not [c for c in cookies if c.startswith(("session=", "remember_token="))], (url, cookies)


def test_an_answer_to_a_request_sent_before_signing_in_does_not_sign_out(app, people):
    phone = app.test_client()
    phone.get("/login")
    before = phone.get_cookie("session").value
    post(phone, "/login", {"identifier": people.trainee.email, "password": PASSWORD, "remember": "y"})
    # The service worker stored the offline page with the old cookie; its answer comes last.
    late = app.test_client()
    late.set_cookie("session", before)
    for url in ("/offline", "/manifest.webmanifest", "/courses", "/"):
        assert not late.get(url).headers.getlist("Set-Cookie"), url
    assert phone.get("/account").status_code == 200
