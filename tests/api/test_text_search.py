"""Substring search through the trigram index finds exactly what the LIKE scan finds (db/text_search.py).

The oracle is the plain `contains` LIKE run over the same rows; the index must be kept in step by
every write (create, update, delete) of the searched rows.
"""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import Organization, User
from locum.db.text_search import contains, full_name
from locum.instances.service import InstanceKeys
from tests.builders import inspection_session, make_organization, make_user

NAMES = [
    ("Zoë", "Ünïcode"),
    ("ÉMILE", "Zola"),
    ("100%", "Sure"),
    ("snake_case", "Name"),
    ("back\\slash", 'quo"te'),
    ("Ada", "Lovelace"),
    ("ADA", "LOVELACE"),
    (None, "Solo"),
]
SEARCHED_TEXTS = [
    "ada",
    "ADA LOVE",
    "a lo",
    "100%",
    "00%",
    "e_c",
    "k\\s",
    'o"t',
    "zoë",
    "ÜNÏ",
    "ünï",
    "émile",
    "mile",
    "lo",
    " s",
    "%",
    "nobody",
]


@pytest.fixture
async def named_users(client: httpx.AsyncClient) -> list[str]:
    return [(await make_user(client, first_name=first, last_name=last))["id"] for first, last in NAMES]


async def _expected_users(app: FastAPI, instance: InstanceKeys, text: str) -> list[str]:
    async with inspection_session(app) as session:
        rows = await session.scalars(
            select(User.id).where(
                User.instance_id == instance.instance_id, contains(full_name(User.first_name, User.last_name), text)
            )
        )
        return sorted(rows)


async def _listed(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[str]:
    response = await client.get(path, params={**params, "limit": "500"})
    assert response.status_code == 200, response.text
    body = response.json()
    return sorted(item["id"] for item in (body["data"] if isinstance(body, dict) else body))


@pytest.mark.parametrize("text", SEARCHED_TEXTS)
async def test_name_query_finds_what_like_finds(
    app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, named_users: list[str], text: str
) -> None:
    assert await _listed(client, "/v1/users", {"name_query": text}) == await _expected_users(app, instance, text)


async def test_the_index_follows_updates_and_deletes(client: httpx.AsyncClient, named_users: list[str]) -> None:
    first, second = named_users[:2]
    response = await client.patch(f"/v1/users/{first}", json={"first_name": "Renamed", "last_name": "Person"})
    assert response.status_code == 200, response.text
    assert await _listed(client, "/v1/users", {"name_query": "zoë"}) == []
    assert await _listed(client, "/v1/users", {"query": "renamed per"}) == []
    assert await _listed(client, "/v1/users", {"name_query": "renamed per"}) == [first]
    assert (await client.delete(f"/v1/users/{second}")).status_code == 200
    assert await _listed(client, "/v1/users", {"query": "zola"}) == []
    count = await client.get("/v1/users/count", params={"name_query": "renamed"})
    assert count.json()["total_count"] == 1


async def test_organization_query_finds_what_like_finds(
    app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
) -> None:
    for name in ("Acme Corp", "ACME_2", "Zoë & Co", "Widgets 100%"):
        await make_organization(client, name=name)
    for text in ("acme", "me_", "ZOË", "100%", "co", "ets 1"):
        async with inspection_session(app) as session:
            expected = sorted(
                await session.scalars(
                    select(Organization.id).where(
                        Organization.instance_id == instance.instance_id,
                        contains(Organization.name, text) | contains(Organization.slug, text),
                    )
                )
            )
        assert await _listed(client, "/v1/organizations", {"query": text}) == expected, text
