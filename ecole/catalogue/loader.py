"""The only reader (and writer) of courses/: course folders ⇄ CourseData, with file:line errors."""
import re
from pathlib import Path

import yaml

from ecole.catalogue.data import CourseData, LessonData
from ecole.catalogue.models import COURSE_AUDIENCES, LOCALES, CourseFormat, Level

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.(fr|ar|zgh)\.md$")
TEXT_RE = re.compile(r"^(description|objectives)\.(fr|ar|zgh)\.md$")
YAML_KEYS = {"title", "summary", "theme", "format", "level", "duration_hours", "audiences",
             "instruction_languages", "prerequisites", "published"}
MAX_TITLE, MAX_SUMMARY, MAX_TEXT = 200, 600, 50_000


class Problem(Exception):
    """A problem in one place of one file."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def clean_text(text: str) -> str:
    """The canonical form of a text: LF line ends, no trailing spaces, no blank lines around it."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def check_course(data: CourseData, *, themes: set[str], known_slugs: set[str]) -> list[tuple[str, str]]:
    """Rules shared by the importer and the administration forms: [(field, message)]."""
    from flask_babel import gettext as _

    problems = []
    if not SLUG_RE.match(data.slug) or len(data.slug) > 80:
        problems.append(("slug", _("Identifiant invalide : lettres minuscules sans accent, chiffres et tirets.")))
    if data.theme not in themes:
        problems.append(("theme", _("Thème inconnu : %(value)s", value=data.theme)))
    if data.format not in {f.value for f in CourseFormat}:
        problems.append(("format", _("Format inconnu : %(value)s", value=data.format)))
    if data.level not in {lv.value for lv in Level}:
        problems.append(("level", _("Niveau inconnu : %(value)s", value=data.level)))
    if not isinstance(data.duration_hours, int) or isinstance(data.duration_hours, bool) \
            or not 1 <= data.duration_hours <= 400:
        problems.append(("duration_hours", _("La durée doit être un nombre entier d’heures entre 1 et 400.")))
    # An empty choice and a wrong value are different mistakes: each gets a message naming its rule.
    unknown = [a for a in data.audiences if a not in {a.value for a in COURSE_AUDIENCES}]
    if not data.audiences:
        problems.append(("audiences", _("Choisissez au moins un public.")))
    elif unknown:
        problems.append(("audiences", _("Publics invalides : %(value)s", value=", ".join(unknown))))
    bad_languages = [code for code in data.instruction_languages if code not in LOCALES]
    if not data.instruction_languages:
        problems.append(("instruction_languages", _("Choisissez au moins une langue d’enseignement.")))
    elif bad_languages:
        problems.append(("instruction_languages", _("Langues d’enseignement invalides.")))
    for slug in data.prerequisites:
        if slug == data.slug or slug not in known_slugs:
            problems.append(("prerequisites", _("Prérequis inconnu : %(value)s", value=slug)))
    if not isinstance(data.published, bool):
        problems.append(("published", _("« published » doit valoir true ou false.")))
    if not any(data.titles.values()):
        problems.append(("title", _("Le titre est obligatoire dans au moins une langue.")))
    for texts, limit, name in ((data.titles, MAX_TITLE, "title"), (data.summaries, MAX_SUMMARY, "summary"),
                               (data.descriptions, MAX_TEXT, "description"), (data.objectives, MAX_TEXT, "objectives")):
        for lang, text in texts.items():
            if lang not in LOCALES:
                problems.append((name, _("Langue inconnue : %(value)s", value=lang)))
            elif len(text) > limit:
                problems.append((name, _("Texte trop long (%(limit)d caractères au plus).", limit=limit)))
    for lesson in data.lessons:
        if not lesson.titles:
            problems.append(("lessons", _("La leçon %(value)s n’a pas de titre.", value=lesson.key)))
        for lang, body in lesson.bodies.items():
            if len(body) > MAX_TEXT or len(lesson.titles.get(lang, "")) > MAX_TITLE:
                problems.append(("lessons", _("Texte trop long (%(limit)d caractères au plus).", limit=MAX_TEXT)))
    return problems


def _key_lines(text: str) -> dict[str, int]:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: key.start_mark.line + 1 for key, _value in node.value if isinstance(key, yaml.ScalarNode)}


def _per_language(value, where: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Problem(where, f"'{key}' doit donner un texte par langue (fr:, ar:, zgh:)")
    unknown = [k for k in value if k not in LOCALES]
    if unknown:
        raise Problem(where, f"langue inconnue dans '{key}' : {', '.join(map(str, unknown))}")
    return {lang: clean_text(text) for lang, text in value.items() if text and text.strip()}


def _string_list(value, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Problem(where, f"'{key}' doit être une liste")
    return tuple(value)


def read_markdown_title(path: Path, root: Path) -> tuple[str, str]:
    text = _read(path, root)
    first, _sep, rest = text.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise Problem(f"{path.relative_to(root)}:1", "la première ligne doit être « # Titre de la leçon »")
    return clean_text(first[2:]), clean_text(rest)


def _read(path: Path, root: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise Problem(f"{path.relative_to(root)}:{line}", "le fichier n’est pas en UTF-8") from None


def read_course(folder: Path, root: Path) -> CourseData:
    meta_path = folder / "course.yml"
    where = str(meta_path.relative_to(root))
    if not meta_path.is_file():
        raise Problem(where, "fichier manquant")
    text = _read(meta_path, root)
    try:
        meta = yaml.safe_load(text)
        lines = _key_lines(text)
    except yaml.YAMLError as error:
        # Where the broken construct starts (an unclosed list…), else where the parser stopped.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise Problem(f"{where}:{line}", f"YAML invalide ({getattr(error, 'problem', None) or error})") from None
    if not isinstance(meta, dict):
        raise Problem(f"{where}:1", "le fichier doit décrire la formation (title:, theme:, …)")
    at = lambda key: f"{where}:{lines.get(key, 1)}"  # noqa: E731
    for key in meta:
        if key not in YAML_KEYS:
            raise Problem(at(key), f"clé inconnue « {key} »")
    for key in ("title", "theme", "format", "level", "duration_hours", "audiences", "instruction_languages"):
        if key not in meta:
            raise Problem(f"{where}:1", f"clé obligatoire manquante « {key} »")
    texts: dict[str, dict[str, str]] = {"description": {}, "objectives": {}}
    lesson_files: dict[tuple[str, str], dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        name = path.name
        if name == "course.yml" or name.startswith("."):
            continue
        if path.is_dir() and name == "lessons":
            for lesson_path in sorted(path.iterdir()):
                match = LESSON_RE.match(lesson_path.name)
                if not match:
                    raise Problem(str(lesson_path.relative_to(root)), "nom de leçon invalide (NN-cle.fr.md)")
                lesson_files.setdefault((match.group(1), match.group(2)), {})[match.group(3)] = lesson_path
            continue
        match = TEXT_RE.match(name)
        if not match:
            raise Problem(str(path.relative_to(root)), "fichier inattendu")
        texts[match.group(1)][match.group(2)] = clean_text(_read(path, root))
    numbers = [number for number, _key in lesson_files]
    keys = [key for _number, key in lesson_files]
    if len(numbers) != len(set(numbers)) or len(keys) != len(set(keys)):
        raise Problem(str((folder / "lessons").relative_to(root)), "deux leçons portent le même numéro ou le même nom")
    lessons = []
    for (_number, key), files in sorted(lesson_files.items()):
        titles, bodies = {}, {}
        for lang, path in files.items():
            titles[lang], bodies[lang] = read_markdown_title(path, root)
        lessons.append(LessonData(key=key, titles=titles, bodies=bodies))
    duration = meta["duration_hours"]
    data = CourseData(
        slug=folder.name,
        theme=str(meta["theme"]),
        format=str(meta["format"]),
        level=str(meta["level"]),
        duration_hours=duration,
        audiences=tuple(sorted(set(_string_list(meta.get("audiences"), at("audiences"), "audiences")))),
        instruction_languages=tuple(code for code in LOCALES
                                    if code in _string_list(meta.get("instruction_languages"),
                                                            at("instruction_languages"), "instruction_languages")),
        prerequisites=tuple(sorted(set(_string_list(meta.get("prerequisites"), at("prerequisites"), "prerequisites")))),
        published=meta.get("published", True),
        titles=_per_language(meta.get("title"), at("title"), "title"),
        summaries=_per_language(meta.get("summary"), at("summary"), "summary"),
        descriptions=texts["description"],
        objectives=texts["objectives"],
        lessons=tuple(lessons),
    )
    languages = _string_list(meta.get("instruction_languages"), at("instruction_languages"), "instruction_languages")
    if any(code not in LOCALES for code in languages):
        raise Problem(at("instruction_languages"), "langue d’enseignement inconnue")
    return data


def read_catalogue(root: Path) -> tuple[list[CourseData], list[Problem]]:
    """Every course folder under root; the problems found (nothing is half-read)."""
    courses, problems = [], []
    if not root.is_dir():
        return [], [Problem(str(root), "dossier introuvable")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if not SLUG_RE.match(folder.name):
            problems.append(Problem(folder.name, "nom de dossier invalide (minuscules, chiffres, tirets)"))
            continue
        try:
            courses.append(read_course(folder, root))
        except Problem as problem:
            problems.append(problem)
        except OSError as error:
            problems.append(Problem(folder.name, error.strerror or str(error)))
    return courses, problems


def where_in_yaml(root: Path, slug: str, key: str) -> str:
    """file:line of a key in a course.yml, for reporting a rule broken by a valid-looking value."""
    path = root / slug / "course.yml"
    try:
        line = _key_lines(path.read_text("utf-8")).get(key, 1)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        line = 1
    return f"{slug}/course.yml:{line}"


def write_course(data: CourseData, root: Path) -> None:
    """Write one course in the same layout read_course reads (export)."""
    folder = root / data.slug
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    meta = {
        "title": {lang: data.titles[lang] for lang in LOCALES if lang in data.titles},
        "summary": {lang: data.summaries[lang] for lang in LOCALES if lang in data.summaries},
        "theme": data.theme,
        "format": data.format,
        "level": data.level,
        "duration_hours": data.duration_hours,
        "audiences": list(data.audiences),
        "instruction_languages": list(data.instruction_languages),
        "prerequisites": list(data.prerequisites),
        "published": data.published,
    }
    if not meta["summary"]:
        del meta["summary"]
    (folder / "course.yml").write_text(
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    for name, texts in (("description", data.descriptions), ("objectives", data.objectives)):
        for lang, text in texts.items():
            (folder / f"{name}.{lang}.md").write_text(text + "\n", encoding="utf-8")
    for number, lesson in enumerate(data.lessons, start=1):
        for lang, title in lesson.titles.items():
            body = lesson.bodies.get(lang, "")
            (folder / "lessons" / f"{number:02d}-{lesson.key}.{lang}.md").write_text(
                f"# {title}\n\n{body}\n" if body else f"# {title}\n", encoding="utf-8")
