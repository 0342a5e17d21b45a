"""Paginated lists: the page number read from the query string, and links to other pages."""
from collections.abc import Mapping

from flask import url_for

from ecole.core.params import int_arg

MAX_PAGE = 100_000


def page_number() -> int:
    """`?page=` as an int in 1..MAX_PAGE; anything else (text, 0, huge numbers) is page 1."""
    return int_arg("page", 1, maximum=MAX_PAGE)


def page_url(endpoint: str, number: int, params: Mapping[str, object] | None = None) -> str:
    """Another page of a list: its endpoint, the page number and the filters the view read and kept.
    Never request.args: a stray `endpoint`, `_external` or `_anchor` would reach url_for (a 500, or
    an absolute link to another host in a cached page)."""
    kept = {key: value for key, value in (params or {}).items()
            if value not in (None, "") and not key.startswith("_") and key not in ("endpoint", "values", "page")}
    return url_for(endpoint, page=number, **kept)
