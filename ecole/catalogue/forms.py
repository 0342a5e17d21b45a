"""Administration forms for courses, lessons and themes (the importer's rules apply on save)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ecole.catalogue.data import CourseData, LessonData
from ecole.catalogue.loader import clean_text
from ecole.catalogue.models import COURSE_AUDIENCES, FORMAT_TITLES, LEVEL_TITLES, LOCALES
from ecole.core.forms import NUMBER_REQUIRED, REQUIRED, BaseForm, BoundedIntegerField, MultiCheckboxField
from ecole.i18n import LANGUAGE_LABELS, LANGUAGE_NAMES


def _texts(form, prefix: str) -> dict[str, str]:
    texts = {}
    for lang in LOCALES:
        value = clean_text(form[f"{prefix}_{lang}"].data or "")
        if value:
            texts[lang] = value
    return texts


class CourseForm(BaseForm):
    slug = StringField(_l("Identifiant (dans l’adresse)"), [REQUIRED, Length(max=80)],
                       description=_l("Lettres minuscules sans accent, chiffres et tirets, par exemple safran-taliouine."),
                       render_kw={"dir": "ltr"})
    theme = SelectField(_l("Thème"), choices=[])
    format = SelectField(_l("Format"), choices=[(code.value, title) for code, title in FORMAT_TITLES.items()])
    level = SelectField(_l("Niveau"), choices=[(code.value, title) for code, title in LEVEL_TITLES.items()])
    duration_hours = BoundedIntegerField(_l("Durée en heures"), [NUMBER_REQUIRED, NumberRange(min=1, max=400)],
                                  render_kw={"inputmode": "numeric", "dir": "ltr"})
    audiences = MultiCheckboxField(_l("Publics"), choices=[(a.value, a.title) for a in COURSE_AUDIENCES])
    instruction_languages = MultiCheckboxField(_l("Langues d’enseignement"), choices=list(LANGUAGE_NAMES.items()))
    prerequisites = MultiCheckboxField(_l("Prérequis"), choices=[])
    published = BooleanField(_l("Publiée (visible dans le catalogue)"))

    def to_data(self, lessons: tuple[LessonData, ...]) -> CourseData:
        return CourseData(
            slug=(self.slug.data or "").strip(),
            theme=self.theme.data or "",
            format=self.format.data or "",
            level=self.level.data or "",
            duration_hours=self.duration_hours.data if isinstance(self.duration_hours.data, int) else 0,
            audiences=tuple(sorted(set(self.audiences.data or []))),
            instruction_languages=tuple(code for code in LOCALES if code in (self.instruction_languages.data or [])),
            prerequisites=tuple(sorted(set(self.prerequisites.data or []))),
            published=bool(self.published.data),
            titles=_texts(self, "title"),
            summaries=_texts(self, "summary"),
            descriptions=_texts(self, "description"),
            objectives=_texts(self, "objectives"),
            lessons=lessons,
        )


class LessonForm(BaseForm):
    key = StringField(_l("Identifiant de la leçon"), [REQUIRED, Length(max=80)],
                      description=_l("Lettres minuscules sans accent, chiffres et tirets."), render_kw={"dir": "ltr"})
    position = BoundedIntegerField(_l("Position dans la formation"), [Optional(), NumberRange(min=1, max=100)],
                            render_kw={"inputmode": "numeric", "dir": "ltr"})

    def to_lesson(self) -> LessonData:
        titles = _texts(self, "title")
        bodies = {lang: text for lang, text in _texts(self, "body").items() if lang in titles}
        return LessonData(key=(self.key.data or "").strip(), titles=titles, bodies=bodies)


class ThemeForm(BaseForm):
    code = StringField(_l("Identifiant"), [REQUIRED, Length(max=40)], render_kw={"dir": "ltr"})
    title_fr = StringField(_l("Titre en français"), [REQUIRED, Length(max=120)])
    title_ar = StringField(_l("Titre en arabe"), [Optional(), Length(max=120)], render_kw={"dir": "rtl", "lang": "ar"})
    title_zgh = StringField(_l("Titre en tamazight"), [Optional(), Length(max=120)], render_kw={"lang": "zgh"})


def _add_language_fields(form_class, specs):
    for prefix, label, field_class, limit in specs:
        for lang in LOCALES:
            kw = {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"}
            if field_class is TextAreaField:
                kw["rows"] = 8
            setattr(form_class, f"{prefix}_{lang}", field_class(
                _l("%(what)s %(language)s", what=label, language=LANGUAGE_LABELS[lang]),
                [Optional(), Length(max=limit)], render_kw=kw))


_add_language_fields(CourseForm, [
    ("title", _l("Titre"), StringField, 200),
    ("summary", _l("Résumé"), TextAreaField, 600),
    ("objectives", _l("Objectifs (liste Markdown)"), TextAreaField, 50_000),
    ("description", _l("Description (Markdown)"), TextAreaField, 50_000),
])
_add_language_fields(LessonForm, [
    ("title", _l("Titre"), StringField, 200),
    ("body", _l("Texte (Markdown)"), TextAreaField, 50_000),
])
