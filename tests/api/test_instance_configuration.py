"""The instance and its settings (Instance Settings and Beta Features operations): Clerk's defaults per
environment, persisted per instance, null leaving a setting unchanged, validation, isolation between
instances; and the behaviour they change: test mode and the SMS country blocklist."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys, create_instance
from tests.builders import clerk_error, error_code, inspection_session, make_user
from tests.conftest import api_client
from tests.verification_codes import TEST_MODE_CODE

TEST_PHONE = "+12015550142"
TEST_EMAIL = "jane+clerk_test@example.com"
FRENCH_PHONE = "+33612345678"
US_PHONE = "+14155552671"


@pytest.fixture
async def production_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a production instance (sk_live_ key)."""
    async with inspection_session(app) as session:
        keys: InstanceKeys = await create_instance(session, app.state.sealer, environment_type="production")
        await session.commit()
    async with api_client(app, keys.secret_key) as http:
        yield http


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def instance_id(client: httpx.AsyncClient) -> str:
    body = await ok(await client.get("/v1/instance"))
    identifier: str = body["id"]
    return identifier


class TestGetInstance:
    async def test_development_instance(self, client: httpx.AsyncClient, instance: InstanceKeys) -> None:
        assert await ok(await client.get("/v1/instance")) == {
            "object": "instance",
            "id": instance.instance_id,
            "environment_type": "development",
            "allowed_origins": [],
            "workspace_id": None,
        }

    async def test_production_instance(self, production_client: httpx.AsyncClient) -> None:
        body = await ok(await production_client.get("/v1/instance"))
        assert body["environment_type"] == "production" and body["id"].startswith("ins_")

    async def test_each_instance_is_its_own(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        assert await instance_id(client) != await instance_id(other_client)

    async def test_needs_a_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None, check_contract=False) as anonymous:
            assert (await anonymous.get("/v1/instance")).status_code == 401


class TestUpdateInstance:
    async def test_answers_204_without_a_body_and_persists_allowed_origins(self, client: httpx.AsyncClient) -> None:
        origins = ["https://app.example.com", "chrome-extension://abcdefghijklmnop", "capacitor://localhost"]
        response = await client.patch("/v1/instance", json={"allowed_origins": origins})
        assert response.status_code == 204 and response.content == b""
        assert (await ok(await client.get("/v1/instance")))["allowed_origins"] == origins

    async def test_a_trailing_slash_is_not_part_of_an_origin(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance", json={"allowed_origins": ["http://localhost:3000/"]}), 204)
        assert (await ok(await client.get("/v1/instance")))["allowed_origins"] == ["http://localhost:3000"]

    async def test_null_and_absent_fields_leave_settings_unchanged(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance", json={"allowed_origins": ["https://a.example.com"]}), 204)
        await ok(await client.patch("/v1/instance", json={"allowed_origins": None, "hibp": None}), 204)
        await ok(await client.patch("/v1/instance", json={}), 204)
        assert (await ok(await client.get("/v1/instance")))["allowed_origins"] == ["https://a.example.com"]

    async def test_an_empty_list_clears_allowed_origins(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance", json={"allowed_origins": ["https://a.example.com"]}), 204)
        await ok(await client.patch("/v1/instance", json={"allowed_origins": []}), 204)
        assert (await ok(await client.get("/v1/instance")))["allowed_origins"] == []

    async def test_accepts_every_field_of_the_spec(self, client: httpx.AsyncClient) -> None:
        body = {
            "test_mode": True,
            "hibp": False,
            "support_email": "support@example.com",
            "clerk_js_version": "5",
            "development_origin": "http://localhost:3000",
            "allowed_origins": [],
            "cookieless_dev": False,
            "url_based_session_syncing": True,
            "preferred_sign_in_strategy_when_password_required": "otp",
        }
        await ok(await client.patch("/v1/instance", json=body), 204)

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"support_email": "not an email"}, "form_param_format_invalid", "support_email", id="email"),
            pytest.param(
                {"development_origin": "localhost:3000"}, "form_param_format_invalid", "development_origin", id="url"
            ),
            pytest.param(
                {"allowed_origins": ["https://example.com/path"]},
                "form_param_format_invalid",
                "allowed_origins",
                id="origin-with-path",
            ),
            pytest.param(
                {"allowed_origins": ["example.com"]},
                "form_param_format_invalid",
                "allowed_origins",
                id="origin-without-scheme",
            ),
            pytest.param(
                {"preferred_sign_in_strategy_when_password_required": "magic"},
                "form_param_value_invalid",
                "preferred_sign_in_strategy_when_password_required",
                id="strategy",
            ),
            pytest.param({"hibp": "yes"}, "form_param_type_invalid", "hibp", id="boolean"),
            pytest.param({"workspace_id": "x"}, "form_param_unknown", "workspace_id", id="unknown"),
        ],
    )
    async def test_invalid_values_are_422(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        response = await client.patch("/v1/instance", json=body)
        assert response.status_code == 422
        assert error_code(response) == code
        assert response.json()["errors"][0]["meta"]["param_name"] == param

    async def test_changes_only_the_callers_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await ok(await other_client.patch("/v1/instance", json={"allowed_origins": ["https://b.example.com"]}), 204)
        assert (await ok(await client.get("/v1/instance")))["allowed_origins"] == []


class TestUpdateInstanceRestrictions:
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "object": "instance_restrictions",
        "allowlist": False,
        "blocklist": False,
        "allowlist_blocklist_disabled_on_sign_in": False,
        "block_email_subaddresses": False,
        "block_disposable_email_domains": False,
    }

    async def test_an_empty_body_answers_the_defaults(self, client: httpx.AsyncClient) -> None:
        assert await ok(await client.patch("/v1/instance/restrictions", json={})) == self.DEFAULTS

    async def test_changes_persist_and_null_leaves_them(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance/restrictions", json={"allowlist": True, "blocklist": True}))
        body = await ok(
            await client.patch("/v1/instance/restrictions", json={"allowlist": None, "block_email_subaddresses": True})
        )
        assert body == {**self.DEFAULTS, "allowlist": True, "blocklist": True, "block_email_subaddresses": True}

    async def test_invalid_type_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/v1/instance/restrictions", json={"allowlist": 1})
        assert clerk_error(response)[:2] == (422, "form_param_type_invalid")

    async def test_changes_only_the_callers_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await ok(await other_client.patch("/v1/instance/restrictions", json={"allowlist": True}))
        assert await ok(await client.patch("/v1/instance/restrictions", json={})) == self.DEFAULTS


class TestGetInstanceProtect:
    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        assert await ok(await client.get("/v1/instance/protect")) == {
            "object": "instance_protect",
            "rules_enabled": False,
            "specter_enabled": False,
            "checks_bypassed": False,
        }

    async def test_reads_what_was_set_in_this_instance_only(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await ok(await client.patch("/v1/instance/protect", json={"rules_enabled": True}))
        assert (await ok(await client.get("/v1/instance/protect")))["rules_enabled"] is True
        assert (await ok(await other_client.get("/v1/instance/protect")))["rules_enabled"] is False


class TestUpdateInstanceProtect:
    async def test_persists_and_null_leaves_unchanged(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance/protect", json={"specter_enabled": True}))
        body = await ok(
            await client.patch("/v1/instance/protect", json={"specter_enabled": None, "rules_enabled": True})
        )
        assert body["specter_enabled"] is True and body["rules_enabled"] is True and body["checks_bypassed"] is False

    async def test_invalid_values_are_422(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/v1/instance/protect", json={"checks_bypassed": True})
        assert clerk_error(response)[:2] == (422, "form_param_unknown")


class TestGetInstanceCommunication:
    async def test_defaults_to_no_blocked_country(self, client: httpx.AsyncClient) -> None:
        assert await ok(await client.get("/v1/instance/communication")) == {
            "object": "instance_communication",
            "blocked_country_codes": [],
        }

    async def test_reads_this_instance_only(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": ["FR"]}))
        assert (await ok(await other_client.get("/v1/instance/communication")))["blocked_country_codes"] == []


class TestUpdateInstanceCommunication:
    async def test_replaces_the_whole_list(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": ["FR", "DE"]}))
        body = await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": ["NG"]}))
        assert body["blocked_country_codes"] == ["NG"]
        assert (await ok(await client.get("/v1/instance/communication")))["blocked_country_codes"] == ["NG"]

    async def test_null_or_absent_is_a_no_op(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": ["FR"]}))
        await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": None}))
        body = await ok(await client.patch("/v1/instance/communication", json={}))
        assert body["blocked_country_codes"] == ["FR"]

    async def test_codes_of_no_country_are_dropped(self, client: httpx.AsyncClient) -> None:
        body = await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": ["FR", "XX"]}))
        assert body["blocked_country_codes"] == ["FR"]

    @pytest.mark.parametrize(
        ("codes", "code"),
        [
            pytest.param(["fr"], "form_param_value_invalid", id="lowercase"),
            pytest.param(["FRA"], "form_param_value_invalid", id="alpha-3"),
            pytest.param(["FR", "FR"], "form_param_duplicate", id="duplicate"),
            pytest.param(["FR"] * 251, "form_param_array_size_exceeded", id="more-than-250"),
            pytest.param("FR", "form_param_type_invalid", id="not-a-list"),
        ],
    )
    async def test_invalid_lists_are_422(self, client: httpx.AsyncClient, codes: Any, code: str) -> None:
        response = await client.patch("/v1/instance/communication", json={"blocked_country_codes": codes})
        assert clerk_error(response)[:2] == (422, code)
        assert (await ok(await client.get("/v1/instance/communication")))["blocked_country_codes"] == []


class TestGetInstanceOAuthApplicationSettings:
    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        assert await ok(await client.get("/v1/instance/oauth_application_settings")) == {
            "object": "oauth_application_settings",
            "dynamic_oauth_client_registration": False,
            "default_scopes": None,
            "oauth_jwt_access_tokens": False,
            "client_id_metadata_documents_advertised": False,
            "client_id_metadata_documents_only_allow_pre_registered_clients": False,
            "client_id_metadata_documents_block_implicitly_allowed_clients": False,
        }

    async def test_reads_this_instance_only(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        path = "/v1/instance/oauth_application_settings"
        await ok(await client.patch(path, json={"oauth_jwt_access_tokens": True}))
        assert (await ok(await client.get(path)))["oauth_jwt_access_tokens"] is True
        assert (await ok(await other_client.get(path)))["oauth_jwt_access_tokens"] is False


class TestUpdateInstanceOAuthApplicationSettings:
    PATH = "/v1/instance/oauth_application_settings"

    async def test_persists_and_null_booleans_leave_unchanged(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch(self.PATH, json={"dynamic_oauth_client_registration": True}))
        body = await ok(
            await client.patch(
                self.PATH,
                json={"dynamic_oauth_client_registration": None, "client_id_metadata_documents_advertised": True},
            )
        )
        assert body["dynamic_oauth_client_registration"] is True
        assert body["client_id_metadata_documents_advertised"] is True

    async def test_default_scopes_are_set_deduplicated_and_reset_by_null(self, client: httpx.AsyncClient) -> None:
        body = await ok(await client.patch(self.PATH, json={"default_scopes": ["profile", "email", "profile"]}))
        assert body["default_scopes"] == ["profile", "email"]
        assert (await ok(await client.patch(self.PATH, json={})))["default_scopes"] == ["profile", "email"]
        # The spec: "Set to null to reset to Clerk-provided defaults."
        assert (await ok(await client.patch(self.PATH, json={"default_scopes": None})))["default_scopes"] is None

    async def test_unknown_scope_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(self.PATH, json={"default_scopes": ["profile", "admin"]})
        assert clerk_error(response)[:2] == (422, "form_param_value_invalid")


class TestUpdateInstanceAuthConfig:
    PATH = "/v1/beta_features/instance_settings"

    async def test_an_empty_body_answers_the_current_settings(
        self, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        assert await ok(await client.patch(self.PATH, json={})) == {
            "object": "instance_settings",
            "id": instance.instance_id,
            "restricted_to_allowlist": False,
            "from_email_address": "",
            "progressive_sign_up": True,
            "enhanced_email_deliverability": False,
        }

    async def test_restricted_to_allowlist_is_the_restrictions_allowlist(self, client: httpx.AsyncClient) -> None:
        body = await ok(await client.patch(self.PATH, json={"restricted_to_allowlist": True}))
        assert body["restricted_to_allowlist"] is True
        restrictions = await ok(await client.patch("/v1/instance/restrictions", json={}))
        assert restrictions["allowlist"] is True
        await ok(await client.patch("/v1/instance/restrictions", json={"allowlist": False}))
        assert (await ok(await client.patch(self.PATH, json={})))["restricted_to_allowlist"] is False

    async def test_persists_and_null_leaves_unchanged(self, client: httpx.AsyncClient) -> None:
        await ok(await client.patch(self.PATH, json={"from_email_address": "hello", "progressive_sign_up": False}))
        body = await ok(await client.patch(self.PATH, json={"from_email_address": None, "progressive_sign_up": None}))
        assert body["from_email_address"] == "hello" and body["progressive_sign_up"] is False

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"from_email_address": "no-reply"}, "form_param_format_invalid", id="not-alphanumeric"),
            pytest.param({"from_email_address": "a@example.com"}, "form_param_format_invalid", id="whole-address"),
            pytest.param({"test_mode": "on"}, "form_param_type_invalid", id="boolean"),
            pytest.param({"enhanced_email_deliverability": True}, "form_param_unknown", id="not-in-the-body"),
        ],
    )
    async def test_invalid_values_are_422(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        assert clerk_error(await client.patch(self.PATH, json=body))[:2] == (422, code)

    async def test_changes_only_the_callers_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await ok(await other_client.patch(self.PATH, json={"restricted_to_allowlist": True}))
        assert (await ok(await client.patch(self.PATH, json={})))["restricted_to_allowlist"] is False


class ChangesProductionDomain:
    """Both domain operations (the deprecated PUT and its successor) behave alike."""

    METHOD = ""
    PATH = ""

    async def change(self, client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
        return await client.request(self.METHOD, self.PATH, json=body)

    async def test_a_production_instance_accepts_with_202(self, production_client: httpx.AsyncClient) -> None:
        response = await self.change(production_client, {"home_url": "https://www.example.com", "is_secondary": True})
        assert response.status_code == 202 and response.content == b""

    async def test_the_instance_keeps_its_keys(self, production_client: httpx.AsyncClient) -> None:
        before = await ok(await production_client.get("/v1/jwks"))
        await ok(await self.change(production_client, {"home_url": "https://app.example.org"}), 202)
        assert await ok(await production_client.get("/v1/jwks")) == before

    async def test_a_development_instance_refuses_with_400(self, client: httpx.AsyncClient) -> None:
        response = await self.change(client, {"home_url": "https://www.example.com"})
        assert clerk_error(response)[:2] == (400, "request_invalid_for_environment")

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="missing"),
            pytest.param({"home_url": "www.example.com"}, "form_param_format_invalid", id="no-scheme"),
            pytest.param({"home_url": "ftp://example.com"}, "form_param_format_invalid", id="not-web"),
            pytest.param({"home_url": "http://localhost:3000"}, "form_param_format_invalid", id="not-a-domain"),
        ],
    )
    async def test_invalid_home_url_is_422(
        self, production_client: httpx.AsyncClient, body: dict[str, Any], code: str
    ) -> None:
        assert clerk_error(await self.change(production_client, body))[:2] == (422, code)


class TestUpdateProductionInstanceDomain(ChangesProductionDomain):
    METHOD = "PUT"
    PATH = "/v1/beta_features/domain"


class TestChangeProductionInstanceDomain(ChangesProductionDomain):
    METHOD = "POST"
    PATH = "/v1/instance/change_domain"


# --- What the settings change ---


async def add_phone(client: httpx.AsyncClient, number: str) -> dict[str, Any]:
    user = await make_user(client)
    phone: dict[str, Any] = await ok(
        await client.post("/v1/phone_numbers", json={"user_id": user["id"], "phone_number": number})
    )
    return phone


async def messages_to(client: httpx.AsyncClient, number: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = (await ok(await client.get("/locum/messages", params={"to": number})))["data"]
    return messages


async def set_test_mode(client: httpx.AsyncClient, on: bool) -> None:
    await ok(await client.patch("/v1/instance", json={"test_mode": on}), 204)


class TestTestModeSetting:
    async def test_on_by_default_in_development_a_test_number_gets_424242_and_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        phone = await add_phone(client, TEST_PHONE)
        verification = await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        assert await messages_to(client, TEST_PHONE) == []
        attempt = {"verification_id": verification["id"], "code": TEST_MODE_CODE}
        response = await client.post(f"/v1/phone_numbers/{phone['id']}/attempt_verification", json=attempt)
        assert (await ok(response))["status"] == "verified"

    async def test_off_a_test_number_gets_a_real_code_by_sms(self, client: httpx.AsyncClient) -> None:
        await set_test_mode(client, False)
        phone = await add_phone(client, TEST_PHONE)
        await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        [message] = await messages_to(client, TEST_PHONE)
        assert message["status"] == "queued"

    async def test_off_a_test_email_gets_a_real_code(self, client: httpx.AsyncClient) -> None:
        body = await ok(await client.patch("/v1/beta_features/instance_settings", json={"test_mode": False}))
        assert body["object"] == "instance_settings"
        user = await make_user(client)
        email = await ok(
            await client.post("/v1/email_addresses", json={"user_id": user["id"], "email_address": TEST_EMAIL})
        )
        await ok(await client.post(f"/v1/email_addresses/{email['id']}/prepare_verification"))
        [message] = await messages_to(client, TEST_EMAIL)
        assert message["otp_code"] != TEST_MODE_CODE

    async def test_off_by_default_in_production_and_can_be_turned_on(
        self, production_client: httpx.AsyncClient
    ) -> None:
        phone = await add_phone(production_client, TEST_PHONE)
        await ok(await production_client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        assert len(await messages_to(production_client, TEST_PHONE)) == 1
        await set_test_mode(production_client, True)
        await ok(await production_client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        assert len(await messages_to(production_client, TEST_PHONE)) == 1

    async def test_one_instance_turning_it_off_leaves_the_other_on(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await set_test_mode(other_client, False)
        phone = await add_phone(client, TEST_PHONE)
        await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        assert await messages_to(client, TEST_PHONE) == []


class TestBlockedCountries:
    async def block(self, client: httpx.AsyncClient, *codes: str) -> None:
        await ok(await client.patch("/v1/instance/communication", json={"blocked_country_codes": list(codes)}))

    async def test_no_code_is_sent_to_a_blocked_country(self, client: httpx.AsyncClient) -> None:
        await self.block(client, "FR")
        phone = await add_phone(client, FRENCH_PHONE)
        response = await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification")
        status, code, _ = clerk_error(response)
        assert (status, code) == (403, "unsupported_country_code")
        assert "France" in response.json()["errors"][0]["long_message"]
        assert await messages_to(client, FRENCH_PHONE) == []

    async def test_other_countries_still_get_their_code(self, client: httpx.AsyncClient) -> None:
        await self.block(client, "FR")
        phone = await add_phone(client, US_PHONE)
        await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        assert len(await messages_to(client, US_PHONE)) == 1

    async def test_unblocking_lets_the_code_go_out(self, client: httpx.AsyncClient) -> None:
        await self.block(client, "FR")
        phone = await add_phone(client, FRENCH_PHONE)
        await self.block(client)
        await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))
        assert len(await messages_to(client, FRENCH_PHONE)) == 1

    async def test_a_test_number_still_verifies_in_test_mode(self, client: httpx.AsyncClient) -> None:
        await self.block(client, "US")
        phone = await add_phone(client, TEST_PHONE)
        await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))

    async def test_another_instances_blocklist_does_not_apply(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await self.block(other_client, "FR")
        phone = await add_phone(client, FRENCH_PHONE)
        await ok(await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification"))


class TestConcurrentChanges:
    async def test_two_patches_of_one_group_at_once_both_persist(self, client: httpx.AsyncClient) -> None:
        fields = [
            "allowlist",
            "blocklist",
            "allowlist_blocklist_disabled_on_sign_in",
            "block_email_subaddresses",
            "block_disposable_email_domains",
        ]
        responses = await asyncio.gather(
            *(client.patch("/v1/instance/restrictions", json={name: True}) for name in fields)
        )
        assert [response.status_code for response in responses] == [200] * len(fields)
        body = await ok(await client.patch("/v1/instance/restrictions", json={}))
        assert all(body[name] is True for name in fields)

    async def test_patches_of_different_groups_at_once_both_persist(self, client: httpx.AsyncClient) -> None:
        await asyncio.gather(
            client.patch("/v1/instance/protect", json={"rules_enabled": True}),
            client.patch("/v1/instance/communication", json={"blocked_country_codes": ["FR"]}),
            client.patch("/v1/beta_features/instance_settings", json={"restricted_to_allowlist": True}),
        )
        assert (await ok(await client.get("/v1/instance/protect")))["rules_enabled"] is True
        assert (await ok(await client.get("/v1/instance/communication")))["blocked_country_codes"] == ["FR"]
        assert (await ok(await client.patch("/v1/instance/restrictions", json={})))["allowlist"] is True
