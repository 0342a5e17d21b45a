"""Accounts, their roles and one-time codes."""
import enum
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    TRAINER = "trainer"
    ADMIN = "admin"

    @property
    def title(self):
        return ROLE_TITLES[self]


# Who may teach a session (sessions.services checks it; the session form lists them).
TEACHING_ROLES = (Role.TRAINER, Role.ADMIN)


ROLE_TITLES = {Role.TRAINEE: _l("Stagiaire"), Role.TRAINER: _l("Formateur"), Role.ADMIN: _l("Administrateur")}


class Gender(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"

    @property
    def title(self):
        return GENDER_TITLES[self]


GENDER_TITLES = {Gender.FEMALE: _l("Femme"), Gender.MALE: _l("Homme")}


class Audience(enum.StrEnum):
    """Who a person is in the territory; courses are written for these groups."""

    ELECTED_OFFICIAL = "elected_official"
    COMMUNE_STAFF = "commune_staff"
    FARMER = "farmer"
    ARTISAN = "artisan"
    COOPERATIVE_MEMBER = "cooperative_member"
    TEACHER = "teacher"
    ANIMATOR = "animator"
    YOUTH = "youth"
    WOMENS_ASSOCIATION = "womens_association"
    OTHER = "other"

    @property
    def title(self):
        return AUDIENCE_TITLES[self]


AUDIENCE_TITLES = {
    Audience.ELECTED_OFFICIAL: _l("Élu·e"),
    Audience.COMMUNE_STAFF: _l("Personnel communal"),
    Audience.FARMER: _l("Agriculteur·rice"),
    Audience.ARTISAN: _l("Artisan·e"),
    Audience.COOPERATIVE_MEMBER: _l("Membre de coopérative"),
    Audience.TEACHER: _l("Enseignant·e"),
    Audience.ANIMATOR: _l("Animateur·rice"),
    Audience.YOUTH: _l("Jeune"),
    Audience.WOMENS_ASSOCIATION: _l("Association de femmes"),
    Audience.OTHER: _l("Autre"),
}


# The Washington Group Short Set on Functioning (WG-SS), asked only with the person's consent: six
# questions, four answers each. A person "has a disability" for the funders' disaggregation when at
# least one answer is "a lot of difficulty" or "cannot do at all" (the WG's recommended cut-off).
WG_QUESTIONS = {
    "seeing": _l("Avez-vous des difficultés à voir, même si vous portez des lunettes ?"),
    "hearing": _l("Avez-vous des difficultés à entendre, même si vous utilisez un appareil auditif ?"),
    "walking": _l("Avez-vous des difficultés à marcher ou à monter des marches ?"),
    "remembering": _l("Avez-vous des difficultés à vous souvenir ou à vous concentrer ?"),
    "self_care": _l("Avez-vous des difficultés à prendre soin de vous, comme vous laver entièrement ou vous habiller ?"),
    "communicating": _l("En utilisant votre langue habituelle, avez-vous des difficultés à communiquer, "
                        "par exemple à comprendre les autres ou à vous faire comprendre ?"),
}
WG_ANSWERS = {
    1: _l("Non, aucune difficulté"),
    2: _l("Oui, quelques difficultés"),
    3: _l("Oui, beaucoup de difficultés"),
    4: _l("Je ne peux pas du tout"),
}
WG_CUTOFF = 3


class Disability(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_STATED = "not_stated"

    @property
    def title(self):
        return DISABILITY_TITLES[self]


DISABILITY_TITLES = {
    Disability.YES: _l("En situation de handicap"),
    Disability.NO: _l("Sans handicap déclaré"),
    Disability.NOT_STATED: _l("Non renseigné"),
}


# What an erased person's answers become: their disaggregation value alone ({"summary": "yes"}), so that
# the funders' counts do not change while the answers themselves are gone (ecole/privacy/).
WG_SUMMARY = "summary"


def disability_of(functioning: dict | None) -> Disability:
    """The disaggregation value of a person's WG-SS answers (none given, or no consent: not stated)."""
    if not functioning:
        return Disability.NOT_STATED
    if functioning.get(WG_SUMMARY) in set(Disability):
        return Disability(functioning[WG_SUMMARY])
    answers = [value for key, value in functioning.items() if key in WG_QUESTIONS and isinstance(value, int)]
    if not answers:
        return Disability.NOT_STATED
    return Disability.YES if max(answers) >= WG_CUTOFF else Disability.NO


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id}:{self.role}>"


def erased_name(user_id: int) -> str:
    """What pages, lists and documents show in place of an erased person's names."""
    return _("Personne effacée n° %(id)s", id=user_id)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # An erased person has neither phone nor e-mail any more: both are free for a new account.
    __table_args__ = (CheckConstraint("email IS NOT NULL OR phone IS NOT NULL OR erased_at IS NOT NULL",
                                      name="has_identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped at sign-out and password change: every older session and remember cookie stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # The column behind `name_latin` (below): "" once the person is erased.
    stored_name_latin: Mapped[str] = mapped_column("name_latin", String(120))
    name_arabic: Mapped[str] = mapped_column(String(120), default="")
    name_tifinagh: Mapped[str] = mapped_column(String(120), default="")
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    commune: Mapped[str] = mapped_column(String(120), default="", index=True)
    audience: Mapped[str] = mapped_column(String(32), default=Audience.OTHER.value, index=True)
    organisation: Mapped[str] = mapped_column(String(160), default="")
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    # The WG-SS answers ({"seeing": 1, …}), kept only with consent (the date it was given); withdrawing
    # consent erases them.
    functioning: Mapped[dict | None] = mapped_column(JSON)
    functioning_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Erased on request (law 09-08, ecole/privacy/): what stays is what the funders' counts need.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=UserRole.role
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email or self.phone}>"

    # The name in Latin script, as certificates print it. An erased person's names are gone (the
    # columns hold ""): whatever page, list, CSV or PDF shows a name reads "Personne effacée n° 42"
    # here, in the reader's language. A query selecting the column itself reads "".
    @hybrid_property
    def name_latin(self) -> str:
        if self.erased_at is not None:
            return erased_name(self.id)
        return self.stored_name_latin

    @name_latin.inplace.setter
    def _name_latin_setter(self, value: str) -> None:
        self.stored_name_latin = value

    @name_latin.inplace.expression
    @classmethod
    def _name_latin_expression(cls):
        return cls.stored_name_latin

    @name_latin.inplace.update_expression
    @classmethod
    def _name_latin_update(cls, value):
        return [(cls.stored_name_latin, value)]

    @name_latin.inplace.bulk_dml
    @classmethod
    def _name_latin_bulk(cls, mapping, value) -> None:
        mapping["stored_name_latin"] = mapping.pop("name_latin")

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    # Flask-Login: the id carries the epoch, so a bumped epoch signs out every older session.
    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def may_teach(self) -> bool:
        """Who may be a session's trainer: trainers and administrators (TEACHING_ROLES)."""
        return self.has_any_role(*TEACHING_ROLES)

    @property
    def is_staff(self) -> bool:
        return self.has_any_role(Role.ADMIN, Role.TRAINER)

    @property
    def identifier(self) -> str:
        return self.email or self.phone or ""

    def display_name(self, lang: str = "fr") -> str:
        """The name in the reader's script when the person gave it, else the Latin one."""
        if lang == "ar" and self.name_arabic:
            return self.name_arabic
        if lang == "zgh" and self.name_tifinagh:
            return self.name_tifinagh
        return self.name_latin

    def can_manage_account(self, user: "User | None") -> bool:
        return user is not None and (user.id == self.id or user.is_admin)


class OneTimeCode(db.Model):
    """A code handed to a person (on paper, by phone or by e-mail) to set a new password."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))  # "staff" or "email"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong codes typed for this account while this code was pending; at the limit the code is spent.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<OneTimeCode {self.id} user={self.user_id} {self.channel}>"
