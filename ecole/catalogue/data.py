"""A course as plain data, the shape the loader reads from courses/, the admin forms fill and the
catalogue services save: one definition for all three."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LessonData:
    key: str
    titles: dict[str, str]
    bodies: dict[str, str]


@dataclass
class CourseData:
    slug: str
    theme: str
    format: str
    level: str
    duration_hours: int
    audiences: tuple[str, ...]
    instruction_languages: tuple[str, ...]
    prerequisites: tuple[str, ...]
    published: bool
    titles: dict[str, str]
    summaries: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    objectives: dict[str, str] = field(default_factory=dict)
    lessons: tuple[LessonData, ...] = ()
