"""Argon2 password and one-time-code hashing, and the list of passwords too common to accept."""
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

_hashers: dict[bool, PasswordHasher] = {}


# Argon2id as OWASP's Password Storage Cheat Sheet recommends at least: 19 MiB, 2 passes, 1 lane.
# argon2-cffi's defaults (64 MiB, 3 passes, 4 lanes) cost 210 ms of CPU a sign-in on the school's
# 2-CPU server, two cores for a tenth of a second: a rush of sign-ins (a session's start, a guesser
# the rate limits slow down but do not stop) took the CPU from everyone's pages. These take 30 ms.
# Hashes made with other parameters still verify, and are made again at the next sign-in.
TIME_COST, MEMORY_KIB, LANES = 2, 19 * 1024, 1


def _hasher() -> PasswordHasher:
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _hashers:
        # Test runs hash hundreds of passwords: cheap parameters there.
        _hashers[fast] = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if fast else \
            PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=LANES)
    return _hashers[fast]


def hash_secret(secret: str) -> str:
    return _hasher().hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check, so answers do not tell which accounts exist.
        _burn(secret)
        return False
    try:
        return _hasher().verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY: dict[bool, str] = {}


def _dummy_hash() -> str:
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _DUMMY:
        _DUMMY[fast] = _hasher().hash(secrets.token_hex(16))
    return _DUMMY[fast]


def needs_rehash(stored_hash: str) -> bool:
    """Was this hash made with other parameters than today's (an older default)?"""
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return False


def _burn(secret: str) -> None:
    try:
        _hasher().verify(_dummy_hash(), secret)
    except VerificationError:
        pass


def new_code(digits: int = 8) -> str:
    """A numeric code a person can read out or type on a phone keypad."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def new_password() -> str:
    return secrets.token_urlsafe(12)


@cache
def _common_passwords() -> frozenset[str]:
    # Vendored list: its source and licence are at the top of the file.
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """True for the very common passwords that attackers try first (case does not help)."""
    return (password or "").strip().lower() in _common_passwords()
