"""Clerk-style resource ids: `<prefix>_` + 27 base62 characters.

The 27 characters encode 20 bytes: a 48-bit millisecond timestamp followed by 112 random bits,
so ids sort by creation time (base62 digits are in ASCII order) like Clerk's KSUID-based ids.
"""

import hashlib
import secrets

from locum.kit.clock import now_ms

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_BODY_LENGTH = 27
RANDOM_BITS = 112
# 160 bits: as many as 27 base62 characters hold whole.
ID_DIGEST_BYTES = 20

PREFIXES = {
    "instance": "ins",
    "signing_key": "ins",  # Clerk names JWKS keys by instance-like ins_ ids; SDKs compare kids, never parse them
    "secret_key": "sk",
    "user": "user",
    "email_address": "idn",
    "phone_number": "idn",
    "web3_wallet": "idn",
    "passkey": "idn",
    "external_account": "eac",
    "verification": "ver",
    "trusted_device": "td",
    "image": "img",
    "event": "evt",
    "trace": "trace",
    "organization": "org",
    "organization_membership": "orgmem",
    "organization_invitation": "orginv",
    "organization_domain": "orgdmn",
    "role": "role",
    "permission": "perm",
    "role_set": "rs",
    "client": "client",
    "session": "sess",
    "actor_token": "act",
    "sign_in_token": "sit",
    "invitation": "inv",
    "waitlist_entry": "wle",
    "sign_up": "sua",
    "jwt_template": "jtmp",
    "machine": "mch",
    "machine_secret_key": "msk",
    "oauth_application": "oa",
    "agent": "agent",
    "agent_task": "agttsk",  # Clerk's docs revoke `agttsk_123`
    "admin_portal_link": "apl",
    "allowlist_identifier": "alid",
    "blocklist_identifier": "blid",
    # Svix's own prefixes for what locum delivers in its place
    "webhook_endpoint": "ep",
    "webhook_delivery": "msg",
    "webhook_attempt": "atmpt",
    "email": "ema",
    "sms": "sms",
    "template": "tmpl",
    # Clerk's own, seen in its Go SDK's tests
    "domain": "dmn",
    "redirect_url": "ru",
    "proxy_check": "proxchk",
    # Enterprise SSO: `samlc_` from Clerk's Go SDK tests and SSO URLs, `entconn_` from its Go SDK's
    # SAML connection fixtures, `samlacc_` from clerk/javascript's fixtures; the rest are locum's own.
    "saml_connection": "samlc",
    "enterprise_connection": "entconn",
    "enterprise_connection_domain": "entdmn",
    "enterprise_connection_test_run": "enttr",
    "enterprise_account": "entacc",
    "saml_account": "samlacc",
    "oauth_config": "oauthcfg",
    # Directories (SCIM): `scim_` as the API keys' `subject` pattern (user|org|mch|scim) has it; the
    # group-role mappings' prefix is locum's own.
    "directory": "scim",
    "directory_group_role_mapping": "scimgrm",
    # Clerk Billing (webhook examples: cplan_, csub_, cpayer_, cpa_, stmt_, cprd_; the rest locum's)
    "billing_plan": "cplan",
    "billing_product": "cprd",
    "billing_feature": "feat",
    "billing_price": "cprice",
    "billing_payer": "cpayer",
    "billing_subscription": "csub",
    "billing_subscription_item": "csubi",
    "billing_statement": "stmt",
    "billing_payment_attempt": "cpa",
    "billing_payment": "cpay",
    "billing_payment_method": "cps",
    "billing_payee": "cpayee",
    # Credits and discounts (locum's prefixes, in the style of Clerk Billing's)
    "billing_credit_ledger_entry": "ccl",
    "billing_credit_grant": "ccg",
    "billing_discount": "cdisc",
    "billing_discount_redemption": "cdr",
}


# Machine-auth objects are named by a prefix and 32 hex digits (Clerk's spec patterns them so).
HEX_ID_PREFIXES = {
    "api_key": "ak",
    "m2m_token": "mt",
    "oauth_access_token": "oat",
    "admin_portal_link_token": "aplt",
}
HEX_ID_BYTES = 16


# Two digits per division: ids are minted on every write (and by the thousand in imports).
BASE62_PAIRS = tuple(high + low for high in BASE62 for low in BASE62)
BASE62_PAIR_BASE = len(BASE62_PAIRS)


def base62(number: int, width: int) -> str:
    pairs = []
    while number:
        number, remainder = divmod(number, BASE62_PAIR_BASE)
        pairs.append(BASE62_PAIRS[remainder])
    return "".join(reversed(pairs)).lstrip("0").rjust(width, "0")


def new_id(kind: str) -> str:
    body = (now_ms() << RANDOM_BITS) | secrets.randbits(RANDOM_BITS)
    return f"{PREFIXES[kind]}_{base62(body, ID_BODY_LENGTH)}"


def stable_id(kind: str, key: str) -> str:
    """The same id for the same `key` every time: the first 20 bytes of its SHA-256 in the id's
    27 base62 characters (ids Clerk documents as stable per name, such as agent ids)."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:ID_DIGEST_BYTES])
    return f"{PREFIXES[kind]}_{base62(digest, ID_BODY_LENGTH)}"


def new_hex_id(kind: str) -> str:
    return f"{HEX_ID_PREFIXES[kind]}_{secrets.token_hex(HEX_ID_BYTES)}"


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))
