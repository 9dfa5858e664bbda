"""Backup codes, stored as digests and consumed once.

Clerk accepts them plain or already bcrypt-hashed. Plain codes are stored as salted PBKDF2 (a few
milliseconds each: ten codes must not cost a second of argon2 on create); bcrypt ones are kept.
"""

import hashlib
import hmac
import secrets

import bcrypt

PBKDF2_ITERATIONS = 20_000
PBKDF2_PREFIX = "pbkdf2_sha256"
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def _pbkdf2(code: str, salt: str, iterations: int) -> str:
    return hashlib.pbkdf2_hmac("sha256", code.encode(), salt.encode(), iterations).hex()


def digest_backup_code(code: str) -> str:
    if code.startswith(BCRYPT_PREFIXES):
        return code
    salt = secrets.token_hex(8)
    return f"{PBKDF2_PREFIX}${PBKDF2_ITERATIONS}${salt}${_pbkdf2(code, salt, PBKDF2_ITERATIONS)}"


def digest_backup_codes(codes: list[str]) -> list[str]:
    return [digest_backup_code(code) for code in codes]


def matches(code: str, digest: str) -> bool:
    if digest.startswith(BCRYPT_PREFIXES):
        try:
            return bcrypt.checkpw(code.encode(), digest.encode())
        except ValueError:
            return False
    prefix, iterations, salt, expected = digest.split("$")
    return prefix == PBKDF2_PREFIX and hmac.compare_digest(_pbkdf2(code, salt, int(iterations)), expected)


def find_matching(code: str, digests: list[str]) -> int | None:
    """Index of the digest `code` matches, or None. CPU-bound: run it through `locum.kit.hashing`."""
    return next((index for index, digest in enumerate(digests) if matches(code, digest)), None)
