"""JWT template shortcodes, rendered over a fixed context: one row per documented shortcode and rule."""

from typing import Any

import pytest

from locum.resources.jwt_templates.shortcodes import render

CONTEXT: dict[str, Any] = {
    "user": {
        "id": "user_1",
        "external_id": None,
        "first_name": "Maria",
        "last_name": "Doe",
        "full_name": "Maria Doe",
        "username": "maria",
        "image_url": "https://img.test/u.png",
        "profile_image_url": "https://img.test/u.png",
        "has_image": True,
        "primary_email_address": "maria@example.com",
        "primary_phone_address": "+15555550100",
        "primary_phone_number": "+15555550100",
        "primary_web3_wallet": None,
        "email_verified": True,
        "phone_number_verified": False,
        "two_factor_enabled": False,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_100,
        "last_sign_in_at": None,
        "public_metadata": {"profile": {"interests": ["hiking", "knitting"], "age": 30}, "tier": "gold"},
        "unsafe_metadata": {"theme": "dark"},
        "organizations": {"org_1": "org:admin"},
    },
    "org": {
        "id": "org_1",
        "name": "Acme",
        "slug": "acme",
        "image_url": "https://img.test/o.png",
        "has_image": False,
        "role": "org:admin",
        "permissions": ["org:reports:read"],
        "public_metadata": {"plan": "pro"},
    },
    "org_membership": {"public_metadata": {"seat": 7}},
    "session": {"id": "sess_1", "actor": {"sub": "user_admin"}},
}
NO_ORGANIZATION = {**CONTEXT, "org": None, "org_membership": None, "session": {"id": "sess_1", "actor": None}}


@pytest.mark.parametrize(
    ("shortcode", "expected"),
    [
        pytest.param("{{user.id}}", "user_1", id="user.id"),
        pytest.param("{{user.external_id}}", None, id="user.external_id"),
        pytest.param("{{user.first_name}}", "Maria", id="user.first_name"),
        pytest.param("{{user.last_name}}", "Doe", id="user.last_name"),
        pytest.param("{{user.full_name}}", "Maria Doe", id="user.full_name"),
        pytest.param("{{user.username}}", "maria", id="user.username"),
        pytest.param("{{user.image_url}}", "https://img.test/u.png", id="user.image_url"),
        pytest.param("{{user.profile_image_url}}", "https://img.test/u.png", id="user.profile_image_url"),
        pytest.param("{{user.has_image}}", True, id="user.has_image"),
        pytest.param("{{user.primary_email_address}}", "maria@example.com", id="user.primary_email_address"),
        pytest.param("{{user.primary_phone_address}}", "+15555550100", id="user.primary_phone_address"),
        pytest.param("{{user.primary_phone_number}}", "+15555550100", id="user.primary_phone_number"),
        pytest.param("{{user.primary_web3_wallet}}", None, id="user.primary_web3_wallet"),
        pytest.param("{{user.email_verified}}", True, id="user.email_verified"),
        pytest.param("{{user.phone_number_verified}}", False, id="user.phone_number_verified"),
        pytest.param("{{user.two_factor_enabled}}", False, id="user.two_factor_enabled"),
        pytest.param("{{user.created_at}}", 1_700_000_000, id="user.created_at"),
        pytest.param("{{user.updated_at}}", 1_700_000_100, id="user.updated_at"),
        pytest.param("{{user.last_sign_in_at}}", None, id="user.last_sign_in_at"),
        pytest.param("{{user.public_metadata}}", CONTEXT["user"]["public_metadata"], id="user.public_metadata"),
        pytest.param("{{user.unsafe_metadata}}", {"theme": "dark"}, id="user.unsafe_metadata"),
        pytest.param("{{user.organizations}}", {"org_1": "org:admin"}, id="user.organizations"),
        pytest.param("{{org.id}}", "org_1", id="org.id"),
        pytest.param("{{org.name}}", "Acme", id="org.name"),
        pytest.param("{{org.slug}}", "acme", id="org.slug"),
        pytest.param("{{org.image_url}}", "https://img.test/o.png", id="org.image_url"),
        pytest.param("{{org.has_image}}", False, id="org.has_image"),
        pytest.param("{{org.role}}", "org:admin", id="org.role"),
        pytest.param("{{org.permissions}}", ["org:reports:read"], id="org.permissions"),
        pytest.param("{{org.public_metadata}}", {"plan": "pro"}, id="org.public_metadata"),
        pytest.param("{{org_membership.public_metadata}}", {"seat": 7}, id="org_membership.public_metadata"),
        pytest.param("{{session.id}}", "sess_1", id="session.id"),
        pytest.param("{{session.actor}}", {"sub": "user_admin"}, id="session.actor"),
    ],
)
def test_each_shortcode_keeps_its_json_type(shortcode: str, expected: Any) -> None:
    assert render({"claim": shortcode}, CONTEXT) == {"claim": expected}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ user.first_name }}", "Maria", id="spaces-inside-braces"),
        pytest.param("{{user.public_metadata.profile.interests}}", ["hiking", "knitting"], id="metadata-path-to-array"),
        pytest.param("{{user.public_metadata.profile.age}}", 30, id="metadata-path-to-number"),
        pytest.param("{{user.public_metadata.profile.missing}}", None, id="missing-metadata-key-is-null"),
        pytest.param("{{user.public_metadata.tier.deeper}}", None, id="path-through-a-string-is-null"),
        pytest.param("{{user.nickname}}", None, id="unknown-user-field-is-null"),
        pytest.param("{{company.name}}", None, id="unknown-namespace-is-null"),
        pytest.param("{{user}}", None, id="bare-namespace-is-null"),
        pytest.param("{{user.private_metadata}}", None, id="private-metadata-is-not-in-the-context"),
        pytest.param("{{ user.first_name user.last_name }}", None, id="unparsable-expression-is-null"),
        pytest.param("{{}}", None, id="empty-expression-is-null"),
    ],
)
def test_paths(template: str, expected: Any) -> None:
    assert render(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{user.first_name || 'Anonymous'}}", "Maria", id="first-operand-set"),
        pytest.param("{{user.external_id || 'none'}}", "none", id="null-falls-through-to-string"),
        pytest.param("{{user.phone_number_verified || true}}", True, id="false-falls-through"),
        pytest.param("{{user.external_id || user.primary_web3_wallet || 30}}", 30, id="integer-literal"),
        pytest.param("{{user.external_id || 2.5}}", 2.5, id="decimal-literal"),
        pytest.param("{{user.external_id || -1}}", -1, id="negative-literal"),
        pytest.param("{{user.external_id || user.primary_web3_wallet}}", None, id="all-null-gives-last"),
        pytest.param("{{user.external_id || false}}", False, id="all-falsy-gives-last-false"),
        pytest.param("{{user.phone_number_verified || user.external_id}}", None, id="false-then-null-gives-null"),
        pytest.param("{{'a || b' || 'c'}}", "a || b", id="pipes-inside-a-string-literal"),
        pytest.param("{{user.public_metadata.missing || user.unsafe_metadata}}", {"theme": "dark"}, id="object"),
        pytest.param("{{ org.name || 'personal' }}", "Acme", id="org-set"),
        pytest.param("{{ 'x' }}", "x", id="lone-literal"),
        pytest.param("{{user.first_name ||}}", None, id="dangling-or-is-null"),
    ],
)
def test_or_expressions(template: str, expected: Any) -> None:
    assert render(template, CONTEXT) == expected


def test_or_falls_back_without_an_organization() -> None:
    assert render("{{org.name || 'personal'}}", NO_ORGANIZATION) == "personal"
    assert render({"o": "{{org.id}}", "m": "{{org_membership.public_metadata}}"}, NO_ORGANIZATION) == {
        "o": None,
        "m": None,
    }


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{user.last_name}} {{user.first_name}} ", "Doe Maria", id="docs-example-stripped"),
        pytest.param("Hello {{user.first_name}}!", "Hello Maria!", id="text-around"),
        pytest.param("id={{user.external_id}}", "id=null", id="null-as-text"),
        pytest.param("{{user.email_verified}}/{{user.two_factor_enabled}}", "true/false", id="booleans-as-text"),
        pytest.param("age {{user.public_metadata.profile.age}}", "age 30", id="number-as-text"),
        pytest.param("m={{user.unsafe_metadata}}", 'm={"theme":"dark"}', id="object-as-compact-json"),
        pytest.param("i={{org.permissions}}", 'i=["org:reports:read"]', id="array-as-compact-json"),
        pytest.param("{{user.first_name}}{{user.last_name}}", "MariaDoe", id="two-shortcodes-are-text"),
        pytest.param(" {{user.created_at}} ", "1700000000", id="padded-single-shortcode-is-text"),
        pytest.param("{{user.first_name || 'x'}} and {{'y'}}", "Maria and y", id="expressions-inside-text"),
        pytest.param("  no shortcodes  ", "  no shortcodes  ", id="static-string-untouched"),
        pytest.param("{{ unfinished", "{{ unfinished", id="unclosed-braces-untouched"),
    ],
)
def test_interpolation(template: str, expected: Any) -> None:
    assert render(template, CONTEXT) == expected


def test_nested_values_render_and_keys_do_not() -> None:
    template = {
        "{{user.id}}": "key stays",
        "aud": "https://example.com",
        "interests": ["static", "{{user.first_name}}", {"deep": ["{{org.slug}}", 1, None, True]}],
        "meta": {"tier": "{{user.public_metadata.tier}}", "count": 3, "flag": False, "nothing": None},
    }
    assert render(template, CONTEXT) == {
        "{{user.id}}": "key stays",
        "aud": "https://example.com",
        "interests": ["static", "Maria", {"deep": ["acme", 1, None, True]}],
        "meta": {"tier": "gold", "count": 3, "flag": False, "nothing": None},
    }


@pytest.mark.parametrize("value", [1, 2.5, True, False, None, [], {}], ids=repr)
def test_static_values_pass_through(value: Any) -> None:
    assert render({"v": value}, CONTEXT) == {"v": value}
