"""Clerk-format user exports for tests and benchmarks (resources/users/clerk_import.py has the format).

Digests are computed once per process and reused: bcrypt at cost 4 and argon2id/argon2i with small
parameters, each of PASSWORD, so every generated user signs in with it."""

import csv
import functools
import io
from collections.abc import Iterator
from pathlib import Path

import bcrypt
from argon2 import PasswordHasher, Type

from locum.resources.users.clerk_import import COLUMNS

__all__ = ["COLUMNS", "PASSWORD", "TOTP_SECRET", "digests", "generate", "row", "user_id", "write_csv"]

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


@functools.cache
def digests() -> tuple[tuple[str, str], ...]:
    """(hasher, digest) of PASSWORD, one of each kind the generator cycles through."""
    small = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
    return (
        ("bcrypt", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()),
        ("bcrypt", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4, prefix=b"2a")).decode()),
        ("argon2id", PasswordHasher(**small, type=Type.ID).hash(PASSWORD)),
        ("argon2i", PasswordHasher(**small, type=Type.I).hash(PASSWORD)),
    )


def user_id(number: int, run: str = "") -> str:
    """A Clerk-style user id (27 base62 characters after `user_`), unique per `run` (hex) and number."""
    body = f"{run}{number:0>10}".rjust(27, "0")
    return f"user_2{body[1:]}"


def email(number: int, run: str = "") -> str:
    return f"user{number}{run.lower()}@example.com"


def row(number: int, *, run: str = "", phones: bool = True) -> dict[str, str]:
    """An exported user: a verified primary email (every third user an unverified one too), a
    password, every fifth user a phone, every seventh a username, every eleventh a TOTP secret."""
    hasher, digest = digests()[number % len(digests())]
    primary = email(number, run)
    cells = dict.fromkeys(COLUMNS, "")
    cells.update(
        id=user_id(number, run),
        first_name=f"First{number}",
        last_name=f"Last{number}",
        primary_email_address=primary,
        verified_email_addresses=primary,
        password_digest=digest,
        password_hasher=hasher,
    )
    if number % 3 == 0:
        cells["unverified_email_addresses"] = (
            f"alt{number}{run.lower()}@example.org,other{number}{run.lower()}@example.org"
        )
    if phones and number % 5 == 0:
        phone = f"+1415{555_0000 + number % 10_000_000:07d}"
        cells.update(primary_phone_number=phone, verified_phone_numbers=phone)
    if number % 7 == 0:
        cells["username"] = f"user_{run.lower()}{number}"
    if number % 11 == 0:
        cells["totp_secret"] = TOTP_SECRET
    return cells


def write_csv(path: Path, rows: Iterator[dict[str, str]] | list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def generate(path: Path, count: int, *, run: str = "", start: int = 1, phones: bool = True) -> Path:
    """A Clerk export of `count` users, numbered from `start`."""
    return write_csv(path, (row(number, run=run, phones=phones) for number in range(start, start + count)))


def csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
