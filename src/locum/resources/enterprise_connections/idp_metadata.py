"""A SAML identity provider's configuration: its metadata document, its signing certificate.

Metadata arrives as XML in a request (`idp_metadata`) or from the IdP's URL (`idp_metadata_url`,
fetched by `fetch_idp_metadata` with no transaction open). Either way it is bounded before it is
parsed (IDP_METADATA_MAX_BYTES), and parsed by defusedxml with DTDs refused outright: metadata
never needs one, and a DTD is what entity expansion ("billion laughs") and external entities (XXE,
`file:///etc/passwd`) hide in. From the IdP's EntityDescriptor it takes the entity id, the
single-sign-on URL (HTTP-Redirect binding preferred, else HTTP-POST) and the signing certificate.

A certificate is X.509, given as PEM or as bare base64 DER (as metadata carries it); it must parse
and must not have expired. Each problem is a Clerk form error naming the parameter it came from.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import httpx
from cryptography import x509
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from locum.api.errors import ClerkError, form_param_format_invalid, form_param_value_invalid

# Real IdP metadata is a few to a few hundred kilobytes (Entra ID's, with every certificate, ~100 KB).
IDP_METADATA_MAX_BYTES = 512 * 1024
IDP_CERTIFICATE_MAX_LENGTH = 16 * 1024
METADATA_FETCH_TIMEOUT_SECONDS = 5.0
METADATA_FETCH_MAX_REDIRECTS = 3
FETCHABLE_SCHEMES = frozenset({"http", "https"})

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SSO_BINDINGS = (HTTP_REDIRECT, HTTP_POST)
PEM_ARMOUR = re.compile(r"-----(BEGIN|END) CERTIFICATE-----")


@dataclass(frozen=True)
class IdpCertificate:
    text: str
    issued_at_ms: int
    expires_at_ms: int


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str | None
    sso_url: str | None
    certificate: str | None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def parse_certificate(text: str, *, param: str, now: datetime | None = None) -> IdpCertificate:
    """The certificate's validity window; `text` is PEM or bare base64 DER."""
    if len(text) > IDP_CERTIFICATE_MAX_LENGTH:
        raise form_param_format_invalid(param, f"{param} must be at most {IDP_CERTIFICATE_MAX_LENGTH} characters.")
    body = "".join(PEM_ARMOUR.sub("", text).split())
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
        issued_at, expires_at = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    except (binascii.Error, ValueError):
        raise form_param_format_invalid(
            param, f"{param} must be an X.509 certificate, PEM or base64-encoded DER."
        ) from None
    if expires_at <= (now or datetime.now(UTC)):
        raise form_param_value_invalid(param, f"{param} has expired (it was valid until {expires_at.isoformat()}).")
    return IdpCertificate(text=text.strip(), issued_at_ms=_ms(issued_at), expires_at_ms=_ms(expires_at))


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return "".join(element.text.split()) or None


def _idp_entity(root: Element) -> tuple[Element, Element] | None:
    """(EntityDescriptor, its IDPSSODescriptor): the root itself, or the first IdP of an EntitiesDescriptor."""
    candidates = [root] if root.tag == f"{{{MD}}}EntityDescriptor" else root.iter(f"{{{MD}}}EntityDescriptor")
    for entity in candidates:
        descriptor = entity.find(f"{{{MD}}}IDPSSODescriptor")
        if descriptor is not None:
            return entity, descriptor
    return None


def _signing_certificate(descriptor: Element) -> str | None:
    for key in descriptor.iter(f"{{{MD}}}KeyDescriptor"):
        if key.get("use") in (None, "signing"):
            certificate = _text(key.find(f".//{{{DS}}}X509Certificate"))
            if certificate is not None:
                return certificate
    return None


def _sso_url(descriptor: Element) -> str | None:
    services = descriptor.findall(f"{{{MD}}}SingleSignOnService")
    for binding in SSO_BINDINGS:
        for service in services:
            if service.get("Binding") == binding and service.get("Location"):
                return service.get("Location")
    return None


def parse_idp_metadata(document: str | bytes, *, param: str) -> IdpMetadata:
    """The IdP's entity id, SSO URL and signing certificate from its metadata document."""
    raw = document.encode() if isinstance(document, str) else document
    if len(raw) > IDP_METADATA_MAX_BYTES:
        raise form_param_format_invalid(param, f"{param} must be at most {IDP_METADATA_MAX_BYTES} bytes.")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise form_param_format_invalid(
            param, f"{param} must not contain a DTD, entity declarations or external references."
        ) from None
    except (ParseError, ValueError):
        raise form_param_format_invalid(param, f"{param} is not well-formed XML.") from None
    found = _idp_entity(root)
    if found is None:
        raise form_param_format_invalid(param, f"{param} has no SAML 2.0 IdP EntityDescriptor.")
    entity, descriptor = found
    return IdpMetadata(
        entity_id=entity.get("entityID") or None,
        sso_url=_sso_url(descriptor),
        certificate=_signing_certificate(descriptor),
    )


def _unreachable(url: str, reason: str) -> ClerkError:
    return form_param_value_invalid("idp_metadata_url", f"The IdP metadata at {url} could not be read: {reason}.")


def check_metadata_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL (the only kind fetched)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in FETCHABLE_SCHEMES or not parsed.host:
        raise form_param_format_invalid("idp_metadata_url", "idp_metadata_url must be an absolute http(s) URL.")
    return url


async def fetch_idp_metadata(url: str) -> bytes:
    """The document at `url`, at most IDP_METADATA_MAX_BYTES, within METADATA_FETCH_TIMEOUT_SECONDS.
    Callers hold no transaction while this runs."""
    check_metadata_url(url)
    body = bytearray()
    try:
        async with (
            httpx.AsyncClient(
                timeout=METADATA_FETCH_TIMEOUT_SECONDS,
                follow_redirects=True,
                max_redirects=METADATA_FETCH_MAX_REDIRECTS,
                trust_env=False,
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != httpx.codes.OK:
                raise _unreachable(url, f"it answered {response.status_code}")
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > IDP_METADATA_MAX_BYTES:
                    raise _unreachable(url, f"it is larger than {IDP_METADATA_MAX_BYTES} bytes")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise _unreachable(url, type(exc).__name__) from None
    return bytes(body)
