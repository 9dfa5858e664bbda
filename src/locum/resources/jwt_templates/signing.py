"""Custom signing keys of JWT templates: the algorithms, the keys that fit them, and parsed keys in memory.

A custom key is stored sealed; tokens are signed with the parsed key object, unsealed and parsed
once per template version (parsing an RSA key costs far more than signing with it).
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from locum.kit.jwt_signing import run_signing
from locum.kit.sealing import Sealer

RSA_ALGORITHMS = ("RS256", "RS384", "RS512")
EC_CURVES: dict[str, type[ec.EllipticCurve]] = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1, "ES512": ec.SECP521R1}
# RFC 7518 §3.2 and §3.3 require these minimums (PyJWT warns on every token signed below them).
HMAC_MIN_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
RSA_MIN_KEY_BITS = 2048
CUSTOM_ALGORITHMS = (*RSA_ALGORITHMS, *EC_CURVES, *HMAC_MIN_KEY_BYTES)
MAX_PARSED_KEYS = 1024

KeyMaterial = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | bytes


class InvalidSigningKey(ValueError):
    """The key does not fit the algorithm; the message says why, for the API error."""


def _private_key(algorithm: str, pem: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidSigningKey(f"signing_key must be an unencrypted PEM private key for {algorithm}.") from exc
    if algorithm in RSA_ALGORITHMS:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidSigningKey(f"signing_key must be an RSA private key for {algorithm}.")
        if key.key_size < RSA_MIN_KEY_BITS:
            raise InvalidSigningKey(f"signing_key must be an RSA key of at least {RSA_MIN_KEY_BITS} bits.")
        return key
    curve = EC_CURVES[algorithm]
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, curve):
        raise InvalidSigningKey(f"signing_key must be an EC private key on curve {curve.name} for {algorithm}.")
    return key


def parse_signing_key(algorithm: str, signing_key: str) -> KeyMaterial:
    """What PyJWT signs with: a parsed private key, or the HMAC secret's bytes.

    `algorithm` must be one of CUSTOM_ALGORITHMS; raises InvalidSigningKey for a key that does not fit it.
    """
    if algorithm not in HMAC_MIN_KEY_BYTES:
        return _private_key(algorithm, signing_key)
    secret = signing_key.encode()
    if len(secret) < HMAC_MIN_KEY_BYTES[algorithm]:
        raise InvalidSigningKey(
            f"signing_key must be at least {HMAC_MIN_KEY_BYTES[algorithm]} bytes long for {algorithm}."
        )
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(secret)
    except jwt.InvalidKeyError as exc:
        raise InvalidSigningKey(f"signing_key must be a shared secret for {algorithm}, not a PEM key.") from exc
    return secret


@dataclass(frozen=True)
class CustomSigningKey:
    algorithm: str
    material: KeyMaterial

    async def sign(self, claims: dict[str, Any]) -> str:
        """A JWT whose header holds only `alg` and `typ`: the verifier knows its key without a `kid`."""
        return await run_signing(jwt.encode, claims, self.material, self.algorithm)


@lru_cache(maxsize=MAX_PARSED_KEYS)
def _parsed(template_id: str, updated_at: int, algorithm: str, sealed_key: bytes, sealer: Sealer) -> CustomSigningKey:
    # The sealed bytes are part of the cache key too: two updates within one millisecond (a frozen
    # clock) keep `updated_at`, but sealing is randomized, so a new key never hits the old entry.
    return CustomSigningKey(algorithm, parse_signing_key(algorithm, sealer.unseal(sealed_key)))


def custom_signing_key(
    sealer: Sealer, *, template_id: str, updated_at: int, algorithm: str, sealed_key: bytes
) -> CustomSigningKey:
    """The parsed key of one version of a template (template id, updated_at), parsed on first use."""
    return _parsed(template_id, updated_at, algorithm, bytes(sealed_key), sealer)
