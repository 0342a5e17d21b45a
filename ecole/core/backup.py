"""Backups: one archive with a consistent copy of the database and every stored file, and back again.

An archive is a tar file (gzip-compressed unless its name ends in .tar), written to a temporary file
beside its final name and renamed once complete, readable by its owner only (it holds everyone's
personal data). Its members, in this order:

  database/ecole.sqlite3 or database/ecole.pgdump
      the database as its own tools copy it: SQLite's online backup of the live file, or
      `pg_dump --format=custom`. Restore does not read it: it is there for an operator who has
      nothing but sqlite3 or pg_restore at hand.
  rows/NNN-<table>.jsonl
      every table's rows, one JSON array a line in the order of the manifest's columns, tables in
      the order of their foreign keys: the portable form that restore loads, into SQLite or
      PostgreSQL whatever the source was.
  files/<key>
      every stored file (core/storage.py), from a folder or from S3.
  manifest.json
      last, since its sums are known only then: format and version, when it was made, the schema's
      Alembic revision, the source database, each table's columns (and their kind) and row count,
      each member's size and SHA-256.

Consistency. The rows are one snapshot. On SQLite they are read from the online backup's copy, made
in one step under a reader's snapshot (in WAL mode the school's writers go on meanwhile). On
PostgreSQL a REPEATABLE READ transaction exports its snapshot, pg_dump dumps that same snapshot
(--snapshot) and the rows are read in the transaction. Stored files are listed and copied after the
snapshot: Ecole writes a file before the row that names it commits, so every file the snapshot names
exists by then (files added since are in the archive too, named by nothing, which is harmless). A file
deleted between the snapshot and its copy (a replaced document, a deleted photo) cannot be saved: the
manifest lists what the snapshot names and the archive lacks ("missing_files"), and the command says so.

Restore reads the whole archive and checks it against its manifest (format and version, every
member's size and SHA-256, row counts, a schema revision this Ecole knows) before it touches
anything. It refuses a database or storage that holds anything unless forced. Then, in one database
transaction: it drops whatever tables are there, builds the schema of the archive's revision with the
migrations, loads the rows (datetimes, JSON as its exact text, booleans, binary and decimals kept),
sets PostgreSQL's sequences past the highest ids, writes the stored files, upgrades the schema to the
newest revision and commits. Forced, it then deletes the stored files that the archive does not hold.

What outlives a restore. Stored files under LEDGER ("ledger/") record what a restore must not undo
(privacy/: the people erased on request, who must not come back with a backup taken before their
erasure). A restore does not count them as data, never deletes them and does not overwrite them (the
archive's copies are written only where none is): the caller re-applies what they record.

Why load the rows and not the native copy: one way to restore, the same for every pair of databases
(SQLite to PostgreSQL as well), and an archive made by an older Ecole is brought up to date by the
migrations after the load. Why reflect the tables instead of reading db.metadata: the database may
be at an older revision than the code (a backup taken before an upgrade), with other tables and columns.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData, Text, bindparam, cast, create_engine, func, insert, select, text, update
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.ddl import sort_tables_and_constraints

from ecole.core.schema import check_foreign_keys, foreign_keys_off
from ecole.core.storage import InvalidKey, MissingFile, StorageError, discard, get_storage, validate_key
from ecole.extensions import db

FORMAT = "ecole-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"  # a stored file's member: FILES + its key
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
SUFFIXES = (".tar.gz", ".tgz", ".tar")
# The name of an archive written into a folder; --keep-* prune only names of this shape.
ARCHIVE_NAME = "ecole-{:%Y%m%dT%H%M%SZ}.tar.gz"
ARCHIVE_NAME_RE = re.compile(r"^ecole-(\d{8}T\d{6}Z)\.tar\.gz$")
# The column that names a stored file, in every model that keeps one (core/storage.py's convention).
STORAGE_KEY_COLUMN = "storage_key"
# Stored files a restore keeps as they are (see the module's docstring): no row names them.
LEDGER = "ledger/"
BATCH = 1000
CHUNK = 1024 * 1024
SPOOL_BYTES = 16 * 1024 * 1024  # a member bigger than this is spooled to disk while its sum is taken

ACTION_TITLES = {
    "backup.make": _l("Sauvegarde faite"),
    "backup.restore": _l("Sauvegarde restaurée"),
}


class BackupError(Exception):
    """The backup or restore cannot be done; str(error) is one translated line. Nothing was changed."""


@dataclass
class BackupMade:
    path: Path
    manifest: dict


def rows_in(manifest: dict) -> int:
    return sum(table["rows"] for table in manifest["tables"])


def files_in(manifest: dict) -> int:
    return sum(1 for name in manifest["members"] if name.startswith(FILES))


# --- values: each column's kind, and its values as JSON ------------------------------------------

# Order matters: Float is a Numeric, Boolean and JSON are not Integer or String.
_KINDS = (("boolean", sqltypes.Boolean), ("datetime", sqltypes.DateTime), ("date", sqltypes.Date),
          ("time", sqltypes.Time), ("json", sqltypes.JSON), ("binary", sqltypes.LargeBinary),
          ("float", sqltypes.Float), ("decimal", sqltypes.Numeric), ("integer", sqltypes.Integer),
          ("text", sqltypes.String))
KINDS = frozenset(kind for kind, _type in _KINDS)


def _kind(table, column) -> str:
    for kind, column_type in _KINDS:
        if isinstance(column.type, column_type):
            return kind
    raise BackupError(_("Type de colonne non pris en charge par les sauvegardes : %(column)s (%(type)s).",
                        column=f"{table.name}.{column.name}", type=str(column.type)))


def _encode(kind: str, value):
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "float":
        return float(value)
    return value  # integer, boolean, text, and JSON read as its text


def _decode(kind: str, value):
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "binary":
        return base64.b64decode(value)
    return value


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


# --- writing an archive ---------------------------------------------------------------------------

def archive_path(path: Path, now: datetime) -> Path:
    """Where the archive goes: PATH itself, or a new dated name inside PATH when it is a folder."""
    if path.is_dir():
        path = path / ARCHIVE_NAME.format(now)
    elif not path.name.endswith(SUFFIXES):
        raise BackupError(_("Le nom d’une archive finit par .tar.gz, .tgz ou .tar : %(path)s", path=str(path)))
    if path.exists():
        raise BackupError(_("%(path)s existe déjà : une sauvegarde n’en remplace jamais une autre.", path=str(path)))
    if not path.parent.is_dir():
        raise BackupError(_("Dossier introuvable : %(path)s", path=str(path.parent)))
    return path


def make_backup(path: Path, *, actor=None) -> BackupMade:
    """Write one archive of the application's database and stored files to `path` (a file name, or a
    folder for a dated name). Audited (flush only: the command commits) when the database is at
    the newest revision."""
    now = datetime.now(timezone.utc)
    target = archive_path(Path(path), now)
    try:
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise BackupError(_("Écriture impossible dans %(path)s : %(error)s", path=str(target.parent),
                            error=error.strerror)) from None
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".ecole-backup-") as work, \
                os.fdopen(handle, "wb") as out:
            mode = "w" if target.name.endswith(".tar") else "w:gz"
            options = {} if mode == "w" else {"compresslevel": 6}
            with tarfile.open(fileobj=out, mode=mode, format=tarfile.PAX_FORMAT, **options) as tar:
                manifest = _write_archive(_Archive(tar, now.timestamp()), Path(work), now)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException as error:
        Path(partial).unlink(missing_ok=True)
        if isinstance(error, (SQLAlchemyError, StorageError)):
            raise BackupError(_("La sauvegarde a échoué : %(error)s", error=_one_line(error))) from error
        if isinstance(error, OSError):
            raise BackupError(_("Écriture impossible de %(path)s : %(error)s", path=str(target),
                                error=error.strerror or _one_line(error))) from error
        raise
    if manifest["revision"] in _known_heads():  # today's models: the audit log has today's columns
        from ecole.core.audit import record

        record("backup.make", "backup", actor=actor, archive=target.name, revision=manifest["revision"],
               rows=rows_in(manifest), files=files_in(manifest), missing_files=len(manifest["missing_files"]))
        db.session.flush()
    return BackupMade(target, manifest)


class _Archive:
    """The tar being written, and the size and SHA-256 of each member put in it."""

    def __init__(self, tar: tarfile.TarFile, mtime: float):
        self.tar, self.mtime, self.members = tar, mtime, {}

    def add(self, name: str, file, size: int, sha256: str) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self.mtime, 0o600
        self.tar.addfile(info, file)
        self.members[name] = {"size": size, "sha256": sha256}

    def add_chunks(self, name: str, chunks, work: Path) -> None:
        """A member whose size is known only once read (a stored file, a table's rows)."""
        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=work) as spool:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            spool.seek(0)
            self.add(name, spool, size, digest.hexdigest())

    def add_path(self, name: str, path: Path) -> None:
        with path.open("rb") as file:
            digest = hashlib.sha256()
            while chunk := file.read(CHUNK):
                digest.update(chunk)
            file.seek(0)
            self.add(name, file, path.stat().st_size, digest.hexdigest())


def _write_archive(archive: _Archive, work: Path, now: datetime) -> dict:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        copy = _sqlite_copy(engine, work)
        archive.add_path("database/ecole.sqlite3", copy)
        # Read from the copy, after it is in the archive (opening it through SQLAlchemy sets WAL mode).
        reader = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with reader.connect() as connection:
                revision, tables, named = _add_rows(archive, connection, work)
        finally:
            reader.dispose()
    elif engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                archive.add_path("database/ecole.pgdump", _pg_dump(engine.url, snapshot, work))
                revision, tables, named = _add_rows(archive, connection, work)
    else:
        raise BackupError(_("Base de données non prise en charge par les sauvegardes : %(name)s.",
                            name=engine.dialect.name))
    # After the snapshot: every file it names was written before it (see the module's docstring).
    storage = get_storage()
    saved = set()
    for key in sorted(storage.keys()):
        try:
            chunks = storage.stream(key)
            archive.add_chunks(FILES + key, chunks, work)
        except MissingFile:  # deleted since it was listed
            continue
        saved.add(key)
    manifest = {
        "format": FORMAT, "version": VERSION, "created_at": now.isoformat(), "revision": revision,
        "dialect": engine.dialect.name, "tables": tables, "members": archive.members,
        "missing_files": sorted(named - saved),
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mtime, info.mode = len(data), archive.mtime, 0o600
    archive.tar.addfile(info, io.BytesIO(data))
    return manifest


def _sqlite_copy(engine, work: Path) -> Path:
    """SQLite's online backup of the live file, in one step: one consistent snapshot."""
    if not engine.url.database or engine.url.database == ":memory:":
        raise BackupError(_("Une base SQLite en mémoire ne se sauvegarde pas."))
    copy = work / "ecole.sqlite3"
    source = sqlite3.connect(engine.url.database, timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()
    finally:
        source.close()
    return copy


def _pg_dump(url, snapshot: str, work: Path) -> Path:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(_("pg_dump est introuvable : installez le client PostgreSQL (paquet postgresql-client, "
                            "de la version du serveur ou plus récente)."))
    dump = work / "ecole.pgdump"
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` shows it
    address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run([program, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                             f"--file={dump}", f"--dbname={address}"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        message = next((line for line in result.stderr.splitlines() if line.strip()), f"exit {result.returncode}")
        raise BackupError(_("pg_dump a échoué : %(error)s", error=message.strip()))
    return dump


def _add_rows(archive: _Archive, connection, work: Path) -> tuple[str, list, set]:
    """Every table's rows as JSON lines, read on `connection` (the snapshot). Returns the schema's
    revision, the manifest's tables and the stored files that rows name."""
    revision = _revision(connection)
    metadata = MetaData()
    metadata.reflect(bind=connection)
    tables, named = [], set()
    for number, table in enumerate(_ordered(metadata), start=1):
        columns = [[column.name, _kind(table, column)] for column in table.columns]
        member = f"rows/{number:03d}-{table.name}.jsonl"
        counted = [0]
        names_a_file = [name for name, _kind in columns].index(STORAGE_KEY_COLUMN) if STORAGE_KEY_COLUMN in table.c else None

        def lines(table=table, columns=columns, counted=counted, names_a_file=names_a_file):
            for row in _read_rows(connection, table, columns):
                counted[0] += 1
                if names_a_file is not None and row[names_a_file]:
                    named.add(row[names_a_file])
                yield (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

        archive.add_chunks(member, lines(), work)
        tables.append({"name": table.name, "member": member, "rows": counted[0], "columns": columns})
    return revision, tables, named


def _revision(connection) -> str:
    try:
        revisions = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    except SQLAlchemyError:
        revisions = []
    if len(revisions) != 1:
        raise BackupError(_("La base de données n’a pas de schéma Ecole : lancez d’abord « flask --app wsgi ecole init »."))
    return revisions[0]


def _ordered(metadata: MetaData) -> list:
    """The application's tables, each after the tables it points at (alembic_version is the revision)."""
    return [table for table in metadata.sorted_tables if table.name != "alembic_version"]


def _read_rows(connection, table, columns):
    # JSON is read as its text: kept exactly, and SQL NULL stays apart from a JSON null.
    selected = [cast(table.c[name], Text) if kind == "json" else table.c[name] for name, kind in columns]
    order = list(table.primary_key.columns) or selected
    result = connection.execution_options(yield_per=BATCH).execute(select(*selected).order_by(*order))
    for row in result:
        yield [_encode(kind, value) for (_name, kind), value in zip(columns, row)]


# --- pruning old archives -------------------------------------------------------------------------

def archives_to_keep(dates: list[datetime], *, daily: int, weekly: int, monthly: int) -> set[datetime]:
    """Of archives made at `dates`, the newest of each of the last `daily` days, `weekly` ISO weeks
    and `monthly` months that have one."""
    kept = set()
    newest_first = sorted(dates, reverse=True)
    for count, period in ((daily, lambda when: when.date()), (weekly, lambda when: when.isocalendar()[:2]),
                          (monthly, lambda when: (when.year, when.month))):
        seen = set()
        for when in newest_first:
            if period(when) not in seen and len(seen) < count:
                seen.add(period(when))
                kept.add(when)
    return kept


def prune_archives(folder: Path, *, daily: int, weekly: int, monthly: int) -> list[Path]:
    """Delete the dated archives of `folder` that archives_to_keep does not keep; other files stay."""
    dated = {}
    for path in folder.iterdir():
        match = ARCHIVE_NAME_RE.match(path.name)
        if match and path.is_file():
            dated[datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)] = path
    kept = archives_to_keep(list(dated), daily=daily, weekly=weekly, monthly=monthly)
    pruned = [path for when, path in sorted(dated.items()) if when not in kept]
    for path in pruned:
        path.unlink()
    return pruned


# --- checking an archive --------------------------------------------------------------------------

def check_archive(path: Path) -> dict:
    """Read the whole archive and check it against its manifest; return the manifest. BackupError
    (one line) for anything wrong: a missing, truncated or corrupted archive, a manifest that lies."""
    seen: dict[str, dict] = {}
    raw = None
    try:
        with tarfile.open(path, "r|*") as tar:
            for member in tar:
                if not member.isfile() or member.name in seen or (member.name == MANIFEST and raw is not None):
                    raise BackupError(_("Archive refusée : élément inattendu « %(name)s ».", name=member.name))
                file = tar.extractfile(member)
                if member.name == MANIFEST:
                    raw = file.read(MANIFEST_MAX_BYTES + 1)
                    continue
                digest, size, lines = hashlib.sha256(), 0, 0
                while chunk := file.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    lines += chunk.count(b"\n")
                seen[member.name] = {"size": size, "sha256": digest.hexdigest(), "lines": lines}
    except BackupError:
        raise
    except FileNotFoundError:
        raise BackupError(_("Archive introuvable : %(path)s", path=str(path))) from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(_("Archive illisible ou incomplète (%(path)s) : %(error)s", path=str(path),
                            error=_one_line(error))) from None
    if raw is None or len(raw) > MANIFEST_MAX_BYTES:
        raise BackupError(_("Archive incomplète ou corrompue : son manifeste manque (%(path)s).", path=str(path)))
    try:
        manifest = json.loads(raw)
        _check_manifest(manifest, seen)
    except BackupError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(_("Archive corrompue : son manifeste est illisible (%(path)s).", path=str(path))) from None
    return manifest


def _check_manifest(manifest: dict, seen: dict) -> None:
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(_("Ce fichier n’est pas une sauvegarde Ecole de format %(version)s.", version=VERSION))
    members = manifest["members"]
    for name in sorted(set(members) | set(seen)):
        if name not in seen:
            raise BackupError(_("Archive incomplète : « %(name)s » manque.", name=name))
        if name not in members:
            raise BackupError(_("Archive refusée : « %(name)s » n’est pas dans son manifeste.", name=name))
        if (seen[name]["size"], seen[name]["sha256"]) != (members[name]["size"], members[name]["sha256"]):
            raise BackupError(_("Archive corrompue : « %(name)s » ne correspond pas à sa somme SHA-256.", name=name))
    if manifest["dialect"] not in ("sqlite", "postgresql"):
        raise BackupError(_("Archive refusée : base de données source inconnue."))
    database = "database/ecole.sqlite3" if manifest["dialect"] == "sqlite" else "database/ecole.pgdump"
    if database not in members:
        raise BackupError(_("Archive incomplète : « %(name)s » manque.", name=database))
    listed = set()
    for table in manifest["tables"]:
        member = table["member"]
        if not member.startswith("rows/") or member in listed or seen[member]["lines"] != table["rows"]:
            raise BackupError(_("Archive corrompue : les lignes de la table « %(name)s » ne correspondent pas à son "
                                "manifeste.", name=table["name"]))
        listed.add(member)
        if not table["columns"] or any(kind not in KINDS for _name, kind in table["columns"]):
            raise BackupError(_("Archive corrompue : colonnes inconnues dans la table « %(name)s ».", name=table["name"]))
    strays = [name for name in members if name.startswith("rows/") and name not in listed]
    if strays:
        raise BackupError(_("Archive refusée : « %(name)s » n’est pas dans son manifeste.", name=strays[0]))
    for name in members:
        if name.startswith(FILES):
            try:
                validate_key(name[len(FILES):])
            except InvalidKey:
                raise BackupError(_("Archive refusée : élément inattendu « %(name)s ».", name=name)) from None
        elif not name.startswith("rows/") and name != database:
            raise BackupError(_("Archive refusée : élément inattendu « %(name)s ».", name=name))
    if not _known_revision(manifest["revision"]):
        raise BackupError(_("Cette sauvegarde vient d’une version d’Ecole plus récente ou inconnue (révision "
                            "%(revision)s) : mettez Ecole à jour avant de la restaurer.", revision=manifest["revision"]))


def _alembic_config():
    return current_app.extensions["migrate"].migrate.get_config()


def _known_revision(revision) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return isinstance(revision, str) and ScriptDirectory.from_config(_alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _known_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config()).get_heads())


# --- restoring ------------------------------------------------------------------------------------

def restore_backup(path: Path, *, force: bool = False, seeded_tables=frozenset(), actor=None) -> dict:
    """Replace the application's database and stored files with the archive's (see the module's
    docstring); return its manifest. Committed here: the database's schema is rebuilt on a connection
    of its own, in one transaction. `seeded_tables`: tables whose rows the migrations insert
    themselves, which do not make a database count as holding data. Stop the school's servers and
    workers first: their sessions would see the database change under them."""
    path = Path(path)
    manifest = check_archive(path)
    storage = get_storage()
    db.session.remove()
    written: list[str] = []
    try:
        with db.engine.connect() as connection, foreign_keys_off(connection):
            with connection.begin():
                if not force:
                    _refuse_data(connection, storage, set(seeded_tables))
                _drop_tables(connection)
                _migrate(connection, manifest["revision"])
                tables = _target_tables(connection, manifest)
                for table in reversed(list(tables.values())):  # the rows the migrations put there (themes)
                    connection.execute(table.delete())
                _load(path, manifest, connection, tables, storage, written)
                _reset_sequences(connection, tables.values())
                _migrate(connection, "heads")
                check_foreign_keys(connection)
                _record_restore(connection, path, manifest, force=force, actor=actor)
    except BaseException as error:
        if not force:  # the storage held nothing: what was written is the archive's, and goes
            discard(written)
        from alembic.util import CommandError

        if isinstance(error, (SQLAlchemyError, StorageError, OSError, RuntimeError, ValueError, CommandError)):
            raise BackupError(_("La restauration a échoué ; la base de données n’a pas changé : %(error)s",
                                error=_one_line(error))) from error
        raise
    if force:
        archived = {name[len(FILES):] for name in manifest["members"] if name.startswith(FILES)}
        for key in set(storage.keys()) - archived:
            if not key.startswith(LEDGER):
                storage.delete(key)
    return manifest


def _refuse_data(connection, storage, seeded: set) -> None:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    for table in _ordered(metadata):
        if table.name not in seeded and connection.execute(select(1).select_from(table).limit(1)).first():
            raise BackupError(_("La base de données n’est pas vide (table « %(table)s ») : ajoutez --force pour tout "
                                "remplacer par la sauvegarde.", table=table.name))
    if next((key for key in storage.keys() if not key.startswith(LEDGER)), None) is not None:
        raise BackupError(_("Le stockage des fichiers n’est pas vide : ajoutez --force pour tout remplacer par la "
                            "sauvegarde."))


def _drop_tables(connection) -> None:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    metadata.drop_all(bind=connection)


def _migrate(connection, revision: str) -> None:
    """The migrations up to `revision`, on this connection and in its transaction (migrations/env.py)."""
    from alembic import command

    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _target_tables(connection, manifest: dict) -> dict:
    """The tables the migrations made for the archive's revision, which must be the archive's own."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    tables = {table.name: table for table in _ordered(metadata)}
    archived = {table["name"]: [name for name, _kind in table["columns"]] for table in manifest["tables"]}
    for name in sorted(set(tables) | set(archived)):
        if name not in tables or name not in archived or set(archived[name]) != set(tables[name].c.keys()):
            raise BackupError(_("L’archive ne correspond pas au schéma de sa révision %(revision)s (table "
                                "« %(table)s ») : elle a été modifiée.", revision=manifest["revision"], table=name))
    return tables


def _load(path: Path, manifest: dict, connection, tables: dict, storage, written: list) -> None:
    """Second reading of the archive: rows into the database, files into the storage, each member's
    sum checked again (the archive could have changed since it was checked)."""
    by_member = {table["member"]: table for table in manifest["tables"]}
    cycles = {constraint for table, constraints in sort_tables_and_constraints(tables.values()) if table is None
              for constraint in constraints}
    later = []  # (table, column, [(primary key, value)]) set once every row is in
    with tarfile.open(path, "r|*") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            source = _Summed(tar.extractfile(member))
            if member.name in by_member:
                table = by_member[member.name]
                later += _insert_rows(connection, tables[table["name"]], table["columns"], source, cycles)
            elif member.name.startswith(FILES):
                key = member.name[len(FILES):]
                if not (key.startswith(LEDGER) and storage.exists(key)):  # the ledger's newer word is kept
                    storage.put(key, source)
                    written.append(key)
            source.drain()
            if source.sha256.hexdigest() != manifest["members"][member.name]["sha256"]:
                raise BackupError(_("L’archive a changé pendant la restauration (« %(name)s ») : rien n’a été restauré.",
                                    name=member.name))
    for table, column, values in later:
        key = list(table.primary_key.columns)
        statement = update(table).where(*(part == bindparam(f"k{i}") for i, part in enumerate(key))).values(
            {column.name: bindparam("value", type_=column.type)})
        for start in range(0, len(values), BATCH):
            connection.execute(statement, [{"value": value, **{f"k{i}": part for i, part in enumerate(pk)}}
                                           for pk, value in values[start:start + BATCH]])


class _Summed(io.RawIOBase):
    """A member being read, its SHA-256 taken on the way."""

    def __init__(self, file):
        self.file, self.sha256 = file, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(len(buffer))
        self.sha256.update(data)
        buffer[:len(data)] = data
        return len(data)

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


def _insert_rows(connection, table, columns: list, source, cycles: set) -> list:
    """Insert the member's rows; return the values of the columns that point at rows of the same table
    (or of a cycle of tables), which are set afterwards: a certificate names the newer one that
    superseded it. JSON goes in as its text, converted by the database, not re-written by Python."""
    deferred = sorted({element.parent.name for constraint in table.foreign_key_constraints
                       for element in constraint.elements if element.column.table is table or constraint in cycles})
    key = [column.name for column in table.primary_key.columns]
    values = {}
    for index, (name, kind) in enumerate(columns):
        parameter = bindparam(f"p{index}", type_=Text if kind == "json" else table.c[name].type)
        if kind == "json" and connection.dialect.name == "postgresql":
            parameter = cast(parameter, table.c[name].type)
        values[name] = parameter
    statement = insert(table).values(values)
    names = [name for name, _kind in columns]
    key_positions = [names.index(part) for part in key]
    later = {name: [] for name in deferred}
    batch = []
    for line in _lines(source):
        values_in_line = json.loads(line)
        if len(values_in_line) != len(columns):
            raise ValueError(f"a row of {table.name} has {len(values_in_line)} values for {len(columns)} columns")
        row = [_decode(kind, value) for (_name, kind), value in zip(columns, values_in_line)]
        for name in deferred:
            position = names.index(name)
            if row[position] is not None:
                later[name].append((tuple(row[part] for part in key_positions), row[position]))
                row[position] = None
        batch.append({f"p{index}": value for index, value in enumerate(row)})
        if len(batch) >= BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
    return [(table, table.c[name], pairs) for name, pairs in later.items() if pairs]


def _lines(source):
    pending = b""
    while chunk := source.read(CHUNK):
        *complete, pending = (pending + chunk).split(b"\n")
        yield from complete
    if pending:
        yield pending


def _reset_sequences(connection, tables) -> None:
    """PostgreSQL hands out the next id from a sequence, which the loaded rows did not move."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(select(func.pg_get_serial_sequence(quote(table.name), column.name))).scalar()
            if sequence:
                connection.execute(text(f"SELECT setval(:sequence, COALESCE(MAX({quote(column.name)}), 0) + 1, false) "
                                        f"FROM {quote(table.name)}"), {"sequence": sequence})


def _record_restore(connection, path: Path, manifest: dict, *, force: bool, actor) -> None:
    """The audit entry, in the restore's own transaction (audit.record writes through db.session,
    which is not this connection)."""
    from sqlalchemy.orm import Session

    from ecole.core.audit import AuditEntry

    with Session(bind=connection) as session:
        session.add(AuditEntry(action="backup.restore", target_type="backup", target_id="",
                               actor_id=actor.id if actor is not None else None,
                               details={"archive": path.name, "created_at": manifest["created_at"],
                                        "revision": manifest["revision"], "dialect": manifest["dialect"],
                                        "rows": rows_in(manifest), "files": files_in(manifest), "forced": force}))
        session.flush()
