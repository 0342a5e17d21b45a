"""Query parameters and path ids read safely: numbers that fit the database, or nothing.

PostgreSQL `integer` is 32-bit and SQLite's is 64-bit: a longer number in a URL must never reach a
query (OverflowError, DataError). Ids in paths go through IdConverter (registered as `int` in
create_app); numbers in query strings through int_arg."""
from flask import request
from werkzeug.routing import IntegerConverter, ValidationError

INT_MAX = 2**31 - 1
_MAX_DIGITS = len(str(INT_MAX))


def parse_int(value: str | None, *, minimum: int = 1, maximum: int = INT_MAX) -> int | None:
    """`value` as an int in minimum..maximum, or None (text, Arabic-Indic digits, overflow, out of range)."""
    value = (value or "").strip()
    digits = value.removeprefix("-")
    if not digits or len(digits) > _MAX_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = INT_MAX) -> int | None:
    """`?name=` as a bounded int; anything else is ignored (the default), never an error."""
    number = parse_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if number is None else number


class IdConverter(IntegerConverter):
    """`<int:…>` for ids: ASCII digits, 1..2³¹−1, else the route does not match (404)."""

    regex = r"[0-9]{1,%d}" % _MAX_DIGITS

    def to_python(self, value: str) -> int:
        number = parse_int(value)
        if number is None or value != str(number):  # no leading zeros: one URL per id
            raise ValidationError()
        return number
