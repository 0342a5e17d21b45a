"""The rules of ARCHITECTURE.md that a test can check: wiring is written out (no import fills another
module's list or dict), pages sit on top (no view imports another domain's views)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ecole"

# In a fresh interpreter: import every module of ecole/ one at a time; before each import, take a
# picture of every module-level list, dict and set (and click group's commands) of the modules
# already imported; after it, report those that changed.
PROBE = r"""
import importlib, json, pkgutil, sys
import click
import ecole

def containers():
    found = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("ecole"):
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("__"):
                continue
            if isinstance(value, (list, dict, set)):
                found[(name, attr)] = (id(value), repr(sorted(map(repr, value))))
            elif isinstance(value, click.Group):
                found[(name, attr + ".commands")] = (id(value), repr(sorted(value.commands)))
    return found

names = sorted(m.name for m in pkgutil.walk_packages(ecole.__path__, "ecole."))
changed = []
for name in names:
    before = containers()
    importlib.import_module(name)
    after = containers()
    for key, value in before.items():
        if key[0] != name and after.get(key, value) != value:
            changed.append([name, key[0], key[1]])
print(json.dumps({"modules": names, "changed": changed}))
"""


def test_no_import_fills_another_modules_list_or_dict():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["modules"]) > 40, report["modules"]
    assert not report["changed"], "imported → changed: " + "; ".join(
        f"{importer} changed {owner}.{attr}" for importer, owner, attr in report["changed"])


def test_the_probe_sees_a_registry_filled_by_an_import(tmp_path):
    """The probe above can fail: a package whose second module fills the first one's list is caught."""
    package = tmp_path / "ecole_probe_case"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("HOOKS = []\n")
    (package / "b.py").write_text("from ecole_probe_case.a import HOOKS\nHOOKS.append(print)\n")
    probe = PROBE.replace("import ecole\n", "import ecole_probe_case as ecole\n").replace(
        'startswith("ecole")', 'startswith("ecole_probe_case")').replace('"ecole."', '"ecole_probe_case."')
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["changed"] == [["ecole_probe_case.b", "ecole_probe_case.a", "HOOKS"]]


def view_modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if path.name == "views.py" or path.name.endswith("_views.py"))


def domain_of(module: str) -> str:
    return module.split(".")[1]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def is_view_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return name.startswith("ecole.") and (last == "views" or last.endswith("_views"))


def test_no_view_imports_another_domains_views():
    assert len(view_modules()) >= 8
    bad = []
    for path in view_modules():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for name in imported_modules(path):
            if is_view_module(name) and domain_of(name) != domain_of(module):
                bad.append(f"{module} imports {name}")
    assert not bad, bad


def test_the_view_rule_catches_an_import_of_another_domains_views(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("from ecole.sessions.views import managed_session\nfrom ecole.core import pages\n")
    names = imported_modules(sample)
    assert [n for n in names if is_view_module(n) and domain_of(n) != "enrolment"] == ["ecole.sessions.views"]


def test_the_domain_layer_never_imports_pages_or_a_higher_domain():
    """Rule 3: models, services and queries use only the domains below them in the chain."""
    chain = ["core", "jobs", "i18n", "accounts", "catalogue", "sessions", "enrolment", "notifications"]
    bad = []
    for domain in chain:
        for path in sorted((PACKAGE / domain).glob("*.py")):
            if path.stem not in ("models", "services", "queries"):
                continue
            for name in imported_modules(path):
                parts = name.split(".")
                if parts[0] != "ecole" or len(parts) < 2:
                    continue
                other = parts[1]
                if is_view_module(name) or (other in chain and chain.index(other) > chain.index(domain)):
                    bad.append(f"ecole.{domain}.{path.stem} imports {name}")
    assert not bad, bad
