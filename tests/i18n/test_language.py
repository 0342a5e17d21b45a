"""Language rules of GLOSSARY.md that a program can check, over every catalogue entry and every course text."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from ecole.catalogue.loader import read_catalogue
from ecole.i18n import format_list
from ecole.notifications.services import MESSAGES, SUBJECT

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "translations" / "GLOSSARY.md"
TIFINAGH = "\u2d30-\u2d7f"
LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"  # letters only: not × and ÷


def load(lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def catalogues():
    return {lang: load(lang) for lang in ("fr", "ar", "zgh")}


@pytest.fixture(scope="module")
def school_courses():
    courses, problems = read_catalogue(ROOT / "courses")
    assert not problems and len(courses) >= 15
    return courses


def course_texts(courses, lang):
    """(where, text) for every text of `lang` in the courses: title, summary, description, objectives, lessons."""
    for course in courses:
        for part in ("titles", "summaries", "descriptions", "objectives"):
            yield f"{course.slug} {part}", getattr(course, part).get(lang, "")
        for lesson in course.lessons:
            yield f"{course.slug}/{lesson.key} title", lesson.titles.get(lang, "")
            yield f"{course.slug}/{lesson.key}", lesson.bodies.get(lang, "")


# --- notices: the same message in the three languages -----------------------------------------

COURTESY = {"ar": ("نأسف", "للأسف", "شكر", "مرحب", "خبر سار", "يسعدنا", "!"),
            "zgh": ("ⴰⵙⵙⵓⵔⴼ", "ⵜⴰⵏⵎⵎⵉⵔⵜ", "ⴰⵏⵙⵓⴼ", "ⴰⵏⵖⵎⵉⵙ ⵉⴼⵓⵍⴽⵉⵏ", "!")}
VALUES = {"course": "C", "when": "W", "place": "P", "reason": "R", "position": "3", "deadline": "D", "name": "N", "count": "2"}


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?؟](?=\s|$)", text))


@pytest.mark.parametrize("lang", ["ar", "zgh"])
@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_notices_say_what_the_french_says(app, kind, lang):
    with force_locale("fr"):
        french = str(MESSAGES[kind]) % VALUES
    with force_locale(lang):
        text = str(MESSAGES[kind]) % VALUES
    assert text != french, "not translated"
    assert not [word for word in COURTESY[lang] if word in text], text
    assert sentences(text) == sentences(french), (french, text)
    if re.search(r":\s*R$", french):  # the reason follows a colon, as in French
        assert re.search(r":\s*R$", text), text


def test_the_notice_subject_says_the_same(app):
    for lang in ("ar", "zgh"):
        with force_locale(lang):
            assert not [word for word in COURTESY[lang] if word in str(SUBJECT)]


def test_no_translation_adds_courtesy_the_french_does_not_have(catalogues):
    bad = []
    for message in catalogues["fr"]:
        if not message.id:
            continue
        french = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        if re.search(r"Merci|Bonjour|Désolé|Bienvenue|Hélas", french):
            continue
        for lang in ("ar", "zgh"):
            for text in strings(catalogues[lang].get(message.id, context=message.context)):
                bad += [(lang, word, text) for word in COURTESY[lang] if word in text and word not in french]
    assert not bad, bad[:5]


# --- Arabic plurals: zero takes the « لا … » form ---------------------------------------------

def test_arabic_plural_zero_says_la_not_the_number(catalogues):
    plurals = [m for m in catalogues["ar"] if m.id and m.pluralizable]
    assert len(plurals) >= 4
    bad = []
    for message in plurals:
        zero = message.string[0]
        if "%(num)d" in zero or re.search(r"(?<!\d)0(?!\d)", zero) or not re.search(r"(?<!\S)لا(?!\S)", zero):
            bad.append((message.id[0], zero))
        if "%(num)d" in message.id[1]:
            assert all("%(num)d" in form for form in message.string[3:]), message.id  # 3 to 10, 11 to 99, 100…
    assert not bad, bad


def test_arabic_zero_seats_reads_naturally(app):
    with force_locale("ar"):
        assert ngettext("%(num)d place libre", "%(num)d places libres", 0) == "لا توجد مقاعد شاغرة"
        assert ngettext("%(num)d place libre", "%(num)d places libres", 5) == "5 مقاعد شاغرة"


# --- lists -------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,items,expected", [
    ("zgh", ["ⴰⵣⵄⴼⵔⴰⵏ", "ⴰⵔⴳⴰⵏ", "ⴰⵎⴰⵏ"], "ⴰⵣⵄⴼⵔⴰⵏ, ⴰⵔⴳⴰⵏ ⴷ ⴰⵎⴰⵏ"),
    ("zgh", ["a", "b", "c", "d"], "a, b, c ⴷ d"),
    ("zgh", ["a", "b"], "a ⴷ b"),
    ("zgh", ["a"], "a"),
    ("zgh", [], ""),
    ("ar", ["أ", "ب", "ج"], "أ وب وج"),
    ("fr", ["a", "b", "c"], "a, b et c"),
])
def test_lists_get_their_conjunction(app, lang, items, expected):
    with force_locale(lang):
        assert format_list(items) == expected


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
@pytest.mark.parametrize("length", [1, 2, 3, 4, 5])
def test_a_list_written_in_a_template_loop_reads_like_format_list(app, lang, length):
    items = [f"item{i}" for i in range(length)]
    template = app.jinja_env.from_string(
        "{% for item in items %}{{ item }}{% if not loop.last %}{{ list_sep(loop) }}{% endif %}{% endfor %}")
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        assert template.render(items=items) == format_list(items)


# --- technical names ---------------------------------------------------------------------------

TECHNICAL = ("PDF", "CSV", "Markdown", "UTF-8", ".ics", "SMS", "YAML", "XLSX")
TRANSLITERATED = ("ⵎⴰⵔⴽⴷⴰⵡⵏ", "ماركداون", "بي دي إف", "ⴱⵉⴷⵉⴼ", "ⵒⴷⴼ", "سي إس في", "ⵙⵉⵙⵉⴼⵉ", "ⵙⵉⵙⵉⴱⵉ", "إس إم إس",
                  "ⵙⵎⵙ", "ⵢⴰⵎⵍ")


def visible(text: str) -> str:
    return re.sub(r"[\u2066-\u2069\u200e\u200f]", "", text)  # bidi isolates do not change the spelling


def test_technical_names_are_written_the_same_in_the_three_catalogues(catalogues):
    bad, checked = [], 0
    for message in catalogues["fr"]:
        if not message.id:
            continue
        french = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        for term in TECHNICAL:
            if term not in french:
                continue
            checked += 1
            for lang in ("ar", "zgh"):
                translated = catalogues[lang].get(message.id, context=message.context)
                if any(term not in visible(s) for s in strings(translated)):
                    bad.append((lang, term, strings(translated)[0]))
    assert checked >= 5
    for lang, catalogue in catalogues.items():
        for message in catalogue:
            for text in strings(message) if message.id else ():
                text = visible(text)
                for term in TECHNICAL:
                    for found in re.findall(re.escape(term), text, flags=re.IGNORECASE):
                        if found != term:
                            bad.append((lang, found, text))
                bad += [(lang, word, text) for word in TRANSLITERATED if word in text]
    assert not bad, bad[:5]


def test_french_writes_e_mail_one_way(catalogues):
    bad = []
    for message in catalogues["fr"]:
        for text in strings(message) if message.id else ():
            text = text.replace("colonne phone ou email", "")  # the CSV column name, typed as it is
            bad += [(word, text) for word in re.findall(r"\b(?:e-?mails?|courriels?|mél|mail)\b", text, re.IGNORECASE)
                    if word.lower() not in ("e-mail", "e-mails")]
    assert not bad, bad[:5]


# --- proper names, and « École » ------------------------------------------------------------------

ASSOCIATION = "Migrations & Développement"
# The only Latin words allowed in zgh course texts: names of organisations as they write them (GLOSSARY.md).
LATIN_NAMES_IN_ZGH = {"Migrations", "Développement", "ISO", "Pechiney"}


def test_zgh_course_texts_write_organisations_as_they_do(school_courses):
    bad = []
    for where, text in course_texts(school_courses, "zgh"):
        latin = set(re.findall(f"[{LATIN}][{LATIN}-]*", text)) - LATIN_NAMES_IN_ZGH
        if latin or "ⵎⵉⴳⵔⴰⵙⵢⵓⵏ" in text or "ⴷⵉⴼⵍⵓⴱⵎⴰⵏ" in text:
            bad.append((where, latin))
    assert not bad, bad[:5]
    french = dict(course_texts(school_courses, "fr"))
    named = [where for where, text in course_texts(school_courses, "zgh")
             if re.search(r"Migrations & Développement|M&D", french[where])]
    assert len(named) >= 5
    assert all(ASSOCIATION in dict(course_texts(school_courses, "zgh"))[where] for where in named)


def test_the_association_keeps_its_name_in_the_zgh_catalogue(catalogues):
    for message in catalogues["fr"]:
        if message.id and ASSOCIATION in str(message.id):
            assert ASSOCIATION in catalogues["zgh"][message.id].string


def test_ecole_takes_its_accent_in_french(catalogues, school_courses):
    french = [text for m in catalogues["fr"] if m.id for text in strings(m)]
    french += [text for _where, text in course_texts(school_courses, "fr")]
    assert any("École" in text for text in french)
    assert not [text for text in french if re.search(r"\b(?:Ecole|ECOLE|ecole)\b", text)]


# --- one norm for Tamazight course texts -----------------------------------------------------------

def banned_variants() -> list[tuple[str, str, re.Pattern]]:
    """(variant, standard, pattern) from the table of GLOSSARY.md § 9."""
    section = GLOSSARY.read_text(encoding="utf-8").split("## 9.", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(f"[{TIFINAGH}]+", cells[0]):
            continue
        variant, standard, _meaning, unless = cells
        kept_after = re.findall(f"[{TIFINAGH}]+", unless.split("(")[0])
        lookbehind = "".join(f"(?<!{word} )" for word in kept_after)
        rows.append((variant, standard, re.compile(f"{lookbehind}(?<![{TIFINAGH}]){variant}(?![{TIFINAGH}])")))
    return rows


def test_the_glossary_lists_the_banned_variants_and_they_are_found():
    variants = {variant: pattern for variant, _standard, pattern in banned_variants()}
    assert {"ⵍⵍⵉ", "ⵅⴼ", "ⵎⴽ", "ⵏⵉⵖ"} <= set(variants) and len(variants) >= 10
    assert variants["ⵍⵍⵉ"].search("ⴰⴼⴳⴰⵏ ⵍⵍⵉ ⵉⵙⵙⵏⵏ") and not variants["ⵍⵍⵉ"].search("ⵓⵔ ⵉⵍⵍⵉ")
    assert variants["ⵉⴳ"].search("ⵉⴳ ⵉⵍⵍⴰ") and not variants["ⵉⴳ"].search("ⴰⴷ ⵉⴳ ⴰⵎⵇⵔⴰⵏ")


def test_course_texts_follow_the_tamazight_norm(school_courses):
    rules = banned_variants()
    bad = []
    for where, text in course_texts(school_courses, "zgh"):
        for variant, standard, pattern in rules:
            for match in pattern.finditer(text):
                bad.append(f"{where}: {variant} → {standard} in «{text[max(0, match.start() - 20):match.end() + 20]}»")
    assert not bad, "\n".join(bad[:10])


def test_interface_follows_the_tamazight_norm(catalogues):
    rules = banned_variants()
    bad = [(variant, text) for message in catalogues["zgh"] if message.id for text in strings(message)
           for variant, _standard, pattern in rules if pattern.search(text)]
    assert not bad, bad[:5]
