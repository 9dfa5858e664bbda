import asyncio
from collections.abc import Iterator
from typing import Any

import bcrypt
import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import User
from locum.kit import clock, passwords
from locum.resources.users.serializers import LOCKOUT_DURATION_MS, MAX_VERIFICATION_ATTEMPTS
from tests.builders import error_code, inspection_session, make_user
from tests.conftest import RecordedEvents

PASSWORD = "correct horse battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FROZEN_AT_MS = 1_800_000_000_000
BACKUP_CODES = ["alpha-123", "bravo-456"]


@pytest.fixture
def frozen_clock() -> Iterator[int]:
    clock.freeze(FROZEN_AT_MS)
    try:
        yield FROZEN_AT_MS
    finally:
        clock.freeze(None)


def bcrypt_digest(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


async def stored_password(app: FastAPI, user_id: str) -> tuple[str | None, str | None, bool]:
    async with inspection_session(app) as session:
        row = (
            await session.execute(
                select(User.password_digest, User.password_hasher, User.password_compromised).where(User.id == user_id)
            )
        ).one()
    return row[0], row[1], row[2]


async def verify(client: httpx.AsyncClient, user_id: str, password: str) -> httpx.Response:
    return await client.post(f"/v1/users/{user_id}/verify_password", json={"password": password})


# (method, path after /v1/users/{id}, body)
OPERATIONS = [
    pytest.param("POST", "ban", None, id="BanUser"),
    pytest.param("POST", "unban", None, id="UnbanUser"),
    pytest.param("POST", "lock", None, id="LockUser"),
    pytest.param("POST", "unlock", None, id="UnlockUser"),
    pytest.param("POST", "verify_password", {"password": PASSWORD}, id="VerifyPassword"),
    pytest.param("POST", "remove_password", None, id="RemoveUserPassword"),
    pytest.param("POST", "password/set_compromised", {}, id="SetUserPasswordCompromised"),
    pytest.param("POST", "password/unset_compromised", None, id="UnsetUserPasswordCompromised"),
    pytest.param("POST", "verify_totp", {"code": "123456"}, id="VerifyTOTP"),
    pytest.param("DELETE", "mfa", None, id="DisableMFA"),
    pytest.param("DELETE", "backup_code", None, id="DeleteBackupCode"),
    pytest.param("DELETE", "totp", None, id="DeleteTOTP"),
]


class TestUnknownAndForeignUsers:
    @pytest.mark.parametrize(("method", "action", "body"), OPERATIONS)
    async def test_unknown_user_is_404_and_records_nothing(
        self,
        client: httpx.AsyncClient,
        recorded_events: RecordedEvents,
        method: str,
        action: str,
        body: dict[str, Any] | None,
    ) -> None:
        response = await client.request(method, f"/v1/users/user_missing/{action}", json=body)
        assert response.status_code == 404
        assert error_code(response) == "resource_not_found"
        assert await recorded_events() == []

    @pytest.mark.parametrize(("method", "action", "body"), OPERATIONS)
    async def test_other_instance_gets_404(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        recorded_events: RecordedEvents,
        method: str,
        action: str,
        body: dict[str, Any] | None,
    ) -> None:
        user = await make_user(
            client,
            password_digest=bcrypt_digest(PASSWORD),
            password_hasher="bcrypt",
            totp_secret=TOTP_SECRET,
            backup_codes=BACKUP_CODES,
        )
        response = await other_client.request(method, f"/v1/users/{user['id']}/{action}", json=body)
        assert response.status_code == 404
        assert (await client.get(f"/v1/users/{user['id']}")).json() == user
        assert await recorded_events() == [("user.created", user)]


class TestBanUser:
    async def test_bans_and_records_the_event(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/ban")
        assert response.status_code == 200 and response.json()["banned"] is True
        assert (await client.get(f"/v1/users/{user['id']}")).json() == response.json()
        assert (await recorded_events())[-1] == ("user.updated", response.json())


class TestUnbanUser:
    async def test_unbans(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, banned=True)
        response = await client.post(f"/v1/users/{user['id']}/unban")
        assert response.status_code == 200 and response.json()["banned"] is False
        assert (await client.get(f"/v1/users/{user['id']}")).json()["banned"] is False
        assert (await recorded_events())[-1] == ("user.updated", response.json())


class TestUsersBan:
    async def test_bans_known_users_in_request_order(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        first, second = await make_user(client), await make_user(client)
        foreign = await make_user(other_client)
        ids = [second["id"], "user_missing", first["id"], second["id"], foreign["id"]]
        response = await client.post("/v1/users/ban", json={"user_ids": ids})
        assert response.status_code == 200, response.text
        banned = response.json()
        assert [(u["id"], u["banned"]) for u in banned] == [(second["id"], True), (first["id"], True)]
        assert (await other_client.get(f"/v1/users/{foreign['id']}")).json()["banned"] is False
        assert [e for e in await recorded_events() if e[0] == "user.updated"] == [
            ("user.updated", banned[0]),
            ("user.updated", banned[1]),
        ]

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"user_ids": [f"user_{n}" for n in range(51)]}, "bulk_size_exceeded", id="over-50"),
            pytest.param({"user_ids": []}, "form_param_missing", id="empty"),
            pytest.param({}, "form_param_missing", id="missing"),
            pytest.param(None, "form_param_missing", id="no-body"),
        ],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, body: Any, code: str
    ) -> None:
        response = await client.post("/v1/users/ban", json=body)
        assert response.status_code == 400
        assert error_code(response) == code
        assert await recorded_events() == []

    async def test_fifty_is_allowed(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post("/v1/users/ban", json={"user_ids": [user["id"]] * 50})
        assert [u["id"] for u in response.json()] == [user["id"]]


class TestUsersUnban:
    async def test_unbans_known_users(self, client: httpx.AsyncClient) -> None:
        first, second = await make_user(client, banned=True), await make_user(client, banned=True)
        response = await client.post("/v1/users/unban", json={"user_ids": [first["id"], second["id"], "user_x"]})
        assert response.status_code == 200, response.text
        assert [(u["id"], u["banned"]) for u in response.json()] == [
            (first["id"], False),
            (second["id"], False),
        ]

    async def test_over_the_limit_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/users/unban", json={"user_ids": ["user_a"] * 51})
        assert response.status_code == 400 and error_code(response) == "bulk_size_exceeded"


class TestLockUser:
    async def test_admin_lock_never_expires(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await client.post(f"/v1/users/{user['id']}/lock")
        assert response.status_code == 200
        locked = response.json()
        assert (locked["locked"], locked["lockout_expires_in_seconds"]) == (True, None)
        assert locked["verification_attempts_remaining"] == MAX_VERIFICATION_ATTEMPTS
        assert (await recorded_events())[-1] == ("user.updated", locked)
        refused = await verify(client, user["id"], PASSWORD)
        assert refused.status_code == 422 and error_code(refused) == "user_locked"


class TestUnlockUser:
    async def test_unlock_lets_the_user_verify_again(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, password=PASSWORD, locked=True)
        assert user["locked"] is True
        response = await client.post(f"/v1/users/{user['id']}/unlock")
        assert response.status_code == 200 and response.json()["locked"] is False
        assert (await verify(client, user["id"], PASSWORD)).json() == {"verified": True}


class TestVerifyPassword:
    async def test_correct_password(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await verify(client, user["id"], PASSWORD)
        assert response.status_code == 200 and response.json() == {"verified": True}
        # Nothing changed (argon2id digest, no failed attempts): no event.
        assert await recorded_events() == [("user.created", user)]

    async def test_wrong_password_is_422_without_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await verify(client, user["id"], "wrong password")
        assert response.status_code == 422 and error_code(response) == "incorrect_password"
        assert await recorded_events() == [("user.created", user)]

    async def test_no_password_is_400(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await verify(client, user["id"], PASSWORD)
        assert response.status_code == 400 and error_code(response) == "no_password_set"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="missing"),
            pytest.param({"password": 5}, "form_param_type_invalid", id="not-a-string"),
            pytest.param({"password": PASSWORD, "x": 1}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await client.post(f"/v1/users/{user['id']}/verify_password", json=body)
        assert response.status_code == 422 and error_code(response) == code

    async def test_imported_digest_is_upgraded_to_argon2id(
        self, app: FastAPI, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, password_digest=bcrypt_digest(PASSWORD), password_hasher="bcrypt")
        assert (await verify(client, user["id"], "not it")).status_code == 422
        assert (await stored_password(app, user["id"]))[1] == "bcrypt"
        assert (await verify(client, user["id"], PASSWORD)).json() == {"verified": True}
        digest, hasher, _ = await stored_password(app, user["id"])
        assert hasher == passwords.LOCUM_HASHER and digest is not None and digest.startswith("$argon2id$")
        assert (await verify(client, user["id"], PASSWORD)).json() == {"verified": True}
        assert (await verify(client, user["id"], "not it")).status_code == 422
        assert [e[0] for e in await recorded_events()] == ["user.created", "user.updated"]


class TestLockout:
    async def test_tenth_failure_locks_and_unlock_clears(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, password_digest=bcrypt_digest(PASSWORD), password_hasher="bcrypt")
        for attempt in range(1, MAX_VERIFICATION_ATTEMPTS):
            response = await verify(client, user["id"], f"wrong {attempt}")
            assert error_code(response) == "incorrect_password"
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["locked"], current["verification_attempts_remaining"]) == (False, 1)

        tenth = await verify(client, user["id"], "wrong again")
        assert tenth.status_code == 422 and error_code(tenth) == "incorrect_password"
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["locked"], current["verification_attempts_remaining"]) == (True, 0)
        assert current["lockout_expires_in_seconds"] == LOCKOUT_DURATION_MS // 1000

        eleventh = await verify(client, user["id"], PASSWORD)
        assert eleventh.status_code == 422 and error_code(eleventh) == "user_locked"
        assert eleventh.json()["errors"][0]["meta"]["lockout_expires_in_seconds"] > 0
        assert await recorded_events() == [("user.created", user)]

        unlocked = (await client.post(f"/v1/users/{user['id']}/unlock")).json()
        assert (unlocked["locked"], unlocked["lockout_expires_in_seconds"]) == (False, None)
        assert unlocked["verification_attempts_remaining"] == MAX_VERIFICATION_ATTEMPTS
        assert (await verify(client, user["id"], PASSWORD)).json() == {"verified": True}

    async def test_success_resets_the_count(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, password=PASSWORD)
        for _ in range(3):
            await verify(client, user["id"], "wrong")
        assert (await client.get(f"/v1/users/{user['id']}")).json()["verification_attempts_remaining"] == 7
        assert (await verify(client, user["id"], PASSWORD)).status_code == 200
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert current["verification_attempts_remaining"] == MAX_VERIFICATION_ATTEMPTS
        assert (await recorded_events())[-1] == ("user.updated", current)

    async def test_lockout_expires_after_the_cooldown(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client, password_digest=bcrypt_digest(PASSWORD), password_hasher="bcrypt")
        for _ in range(MAX_VERIFICATION_ATTEMPTS):
            await verify(client, user["id"], "wrong")
        clock.freeze(frozen_clock + LOCKOUT_DURATION_MS - 1000)
        assert (await client.get(f"/v1/users/{user['id']}")).json()["lockout_expires_in_seconds"] == 1
        assert error_code(await verify(client, user["id"], PASSWORD)) == "user_locked"
        clock.freeze(frozen_clock + LOCKOUT_DURATION_MS)
        expired = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (expired["locked"], expired["verification_attempts_remaining"]) == (False, MAX_VERIFICATION_ATTEMPTS)
        # A failure after the cooldown starts a fresh count instead of locking again.
        assert error_code(await verify(client, user["id"], "wrong")) == "incorrect_password"
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["locked"], current["verification_attempts_remaining"]) == (False, 9)
        assert (await verify(client, user["id"], PASSWORD)).json() == {"verified": True}


class TestRemoveUserPassword:
    async def test_removes_the_password(
        self, app: FastAPI, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await client.post(
            f"/v1/users/{user['id']}/remove_password", json={"sign_out_of_other_sessions": True}
        )
        assert response.status_code == 200, response.text
        removed = response.json()
        assert (removed["password_enabled"], removed["password_last_updated_at"]) == (False, None)
        assert await stored_password(app, user["id"]) == (None, None, False)
        assert (await recorded_events())[-1] == ("user.updated", removed)
        assert error_code(await verify(client, user["id"], PASSWORD)) == "no_password_set"

    async def test_without_password_returns_the_user_and_records_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/remove_password")
        assert response.status_code == 200 and response.json() == user
        assert await recorded_events() == [("user.created", user)]


class TestSetUserPasswordCompromised:
    async def test_marks_the_password(
        self, app: FastAPI, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await client.post(
            f"/v1/users/{user['id']}/password/set_compromised", json={"revoke_all_sessions": True}
        )
        assert response.status_code == 200, response.text
        assert (await stored_password(app, user["id"]))[2] is True
        assert (await recorded_events())[-1] == ("user.updated", response.json())

    async def test_without_password_is_400(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/password/set_compromised")
        assert response.status_code == 400 and error_code(response) == "no_password_set"
        assert await recorded_events() == [("user.created", user)]

    async def test_bad_input(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, password=PASSWORD)
        response = await client.post(
            f"/v1/users/{user['id']}/password/set_compromised", json={"revoke_all_sessions": "maybe"}
        )
        assert response.status_code == 422 and error_code(response) == "form_param_type_invalid"


class TestUnsetUserPasswordCompromised:
    async def test_clears_the_mark(
        self, app: FastAPI, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, password=PASSWORD)
        await client.post(f"/v1/users/{user['id']}/password/set_compromised")
        response = await client.post(f"/v1/users/{user['id']}/password/unset_compromised")
        assert response.status_code == 200, response.text
        assert (await stored_password(app, user["id"]))[2] is False
        assert (await recorded_events())[-1] == ("user.updated", response.json())


class TestVerifyTOTP:
    async def test_current_and_adjacent_codes(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET)
        totp, now_s = pyotp.TOTP(TOTP_SECRET), frozen_clock // 1000
        for offset_s in (-30, 0, 30):
            response = await client.post(
                f"/v1/users/{user['id']}/verify_totp", json={"code": totp.at(now_s + offset_s)}
            )
            assert response.status_code == 200, response.text
            assert response.json() == {"verified": True, "code_type": "totp"}

    @pytest.mark.parametrize(
        ("offset_s", "code"),
        [
            pytest.param(-90, None, id="too-old"),
            pytest.param(90, None, id="too-new"),
            pytest.param(0, "12345", id="five-digits"),
            pytest.param(0, "abcdef", id="not-digits"),
        ],
    )
    async def test_refused_codes(
        self, client: httpx.AsyncClient, frozen_clock: int, offset_s: int, code: str | None
    ) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET)
        sent = code if code is not None else pyotp.TOTP(TOTP_SECRET).at(frozen_clock // 1000 + offset_s)
        response = await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": sent})
        assert response.status_code == 422
        assert error_code(response) == ("totp_incorrect_code" if code is None else "totp_invalid_length")

    async def test_short_imported_secret_still_works(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        class EightyBitTOTP(pyotp.TOTP):
            min_secret_length_bits = 80

        secret = "JBSWY3DPEHPK3PXP"
        user = await make_user(client, totp_secret=secret)
        code = EightyBitTOTP(secret).at(frozen_clock // 1000)
        response = await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": code})
        assert response.json() == {"verified": True, "code_type": "totp"}

    async def test_backup_code_is_consumed_once(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, backup_codes=BACKUP_CODES)
        path = f"/v1/users/{user['id']}/verify_totp"
        first = await client.post(path, json={"code": BACKUP_CODES[0]})
        assert first.json() == {"verified": True, "code_type": "backup_code"}
        again = await client.post(path, json={"code": BACKUP_CODES[0]})
        assert again.status_code == 422 and error_code(again) == "totp_incorrect_code"
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert current["backup_code_enabled"] is True and current["mfa_disabled_at"] is None
        assert (await client.post(path, json={"code": BACKUP_CODES[1]})).status_code == 200
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["backup_code_enabled"], current["two_factor_enabled"]) == (False, False)
        assert current["mfa_disabled_at"] is not None
        assert [e[0] for e in await recorded_events()] == ["user.created", "user.updated", "user.updated"]
        assert (await recorded_events())[-1] == ("user.updated", current)

    async def test_concurrent_uses_of_one_backup_code_succeed_once(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, backup_codes=BACKUP_CODES)
        responses = await asyncio.gather(
            *(client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": BACKUP_CODES[1]}) for _ in range(5))
        )
        assert sorted(r.status_code for r in responses) == [200, 422, 422, 422, 422]

    async def test_backup_code_alongside_totp(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
        response = await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": BACKUP_CODES[0]})
        assert response.json() == {"verified": True, "code_type": "backup_code"}
        wrong = await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": "nope"})
        assert wrong.status_code == 422 and error_code(wrong) == "totp_incorrect_code"

    async def test_no_second_factor_is_400(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": "123456"})
        assert response.status_code == 400 and error_code(response) == "totp_disabled"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="missing"),
            pytest.param({"code": ["1"]}, "form_param_type_invalid", id="not-a-string"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET)
        response = await client.post(f"/v1/users/{user['id']}/verify_totp", json=body)
        assert response.status_code == 422 and error_code(response) == code


class TestDisableMFA:
    async def test_removes_every_factor(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
        response = await client.delete(f"/v1/users/{user['id']}/mfa")
        assert response.status_code == 200 and response.json() == {"user_id": user["id"]}
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["totp_enabled"], current["backup_code_enabled"], current["two_factor_enabled"]) == (
            False,
            False,
            False,
        )
        assert current["mfa_disabled_at"] is not None and current["mfa_enabled_at"] == user["mfa_enabled_at"]
        assert (await recorded_events())[-1] == ("user.updated", current)
        response = await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": BACKUP_CODES[0]})
        assert error_code(response) == "totp_disabled"

    async def test_without_mfa_changes_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        assert (await client.delete(f"/v1/users/{user['id']}/mfa")).json() == {"user_id": user["id"]}
        assert (await client.get(f"/v1/users/{user['id']}")).json() == user
        assert await recorded_events() == [("user.created", user)]


class TestDeleteBackupCode:
    async def test_removes_only_backup_codes(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
        response = await client.delete(f"/v1/users/{user['id']}/backup_code")
        assert response.status_code == 200 and response.json() == {"user_id": user["id"]}
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["totp_enabled"], current["backup_code_enabled"]) == (True, False)
        assert current["mfa_disabled_at"] is None
        assert (await recorded_events())[-1] == ("user.updated", current)

    async def test_last_factor_disables_mfa(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, backup_codes=BACKUP_CODES)
        await client.delete(f"/v1/users/{user['id']}/backup_code")
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert current["two_factor_enabled"] is False and current["mfa_disabled_at"] is not None


class TestDeleteTOTP:
    async def test_removes_only_totp(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
        response = await client.delete(f"/v1/users/{user['id']}/totp")
        assert response.status_code == 200 and response.json() == {"user_id": user["id"]}
        current = (await client.get(f"/v1/users/{user['id']}")).json()
        assert (current["totp_enabled"], current["backup_code_enabled"]) == (False, True)
        assert (await recorded_events())[-1] == ("user.updated", current)

    async def test_without_totp_records_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, backup_codes=BACKUP_CODES)
        assert (await client.delete(f"/v1/users/{user['id']}/totp")).json() == {"user_id": user["id"]}
        assert await recorded_events() == [("user.created", user)]
