"""Substring search through the trigram index finds exactly what the LIKE scan finds (db/text_search.py).

The oracle is the plain `contains` LIKE run over the same rows; the index must be kept in step by
every write (create, update, delete) of the searched rows.
"""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import or_, select, union

from locum.db.models import EmailAddress, Organization, PhoneNumber, User
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


# (filter, the user's identification field, the identifications, texts found through a part of them)
PART_SEARCHES = [
    (
        "phone_number_query",
        "phone_number",
        ["+14155550100", "+14165550100", "+442071550100", "+14155559999"],
        ["+14155550100", "4155550100", "+1416555", "550100", "1550100", "0100", "555", "+44"],
    ),
    (
        "email_address_query",
        "email_address",
        ["ada@example.com", "ada@example.org", "ada.l@example.com", "grace@ada.dev"],
        ["ada@example.com", "ada@exa", "a@example.c", "@example", "ada", "e@ada.d", "ada.l@", "grace@"],
    ),
]


async def _expected_by_identification(app: FastAPI, instance: InstanceKeys, field: str, text: str) -> list[str]:
    model, column = {
        "phone_number": (PhoneNumber, PhoneNumber.phone_number),
        "email_address": (EmailAddress, EmailAddress.email_address),
    }[field]
    async with inspection_session(app) as session:
        rows = await session.scalars(
            select(model.user_id).where(model.instance_id == instance.instance_id, contains(column, text))
        )
        return sorted(rows)


@pytest.mark.parametrize(
    ("filter_name", "field", "identifications", "text"),
    [
        pytest.param(filter_name, field, identifications, text, id=f"{filter_name}-{text}")
        for filter_name, field, identifications, texts in PART_SEARCHES
        for text in texts
    ],
)
async def test_an_identification_found_through_part_of_the_text_is_what_like_finds(
    app: FastAPI,
    client: httpx.AsyncClient,
    instance: InstanceKeys,
    filter_name: str,
    field: str,
    identifications: list[str],
    text: str,
) -> None:
    # The index is asked for a phone number's last digits or an email's local part, which other
    # identifications share: the LIKE of the whole text decides.
    for identification in identifications:
        await make_user(client, **{field: [identification]})
    expected = await _expected_by_identification(app, instance, field, text)
    assert expected
    assert await _listed(client, "/v1/users", {filter_name: text}) == expected
    assert await _listed(client, "/v1/users", {"query": text}) == expected


QUERIED_TEXTS = ["ada", "lovelace", "ext_lov", "ada_l", "ada@exam", "example", "+1415", "user_", "nobody"]


async def _expected_by_query(app: FastAPI, instance: InstanceKeys, text: str) -> list[str]:
    scope = instance.instance_id
    async with inspection_session(app) as session:
        rows = await session.scalars(
            union(
                select(User.id).where(
                    User.instance_id == scope,
                    or_(*(contains(column, text) for column in (User.id, User.external_id, User.username))),
                ),
                select(User.id).where(
                    User.instance_id == scope, or_(contains(User.first_name, text), contains(User.last_name, text))
                ),
                select(EmailAddress.user_id).where(
                    EmailAddress.instance_id == scope, contains(EmailAddress.email_address, text)
                ),
                select(PhoneNumber.user_id).where(
                    PhoneNumber.instance_id == scope, contains(PhoneNumber.phone_number, text)
                ),
            )
        )
        return sorted(rows)


@pytest.mark.parametrize("text", QUERIED_TEXTS)
async def test_query_matching_the_user_columns_at_once_finds_what_like_finds(
    app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, text: str
) -> None:
    # One match of the users' trigram index serves all five columns; the LIKE on each decides.
    await make_user(client, first_name="Ada", last_name="Lovelace", username="ada_l", email_address=["ada@example.com"])
    await make_user(client, first_name="Grace", last_name="Hopper", external_id="ext_lovelace")
    await make_user(client, last_name="Adams", phone_number=["+14155550100"], email_address=["g@example.org"])
    await make_user(client, username="lovelace_fan", first_name="Alan")
    assert await _listed(client, "/v1/users", {"query": text}) == await _expected_by_query(app, instance, text)
