"""Client tokens: the `__client` cookie Clerk's Frontend API sets, a JWT naming the client and its
rotating token, signed with the instance key. POST /clients/verify accepts one."""

import jwt

from locum.db.models import Client
from locum.instances.registry import InstanceContext
from locum.kit.sealing import Sealer
from locum.resources.clients.errors import client_token_invalid


def client_token(instance: InstanceContext, sealer: Sealer, client: Client) -> str:
    key = instance.active_signing_key
    return jwt.encode(
        {"id": client.id, "rotating_token": sealer.unseal(client.sealed_rotating_token)},
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )


def read_client_token(instance: InstanceContext, token: str) -> tuple[str, str]:
    """(client id, rotating token) from a token this instance signed; anything else is refused."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = instance.signing_key(kid)
        if key is None:
            raise jwt.InvalidSignatureError("signed by no key of this instance")
        claims = jwt.decode(token, key.private_key.public_key(), algorithms=["RS256"])
    except jwt.InvalidTokenError as exc:
        raise client_token_invalid() from exc
    client_id, rotating_token = claims.get("id"), claims.get("rotating_token")
    if not isinstance(client_id, str) or not isinstance(rotating_token, str):
        raise client_token_invalid()
    return client_id, rotating_token
