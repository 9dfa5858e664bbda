"""What the lists hold, and which stored identifiers match an address.

An identifier is an email address, a whole domain (`*@clerk.dev`), every subdomain of one
(`*@*.clerk.dev`: not clerk.dev itself), a phone number (E.164) or a web3 wallet, stored normalized
(lowercase emails and domains) so that matching is exact string comparison: an address matches a
list when one of its `candidates` is on it.
"""

from dataclasses import dataclass

from locum.kit.identifiers import email_lookup_key, normalize_email, normalize_phone, normalize_web3_wallet

EMAIL_ADDRESS = "email_address"
PHONE_NUMBER = "phone_number"
WEB3_WALLET = "web3_wallet"

DOMAIN_WILDCARD = "*@"
SUBDOMAIN_WILDCARD = "*."

# Subaddress separators (Clerk's restricting-access guide): every provider's, and Yahoo's extra one.
SUBADDRESS_SEPARATORS = ("+", "=", "#")
YAHOO_SEPARATORS = (*SUBADDRESS_SEPARATORS, "-")
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
YAHOO_DOMAINS = frozenset({"yahoo.com", "ymail.com", "rocketmail.com", "y7mail.com"})
COUNTRY_CODE_LENGTH = 2


@dataclass(frozen=True)
class ListedIdentifier:
    identifier: str
    identifier_type: str


def _domain(raw: str) -> str | None:
    """`raw` as a valid, lowercase email domain, or None."""
    address = normalize_email(f"x@{raw}")
    return None if address is None else email_lookup_key(address).rpartition("@")[2]


def _wildcard(raw: str) -> str | None:
    """`*@domain` or `*@*.domain`, normalized, or None."""
    pattern = raw.removeprefix(DOMAIN_WILDCARD)
    subdomains = pattern.startswith(SUBDOMAIN_WILDCARD)
    domain = _domain(pattern.removeprefix(SUBDOMAIN_WILDCARD))
    if domain is None:
        return None
    return DOMAIN_WILDCARD + (SUBDOMAIN_WILDCARD if subdomains else "") + domain


def parse_identifier(raw: str) -> ListedIdentifier | None:
    """The identifier a create body names, normalized and typed, or None when it is none of the kinds."""
    value = raw.strip()
    if value.startswith(DOMAIN_WILDCARD):
        pattern = _wildcard(value)
        return None if pattern is None else ListedIdentifier(pattern, EMAIL_ADDRESS)
    if "@" in value:
        email = normalize_email(value)
        return None if email is None else ListedIdentifier(email_lookup_key(email), EMAIL_ADDRESS)
    if value.startswith("+"):
        phone = normalize_phone(value)
        return None if phone is None else ListedIdentifier(phone, PHONE_NUMBER)
    wallet = normalize_web3_wallet(value)
    return None if wallet is None else ListedIdentifier(wallet, WEB3_WALLET)


def split_email(address: str) -> tuple[str, str]:
    """(local part, domain) of a normalized, lowercase address."""
    local, _, domain = address.rpartition("@")
    return local, domain


def is_yahoo(domain: str) -> bool:
    """Yahoo's own domains and its country ones (yahoo.fr, yahoo.co.uk, yahoo.com.br); not yahoo.dev."""
    if domain in YAHOO_DOMAINS:
        return True
    first, _, rest = domain.partition(".")
    labels = rest.split(".")
    country = labels[-1]
    if first != "yahoo" or len(country) != COUNTRY_CODE_LENGTH:
        return False
    return len(labels) == 1 or (len(labels) == 2 and labels[0] in ("co", "com"))


def base_address(address: str, *, ignore_gmail_dots: bool) -> str:
    """The address with its subaddress removed (`john+news@x.com` -> `john@x.com`); Gmail also
    ignores dots in the local part, when `ignore_gmail_dots` says so."""
    local, domain = split_email(address)
    separators = YAHOO_SEPARATORS if is_yahoo(domain) else SUBADDRESS_SEPARATORS
    cut = min((local.find(s) for s in separators if s in local), default=len(local))
    local = local[:cut]
    if ignore_gmail_dots and domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def domain_patterns(domain: str) -> list[str]:
    """The wildcards that cover an address at `domain`: `*@domain`, and `*@*.parent` for each parent."""
    labels = domain.split(".")
    parents = [".".join(labels[i:]) for i in range(1, len(labels))]
    return [DOMAIN_WILDCARD + domain, *(DOMAIN_WILDCARD + SUBDOMAIN_WILDCARD + parent for parent in parents)]


def candidates(identifier: str, *, with_base_address: bool) -> set[str]:
    """The stored identifiers any of which puts `identifier` (normalized) on a list. The block-list
    also matches an email by its address without subaddress (`with_base_address`)."""
    if "@" not in identifier:
        return {identifier}
    _, domain = split_email(identifier)
    found = {identifier, *domain_patterns(domain)}
    if with_base_address:
        found.add(base_address(identifier, ignore_gmail_dots=False))
    return found
