"""Certificate codes people read out and type: `EPDR-2026-7KQM-XC4T-9WHN`.

Twelve random symbols from an alphabet of 32 that has no 0/O and no 1/I (60 random bits: guessing one
valid code among a million issued takes ~10^12 tries, and the verify page is rate-limited). Typed codes
are read leniently: lower case, spaces, missing or extra dashes."""
import re
import secrets

PREFIX = "EPDR"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
RANDOM_SYMBOLS = 12
GROUP = 4
_TYPED = re.compile(r"^EPDR(\d{4})([" + ALPHABET + r"]{" + str(RANDOM_SYMBOLS) + r"})$")


def new_code(year: int) -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    groups = "-".join(symbols[i:i + GROUP] for i in range(0, RANDOM_SYMBOLS, GROUP))
    return f"{PREFIX}-{year:04d}-{groups}"


def normalize(typed: str) -> str | None:
    """The code as stored, from what someone typed or scanned; None when it cannot be a code."""
    if not isinstance(typed, str) or len(typed) > 64:
        return None
    compact = re.sub(r"[\s\-–—_.]", "", typed).upper()
    match = _TYPED.match(compact)
    if match is None:
        return None
    year, symbols = match.groups()
    groups = "-".join(symbols[i:i + GROUP] for i in range(0, RANDOM_SYMBOLS, GROUP))
    return f"{PREFIX}-{year}-{groups}"
