"""Every interface string is in every catalogue, translated, not fuzzy, with the same placeholders."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-k", "pgettext:1c,2", "-k", "lazy_pgettext:1c,2", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return read_po(handle)


def load(lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_extracted_strings_exist(extracted):
    assert len([m for m in extracted if m.id]) > 100


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_no_string_is_missing(extracted, lang):
    catalogue = load(lang)
    missing = [m.id for m in extracted if m.id and catalogue.get(m.id, context=m.context) is None]
    assert not missing, f"{len(missing)} msgids missing from {lang} (run `make update`): {missing[:5]}"


@pytest.mark.parametrize("lang", ["ar", "zgh"])
def test_everything_is_translated(lang):
    catalogue = load(lang)
    bad = [m.id for m in catalogue if m.id and (m.fuzzy or not (
        m.string if isinstance(m.string, str) else all(m.string)))]
    assert not bad, f"{len(bad)} untranslated or fuzzy in {lang}: {bad[:5]}"


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_placeholders_match(lang):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in load(lang).check()]
    assert not problems, problems[:5]


def test_tamazight_is_written_in_tifinagh():
    import re
    latin_word = re.compile(r"\b[A-Za-zÀ-ÿ]{4,}\b")
    # Brand names, technical names (GLOSSARY.md), and words a person must type as they are (file columns, YAML
    # keys and values, commands, options and packages).
    allowed = {"Ecole", "EPDR", "Migrations", "Développement", "Souss", "CSV", "UTF", "phone", "email", "Ecole —",
               "published", "true", "false", "Markdown", "XLSX", "JSON", "SQLite", "PostgreSQL", "flask", "wsgi",
               "ecole", "init", "force", "keep", "daily", "weekly", "monthly", "dump", "postgresql", "client"}
    offenders = []
    for message in load("zgh"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            text = re.sub(r"%\([a-z_]+\)[sd]", "", string or "")
            words = [w for w in latin_word.findall(text) if w not in allowed]
            if words:
                offenders.append((message.id, words))
    assert not offenders, offenders[:5]


def test_arabic_strings_are_in_arabic_script():
    import re
    offenders = []
    for message in load("ar"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            letters = re.sub(r"%\([a-z_]+\)[sd]|Ecole|EPDR|Migrations|Développement|Souss|CSV|UTF-8|phone|email", "", string or "")
            if re.search(r"[A-Za-z]{3,}", letters) and not re.search(r"[\u0600-\u06FF]", letters):
                offenders.append(message.id)
    assert not offenders, offenders[:5]
