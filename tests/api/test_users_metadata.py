from typing import Any

import httpx
import pytest

from tests.builders import make_user
from tests.conftest import RecordedEvents

METADATA = {
    "public_metadata": {"plan": {"tier": "pro", "seats": 3}, "beta": True},
    "private_metadata": {"crm_id": 42},
    "unsafe_metadata": {"theme": "dark"},
}


def metadata_of(user: dict[str, Any]) -> dict[str, Any]:
    return {name: user[name] for name in ("public_metadata", "private_metadata", "unsafe_metadata")}


class TestUpdateUserMetadata:
    async def test_deep_merges_and_null_deletes_at_any_depth(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, **METADATA)
        response = await client.patch(
            f"/v1/users/{user['id']}/metadata",
            json={
                "public_metadata": {
                    "plan": {"seats": None, "renews": "2027-01-01"},
                    "beta": None,
                    "new": [1, 2],
                }
            },
        )
        assert response.status_code == 200, response.text
        assert metadata_of(response.json()) == {
            "public_metadata": {"plan": {"tier": "pro", "renews": "2027-01-01"}, "new": [1, 2]},
            "private_metadata": {"crm_id": 42},
            "unsafe_metadata": {"theme": "dark"},
        }
        assert (await client.get(f"/v1/users/{user['id']}")).json() == response.json()

    async def test_merges_every_supplied_field(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, **METADATA)
        response = await client.patch(
            f"/v1/users/{user['id']}/metadata",
            json={"private_metadata": {"crm_id": 7, "tags": {"a": 1}}, "unsafe_metadata": {"lang": "fr"}},
        )
        assert metadata_of(response.json()) == {
            "public_metadata": METADATA["public_metadata"],
            "private_metadata": {"crm_id": 7, "tags": {"a": 1}},
            "unsafe_metadata": {"theme": "dark", "lang": "fr"},
        }

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(None, id="no-body"),
            pytest.param({}, id="empty-object"),
            pytest.param({"public_metadata": None}, id="top-level-null"),
        ],
    )
    async def test_nothing_to_merge_leaves_metadata(self, client: httpx.AsyncClient, body: Any) -> None:
        user = await make_user(client, **METADATA)
        response = await client.patch(f"/v1/users/{user['id']}/metadata", json=body)
        assert response.status_code == 200, response.text
        assert metadata_of(response.json()) == METADATA

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"public_metadata": "x"}, "form_param_type_invalid", id="not-an-object"),
            pytest.param({"public_metadata": [1]}, "form_param_type_invalid", id="array"),
            pytest.param({"metadata": {}}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await client.patch(f"/v1/users/{user['id']}/metadata", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == code

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/v1/users/user_missing/metadata", json={"public_metadata": {"a": 1}})
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "resource_not_found"

    async def test_other_instance_gets_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client, **METADATA)
        response = await other_client.patch(f"/v1/users/{user['id']}/metadata", json={"public_metadata": {"a": 1}})
        assert response.status_code == 404
        assert metadata_of((await client.get(f"/v1/users/{user['id']}")).json()) == METADATA

    async def test_records_user_updated_only_on_success(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        bad = await client.patch(f"/v1/users/{user['id']}/metadata", json={"public_metadata": 1})
        assert bad.status_code == 422
        updated = (await client.patch(f"/v1/users/{user['id']}/metadata", json={"public_metadata": {"a": 1}})).json()
        assert await recorded_events() == [("user.created", user), ("user.updated", updated)]


class TestReplaceUserMetadata:
    async def test_replaces_supplied_fields_wholesale(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, **METADATA)
        response = await client.put(
            f"/v1/users/{user['id']}/metadata",
            json={"public_metadata": {"plan": {"tier": "free"}}, "unsafe_metadata": {}},
        )
        assert response.status_code == 200, response.text
        assert metadata_of(response.json()) == {
            "public_metadata": {"plan": {"tier": "free"}},
            "private_metadata": {"crm_id": 42},
            "unsafe_metadata": {},
        }
        assert (await client.get(f"/v1/users/{user['id']}")).json() == response.json()

    async def test_keeps_nulls_inside_the_new_value(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, **METADATA)
        response = await client.put(f"/v1/users/{user['id']}/metadata", json={"private_metadata": {"gone": None}})
        assert response.json()["private_metadata"] == {"gone": None}

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(None, id="no-body"),
            pytest.param({"private_metadata": None}, id="top-level-null"),
        ],
    )
    async def test_omitted_fields_are_untouched(self, client: httpx.AsyncClient, body: Any) -> None:
        user = await make_user(client, **METADATA)
        response = await client.put(f"/v1/users/{user['id']}/metadata", json=body)
        assert response.status_code == 200, response.text
        assert metadata_of(response.json()) == METADATA

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"private_metadata": "x"}, "form_param_type_invalid", id="not-an-object"),
            pytest.param({"public_metadata": {}, "extra": 1}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await client.put(f"/v1/users/{user['id']}/metadata", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == code

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/v1/users/user_missing/metadata", json={"public_metadata": {}})
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "resource_not_found"

    async def test_other_instance_gets_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client, **METADATA)
        response = await other_client.put(f"/v1/users/{user['id']}/metadata", json={"public_metadata": {}})
        assert response.status_code == 404
        assert metadata_of((await client.get(f"/v1/users/{user['id']}")).json()) == METADATA

    async def test_records_user_updated_only_on_success(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        assert (await client.put("/v1/users/user_missing/metadata", json={"public_metadata": {}})).status_code == 404
        replaced = (await client.put(f"/v1/users/{user['id']}/metadata", json={"public_metadata": {"b": 2}})).json()
        assert await recorded_events() == [("user.created", user), ("user.updated", replaced)]
