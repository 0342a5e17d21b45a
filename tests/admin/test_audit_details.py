"""Every detail the audit log may hold is shown with a title and a value in the reader's language: the
details are found in the code (each keyword of every `record(…)` call, the backups' own entries, the
exports' filters), and a page of entries of every kind, in French, Arabic and Tamazight, shows none of
the keys, codes or Python words the log stores."""
import ast
import re
from datetime import date
from pathlib import Path

import pytest

from ecole.admin.audit import DETAIL_TITLES, PERSON_DETAILS, SESSION_DETAILS
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from ecole.reports.indicators import Filters
from tests.admin.test_audit import entries_of, text_of

ROOT = Path(__file__).resolve().parents[2] / "ecole"
# The details audit.py's _details says in its own words (roles, dates, links…).
SAID_OWN_WAY = {"roles", "before", "after", "starts_at", "forced", "result", "reason", "enrolments", "created",
                "updated", "slug", "code", "fields"}
# The keywords the certificates' export passes as its filters (certificates/views.py _csv).
CERTIFICATE_FILTERS = {"status", "text", "session_id"}


def details_in_the_code() -> dict[str, str]:
    """Each detail key the code writes, and where."""
    found = {}
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("record", "record_export", "_erase"):
                for keyword in node.keywords:
                    if keyword.arg and keyword.arg not in ("actor", "at"):
                        found[keyword.arg] = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name == "AuditEntry":
                for keyword in node.keywords:
                    if keyword.arg == "details" and isinstance(keyword.value, ast.Dict):
                        for key in keyword.value.keys:
                            found[ast.literal_eval(key)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_detail_the_code_writes_has_a_title():
    every_filter = Filters(date(2026, 1, 1), date(2026, 12, 31), 1, "Tata", "farmer").as_args()
    written = {**details_in_the_code(), **{key: "certificates/views.py" for key in CERTIFICATE_FILTERS},
               **{key: "reports/indicators.py Filters.as_args" for key in every_filter}}
    assert {"from_passed", "session_id", "with_names", "rows", "dialect"} <= set(written)  # the scan finds them
    untitled = {key: where for key, where in written.items()
                if key not in DETAIL_TITLES and key not in PERSON_DETAILS and key not in SESSION_DETAILS
                and key not in SAID_OWN_WAY}
    assert untitled == {}


# A realistic entry of each kind whose details were shown raw before.
ENTRIES = [
    ("assessment.record", "Enrolment", {"session_id": 1, "from_passed": None, "to_passed": False, "from_score": None,
                                        "to_score": 8.5, "from_comment": "", "to_comment": "Bien"}),
    ("backup.restore", "backup", {"archive": "ecole-20261205T020000Z.tar.gz", "created_at": "2026-12-05T02:00:00+00:00",
                                  "revision": "7b3e2f9c1a4d", "dialect": "postgresql", "rows": 36000, "files": 120,
                                  "forced": True}),
    ("backup.make", "backup", {"archive": "nightly.tar.gz", "revision": "7b3e2f9c1a4d", "rows": 829, "files": 8,
                               "missing_files": 0}),
    ("privacy.erase", "User", {"reason": "Demande écrite", "erased_at": "2026-12-01T10:00:00+00:00",
                               "again_after_restore": "before.tar.gz"}),
    ("report.export", "reports", {"format": "xlsx", "lang": "zgh", "with_names": True, "table": "people",
                                  "from": "2026-01-01", "to": "2026-12-31", "audience": "farmer", "commune": "Tata",
                                  "command": "report"}),
    ("certificate.export", "certificates", {"status": "revoked", "text": "safran", "session_id": "1"}),
    ("trip.document", "Enrolment", {"kind": "medical", "status": "received", "file": True}),
    ("trip.photo_add", "Trip", {"photo": 4, "people": [1, 2]}),
    ("trip.vehicle_add", "Trip", {"vehicle": 2, "seats": 14}),
    ("mark_review.accept", "MarkReview", {"meeting": 3, "enrolment": 5, "status": "late"}),
    ("results.validate", "CourseSession", {"completed": 12, "total": 15}),
    ("scan.upload", "Scan", {"session": 1, "pages": 3, "unread": 1}),
    ("certificate.asset_add", "CertificateAsset", {"kind": "signature", "name": "Amina Idrissi"}),
]
# What the log stores and a reader must never see: keys, Python's words, codes, class names.
STORED = re.compile(r"\b(None|True|False|[a-z]+_[a-z_]+|postgresql|xlsx|zgh|farmer|revoked|received|medical|late|"
                    r"people|[A-Z][a-z]+[A-Z][a-z]+|Trip|Scan \d|backup|certificates|reports)\b")


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_every_kind_of_detail_reads_in_the_readers_language(as_role, people, catalogue, lang):
    from tests.factories import make_session

    course_session = make_session(people.trainer)
    for action, target, details in ENTRIES:
        db.session.add(AuditEntry(action=action, target_type=target, target_id=str(course_session.id),
                                  actor_id=people.admin.id, details=details))
    db.session.commit()
    body = as_role("admin").get(f"/admin/audit?lang={lang}").get_data(as_text=True)
    shown = [text_of(entry) for entry in entries_of(body)][:len(ENTRIES)]
    assert len(shown) == len(ENTRIES)
    leaks = [(text, STORED.findall(text)) for text in shown if STORED.search(text.replace("nightly.tar.gz", "")
                                                                             .replace("ecole-20261205T020000Z.tar.gz", "")
                                                                             .replace("before.tar.gz", ""))]
    assert leaks == []
    page = " ".join(shown)
    assert "7b3e2f9c1a4d" in page and "Amina Idrissi" in page  # what has no translation is shown as it is
    if lang == "fr":
        for said in ("Réussite avant — Réussite après Non", "Note après 8,5", "Avec les noms Oui", "Format XLSX",
                     "Langue ⵜⴰⵎⴰⵣⵉⵖⵜ", "Tableau Noms", "Remplacement forcé Oui", "Base de données PostgreSQL",
                     "État Révoqué", "Séance n° 3", "Public Agriculteur"):
            assert said in page, (said, page)


HOSTILE = [None, float("nan"), float("inf"), 10 ** 30, -5, True, "\x00", "a\r\nSet-Cookie: x=1", "ⵜ" * 10_000,
           {"nested": [1, {"a": None}]}, [None, "7", 10 ** 30, float("nan")], "2026-99-99", "99999999999999999999"]


def test_hostile_stored_details_give_a_page_not_a_500(as_role, people, catalogue, app):
    """Whatever an old entry or another tool left in the details (every key the page knows, every kind
    of value), the page answers, in every language, to two readers at once."""
    import math

    from tests.enrolment.test_concurrency import run_together

    keys = sorted({*DETAIL_TITLES, *PERSON_DETAILS, *SESSION_DETAILS, *SAID_OWN_WAY})
    # PostgreSQL's JSON refuses NaN and infinities: no entry there can hold them.
    storable = [value for value in HOSTILE if db.engine.dialect.name == "sqlite"
                or not any(isinstance(one, float) and not math.isfinite(one)
                           for one in (value if isinstance(value, list) else [value]))]
    for number, value in enumerate(storable):
        for action in ("report.export", "backup.restore", "trip.document", "certificate.export", "programme.sessions"):
            db.session.add(AuditEntry(action=action, target_type="Trip", target_id=str(number),
                                      actor_id=people.admin.id, details={key: value for key in keys}))
    db.session.commit()
    readers = [as_role("admin"), as_role("admin")]
    for lang in ("fr", "ar", "zgh"):
        statuses = run_together([lambda c=c: c.get(f"/admin/audit?lang={lang}").status_code for c in readers])
        assert statuses == [200, 200], (lang, statuses)
