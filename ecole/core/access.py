"""Coarse access decorators for views; fine rules are methods on the models (can_manage, …)."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user


def is_safe_next(target: str | None) -> bool:
    """A `next` target is safe when it stays on this site: a path, not a scheme or another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):  # CR/LF would split the Location header
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default_endpoint: str = "main.home") -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else url_for(default_endpoint)


def _deny():
    """Anonymous: to the sign-in page (HTML) or 401 (JSON). Signed in without the role: 403."""
    if not current_user.is_authenticated:
        if request.accept_mimetypes.best == "application/json":
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _deny()
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles: str):
    """Allow users holding any of `roles` (e.g. "admin", "trainer")."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.has_any_role(*roles):
                return _deny()
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


admin_required = roles_required("admin")
staff_required = roles_required("admin", "trainer")
