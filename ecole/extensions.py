"""Flask extensions, created unbound; create_app binds them."""
from flask import session
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from ecole.core.ratelimit import RateLimits

# Named constraints, so that migrations can drop and alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _LoginManager(LoginManager):
    """Flask-Login's "strong" protection, applied to signed-in sessions only. Flask-Login also
    "protects" a visitor's session (the sign-in form's CSRF token) on every request, rewriting the
    cookie each time: a response to a request sent before signing in (the service worker storing
    the offline page, a slow image) then arrived after the sign-in's cookie and signed the person
    out again."""

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False  # nobody is signed in: nothing to protect, and the cookie is left alone
        return super()._session_protection_failed()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = _LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = RateLimits()
