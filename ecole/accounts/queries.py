"""Reads of accounts that pages share."""
from sqlalchemy import select

from ecole.accounts.models import TEACHING_ROLES, User, UserRole
from ecole.extensions import db


def teachers() -> list[User]:
    """The active people who may teach a session (User.may_teach), by name."""
    may_teach = User.role_rows.any(UserRole.role.in_([role.value for role in TEACHING_ROLES]))
    return list(db.session.scalars(select(User).where(may_teach, User.active.is_(True)).order_by(User.name_latin)))
