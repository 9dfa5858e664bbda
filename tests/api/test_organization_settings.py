from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import Permission, Role
from locum.instances.service import InstanceKeys
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from tests.builders import error_of, inspection_session, png_bytes
from tests.conftest import RecordedEvents

SETTINGS = "/v1/instance/organization_settings"
DEFAULTS = {
    "object": "organization_settings",
    "enabled": True,
    "max_allowed_memberships": 5,
    "max_allowed_roles": 10,
    "max_role_sets_allowed": 10,
    "max_allowed_domains": 10,
    "max_allowed_permissions": 50,
    "creator_role": "org:admin",
    "admin_delete_enabled": True,
    "domains_enabled": False,
    "slug_disabled": False,
    "domains_enrollment_modes": [],
    "domains_default_role": "org:member",
    "initial_role_set_key": "role_set:default",
}


async def add_role(app: FastAPI, instance_id: str, key: str, permission_keys: list[str]) -> str:
    """A custom role written straight to the database (the roles API is another module's)."""
    async with inspection_session(app) as session:
        permissions = list(
            await session.scalars(
                select(Permission).where(Permission.instance_id == instance_id, Permission.key.in_(permission_keys))
            )
        )
        at_ms = now_ms()
        role = Role(
            id=new_id("role"),
            instance_id=instance_id,
            key=key,
            name=key,
            description=None,
            permissions=permissions,
            created_at=at_ms,
            updated_at=at_ms,
        )
        session.add(role)
        await session.commit()
        return role.id


class TestGetInstanceOrganizationSettings:
    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        response = await client.get(SETTINGS)
        assert response.status_code == 200
        assert response.json() == DEFAULTS


class TestUpdateInstanceOrganizationSettings:
    async def test_updates_and_reads_back(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        body = {
            "max_allowed_memberships": 0,
            "admin_delete_enabled": False,
            "domains_enabled": True,
            "slug_disabled": True,
            "domains_enrollment_modes": ["automatic_invitation", "automatic_suggestion", "automatic_invitation"],
            "domains_default_role_id": "org:admin",
        }
        response = await client.patch(SETTINGS, json=body)
        assert response.status_code == 200, response.text
        expected = {
            **DEFAULTS,
            "max_allowed_memberships": 0,
            "admin_delete_enabled": False,
            "domains_enabled": True,
            "slug_disabled": True,
            "domains_enrollment_modes": ["automatic_invitation", "automatic_suggestion"],
            "domains_default_role": "org:admin",
        }
        assert response.json() == expected
        assert (await client.get(SETTINGS)).json() == expected
        assert (await other_client.get(SETTINGS)).json() == DEFAULTS

    async def test_nulls_and_empty_body_change_nothing(self, client: httpx.AsyncClient) -> None:
        assert (await client.patch(SETTINGS)).json() == DEFAULTS
        assert (await client.patch(SETTINGS, json={"enabled": None, "creator_role_id": None})).json() == DEFAULTS

    async def test_creator_role_by_key_or_id(
        self, client: httpx.AsyncClient, app: FastAPI, instance: InstanceKeys
    ) -> None:
        permissions = ["org:sys_memberships:manage", "org:sys_memberships:read", "org:sys_profile:delete"]
        role_id = await add_role(app, instance.instance_id, "org:owner", permissions)
        by_id = await client.patch(SETTINGS, json={"creator_role_id": role_id})
        assert by_id.json()["creator_role"] == "org:owner"
        by_key = await client.patch(SETTINGS, json={"creator_role_id": "org:admin"})
        assert by_key.json()["creator_role"] == "org:admin"

    async def test_new_creator_role_is_given_to_creators(
        self, client: httpx.AsyncClient, app: FastAPI, instance: InstanceKeys, recorded_events: RecordedEvents
    ) -> None:
        permissions = ["org:sys_memberships:manage", "org:sys_memberships:read", "org:sys_profile:delete"]
        await add_role(app, instance.instance_id, "org:owner", permissions)
        await client.patch(SETTINGS, json={"creator_role_id": "org:owner"})
        user = (await client.post("/v1/users", json={"username": "creator"})).json()
        assert (await client.post("/v1/organizations", json={"name": "A", "created_by": user["id"]})).status_code == 200
        kind, membership = (await recorded_events())[-1]
        assert (kind, membership["role"]) == ("organizationMembership.created", "org:owner")

    async def test_creator_role_needs_creator_permissions(self, client: httpx.AsyncClient) -> None:
        response = await client.patch(SETTINGS, json={"creator_role_id": "org:member"})
        assert response.status_code == 422
        assert error_of(response)["code"] == "organization_missing_creator_role_permissions"
        assert (await client.get(SETTINGS)).json()["creator_role"] == "org:admin"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"creator_role_id": "org:nope"}, "form_param_value_invalid", id="unknown-creator-role"),
            pytest.param({"domains_default_role_id": "org:nope"}, "form_param_value_invalid", id="unknown-domain-role"),
            pytest.param({"domains_enrollment_modes": ["sometimes"]}, "form_param_value_invalid", id="enrollment-mode"),
            pytest.param({"max_allowed_memberships": -1}, "form_param_value_invalid", id="negative-max"),
            pytest.param({"max_allowed_roles": 3}, "form_param_unknown", id="unknown-field"),
            pytest.param({"enabled": "perhaps"}, "form_param_type_invalid", id="wrong-type"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        response = await client.patch(SETTINGS, json=body)
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == code
        assert (await client.get(SETTINGS)).json() == DEFAULTS

    async def test_roles_of_another_instance_are_unknown(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, app: FastAPI, instance: InstanceKeys
    ) -> None:
        permissions = ["org:sys_memberships:manage", "org:sys_memberships:read", "org:sys_profile:delete"]
        role_id = await add_role(app, instance.instance_id, "org:owner", permissions)
        for creator_role in (role_id, "org:owner"):
            response = await other_client.patch(SETTINGS, json={"creator_role_id": creator_role})
            assert response.status_code == 422


class TestOrganizationsDisabled:
    async def test_every_organization_operation_answers_403(
        self, client: httpx.AsyncClient, app: FastAPI, instance: InstanceKeys, recorded_events: RecordedEvents
    ) -> None:
        organization = (await client.post("/v1/organizations", json={"name": "Before", "slug": "before"})).json()
        assert (await client.patch(SETTINGS, json={"enabled": False})).json()["enabled"] is False
        path = f"/v1/organizations/{organization['id']}"
        requests: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", "/v1/organizations", {}),
            ("POST", "/v1/organizations", {"json": {"name": "After"}}),
            ("GET", path, {}),
            ("GET", "/v1/organizations/before", {}),
            ("PATCH", path, {"json": {"name": "After"}}),
            ("DELETE", path, {}),
            ("PATCH", f"{path}/metadata", {"json": {"public_metadata": {"a": 1}}}),
            ("PUT", f"{path}/metadata", {"json": {"public_metadata": {"a": 1}}}),
            ("PUT", f"{path}/logo", {"files": {"file": ("a.png", png_bytes(), "image/png")}}),
            ("DELETE", f"{path}/logo", {}),
        ]
        for method, url, options in requests:
            response = await client.request(method, url, **options)
            assert response.status_code == 403, (method, url, response.text)
            assert error_of(response)["code"] == "organization_not_enabled_in_instance"
        assert [kind for kind, _ in await recorded_events()] == ["organization.created"]
        assert (await client.patch(SETTINGS, json={"enabled": True})).status_code == 200
        assert (await client.get(path)).json() == organization

    async def test_disabling_is_per_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        await other_client.patch(SETTINGS, json={"enabled": False})
        assert (await client.get("/v1/organizations")).status_code == 200
        assert (await other_client.get("/v1/organizations")).status_code == 403
