"""Reads never queue behind SQLite's single writer: GETs answer while a write transaction is open."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.builders import inspection_session, make_user

READ_DEADLINE_S = 5


async def test_gets_answer_while_the_write_lock_is_held(app: FastAPI, client: httpx.AsyncClient) -> None:
    if app.state.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite has a database-wide write lock")
    user = await make_user(client, phone_number=["+14155550142"])
    reads = [
        f"/v1/users/{user['id']}",
        "/v1/users",
        f"/v1/email_addresses/{user['primary_email_address_id']}",
        f"/v1/phone_numbers/{user['primary_phone_number_id']}",
        f"/v1/users/{user['id']}/trusted_devices",
        f"/v1/users/{user['id']}/oauth_access_tokens/oauth_google",
    ]
    async with inspection_session(app) as writer:
        await writer.execute(text("UPDATE instances SET updated_at = updated_at WHERE 0"))  # BEGIN IMMEDIATE
        for path in reads:
            response = await asyncio.wait_for(client.get(path), READ_DEADLINE_S)
            assert response.status_code == 200, path
        await writer.rollback()
