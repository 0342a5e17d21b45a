"""Course administration: the importer's rules on save, previews in each language, audit entries."""
from ecole.catalogue.models import Course, Theme
from ecole.catalogue.services import course_to_data
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.helpers import submit


def course(slug):
    db.session.expire_all()
    return db.session.scalar(db.select(Course).where(Course.slug == slug))


NEW = {
    "slug": "eau-potable-douar", "theme": "farming_water", "format": "field", "level": "introductory",
    "duration_hours": "8", "audiences": ["farmer", "elected_official"], "instruction_languages": ["ar", "zgh"],
    "title_fr": "L’eau potable du douar", "title_ar": "الماء الصالح للشرب في الدوار", "title_zgh": "ⴰⵎⴰⵏ ⵏ ⵜⵉⵙⵙⵉ",
    "summary_fr": "Gérer un réseau d’eau villageois.", "objectives_fr": "- Tenir le registre des compteurs",
}


def test_create_a_course_then_read_it_in_the_catalogue(as_role, catalogue, client):
    admin = as_role("admin")
    response = submit(admin, "/admin/courses/new", {**NEW, "published": "y", "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    created = course("eau-potable-douar")
    assert created.published and created.title("zgh") == "ⴰⵎⴰⵏ ⵏ ⵜⵉⵙⵙⵉ"
    assert "L’eau potable du douar" in client.get("/courses?q=compteurs").get_data(as_text=True)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "course.create"))
    assert entry.target_id == str(created.id)


def test_preview_shows_every_language_and_saves_nothing(as_role, catalogue):
    admin = as_role("admin")
    response = submit(admin, "/admin/courses/new", {**NEW, "action": "preview"}, form_url="/admin/courses/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "الماء الصالح للشرب في الدوار" in body and '<article lang="ar" dir="rtl"' in body
    assert "<li>Tenir le registre des compteurs</li>" in body
    assert course("eau-potable-douar") is None


def test_the_importers_rules_apply(as_role, catalogue):
    admin = as_role("admin")
    for bad in ({"slug": "Bad Slug"}, {"slug": "saffron-basics"}, {"duration_hours": "0"},
                {"audiences": []}, {"title_fr": "", "title_ar": "", "title_zgh": ""}, {"theme": "nowhere"}):
        response = submit(admin, "/admin/courses/new", {**NEW, **bad, "action": "save"}, form_url="/admin/courses/new")
        assert response.status_code == 400, bad
    assert course("eau-potable-douar") is None


def test_edit_keeps_lessons_and_round_trips(as_role, catalogue):
    admin = as_role("admin")
    before = course_to_data(course("saffron-basics"))
    response = submit(admin, "/admin/courses/saffron-basics/edit", {"action": "save"})
    assert response.status_code == 302
    assert course_to_data(course("saffron-basics")) == before  # saving the form unchanged changes nothing


def test_prerequisite_loop_refused_from_the_form(as_role, catalogue):
    admin = as_role("admin")
    response = submit(admin, "/admin/courses/saffron-basics/edit", {"prerequisites": ["argan-coop"], "action": "save"})
    assert response.status_code == 400 and "boucle" in response.get_data(as_text=True)


def test_publish_and_unpublish_are_audited(as_role, catalogue, client):
    admin = as_role("admin")
    submit(admin, "/admin/courses/draft-course/publish", form_url="/admin/courses/draft-course/edit")
    assert course("draft-course").published
    assert client.get("/courses/draft-course").status_code == 200
    submit(admin, "/admin/courses/draft-course/publish", form_url="/admin/courses/draft-course/edit")
    assert not course("draft-course").published
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["course.publish", "course.unpublish"]


def test_add_edit_reorder_and_delete_lessons(as_role, catalogue):
    admin = as_role("admin")
    response = submit(admin, "/admin/courses/saffron-basics/lessons/new",
                      {"key": "sechage", "position": "1", "title_fr": "Le séchage", "body_fr": "À l’ombre.",
                       "title_zgh": "ⴰⵣⵡⵓ", "action": "save"})
    assert response.status_code == 302
    assert [lesson.key for lesson in course("saffron-basics").lessons] == ["sechage", "bulbes", "cueillette"]
    response = submit(admin, "/admin/courses/saffron-basics/lessons/new",
                      {"key": "bulbes", "title_fr": "Doublon", "action": "save"})
    assert response.status_code == 400
    submit(admin, "/admin/courses/saffron-basics/lessons/sechage/edit", {"position": "3", "action": "save"})
    assert [lesson.key for lesson in course("saffron-basics").lessons] == ["bulbes", "cueillette", "sechage"]
    submit(admin, "/admin/courses/saffron-basics/lessons/sechage/delete",
           form_url="/admin/courses/saffron-basics/lessons/sechage/edit")
    assert [lesson.key for lesson in course("saffron-basics").lessons] == ["bulbes", "cueillette"]


def test_themes_can_be_added(as_role, catalogue):
    admin = as_role("admin")
    response = submit(admin, "/admin/themes", {"code": "water_boards", "title_fr": "Associations d’usagers de l’eau",
                                               "title_ar": "جمعيات مستعملي الماء"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Theme).where(Theme.code == "water_boards")).title("zgh") == "Associations d’usagers de l’eau"
    assert submit(admin, "/admin/themes", {"code": "water_boards", "title_fr": "x"}).status_code == 400
    assert submit(admin, "/admin/themes", {"code": "Bad Code", "title_fr": "x"}).status_code == 400
