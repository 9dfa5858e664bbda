"""Imported password digests against vectors from the systems that write them.

Where each vector comes from:

- bcrypt: OpenWall's "U*U" vector, reproduced with PHP 8.2's crypt() for $2a$, $2b$ and $2y$;
  the others from PHP's password_hash() and crypt() (which truncates at 72 bytes).
- bcrypt_peppered: Ruby's bcrypt gem as Devise calls it, `BCrypt::Password.create(password + pepper)`.
- bcrypt_sha256_django: Django 5.2's BCryptSHA256PasswordHasher.
- md5, sha256: the examples in Clerk's documentation (md5 of "password", sha256 of "test").
- md5_salted, sha256_salted: hashlib; Clerk documents no producing system to take them from.
- phpass: phpass's own test vector ("test12345") and crypt_private() of phpass 0.1 (WordPress) run
  under PHP; md5_phpass: passlib 1.7.4's phpass with the `$H$` ident.
- pbkdf2_sha1: RFC 6070's vectors, and passlib 1.7.4's pbkdf2 re-encoded in Clerk's layout.
- pbkdf2_sha256: RFC 7914's PBKDF2-HMAC-SHA256 vector, and passlib 1.7.4's pbkdf2_sha256 re-encoded.
- pbkdf2_sha256_django: Django 5.2's PBKDF2PasswordHasher.
- pbkdf2_sha512, pbkdf2_sha512_hex: passlib 1.7.4's pbkdf2_sha512 re-encoded in Clerk's layouts.
- scrypt_firebase: the sample account in firebase/scrypt's README.
- scrypt_werkzeug: Werkzeug 3.1's generate_password_hash().
- sha512_symfony: Symfony's MessageDigestPasswordHasher (password-hasher component) run under PHP.
- ldap_ssha: passlib 1.7.4's ldap_salted_sha1.
- argon2i, argon2id: argon2-cffi 25.1 with minimal parameters.
"""

import pytest
from argon2 import PasswordHasher, Type

from locum.kit.passwords import (
    LOCUM_HASHER,
    SUPPORTED_HASHERS,
    hash_password,
    is_valid_digest,
    needs_rehash,
    verify_password,
)

BCRYPT_UU = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
BCRYPT_DEVISE = "$2a$04$fGR9hISxmKXho8iZdyUO8et1FUpICaBllgMchXhszPMhdhZITCWlW"
PHPASS_TEST = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"
FIREBASE_HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
FIREBASE_SALT = "42xEC+ixf3L2lw=="
FIREBASE_SIGNER_KEY = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
FIREBASE = f"{FIREBASE_HASH}${FIREBASE_SALT}${FIREBASE_SIGNER_KEY}$Bw==$8$14"
WERKZEUG_SALT_AND_HASH = (
    "MrFNolo2hpGoM7su$c0e1aed04132871803f368cb8d0939bd5ad991a97536d89f833cbfaabe147bbb"
    "26794715afe402bd1eb79cddc43912c6b9f32e5e54537889fb8a447671fdb489"
)
PBKDF2_SHA512_HASH = (
    "bfac6060bec273758cda5a92087440c66ddaa2ac1842854c75d6a0a23a306002"
    "e3579b74ee16803b95bc8c609a706a27a22857976c8e5a530f8ae36117c2cacd"
)
SYMFONY_HASH = "T86IZfsQmXlkwYRrFSsAcwFUaEM66TN/jlxWu4chpSGcgqxo/WoljVEPBV8gpYg2xlR/D7IY2ZuQB9hjSs1XrA=="
ARGON2I = "$argon2i$v=19$m=8,t=1,p=1$Vr/2UPg/mW2Hwm0HffAUfQ$cz35xfrkWhptvvtSBzAW0ZjfS+jUfEcCFq1WLJq277M"
ARGON2ID = "$argon2id$v=19$m=8,t=1,p=1$6SG2H1b294nqv6r49H4X4A$G9WFmAJgOFve0Uz1kKRLEM0vRtr2ZLsOs8GYzZzunDk"

# (hasher, password, digest) that verify.
VECTORS = [
    pytest.param("bcrypt", "U*U", BCRYPT_UU, id="bcrypt-2a-openwall"),
    pytest.param("bcrypt", "U*U", BCRYPT_UU.replace("$2a$", "$2b$"), id="bcrypt-2b-openwall"),
    pytest.param("bcrypt", "U*U", BCRYPT_UU.replace("$2a$", "$2y$"), id="bcrypt-2y-openwall"),
    pytest.param(
        "bcrypt",
        "correct horse",
        "$2y$04$8u0cVYLHRtzelFTRZWCg7e4x7b8e5pAvXEjDy00eEW92kC5Y2UK76",
        id="bcrypt-2y-php-password-hash",
    ),
    pytest.param("bcrypt_peppered", "correct horse", f"{BCRYPT_DEVISE}$b6f1c3a9e2d4", id="bcrypt_peppered"),
    pytest.param(
        "bcrypt_peppered",
        "hunter2",
        "$2a$04$YqfMUIeFZHAWdpY8bWR7JuPpHJKNuWKPUkSdP13Fm.xbRHHi8jY6u$pe$pper",
        id="bcrypt_peppered-dollar-in-pepper",
    ),
    pytest.param(
        "bcrypt_sha256_django",
        "correct horse",
        "bcrypt_sha256$$2b$04$X1bgndL8nqefLnePMegnpurJs28qiUNdiNSuzfRanZypk77/tt2.W",
        id="bcrypt_sha256_django",
    ),
    pytest.param("md5", "password", "5f4dcc3b5aa765d61d8327deb882cf99", id="md5-clerk-docs"),
    pytest.param("md5", "password", "5F4DCC3B5AA765D61D8327DEB882CF99", id="md5-upper-case-hex"),
    pytest.param(
        "md5_salted", "correct horse", "f3a9c1e2$b70edfaa7411fec5845b5edd8dbba0ad", id="md5_salted-salt-first"
    ),
    pytest.param("md5_salted", "correct horse", "NaCl$5af3612cb8ad14d34cd17b21ceeb449d", id="md5_salted-salt-last"),
    pytest.param("phpass", "test12345", PHPASS_TEST, id="phpass-test-vector"),
    pytest.param("phpass", "correct horse", "$P$7abcdefgh2VYZdtak5vCGlIb7QB2jL/", id="phpass-wordpress"),
    pytest.param("md5_phpass", "phpbb user", "$H$7Zq3/xW8alfyamSONLnxKjQidOUwKx/", id="md5_phpass-H"),
    pytest.param("md5_phpass", "test12345", PHPASS_TEST, id="md5_phpass-P"),
    pytest.param(
        "pbkdf2_sha1",
        "password",
        "pbkdf2_sha1$2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-rfc6070",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "passwordPASSWORDpassword",
        "pbkdf2_sha1$4096$73616c7453414c5473616c7453414c5473616c7453414c5473616c7453414c5473616c74"
        "$3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038$25",
        id="pbkdf2_sha1-rfc6070-hex-salt-key-length",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "correct horse",
        "pbkdf2_sha1$1000$rawSaltXyz$b96c1e9f6434d3bbc7331679fc26248d97307363",
        id="pbkdf2_sha1-raw-salt",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "correct horse",
        "pbkdf2_sha1$1000$c0ffee00deadbeef$88d3be5fd9541b132f4723d0113f2e67d9db2ecfbc08d9bb802fa1699923a08b$32",
        id="pbkdf2_sha1-hex-salt",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "correct horse",
        "pbkdf2_sha1$1000$abcd1234$3eb23fc3997d497bd49b78e47ae914419ec804eab2f48a91553c1a57ebae6547",
        id="pbkdf2_sha1-raw-salt-that-looks-hex",
    ),
    pytest.param(
        "pbkdf2_sha256",
        "passwd",
        "pbkdf2_sha256$1$c2FsdA=="
        "$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw==",
        id="pbkdf2_sha256-rfc7914",
    ),
    pytest.param(
        "pbkdf2_sha256",
        "correct horse",
        "pbkdf2_sha256$1000$nCptAeO39FggqhPH$4Z+K6c/Mi7U5p+jDZvXghqbTqJ3YlfKNICg5SlWRm/E=",
        id="pbkdf2_sha256",
    ),
    pytest.param(
        "pbkdf2_sha256_django",
        "correct horse",
        "pbkdf2_sha256$1000$sEcReTsAlT0123456789ab$SDJ1YHzJupoAzpb6AeX+IHvv7Ytlfh6y+Vn2Rdqnx/E=",
        id="pbkdf2_sha256_django",
    ),
    pytest.param(
        "pbkdf2_sha512",
        "correct horse",
        f"pbkdf2_sha512$1000$NaClSalt-512${PBKDF2_SHA512_HASH}",
        id="pbkdf2_sha512",
    ),
    pytest.param(
        "pbkdf2_sha512_hex",
        "correct horse",
        "pbkdf2_sha512_hex$1000$00ff10ee20dd30cc40bb50aa60997088$0489feff62fbab1dba3ea8cc91d0fede"
        "9de284c2e4f3b75d36281c2f144a496b6639846c93eddd32ab5433f13791e4a638359633a288f53f99bac65879eb1cab",
        id="pbkdf2_sha512_hex",
    ),
    pytest.param("scrypt_firebase", "user1password", FIREBASE, id="scrypt_firebase-readme"),
    pytest.param("scrypt_werkzeug", "correct horse", f"scrypt:1024:8:1${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug"),
    pytest.param(
        "scrypt_werkzeug",
        "correct horse",
        f"$scrypt:1024:8:1${WERKZEUG_SALT_AND_HASH}",
        id="scrypt_werkzeug-clerk-form",
    ),
    pytest.param(
        "sha256",
        "test",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        id="sha256-clerk-docs",
    ),
    pytest.param(
        "sha256_salted",
        "correct horse",
        "f3a9c1e2$ef6b613fdd77b1f839b0b337f12b9850f074c252b38d530c8f5cd790c2ad4084",
        id="sha256_salted-salt-first",
    ),
    pytest.param(
        "sha256_salted",
        "correct horse",
        "NaCl$459b757df3d40423c89b513188199edbf3eae8b8f198e57e52ec130f16141179",
        id="sha256_salted-salt-last",
    ),
    pytest.param(
        "sha512_symfony",
        "correct horse",
        f"sha512_symfony$5000$s3cr3tSalt${SYMFONY_HASH}",
        id="sha512_symfony",
    ),
    pytest.param(
        "sha512_symfony",
        "hunter2",
        "sha512_symfony$1$NaCl"
        "$5dKgdOCTgI1uhSJ9L5fAjWCf3zBrbYojYJ3y0JxlWPCoqKnka4pfwA3doTcsfVpKyYi7J5Di5gzvO0SJwOmTvw==",
        id="sha512_symfony-one-iteration",
    ),
    pytest.param(
        "sha512_symfony",
        "zero salt",
        "sha512_symfony$3$0$gvMf7dqPUaFn5OdSmeiDbcZ+5c41/HgDZ2CNwjfFUtaNae/op6YP2ay6lApZX3jsfdc7P2DBWHaDS9ObRk4vHg==",
        id="sha512_symfony-salt-php-deems-false",
    ),
    pytest.param("ldap_ssha", "correct horse", "{SSHA}eGt7hN3VIj9DEkwmi2cNTnDwQzGKHwLEdwD+EQ==", id="ldap_ssha"),
    pytest.param("argon2i", "correct horse", ARGON2I, id="argon2i"),
    pytest.param("argon2id", "correct horse", ARGON2ID, id="argon2id"),
]

# Strings that are no digest of the hasher they are given for.
MALFORMED = [
    pytest.param("bcrypt", "", id="bcrypt-empty"),
    pytest.param("bcrypt", BCRYPT_UU[:-1], id="bcrypt-short"),
    pytest.param("bcrypt", BCRYPT_UU + "W", id="bcrypt-long"),
    pytest.param("bcrypt", BCRYPT_UU.replace("$2a$", "$2x$"), id="bcrypt-unknown-version"),
    pytest.param("bcrypt", BCRYPT_UU.replace("$2a$", "$2$"), id="bcrypt-version-2"),
    pytest.param("bcrypt", BCRYPT_UU.replace("$05$", "$03$"), id="bcrypt-cost-too-low"),
    pytest.param("bcrypt", BCRYPT_UU.replace("$05$", "$32$"), id="bcrypt-cost-too-high"),
    pytest.param("bcrypt", BCRYPT_UU.replace("$05$", "$5$") + "W", id="bcrypt-one-digit-cost"),
    pytest.param("bcrypt", "$2b$04$" + "z" * 52 + "W", id="bcrypt-salt-with-unused-bits-set"),
    pytest.param("bcrypt", BCRYPT_UU[:-1] + "X", id="bcrypt-hash-with-unused-bits-set"),
    pytest.param("bcrypt", BCRYPT_UU.replace("E5YPO", "E5Y!O"), id="bcrypt-bad-character"),
    pytest.param("bcrypt", BCRYPT_UU + "\n", id="bcrypt-trailing-newline"),
    pytest.param("bcrypt", " " + BCRYPT_UU, id="bcrypt-leading-space"),
    pytest.param("bcrypt", f"{BCRYPT_DEVISE}$b6f1c3a9e2d4", id="bcrypt-with-pepper"),
    pytest.param("bcrypt_peppered", BCRYPT_DEVISE, id="bcrypt_peppered-no-pepper"),
    pytest.param("bcrypt_peppered", BCRYPT_DEVISE + "$", id="bcrypt_peppered-empty-pepper"),
    pytest.param("bcrypt_peppered", BCRYPT_DEVISE + "#pepper", id="bcrypt_peppered-no-separator"),
    pytest.param("bcrypt_peppered", BCRYPT_DEVISE[:-1] + "$pepper", id="bcrypt_peppered-short-bcrypt"),
    pytest.param("bcrypt_peppered", BCRYPT_DEVISE + "$\ud800", id="bcrypt_peppered-lone-surrogate"),
    pytest.param("bcrypt_sha256_django", BCRYPT_UU, id="bcrypt_sha256_django-no-prefix"),
    pytest.param("bcrypt_sha256_django", "bcrypt_sha256" + BCRYPT_UU, id="bcrypt_sha256_django-no-separator"),
    pytest.param("bcrypt_sha256_django", "bcrypt$" + BCRYPT_UU, id="bcrypt_sha256_django-django-bcrypt"),
    pytest.param("bcrypt_sha256_django", "bcrypt_sha256$" + BCRYPT_UU[:-1], id="bcrypt_sha256_django-short"),
    pytest.param("md5", "5f4dcc3b5aa765d61d8327deb882cf9", id="md5-31-digits"),
    pytest.param("md5", "5f4dcc3b5aa765d61d8327deb882cf990", id="md5-33-digits"),
    pytest.param("md5", "5f4dcc3b5aa765d61d8327deb882cg99", id="md5-not-hex"),
    pytest.param("md5", "0x5f4dcc3b5aa765d61d8327deb882cf", id="md5-0x"),
    pytest.param("md5", "5f4dcc3b5aa765d61d8327deb882cf99 ", id="md5-trailing-space"),
    pytest.param("md5", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", id="md5-sha256-length"),
    pytest.param("md5_salted", "5f4dcc3b5aa765d61d8327deb882cf99", id="md5_salted-no-salt"),
    pytest.param("md5_salted", "$5f4dcc3b5aa765d61d8327deb882cf99", id="md5_salted-empty-salt"),
    pytest.param("md5_salted", "salt$5f4dcc3b5aa765d61d8327deb882cf9", id="md5_salted-short-hash"),
    pytest.param("md5_salted", "a$b$5f4dcc3b5aa765d61d8327deb882cf99", id="md5_salted-three-fields"),
    pytest.param(
        "md5_salted",
        "NaCl$459b757df3d40423c89b513188199edbf3eae8b8f198e57e52ec130f16141179",
        id="md5_salted-sha256-hash",
    ),
    pytest.param("phpass", PHPASS_TEST[:-1], id="phpass-short"),
    pytest.param("phpass", PHPASS_TEST.replace("$P$", "$X$"), id="phpass-unknown-id"),
    pytest.param("phpass", BCRYPT_UU, id="phpass-bcrypt-digest"),
    pytest.param("phpass", "$P$4" + PHPASS_TEST[4:], id="phpass-too-few-rounds"),
    pytest.param("phpass", "$P$T" + PHPASS_TEST[4:], id="phpass-too-many-rounds"),
    pytest.param("phpass", PHPASS_TEST[:-1] + "2", id="phpass-checksum-with-unused-bits-set"),
    pytest.param("phpass", PHPASS_TEST.replace("IQRa", "IQ!a"), id="phpass-bad-character"),
    pytest.param("md5_phpass", "$H$7Zq3/xW8alfyamSONLnxKjQidOUwKx", id="md5_phpass-short"),
    pytest.param("md5_phpass", "5f4dcc3b5aa765d61d8327deb882cf99", id="md5_phpass-plain-md5"),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha256$2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-prefix",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$0$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-0-iterations",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$02$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-leading-zero",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$2e3$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-exponent",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$-2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-negative",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$٢$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-arabic-digit",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$99999999999$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        id="pbkdf2_sha1-iterations-too-many",
    ),
    pytest.param("pbkdf2_sha1", "pbkdf2_sha1$2$$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957", id="pbkdf2_sha1-empty-salt"),
    pytest.param("pbkdf2_sha1", "pbkdf2_sha1$2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de895", id="pbkdf2_sha1-odd-hex"),
    pytest.param("pbkdf2_sha1", "pbkdf2_sha1$2$salt$6qkBTcctb4zNHtkqzh1B8NjeiVc=", id="pbkdf2_sha1-base64-hash"),
    pytest.param("pbkdf2_sha1", "pbkdf2_sha1$2$salt$ea6c014dc72d6f8c", id="pbkdf2_sha1-8-byte-hash"),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957$32",
        id="pbkdf2_sha1-key-length-mismatch",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957$020",
        id="pbkdf2_sha1-key-length-leading-zero",
    ),
    pytest.param(
        "pbkdf2_sha1",
        "pbkdf2_sha1$2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957$20$x",
        id="pbkdf2_sha1-six-fields",
    ),
    pytest.param(
        "pbkdf2_sha256",
        "pbkdf2_sha256$1000$sEcReTsAlT0123456789ab$SDJ1YHzJupoAzpb6AeX+IHvv7Ytlfh6y+Vn2Rdqnx/E=",
        id="pbkdf2_sha256-django-digest",
    ),
    pytest.param(
        "pbkdf2_sha256",
        "pbkdf2_sha256$1000$c2FsdA$4Z+K6c/Mi7U5p+jDZvXghqbTqJ3YlfKNICg5SlWRm/E=",
        id="pbkdf2_sha256-unpadded-salt",
    ),
    pytest.param(
        "pbkdf2_sha256",
        "pbkdf2_sha256$1000$c2Fsd=A=$4Z+K6c/Mi7U5p+jDZvXghqbTqJ3YlfKNICg5SlWRm/E=",
        id="pbkdf2_sha256-misplaced-padding",
    ),
    pytest.param(
        "pbkdf2_sha256",
        "pbkdf2_sha256$1000$c2FsdA==$4Z-K6c_Mi7U5p-jDZvXghqbTqJ3YlfKNICg5SlWRm_E=",
        id="pbkdf2_sha256-url-safe-hash",
    ),
    pytest.param("pbkdf2_sha256", "pbkdf2_sha256$1000$c2FsdA==", id="pbkdf2_sha256-no-hash"),
    pytest.param(
        "pbkdf2_sha256_django",
        "pbkdf2_sha256$1000$salt$SDJ1YHzJupoAzpb6AeX+IHvv7Ytlfh6y+Vn2Rdqnx/E",
        id="pbkdf2_sha256_django-unpadded-hash",
    ),
    pytest.param(
        "pbkdf2_sha256_django",
        "pbkdf2_sha256$1000$$SDJ1YHzJupoAzpb6AeX+IHvv7Ytlfh6y+Vn2Rdqnx/E=",
        id="pbkdf2_sha256_django-empty-salt",
    ),
    pytest.param(
        "pbkdf2_sha256_django",
        "pbkdf2_sha1$1000$salt$SDJ1YHzJupoAzpb6AeX+IHvv7Ytlfh6y+Vn2Rdqnx/E=",
        id="pbkdf2_sha256_django-prefix",
    ),
    pytest.param(
        "pbkdf2_sha256_django",
        "pbkdf2_sha256$1000$a$b$SDJ1YHzJupoAzpb6AeX+IHvv7Ytlfh6y+Vn2Rdqnx/E=",
        id="pbkdf2_sha256_django-extra-field",
    ),
    pytest.param(
        "pbkdf2_sha512",
        f"pbkdf2_sha512$420000$NaClSalt-512${PBKDF2_SHA512_HASH}",
        id="pbkdf2_sha512-420000-iterations",
    ),
    pytest.param(
        "pbkdf2_sha512",
        f"pbkdf2_sha512$1000${'s' * 1024}${PBKDF2_SHA512_HASH}",
        id="pbkdf2_sha512-1024-byte-salt",
    ),
    pytest.param(
        "pbkdf2_sha512",
        f"pbkdf2_sha512$1000$NaClSalt-512${PBKDF2_SHA512_HASH}00",
        id="pbkdf2_sha512-65-byte-hash",
    ),
    pytest.param("pbkdf2_sha512", f"pbkdf2_sha512$1000$NaClSalt-512${SYMFONY_HASH}", id="pbkdf2_sha512-base64-hash"),
    pytest.param("pbkdf2_sha512", f"pbkdf2_sha512_hex$1000$00ff${PBKDF2_SHA512_HASH}", id="pbkdf2_sha512-hex-prefix"),
    pytest.param(
        "pbkdf2_sha512_hex",
        f"pbkdf2_sha512_hex$1000$NaClSalt-512${PBKDF2_SHA512_HASH}",
        id="pbkdf2_sha512_hex-raw-salt",
    ),
    pytest.param(
        "pbkdf2_sha512_hex",
        f"pbkdf2_sha512$1000$00ff10ee${PBKDF2_SHA512_HASH}",
        id="pbkdf2_sha512_hex-prefix",
    ),
    pytest.param(
        "pbkdf2_sha512_hex",
        f"pbkdf2_sha512_hex$1000$0ff10ee${PBKDF2_SHA512_HASH}",
        id="pbkdf2_sha512_hex-odd-salt",
    ),
    pytest.param("scrypt_firebase", FIREBASE.removesuffix("$14"), id="scrypt_firebase-five-fields"),
    pytest.param("scrypt_firebase", FIREBASE + "$1", id="scrypt_firebase-seven-fields"),
    pytest.param("scrypt_firebase", FIREBASE.replace("$8$14", "$0$14"), id="scrypt_firebase-0-rounds"),
    pytest.param("scrypt_firebase", FIREBASE.replace("$8$14", "$9$14"), id="scrypt_firebase-9-rounds"),
    pytest.param("scrypt_firebase", FIREBASE.replace("$8$14", "$8$0"), id="scrypt_firebase-mem-cost-0"),
    pytest.param("scrypt_firebase", FIREBASE.replace("$8$14", "$8$15"), id="scrypt_firebase-mem-cost-15"),
    pytest.param("scrypt_firebase", FIREBASE.replace("$8$14", "$eight$14"), id="scrypt_firebase-rounds-not-number"),
    pytest.param("scrypt_firebase", FIREBASE.replace("$Bw==$", "$$"), id="scrypt_firebase-empty-separator"),
    pytest.param(
        "scrypt_firebase",
        FIREBASE.replace(FIREBASE_SALT, "42xEC+ixf3L2lw"),
        id="scrypt_firebase-unpadded-salt",
    ),
    pytest.param(
        "scrypt_firebase",
        FIREBASE.replace(FIREBASE_HASH, FIREBASE_HASH[:44]),
        id="scrypt_firebase-hash-shorter-than-key",
    ),
    pytest.param(
        "scrypt_werkzeug",
        f"scrypt:1000:8:1${WERKZEUG_SALT_AND_HASH}",
        id="scrypt_werkzeug-n-not-power-of-two",
    ),
    pytest.param("scrypt_werkzeug", f"scrypt:1:8:1${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug-n-1"),
    pytest.param("scrypt_werkzeug", f"scrypt:1024:8${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug-two-parameters"),
    pytest.param("scrypt_werkzeug", f"scrypt${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug-no-parameters"),
    pytest.param("scrypt_werkzeug", f"scrypt:1048576:8:1${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug-too-much-work"),
    pytest.param("scrypt_werkzeug", f"scrypt:1024:0:1${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug-r-0"),
    pytest.param(
        "scrypt_werkzeug",
        f"pbkdf2:sha256:600000${WERKZEUG_SALT_AND_HASH}",
        id="scrypt_werkzeug-pbkdf2-method",
    ),
    pytest.param("scrypt_werkzeug", f"$$scrypt:1024:8:1${WERKZEUG_SALT_AND_HASH}", id="scrypt_werkzeug-two-dollars"),
    pytest.param(
        "scrypt_werkzeug", f"scrypt:1024:8:1${WERKZEUG_SALT_AND_HASH[:-2]}", id="scrypt_werkzeug-63-byte-hash"
    ),
    pytest.param(
        "scrypt_werkzeug",
        f"scrypt:1024:8:1$${WERKZEUG_SALT_AND_HASH.split('$')[1]}",
        id="scrypt_werkzeug-empty-salt",
    ),
    pytest.param("sha256", "5f4dcc3b5aa765d61d8327deb882cf99", id="sha256-md5-length"),
    pytest.param("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", id="sha256-63-digits"),
    pytest.param("sha256_salted", "NaCl$5af3612cb8ad14d34cd17b21ceeb449d", id="sha256_salted-md5-hash"),
    pytest.param(
        "sha256_salted",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        id="sha256_salted-no-salt",
    ),
    pytest.param(
        "sha512_symfony",
        f"sha512_symfony$5000$s3cr{{3t}}Salt${SYMFONY_HASH}",
        id="sha512_symfony-braces-in-salt",
    ),
    pytest.param("sha512_symfony", f"sha512_symfony$0$s3cr3tSalt${SYMFONY_HASH}", id="sha512_symfony-0-iterations"),
    pytest.param("sha512_symfony", f"sha512_symfony$5000$${SYMFONY_HASH}", id="sha512_symfony-empty-salt"),
    pytest.param(
        "sha512_symfony", f"sha512_symfony$5000$s3cr3tSalt${PBKDF2_SHA512_HASH}", id="sha512_symfony-hex-hash"
    ),
    pytest.param(
        "sha512_symfony",
        "sha512_symfony$5000$s3cr3tSalt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
        id="sha512_symfony-32-byte-hash",
    ),
    pytest.param("sha512_symfony", f"sha512$5000$s3cr3tSalt${SYMFONY_HASH}", id="sha512_symfony-prefix"),
    pytest.param("sha512_symfony", f"sha512_symfony$s3cr3tSalt${SYMFONY_HASH}", id="sha512_symfony-no-iterations"),
    pytest.param("ldap_ssha", "{SHA}eGt7hN3VIj9DEkwmi2cNTnDwQzGKHwLEdwD+EQ==", id="ldap_ssha-sha-scheme"),
    pytest.param("ldap_ssha", "{ssha}eGt7hN3VIj9DEkwmi2cNTnDwQzGKHwLEdwD+EQ==", id="ldap_ssha-lower-case-scheme"),
    pytest.param("ldap_ssha", "{SSHA}eGt7hN3VIj9DEkwmi2cNTnDwQzE=", id="ldap_ssha-no-salt"),
    pytest.param("ldap_ssha", "{SSHA}eGt7hN3VIj9DEkwmi2cNTnDwQzGKHwLEdwD+EQ", id="ldap_ssha-unpadded"),
    pytest.param("ldap_ssha", "eGt7hN3VIj9DEkwmi2cNTnDwQzGKHwLEdwD+EQ==", id="ldap_ssha-no-scheme"),
    pytest.param("ldap_ssha", "{SSHA}" + "QUFB" * 29, id="ldap_ssha-67-byte-salt"),
    pytest.param("argon2i", ARGON2ID, id="argon2i-argon2id-digest"),
    pytest.param("argon2i", ARGON2I.replace("$v=19", ""), id="argon2i-no-version"),
    pytest.param("argon2i", ARGON2I.replace("v=19", "v=18"), id="argon2i-unknown-version"),
    pytest.param("argon2i", ARGON2I.replace("p=1", "p=2"), id="argon2i-less-than-8-kib-per-lane"),
    pytest.param("argon2i", ARGON2I.replace("p=1", "p=0"), id="argon2i-no-lanes"),
    pytest.param("argon2i", ARGON2I.replace("t=1", "t=0"), id="argon2i-no-passes"),
    pytest.param("argon2i", ARGON2I.replace("t=1", "t=1000"), id="argon2i-too-many-passes"),
    pytest.param("argon2i", ARGON2I.replace("Vr/2UPg/mW2Hwm0HffAUfQ", "Vr/2UPg/mW"), id="argon2i-7-byte-salt"),
    pytest.param(
        "argon2i",
        ARGON2I.replace("Vr/2UPg/mW2Hwm0HffAUfQ", "Vr/2UPg/mW2Hw"),
        id="argon2i-salt-of-4k+1-characters",
    ),
    pytest.param(
        "argon2i",
        ARGON2I.replace("Vr/2UPg/mW2Hwm0HffAUfQ", "Vr/2UPg/mW2Hwm0HffAUfQ=="),
        id="argon2i-padded-salt",
    ),
    pytest.param("argon2i", ARGON2I.replace("m=8,t=1,p=1", "t=1,m=8,p=1"), id="argon2i-parameters-out-of-order"),
    pytest.param("argon2id", ARGON2I, id="argon2id-argon2i-digest"),
    pytest.param("argon2id", ARGON2ID.replace("$argon2id$", "$argon2d$"), id="argon2id-argon2d"),
    pytest.param("argon2id", ARGON2ID.replace("m=8", "m=4194304"), id="argon2id-4-gib"),
    pytest.param("argon2id", ARGON2ID + "$", id="argon2id-trailing-dollar"),
    pytest.param("argon2id", "argon2id", id="argon2id-name"),
]

# What a request body may carry instead of a known hasher and a digest string.
UNKNOWN_HASHERS = [
    pytest.param("awscognito", "awscognito#eu-west-1_abc#client#user@example.com", id="awscognito"),
    pytest.param("BCRYPT", BCRYPT_UU, id="upper-case-name"),
    pytest.param("sha1", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", id="sha1"),
    pytest.param("", "5f4dcc3b5aa765d61d8327deb882cf99", id="empty-name"),
    pytest.param(None, "5f4dcc3b5aa765d61d8327deb882cf99", id="no-name"),
    pytest.param("md5", None, id="no-digest"),
    pytest.param("md5", 1234, id="number-digest"),
]


def test_supported_hashers_are_clerks_but_awscognito() -> None:
    assert {
        "argon2i",
        "argon2id",
        "bcrypt",
        "bcrypt_peppered",
        "bcrypt_sha256_django",
        "ldap_ssha",
        "md5",
        "md5_phpass",
        "md5_salted",
        "pbkdf2_sha1",
        "pbkdf2_sha256",
        "pbkdf2_sha256_django",
        "pbkdf2_sha512",
        "pbkdf2_sha512_hex",
        "phpass",
        "scrypt_firebase",
        "scrypt_werkzeug",
        "sha256",
        "sha256_salted",
        "sha512_symfony",
    } == SUPPORTED_HASHERS
    assert LOCUM_HASHER in SUPPORTED_HASHERS


def test_every_supported_hasher_has_a_vector_and_malformed_digests() -> None:
    assert {param.values[0] for param in VECTORS} == SUPPORTED_HASHERS
    assert {param.values[0] for param in MALFORMED} == SUPPORTED_HASHERS


@pytest.mark.parametrize(("hasher", "password", "digest"), VECTORS)
def test_reference_vector_verifies(hasher: str, password: str, digest: str) -> None:
    assert is_valid_digest(hasher, digest)
    assert verify_password(password, digest, hasher)


@pytest.mark.parametrize(("hasher", "password", "digest"), VECTORS)
def test_wrong_password_fails(hasher: str, password: str, digest: str) -> None:
    for wrong in ("", password[:-1], password + " ", password.swapcase()):
        assert not verify_password(wrong, digest, hasher)


@pytest.mark.parametrize(("hasher", "digest"), MALFORMED)
def test_malformed_digest_is_refused(hasher: str, digest: str) -> None:
    assert not is_valid_digest(hasher, digest)
    assert not verify_password("correct horse", digest, hasher)


@pytest.mark.parametrize(("hasher", "digest"), UNKNOWN_HASHERS)
def test_unknown_hasher_or_digest_is_refused(hasher, digest) -> None:
    assert not is_valid_digest(hasher, digest)
    assert not verify_password("password", digest, hasher)


@pytest.mark.parametrize(
    ("hasher", "digest"),
    [
        pytest.param(
            "argon2i",
            "$argon2i$v=19$m=4096,t=3,p=1$4t6CL3P7YiHBtwESXawI8Hm20zJj4cs7/4/G3c187e0"
            "$m7RQFczcKr5bIR0IIxbpO2P0tyrLjf3eUW3M3QSwnLc",
            id="argon2i-create-user-docs",
        ),
        pytest.param(
            "argon2id",
            "$argon2id$v=19$m=64,t=4,p=8$Z2liZXJyaXNo$iGXEpMBTDYQ8G/71tF0qGjxRHEmR3gpGULcE93zUJVU",
            id="argon2id-create-user-docs",
        ),
        pytest.param(
            "bcrypt",
            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            id="bcrypt-migration-script",
        ),
    ],
)
def test_clerks_documented_examples_are_valid(hasher: str, digest: str) -> None:
    assert is_valid_digest(hasher, digest)


def test_pbkdf2_sha512_takes_up_to_clerks_bounds() -> None:
    assert is_valid_digest("pbkdf2_sha512", f"pbkdf2_sha512$419999$NaClSalt-512${PBKDF2_SHA512_HASH}")
    assert is_valid_digest("pbkdf2_sha512", f"pbkdf2_sha512$1000${'s' * 1023}${PBKDF2_SHA512_HASH}")


def test_bcrypt_reads_72_bytes_as_the_writing_systems_did() -> None:
    # PHP's crypt() of an 80-byte password.
    digest = "$2y$04$abcdefghijklmnopqrstuum2G75IXDN/xsgbNa/hCiPSKyIHQd70S"
    assert verify_password("0123456789" * 8, digest, "bcrypt")
    assert verify_password("0123456789" * 7 + "01", digest, "bcrypt")
    assert not verify_password("0123456789" * 7 + "0", digest, "bcrypt")


def test_a_password_unencodable_as_utf8_does_not_match() -> None:
    assert not verify_password("\ud800", "5f4dcc3b5aa765d61d8327deb882cf99", "md5")


def test_hash_password_round_trip() -> None:
    digest = hash_password("pässwörd ✓")
    assert digest.startswith("$argon2id$v=19$")
    assert is_valid_digest(LOCUM_HASHER, digest)
    assert verify_password("pässwörd ✓", digest, LOCUM_HASHER)
    assert not verify_password("passwörd ✓", digest, LOCUM_HASHER)
    assert hash_password("pässwörd ✓") != digest  # salted
    assert not needs_rehash(LOCUM_HASHER, digest)


@pytest.mark.parametrize(("hasher", "password", "digest"), VECTORS)
def test_every_imported_digest_needs_rehash(hasher: str, password: str, digest: str) -> None:
    # Including argon2id: the vector's parameters are far below ours.
    assert needs_rehash(hasher, digest)


def test_argon2i_needs_rehash_even_with_our_parameters() -> None:
    assert needs_rehash("argon2i", PasswordHasher(type=Type.I).hash("correct horse"))


def test_argon2id_with_other_parameters_needs_rehash() -> None:
    assert needs_rehash(LOCUM_HASHER, PasswordHasher(time_cost=4).hash("correct horse"))


def test_malformed_argon2id_needs_rehash() -> None:
    assert needs_rehash(LOCUM_HASHER, "not a digest")
