"""Password digests: our own argon2id, and the formats Clerk imports through `POST /users`.

`password_digest` + `password_hasher` bring users over from another system. Each digest is checked
in its own format (refused when malformed), verified with the algorithm of the system that wrote
it, and replaced by our argon2id after the first successful verification (`needs_rehash`).

| hasher               | digest                                                                     |
| -------------------- | -------------------------------------------------------------------------- |
| bcrypt               | `$2a$` / `$2b$` / `$2y$` `<cost>$<22-char salt><31-char hash>`             |
| bcrypt_peppered      | `<bcrypt>$<pepper>`: bcrypt of password + pepper (Devise)                  |
| bcrypt_sha256_django | `bcrypt_sha256$<bcrypt>`: bcrypt of the hex SHA-256 of the password        |
| md5, sha256          | hex digest of the password                                                 |
| md5_salted           | `<salt>$<hex md5>` of salt + password (or password + salt)                 |
| sha256_salted        | `<salt>$<hex sha256>`, likewise                                            |
| phpass, md5_phpass   | `$P$` or `$H$` + rounds char + 8-char salt + 22-char checksum (portable)   |
| pbkdf2_sha1          | `pbkdf2_sha1$<iter>$<salt>$<hex hash>[$<key length>]`, salt hex or raw     |
| pbkdf2_sha256        | `pbkdf2_sha256$<iter>$<base64 salt>$<base64 hash>`                         |
| pbkdf2_sha256_django | `pbkdf2_sha256$<iter>$<salt>$<base64 hash>` (Django)                       |
| pbkdf2_sha512        | `pbkdf2_sha512$<iter>$<salt>$<hex hash>`                                   |
| pbkdf2_sha512_hex    | `pbkdf2_sha512_hex$<iter>$<hex salt>$<hex hash>`                           |
| scrypt_firebase      | `<hash>$<salt>$<signer key>$<salt separator>$<rounds>$<mem cost>` (base64) |
| scrypt_werkzeug      | `[$]scrypt:<n>:<r>:<p>$<salt>$<hex hash>` (Werkzeug)                       |
| sha512_symfony       | `sha512_symfony$<iter>$<salt>$<base64 hash>` (MessageDigestPasswordHasher) |
| ldap_ssha            | `{SSHA}` + base64(sha1(password + salt) + salt)                            |
| argon2i, argon2id    | PHC string, `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`    |

Clerk also lists `awscognito`, which needs the AWS Cognito user pool itself: it is not supported.
Everything here is CPU-bound and synchronous: run it through `locum.kit.hashing`.
"""

import base64
import hashlib
import hmac
import re
from collections.abc import Callable

import bcrypt
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

LOCUM_HASHER = "argon2id"

_ARGON2 = PasswordHasher()
# What one hash, or one verification of a digest of ours, allocates while it runs.
ARGON2_MEMORY_BYTES = _ARGON2.memory_cost * 1024

# A parsed digest waiting for the UTF-8 password; parsers return None for a malformed digest.
_Checker = Callable[[bytes], bool]
_Parser = Callable[[str], _Checker | None]

# Bounds on the numbers a digest carries, so that an imported digest cannot ask for hours of work
# or gigabytes of memory. Where the producing system has limits of its own they are used instead.
_MAX_ITERATIONS = 10_000_000
_MAX_SCRYPT_WORK = 1 << 20  # n * r * p: 128 MiB at p = 1, four times Werkzeug's default
_MAX_ARGON2_MEMORY_KIB = 1 << 21  # 2 GiB, RFC 9106's largest recommended setting
_MAX_ARGON2_PASSES = 64
_MAX_ARGON2_LANES = 64
_SALT_SIZES = range(1, 1024)
# Derived keys compared against: at least 128 bits, at most one SHA-512 output.
_KEY_SIZES = range(16, 65)
# bcrypt reads no more than 72 bytes of the password.
_BCRYPT_MAX_PASSWORD = 72

_DECIMAL = re.compile(r"[1-9][0-9]{0,9}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
# The last character of the salt and of the hash carries bits bcrypt does not use, which are zero.
_BCRYPT = re.compile(r"\$2[aby]\$(?P<cost>[0-9]{2})\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{30}[.CGKOSWaeimquy26]")
_PHPASS_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# The checksum's last character encodes the last 2 bits of the MD5, hence one of the first four symbols.
_PHPASS = re.compile(r"\$[PH]\$(?P<rounds>[./0-9A-Za-z])(?P<salt>[./0-9A-Za-z]{8})[./0-9A-Za-z]{21}[./01]")
# Argon2's minimums are 8-byte salts and 4-byte hashes: 11 and 6 characters of unpadded base64.
_ARGON2_PHC = re.compile(
    r"\$(?P<type>argon2i|argon2id)\$v=(?:16|19)\$m=[0-9]{1,10},t=[0-9]{1,10},p=[0-9]{1,10}"
    r"\$(?P<salt>[A-Za-z0-9+/]{11,})\$(?P<hash>[A-Za-z0-9+/]{6,})"
)


def _integer(text: str, low: int, high: int) -> int | None:
    # The regex, not int(), decides what a number is: int() also takes " 7", "1_0" and non-ASCII digits.
    if _DECIMAL.fullmatch(text) is None:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _hex(text: str, sizes: range) -> bytes | None:
    if _HEX.fullmatch(text) is None:
        return None
    raw = bytes.fromhex(text)
    return raw if len(raw) in sizes else None


def _base64(text: str, sizes: range) -> bytes | None:
    if _BASE64.fullmatch(text) is None:
        return None
    raw = base64.b64decode(text)
    return raw if len(raw) in sizes else None


def _raw(text: str, sizes: range) -> bytes | None:
    raw = text.encode()
    return raw if len(raw) in sizes else None


def _fields(digest: str, prefix: str, count: int) -> list[str] | None:
    """The `count` non-empty `$`-separated fields after `prefix$`, or None."""
    head, *fields = digest.split("$")
    return fields if head == prefix and len(fields) == count and all(fields) else None


def _bcrypt_hash(digest: str) -> bytes | None:
    match = _BCRYPT.fullmatch(digest)
    return digest.encode() if match is not None and 4 <= int(match["cost"]) <= 31 else None


def _bcrypt_checker(hashed: bytes, prepare: Callable[[bytes], bytes]) -> _Checker:
    def check(password: bytes) -> bool:
        # Truncated as the systems that wrote these digests did; the bcrypt package refuses longer input.
        return bcrypt.checkpw(prepare(password)[:_BCRYPT_MAX_PASSWORD], hashed)

    return check


def _bcrypt(digest: str) -> _Checker | None:
    hashed = _bcrypt_hash(digest)
    return None if hashed is None else _bcrypt_checker(hashed, lambda password: password)


def _bcrypt_peppered(digest: str) -> _Checker | None:
    # The bcrypt part has a fixed length, so the pepper is everything after it, `$` included.
    hashed, separator, pepper = _bcrypt_hash(digest[:60]), digest[60:61], digest[61:].encode()
    if hashed is None or separator != "$" or not pepper:
        return None
    return _bcrypt_checker(hashed, lambda password: password + pepper)


def _bcrypt_sha256_django(digest: str) -> _Checker | None:
    prefix = "bcrypt_sha256$"
    hashed = _bcrypt_hash(digest[len(prefix) :]) if digest.startswith(prefix) else None
    if hashed is None:
        return None
    return _bcrypt_checker(hashed, lambda password: hashlib.sha256(password).hexdigest().encode())


def _unsalted(algorithm: str) -> _Parser:
    size = hashlib.new(algorithm).digest_size

    def parse(digest: str) -> _Checker | None:
        expected = _hex(digest, range(size, size + 1))
        if expected is None:
            return None
        return lambda password: hmac.compare_digest(hashlib.new(algorithm, password).digest(), expected)

    return parse


def _salted(algorithm: str) -> _Parser:
    size = hashlib.new(algorithm).digest_size

    def parse(digest: str) -> _Checker | None:
        parts = digest.split("$")
        if len(parts) != 2:
            return None
        salt, expected = _raw(parts[0], _SALT_SIZES), _hex(parts[1], range(size, size + 1))
        if salt is None or expected is None:
            return None
        # Clerk documents `salt$hash` but not which way round salt and password are joined; both are
        # in use, so both are tried.
        return lambda password: any(
            hmac.compare_digest(hashlib.new(algorithm, joined).digest(), expected)
            for joined in (salt + password, password + salt)
        )

    return parse


def _phpass_encode(raw: bytes) -> str:
    """phpass's base64: little-endian groups of 3 bytes, 6 bits at a time from the lowest."""
    symbols = []
    for start in range(0, len(raw), 3):
        group = raw[start : start + 3]
        value = int.from_bytes(group, "little")
        symbols += [_PHPASS_ALPHABET[(value >> shift) & 0x3F] for shift in range(0, 8 * len(group), 6)]
    return "".join(symbols)


def _phpass(digest: str) -> _Checker | None:
    match = _PHPASS.fullmatch(digest)
    if match is None:
        return None
    rounds_log2 = _PHPASS_ALPHABET.index(match["rounds"])
    if not 7 <= rounds_log2 <= 30:  # phpass's own bounds
        return None
    setting, salt, expected = digest[:12], match["salt"].encode(), digest.encode()

    def check(password: bytes) -> bool:
        checksum = hashlib.md5(salt + password).digest()
        for _ in range(1 << rounds_log2):
            checksum = hashlib.md5(checksum + password).digest()
        return hmac.compare_digest((setting + _phpass_encode(checksum)).encode(), expected)

    return check


def _pbkdf2_checker(algorithm: str, salt: bytes, iterations: int, expected: bytes) -> _Checker:
    # The derived key is as long as the stored one: 32 bytes for Django, 64 for most SHA-512 exports.
    return lambda password: hmac.compare_digest(
        hashlib.pbkdf2_hmac(algorithm, password, salt, iterations, len(expected)), expected
    )


def _pbkdf2(
    prefix: str,
    algorithm: str,
    salt_decoder: Callable[[str, range], bytes | None],
    hash_decoder: Callable[[str, range], bytes | None],
    max_iterations: int = _MAX_ITERATIONS,
) -> _Parser:
    def parse(digest: str) -> _Checker | None:
        fields = _fields(digest, prefix, 3)
        if fields is None:
            return None
        iterations = _integer(fields[0], 1, max_iterations)
        salt, expected = salt_decoder(fields[1], _SALT_SIZES), hash_decoder(fields[2], _KEY_SIZES)
        if iterations is None or salt is None or expected is None:
            return None
        return _pbkdf2_checker(algorithm, salt, iterations, expected)

    return parse


def _pbkdf2_sha1(digest: str) -> _Checker | None:
    fields = _fields(digest, "pbkdf2_sha1", 3) or _fields(digest, "pbkdf2_sha1", 4)
    if fields is None:
        return None
    iterations, expected = _integer(fields[0], 1, _MAX_ITERATIONS), _hex(fields[2], _KEY_SIZES)
    if iterations is None or expected is None:
        return None
    if len(fields) == 4 and fields[3] != str(len(expected)):  # the optional key length
        return None
    raw_salt, hex_salt = _raw(fields[1], _SALT_SIZES), _hex(fields[1], _SALT_SIZES)
    if raw_salt is None:
        return None
    # Clerk reads the salt as hex when it decodes and as raw text otherwise. A raw salt can look
    # like hex too, so such a salt is tried both ways.
    salts = [raw_salt] if hex_salt is None else [hex_salt, raw_salt]
    checkers = [_pbkdf2_checker("sha1", salt, iterations, expected) for salt in salts]
    return lambda password: any(check(password) for check in checkers)


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int, key_length: int) -> bytes:
    # OpenSSL's own accounting of what scrypt allocates; hashlib refuses to go past `maxmem`.
    memory = 128 * r * (n + p + 2)
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=key_length, maxmem=memory)


def _scrypt_firebase(digest: str) -> _Checker | None:
    parts = digest.split("$")
    if len(parts) != 6:
        return None
    expected, signer_key = _base64(parts[0], _KEY_SIZES), _base64(parts[2], _KEY_SIZES)
    salt, salt_separator = _base64(parts[1], _SALT_SIZES), _base64(parts[3], _SALT_SIZES)
    # Firebase's limits for its scrypt parameters.
    rounds, memory_cost = _integer(parts[4], 1, 8), _integer(parts[5], 1, 14)
    if expected is None or salt is None or signer_key is None or salt_separator is None:
        return None
    if rounds is None or memory_cost is None or len(expected) != len(signer_key):
        return None

    def check(password: bytes) -> bool:
        # Firebase's modified scrypt: the derived key encrypts the project's signer key with
        # AES-256-CTR under a zero IV, and that ciphertext is the stored hash.
        key = _scrypt(password, salt + salt_separator, 1 << memory_cost, rounds, 1, 32)
        encryptor = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()
        return hmac.compare_digest(encryptor.update(signer_key) + encryptor.finalize(), expected)

    return check


def _scrypt_werkzeug(digest: str) -> _Checker | None:
    # Werkzeug writes `scrypt:<n>:<r>:<p>$<salt>$<hash>`; Clerk's documentation puts a `$` in front.
    parts = digest.removeprefix("$").split("$")
    if len(parts) != 3:
        return None
    name, *parameters = parts[0].split(":")
    if name != "scrypt" or len(parameters) != 3:
        return None
    n, r, p = (_integer(parameter, 1, _MAX_SCRYPT_WORK) for parameter in parameters)
    salt, expected = _raw(parts[1], _SALT_SIZES), _hex(parts[2], range(64, 65))  # Werkzeug's 64 bytes
    if n is None or r is None or p is None or salt is None or expected is None:
        return None
    if n < 2 or n & (n - 1) or n * r * p > _MAX_SCRYPT_WORK:  # n must be a power of two
        return None
    return lambda password: hmac.compare_digest(_scrypt(password, salt, n, r, p, 64), expected)


def _sha512_symfony(digest: str) -> _Checker | None:
    fields = _fields(digest, "sha512_symfony", 3)
    if fields is None:
        return None
    iterations, salt = _integer(fields[0], 1, _MAX_ITERATIONS), _raw(fields[1], _SALT_SIZES)
    expected = _base64(fields[2], range(64, 65))
    # Symfony refuses salts with braces, since it wraps the salt in them.
    if iterations is None or salt is None or expected is None or b"{" in salt or b"}" in salt:
        return None
    # Symfony skips a salt PHP deems false, which "0" is.
    suffix = b"" if salt == b"0" else b"{" + salt + b"}"

    def check(password: bytes) -> bool:
        salted = password + suffix
        digest_bytes = hashlib.sha512(salted).digest()
        for _ in range(iterations - 1):
            digest_bytes = hashlib.sha512(digest_bytes + salted).digest()
        return hmac.compare_digest(digest_bytes, expected)

    return check


def _ldap_ssha(digest: str) -> _Checker | None:
    prefix, sha1_size = "{SSHA}", hashlib.sha1().digest_size
    if not digest.startswith(prefix):
        return None
    # The SHA-1 digest followed by the salt, 1 to 64 bytes of it.
    decoded = _base64(digest[len(prefix) :], range(sha1_size + 1, sha1_size + 65))
    if decoded is None:
        return None
    expected, salt = decoded[:sha1_size], decoded[sha1_size:]
    return lambda password: hmac.compare_digest(hashlib.sha1(password + salt).digest(), expected)


def _argon2(variant: str) -> _Parser:
    def parse(digest: str) -> _Checker | None:
        match = _ARGON2_PHC.fullmatch(digest)
        if match is None or match["type"] != variant:
            return None
        # Unpadded base64 of 4k+1 characters decodes to no whole number of bytes.
        if len(match["salt"]) % 4 == 1 or len(match["hash"]) % 4 == 1:
            return None
        parameters = extract_parameters(digest)
        lanes, memory = parameters.parallelism, parameters.memory_cost
        # Argon2's own bounds (8 KiB of memory per lane at least) and ours.
        if not (1 <= lanes <= _MAX_ARGON2_LANES and 8 * lanes <= memory <= _MAX_ARGON2_MEMORY_KIB):
            return None
        if not 1 <= parameters.time_cost <= _MAX_ARGON2_PASSES:
            return None

        def check(password: bytes) -> bool:
            try:
                return _ARGON2.verify(digest, password)
            except (VerificationError, InvalidHashError):
                return False

        return check

    return parse


_PARSERS: dict[str, _Parser] = {
    "bcrypt": _bcrypt,
    "bcrypt_peppered": _bcrypt_peppered,
    "bcrypt_sha256_django": _bcrypt_sha256_django,
    "md5": _unsalted("md5"),
    "md5_salted": _salted("md5"),
    "md5_phpass": _phpass,
    "phpass": _phpass,
    "pbkdf2_sha1": _pbkdf2_sha1,
    "pbkdf2_sha256": _pbkdf2("pbkdf2_sha256", "sha256", _base64, _base64),
    "pbkdf2_sha256_django": _pbkdf2("pbkdf2_sha256", "sha256", _raw, _base64),
    # Clerk's bounds for this format.
    "pbkdf2_sha512": _pbkdf2("pbkdf2_sha512", "sha512", _raw, _hex, max_iterations=419_999),
    "pbkdf2_sha512_hex": _pbkdf2("pbkdf2_sha512_hex", "sha512", _hex, _hex),
    "scrypt_firebase": _scrypt_firebase,
    "scrypt_werkzeug": _scrypt_werkzeug,
    "sha256": _unsalted("sha256"),
    "sha256_salted": _salted("sha256"),
    "sha512_symfony": _sha512_symfony,
    "ldap_ssha": _ldap_ssha,
    "argon2i": _argon2("argon2i"),
    "argon2id": _argon2("argon2id"),
}

SUPPORTED_HASHERS: frozenset[str] = frozenset(_PARSERS)


def _checker(hasher: str, digest: str) -> _Checker | None:
    # Both come straight from a request body: anything but a known hasher and a text is refused.
    parse = _PARSERS.get(hasher) if isinstance(hasher, str) else None
    if parse is None or not isinstance(digest, str):
        return None
    try:
        digest.encode()
    except UnicodeEncodeError:  # a lone surrogate, which JSON can carry
        return None
    return parse(digest)


def hash_password(password: str) -> str:
    """Our own digest of `password`: an argon2id PHC string."""
    return _ARGON2.hash(password)


def is_valid_digest(hasher: str, digest: str) -> bool:
    """Whether `digest` is well-formed for `hasher`, without a password to try."""
    return _checker(hasher, digest) is not None


def verify_password(password: str, digest: str, hasher: str) -> bool:
    """Whether `password` matches `digest`; False for a malformed digest or an unknown hasher."""
    check = _checker(hasher, digest)
    if check is None or not isinstance(password, str):
        return False
    try:
        secret = password.encode()
    except UnicodeEncodeError:
        return False
    return check(secret)


def needs_rehash(hasher: str, digest: str) -> bool:
    """Whether a digest that just verified should be replaced by `hash_password`'s."""
    if hasher != LOCUM_HASHER:
        return True
    try:
        return _ARGON2.check_needs_rehash(digest)
    except InvalidHashError:
        return True
