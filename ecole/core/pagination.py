"""Reading the page number of a paginated list from the query string, safely."""
from flask import request

MAX_PAGE = 100_000


def page_number() -> int:
    """`?page=` as an int in 1..MAX_PAGE; anything else (text, 0, huge numbers) is page 1 or the last allowed."""
    value = request.args.get("page", 1, type=int) or 1
    return min(max(value, 1), MAX_PAGE)
