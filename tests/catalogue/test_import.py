"""courses/ ⇄ database: idempotent import, faithful export, file:line errors, nothing half-imported."""
import shutil
from pathlib import Path

import pytest

from ecole.catalogue.models import Course, CourseText, Lesson
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.catalogue.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def counts():
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model)) for model in (Course, CourseText, Lesson))


def test_import_twice_reports_no_change(runner):
    first = runner.invoke(args=["ecole", "import-courses", str(FIXTURES)])
    assert first.exit_code == 0, first.output
    assert "3 créée(s), 0 mise(s) à jour, 0 inchangée(s)" in first.output
    second = runner.invoke(args=["ecole", "import-courses", str(FIXTURES)])
    assert second.exit_code == 0 and "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in second.output
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 1  # only the import that changed something


def test_export_then_import_changes_nothing(runner, tmp_path):
    runner.invoke(args=["ecole", "import-courses", str(FIXTURES)])
    out = tmp_path / "export"
    assert runner.invoke(args=["ecole", "export-courses", str(out)]).exit_code == 0
    again = runner.invoke(args=["ecole", "import-courses", str(out)])
    assert "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in again.output, again.output
    second_export = tmp_path / "export2"
    runner.invoke(args=["ecole", "export-courses", str(second_export)])
    for path in out.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (second_export / path.relative_to(out)).read_bytes(), path


def test_a_changed_file_is_an_update(runner, tmp_path):
    copy = tmp_path / "courses"
    shutil.copytree(FIXTURES, copy)
    runner.invoke(args=["ecole", "import-courses", str(copy)])
    lesson = copy / "saffron-basics" / "lessons" / "02-cueillette.fr.md"
    lesson.write_text("# La cueillette avant le lever du soleil\n\nTexte revu.\n", encoding="utf-8")
    result = runner.invoke(args=["ecole", "import-courses", str(copy)])
    assert "mise à jour\tsaffron-basics" in result.output and "1 mise(s) à jour" in result.output


@pytest.mark.parametrize("relative,content,where", [
    ("saffron-basics/course.yml", "title:\n  fr: Ok\ntheme: [unclosed\n", "saffron-basics/course.yml:3"),
    ("saffron-basics/course.yml", None, "saffron-basics/course.yml:12"),  # duration_hours: douze
    ("argan-coop/lessons/01-assemblee.fr.md", "Pas de titre\n", "argan-coop/lessons/01-assemblee.fr.md:1"),
    ("argan-coop/course.yml", "title:\n  fr: Ok\nthem: local_products\n", "argan-coop/course.yml:3"),
    ("draft-course/notes.txt", "hello", "draft-course/notes.txt"),
])
def test_a_broken_file_is_reported_and_nothing_is_imported(runner, tmp_path, relative, content, where):
    copy = tmp_path / "courses"
    shutil.copytree(FIXTURES, copy)
    path = copy / relative
    if content is None:
        path.write_text(path.read_text("utf-8").replace("duration_hours: 12", "duration_hours: douze"), "utf-8")
    else:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["ecole", "import-courses", str(copy)])
    assert result.exit_code == 1
    assert where in result.output, result.output
    assert "rien n’a été importé" in result.output
    assert counts() == (0, 0, 0)


def test_a_broken_file_leaves_an_existing_catalogue_untouched(runner, tmp_path):
    runner.invoke(args=["ecole", "import-courses", str(FIXTURES)])
    before = counts()
    copy = tmp_path / "courses"
    shutil.copytree(FIXTURES, copy)
    (copy / "argan-coop" / "course.yml").write_text("title: {fr: x}\ntheme: nowhere\nformat: mixed\nlevel: advanced\n"
                                                    "duration_hours: 3\naudiences: [youth]\ninstruction_languages: [fr]\n",
                                                    encoding="utf-8")
    result = runner.invoke(args=["ecole", "import-courses", str(copy)])
    assert result.exit_code == 1 and "argan-coop/course.yml:2" in result.output
    db.session.expire_all()
    assert counts() == before
    assert db.session.scalar(db.select(Course).where(Course.slug == "argan-coop")).theme.code == "local_products"


def test_prerequisite_loops_are_refused(runner, tmp_path):
    copy = tmp_path / "courses"
    shutil.copytree(FIXTURES, copy)
    yml = copy / "saffron-basics" / "course.yml"
    yml.write_text(yml.read_text("utf-8").replace("prerequisites: []", "prerequisites: [argan-coop]"), "utf-8")
    result = runner.invoke(args=["ecole", "import-courses", str(copy)])
    assert result.exit_code == 1 and "boucle" in result.output


def test_dry_run_writes_nothing(runner):
    result = runner.invoke(args=["ecole", "import-courses", "--dry-run", str(FIXTURES)])
    assert result.exit_code == 0 and "3 créée(s)" in result.output and counts() == (0, 0, 0)


def test_the_schools_catalogue_is_complete():
    """courses/: at least 15 courses, each whole in the three languages, with 3–6 lessons."""
    from ecole.catalogue.loader import read_catalogue

    courses, problems = read_catalogue(ROOT / "courses")
    assert not problems, [str(p) for p in problems]
    assert len(courses) >= 15
    for course in courses:
        for texts in (course.titles, course.summaries, course.descriptions, course.objectives):
            assert set(texts) == {"fr", "ar", "zgh"}, course.slug
        assert 3 <= len(course.lessons) <= 6, course.slug
        for lesson in course.lessons:
            assert set(lesson.titles) == set(lesson.bodies) == {"fr", "ar", "zgh"}, (course.slug, lesson.key)


def test_the_schools_catalogue_imports(runner):
    result = runner.invoke(args=["ecole", "import-courses"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(db.func.count(Course.id))) >= 15
