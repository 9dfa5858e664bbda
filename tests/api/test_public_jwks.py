"""GET /.well-known/jwks.json: the public keys Clerk's Frontend API serves without a key, chosen by
the Frontend API host the request names, else the default instance's."""

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import Instance, SigningKeyRow
from locum.instances.service import InstanceKeys
from tests.builders import inspection_session
from tests.conftest import api_client, new_instance

PUBLIC_JWKS = "/.well-known/jwks.json"


async def default_instance_kids(app: FastAPI) -> list[str]:
    async with inspection_session(app) as session:
        default_id = await session.scalar(select(Instance.id).where(Instance.is_default.is_(True)))
        kids = await session.scalars(
            select(SigningKeyRow.kid).where(SigningKeyRow.instance_id == default_id).order_by(SigningKeyRow.created_at)
        )
        return list(kids)


class TestPublicJwks:
    async def test_needs_no_key_and_serves_the_instance_whose_frontend_api_host_is_named(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.get(PUBLIC_JWKS, headers={"Host": instance.frontend_api_host})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json() == (await client.get("/v1/jwks")).json()

    async def test_a_port_in_the_host_is_ignored(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.get(PUBLIC_JWKS, headers={"Host": f"{instance.frontend_api_host}:8443"})
        assert response.json() == (await client.get("/v1/jwks")).json()

    async def test_any_other_host_gets_the_default_instances_keys(self, app: FastAPI, instance: InstanceKeys) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.get(PUBLIC_JWKS, headers={"Host": "127.0.0.1:4000"})
        assert response.status_code == 200, response.text
        kids = [key["kid"] for key in response.json()["keys"]]
        assert kids == await default_instance_kids(app) and kids
        assert all(key["kty"] == "RSA" and key["use"] == "sig" and "d" not in key for key in response.json()["keys"])

    async def test_instances_do_not_see_each_others_keys(self, app: FastAPI, instance: InstanceKeys) -> None:
        other = await new_instance(app)
        async with api_client(app, None) as anonymous:
            mine = (await anonymous.get(PUBLIC_JWKS, headers={"Host": instance.frontend_api_host})).json()
            theirs = (await anonymous.get(PUBLIC_JWKS, headers={"Host": other.frontend_api_host})).json()
        assert {key["kid"] for key in mine["keys"]}.isdisjoint(key["kid"] for key in theirs["keys"])

    async def test_a_bad_key_is_not_even_looked_at(self, app: FastAPI, instance: InstanceKeys) -> None:
        async with api_client(app, "sk_test_not_a_key") as wrong:
            response = await wrong.get(PUBLIC_JWKS, headers={"Host": instance.frontend_api_host})
        assert response.status_code == 200
