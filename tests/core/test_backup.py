"""Backups (`flask ecole backup` / `restore`): round trips between SQLite and PostgreSQL give back every
row and every stored file; a backup taken while people enrol is consistent; a damaged archive, a
school that is not empty, a wrong path are refused with one line, before anything is touched."""
import contextvars
import io
import json
import tarfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ecole.core.audit import AuditEntry
from ecole.core.backup import archives_to_keep, check_archive, make_backup, restore_backup
from ecole.extensions import db
from tests.catalogue.conftest import catalogue  # noqa: F401  (the test catalogue's fixture)
from tests.enrolment.test_concurrency import run_together
from tests.factories import make_session, make_user
from tests.helpers import csrf_token, login, same_on_every_database
from tests.populated import Place, rows_of, stage_kind, stored_files

on_postgresql_stage = pytest.mark.skipif(stage_kind() != "postgresql",
                                         reason="a PostgreSQL source: the suite's PostgreSQL stage (TEST_DATABASE_URL)")


def restore_cli(place: Place, archive: Path, *args: str):
    """`flask ecole restore` on that place's app (in a context of its own: with the suite's app context
    active, the command would run on the suite's app)."""
    runner = place.app.test_cli_runner()
    return contextvars.Context().run(runner.invoke, args=["ecole", "restore", str(archive), *args])


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur : "), result.output
    return lines[0]


# --- round trips ------------------------------------------------------------------------------

@pytest.mark.parametrize("source_kind, target_kind", [
    pytest.param("sqlite", "sqlite", marks=same_on_every_database),
    pytest.param("sqlite", "postgresql", marks=same_on_every_database),
    pytest.param("postgresql", "postgresql", marks=on_postgresql_stage),
    pytest.param("postgresql", "sqlite", marks=on_postgresql_stage),
])
def test_round_trip_gives_back_every_row_and_every_file(populated_school, tmp_path, source_kind, target_kind):
    source = populated_school(source_kind)
    original, files = rows_of(source.app), stored_files(source.app)
    with source.app.app_context():
        made = make_backup(tmp_path, actor=None)
        db.session.commit()
    assert made.path.name.startswith("ecole-") and made.path.name.endswith(".tar.gz")
    assert made.path.stat().st_mode & 0o077 == 0  # everyone's personal data: its owner's eyes only
    assert made.manifest["dialect"] == source_kind and made.manifest["missing_files"] == []
    target = Place(tmp_path / "target", target_kind)
    try:
        result = restore_cli(target, made.path)
        assert result.exit_code == 0, result.output
        assert "restaurée" in result.output
        restored = rows_of(target.app)
        assert restored.keys() == original.keys()
        for name, (columns, rows) in original.items():
            assert restored[name] == (columns, rows), name
        assert stored_files(target.app) == files and len(files) >= 8
        with target.app.app_context():
            # The restored school goes on: new rows get new ids (PostgreSQL's sequences were moved on).
            person = make_user("trainee", name="Nouvelle Stagiaire", email="nouvelle@example.org")
            assert person.id > max(row[0] for row in original["users"][1])
            restored_by = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "backup.restore"))
            assert restored_by.details["archive"] == made.path.name and restored_by.actor_id is None
    finally:
        target.drop()


# --- a backup while people enrol ----------------------------------------------------------------

def archived_rows(path: Path, table: str) -> list[dict]:
    """The rows of one table in an archive, as dicts."""
    manifest = check_archive(path)
    entry = next(item for item in manifest["tables"] if item["name"] == table)
    names = [name for name, _kind in entry["columns"]]
    with tarfile.open(path) as tar:
        lines = tar.extractfile(entry["member"]).read().decode().splitlines()
    return [dict(zip(names, json.loads(line))) for line in lines]


def seats_are_right(course_sessions: list[dict], enrolments: list[dict]) -> None:
    from ecole.enrolment.models import HOLDS_SEAT

    holding = {status.value for status in HOLDS_SEAT}
    for course_session in course_sessions:
        rows = [row for row in enrolments if row["session_id"] == course_session["id"]]
        assert course_session["seats_taken"] == sum(1 for row in rows if row["status"] in holding), course_session
        assert sum(1 for row in rows if row["status"] in holding) <= course_session["capacity"]
        people = [row["user_id"] for row in rows]
        assert len(people) == len(set(people)), f"someone enrolled twice in {course_session['id']}"


@pytest.mark.slow
def test_a_backup_taken_while_20_people_enrol_is_consistent(app, catalogue, queued_jobs, tmp_path):  # noqa: F811
    trainer = make_user("trainer", email="trainer@example.org")
    session_ids = [make_session(trainer, capacity=7, commune=f"Commune {n}").id for n in range(2)]
    devices = []
    for n in range(20):
        client = app.test_client()
        login(client, make_user("trainee", name=f"Stagiaire {n}", email=f"stagiaire{n}@example.org"))
        devices.append((client, csrf_token(client, "/account")))
    archives, stop, failures = [], threading.Event(), []

    def back_up_until_stopped():
        with app.app_context():
            try:
                while not stop.is_set() or len(archives) < 2:
                    archives.append(make_backup(tmp_path / f"during-{len(archives)}.tar", actor=None).path)
                    db.session.commit()
                    stop.wait(0.1)  # a school's backups do not follow each other without a pause
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)

    # Everyone enrols in the first session, then waits until a backup begun after the last of them has
    # been written, then enrols in the second: backups run through both rushes, and one at least is
    # bound to fall between them whatever the machine's speed.
    halfway = threading.Barrier(len(devices), action=lambda: seen.append(len(archives)), timeout=120)
    seen: list[int] = []

    def enrol_everywhere(client, token):
        codes = [client.post(f"/sessions/{session_ids[0]}/enrol", data={"csrf_token": token}).status_code]
        halfway.wait()
        deadline = time.monotonic() + 120
        while len(archives) < seen[0] + 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        codes.append(client.post(f"/sessions/{session_ids[1]}/enrol", data={"csrf_token": token}).status_code)
        return codes

    backups = threading.Thread(target=back_up_until_stopped)
    backups.start()
    statuses = run_together([lambda c=c, t=t: enrol_everywhere(c, t) for c, t in devices])
    stop.set()
    backups.join(timeout=120)
    assert failures == [] and len(archives) >= 2
    assert all(isinstance(codes, list) and max(codes) < 500 for codes in statuses), statuses
    for archive in archives:
        course_sessions = [row for row in archived_rows(archive, "course_sessions") if row["id"] in session_ids]
        seats_are_right(course_sessions, archived_rows(archive, "enrolments"))
    counts = [len(archived_rows(archive, "enrolments")) for archive in archives]
    during = [archive for archive, count in zip(archives, counts) if 0 < count < 2 * len(devices)]
    assert during, counts  # at least one was made between the two rushes
    target = Place(tmp_path / "target", stage_kind())
    try:
        with target.app.app_context():
            restore_backup(during[0])
        restored = rows_of(target.app)
        seats_are_right([dict(zip(restored["course_sessions"][0], row)) for row in restored["course_sessions"][1]],
                        [dict(zip(restored["enrolments"][0], row)) for row in restored["enrolments"][1]])
        assert len(restored["enrolments"][1]) == counts[archives.index(during[0])]
    finally:
        target.drop()


# --- damaged archives -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_school(tmp_path_factory):
    """A small school (a few rows, two stored files) and its archive, plain and compressed."""
    folder = tmp_path_factory.mktemp("small")
    place = Place(folder / "school", "sqlite")
    from flask_migrate import upgrade

    from ecole.core.storage import get_storage

    with place.app.app_context():
        upgrade()
        make_user("admin", name="Amina Idrissi", email="admin@example.org")
        get_storage().put("certificates/EPDR-2026-AAAA.pdf", b"%PDF-1.7 certificate")
        get_storage().put("trips/1/photos/1.jpg", b"\xff\xd8 photo " * 100)
        plain = make_backup(folder / "school.tar", actor=None).path
        compressed = make_backup(folder / "school.tar.gz", actor=None).path
        db.session.commit()
    place.release()
    yield place, plain, compressed
    place.drop()


@pytest.fixture(scope="module")
def busy_school(tmp_path_factory):
    """A school with its own rows and files, which a refused restore must leave exactly as it is."""
    place = Place(tmp_path_factory.mktemp("busy"), "sqlite")
    from flask_migrate import upgrade

    from ecole.core.storage import get_storage

    with place.app.app_context():
        upgrade()
        make_user("trainee", name="Fatima Aït Ali", phone="0612345678")
        get_storage().put("scans/1/1/original.pdf", b"%PDF-1.7 scan")
    place.release()
    yield place
    place.drop()


def flipped(archive: Path, member: str, folder: Path) -> Path:
    """A copy of a plain (.tar) archive with one byte of `member`'s data changed."""
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
    data = bytearray(archive.read_bytes())
    data[info.offset_data + info.size // 2] ^= 0x01
    bad = folder / f"flipped-{member.replace('/', '_')}.tar"
    bad.write_bytes(bytes(data))
    return bad


def rewritten(archive: Path, folder: Path, change) -> Path:
    """A copy of the archive whose manifest `change(manifest)` altered (members kept as they are)."""
    bad = folder / "lying.tar"
    with tarfile.open(archive) as tar, tarfile.open(bad, "w", format=tarfile.PAX_FORMAT) as out:
        for info in tar.getmembers():
            data = tar.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return bad


def _first(manifest: dict, prefix: str) -> str:
    return next(name for name in manifest["members"] if name.startswith(prefix))


DAMAGES = {
    "a byte of the database copy": lambda archive, folder: flipped(archive, "database/ecole.sqlite3", folder),
    "a byte of the rows": lambda archive, folder: flipped(archive, _rows_member(archive, "users"), folder),
    "a byte of a stored file": lambda archive, folder: flipped(archive, "files/trips/1/photos/1.jpg", folder),
    "the manifest's sum of a file": lambda archive, folder: rewritten(archive, folder, lambda m: m["members"][
        "files/certificates/EPDR-2026-AAAA.pdf"].update(sha256="0" * 64)),
    "the manifest's row count": lambda archive, folder: rewritten(archive, folder, lambda m: next(
        table for table in m["tables"] if table["name"] == "users").update(rows=2)),
    "a member left out of the manifest": lambda archive, folder: rewritten(archive, folder, lambda m: m["members"].pop(
        "files/trips/1/photos/1.jpg")),
    "a revision this Ecole does not know": lambda archive, folder: rewritten(archive, folder, lambda m: m.update(
        revision="ffffffffffff")),
    "another format": lambda archive, folder: rewritten(archive, folder, lambda m: m.update(version=99)),
    "the manifest cut off": lambda archive, folder: _truncated(archive, folder, before="manifest.json"),
}


def _rows_member(archive: Path, table: str) -> str:
    with tarfile.open(archive) as tar:
        return next(name for name in tar.getnames() if name.startswith("rows/") and name.endswith(f"-{table}.jsonl"))


def _truncated(archive: Path, folder: Path, *, before: str) -> Path:
    with tarfile.open(archive) as tar:
        offset = tar.getmember(before).offset
    bad = folder / "cut.tar"
    bad.write_bytes(archive.read_bytes()[:offset])
    return bad


@same_on_every_database
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_archive_is_refused_before_anything_is_touched(small_school, busy_school, tmp_path, damage):
    _place, plain, _compressed = small_school
    before_rows, before_files = rows_of(busy_school.app), stored_files(busy_school.app)
    bad = DAMAGES[damage](plain, tmp_path)
    message = one_line_error(restore_cli(busy_school, bad, "--force"))
    assert "Archive" in message or "archive" in message or "sauvegarde" in message, message
    assert rows_of(busy_school.app) == before_rows and stored_files(busy_school.app) == before_files


@same_on_every_database
def test_a_truncated_or_foreign_file_is_refused(small_school, busy_school, tmp_path):
    _place, _plain, compressed = small_school
    before_rows, before_files = rows_of(busy_school.app), stored_files(busy_school.app)
    data = compressed.read_bytes()
    for name, content in (("cut.tar.gz", data[:len(data) * 2 // 3]), ("noise.tar.gz", b"\x1f\x8b" + bytes(range(256)) * 40),
                          ("notes.tar", "ⵜⴰⵙⵏⵓⵔⵜ".encode() * 1000)):
        (tmp_path / name).write_bytes(content)
        one_line_error(restore_cli(busy_school, tmp_path / name, "--force"))
    assert "introuvable" in one_line_error(restore_cli(busy_school, tmp_path / "absent.tar.gz"))
    one_line_error(restore_cli(busy_school, tmp_path))  # a folder
    assert rows_of(busy_school.app) == before_rows and stored_files(busy_school.app) == before_files
    assert check_archive(compressed)["tables"]  # the archive itself is sound


# --- the target must be empty, unless forced ------------------------------------------------------

@same_on_every_database
def test_a_school_that_holds_data_is_kept_unless_forced(small_school, busy_school, tmp_path):
    source, plain, compressed = small_school
    before_rows, before_files = rows_of(busy_school.app), stored_files(busy_school.app)
    assert "--force" in one_line_error(restore_cli(busy_school, compressed))
    assert rows_of(busy_school.app) == before_rows and stored_files(busy_school.app) == before_files

    files_only = Place(tmp_path / "files-only", "sqlite")
    from ecole.core.storage import get_storage

    with files_only.app.app_context():
        get_storage().put("left/over.pdf", b"%PDF")
    assert "--force" in one_line_error(restore_cli(files_only, plain))
    assert rows_of(files_only.app) == {} and stored_files(files_only.app) == {"left/over.pdf": _sha(b"%PDF")}

    forced = restore_cli(files_only, plain, "--force")
    assert forced.exit_code == 0, forced.output
    assert stored_files(files_only.app) == stored_files(source.app)  # the left-over file is gone
    assert rows_of(files_only.app) == rows_of(source.app)
    files_only.drop()


@same_on_every_database
def test_a_freshly_migrated_database_counts_as_empty(small_school, tmp_path):
    """`flask db upgrade` alone puts rows in (the school's themes): a restore needs no --force there."""
    from flask_migrate import upgrade

    source, _plain, compressed = small_school
    fresh = Place(tmp_path / "fresh", "sqlite")
    with fresh.app.app_context():
        upgrade()
    result = restore_cli(fresh, compressed)
    assert result.exit_code == 0, result.output
    assert rows_of(fresh.app) == rows_of(source.app)
    fresh.drop()


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --- the backup command ---------------------------------------------------------------------------

@same_on_every_database
def test_backup_command_paths_and_one_line_errors(app, runner, tmp_path):
    written = runner.invoke(args=["ecole", "backup", str(tmp_path / "nightly.tar.gz")])
    assert written.exit_code == 0, written.output
    assert (tmp_path / "nightly.tar.gz").exists() and "nightly.tar.gz" in written.output
    assert "existe déjà" in one_line_error(runner.invoke(args=["ecole", "backup", str(tmp_path / "nightly.tar.gz")]))
    assert ".tar.gz" in one_line_error(runner.invoke(args=["ecole", "backup", str(tmp_path / "nightly.zip")]))
    assert "introuvable" in one_line_error(runner.invoke(args=["ecole", "backup", str(tmp_path / "no" / "x.tar")]))
    assert one_line_error(runner.invoke(args=["ecole", "backup", str(tmp_path / "x.tar"), "--keep-daily", "7"]))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["nightly.tar.gz"]  # nothing half-written


@same_on_every_database
def test_a_file_named_by_a_row_but_gone_is_reported(app, runner, tmp_path):
    from ecole.certificates.models import CertificateAsset

    db.session.add(CertificateAsset(kind="logo", storage_key="certificates/assets/9.png"))
    db.session.commit()
    result = runner.invoke(args=["ecole", "backup", str(tmp_path / "b.tar")])
    assert result.exit_code == 0, result.output
    assert "certificates/assets/9.png" in result.stderr
    assert check_archive(tmp_path / "b.tar")["missing_files"] == ["certificates/assets/9.png"]


@same_on_every_database
def test_backups_into_a_folder_are_dated_and_pruned(app, runner, tmp_path):
    for stamp in ("20260101T013000Z", "20261101T013000Z", "20261126T013000Z", "20261127T013000Z", "20261128T013000Z"):
        (tmp_path / f"ecole-{stamp}.tar.gz").write_bytes(b"old")
    (tmp_path / "README").write_text("kept")
    before = {path.name for path in tmp_path.iterdir()}
    result = runner.invoke(args=["ecole", "backup", str(tmp_path), "--keep-daily", "2", "--keep-monthly", "2"])
    assert result.exit_code == 0, result.output
    names = {path.name for path in tmp_path.iterdir()}
    (made,) = names - before
    assert check_archive(tmp_path / made)["tables"]
    # Kept: today's and the newest of another day (daily 2), which is also November's (monthly 2).
    assert names == {"README", "ecole-20261128T013000Z.tar.gz", made}


@same_on_every_database
def test_archives_to_keep_daily_weekly_monthly():
    day = [datetime(2026, month, dom, 1, 30, tzinfo=timezone.utc)
           for month, dom in ((9, 30), (10, 31), (11, 2), (11, 9), (11, 16), (11, 23), (11, 30), (12, 1), (12, 2))]
    extra = datetime(2026, 12, 2, 13, 0, tzinfo=timezone.utc)  # two on one day: the newer one counts
    kept = archives_to_keep(day + [extra], daily=2, weekly=3, monthly=3)
    # Days: 2 Dec (the newer), 1 Dec; ISO weeks 49, 48, 47: 2 Dec, 23 and 16 Nov; months: Dec, 30 Nov, 31 Oct.
    assert kept == {extra, day[7], day[5], day[4], day[6], day[1]}
    assert archives_to_keep(day, daily=0, weekly=0, monthly=0) == set()


@on_postgresql_stage
def test_without_pg_dump_the_backup_says_what_to_install(app, runner, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on this PATH
    assert "pg_dump" in one_line_error(runner.invoke(args=["ecole", "backup", str(tmp_path / "b.tar.gz")]))
    assert list(tmp_path.iterdir()) == []

