"""`ecole import-trainees`: all rows or none, line numbers for bad rows, no duplicates on re-import."""
from ecole.accounts.models import User
from ecole.extensions import db

GOOD = (
    "name_latin;name_arabic;phone;email;gender;birth_year;commune;audience;organisation;locale\n"
    "Fatima Aït Ali;فاطمة آيت علي;0612345678;;f;1988;Taliouine;cooperative_member;Coopérative Tifawin;ar\n"
    "Lahcen Oubaha;لحسن أوباها;06 23 45 67 89;lahcen@example.org;m;1975;Askaoun;farmer;;zgh\n"
)


def count() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def write(tmp_path, text, name="people.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_then_reimport_creates_no_duplicates(runner, tmp_path):
    path = write(tmp_path, GOOD)
    first = runner.invoke(args=["ecole", "import-trainees", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 créé(s), 0 déjà inscrit(s)" in first.output
    fatima = db.session.scalar(db.select(User).where(User.phone == "+212612345678"))
    assert fatima.name_arabic == "فاطمة آيت علي" and fatima.roles == {"trainee"} and fatima.locale == "ar"
    second = runner.invoke(args=["ecole", "import-trainees", str(path)])
    assert second.exit_code == 0 and "0 créé(s), 2 déjà inscrit(s)" in second.output
    assert count() == 2


def test_a_bad_row_stops_everything_with_line_numbers(runner, tmp_path):
    text = GOOD + "Sans Contact;;;;;;;;;\nMauvais Public;;0655555555;;;;;astronaut;;\nDouble;;0612345678;;;;;;;\n"
    result = runner.invoke(args=["ecole", "import-trainees", str(write(tmp_path, text))])
    assert result.exit_code == 1
    assert "Ligne 4 :" in result.output and "Ligne 5 :" in result.output and "Ligne 6 :" in result.output
    assert "ligne 2" in result.output  # the duplicate names the line it repeats
    assert "rien n’a été importé" in result.output
    assert count() == 0


def test_dry_run_imports_nothing(runner, tmp_path):
    result = runner.invoke(args=["ecole", "import-trainees", "--dry-run", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0 and "2 à créer" in result.output
    assert count() == 0


def test_unknown_columns_and_bad_encoding_are_refused(runner, tmp_path):
    result = runner.invoke(args=["ecole", "import-trainees", str(write(tmp_path, "nom,phone\nA,0612345678\n"))])
    assert result.exit_code == 1 and "Ligne 1" in result.output
    latin1 = write(tmp_path, "name_latin,phone\nAït,0612345678\n", name="l1.csv", encoding="latin-1")
    result = runner.invoke(args=["ecole", "import-trainees", str(latin1)])
    assert result.exit_code == 1 and "UTF-8" in result.output
    missing = runner.invoke(args=["ecole", "import-trainees", str(tmp_path / "absent.csv")])
    assert missing.exit_code != 0
    assert count() == 0


def test_comma_separated_files_work_too(runner, tmp_path):
    path = write(tmp_path, "name_latin,phone,audience\nAicha Bouzid,0644444444,youth\n", encoding="utf-8")
    assert runner.invoke(args=["ecole", "import-trainees", str(path)]).exit_code == 0
    assert count() == 1


def test_a_row_matching_two_accounts_is_an_error(runner, tmp_path, people):
    text = f"name_latin,phone,email\nMix,{people.trainee.phone},{people.trainer.email}\n"
    result = runner.invoke(args=["ecole", "import-trainees", str(write(tmp_path, text, encoding="utf-8"))])
    assert result.exit_code == 1 and "Ligne 2" in result.output
