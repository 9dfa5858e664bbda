"""Metadata, ban/lock, password and second-factor operations through Clerk's official SDK."""

import bcrypt
import pyotp
import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import new_user

PASSWORD = "correct horse battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BACKUP_CODES = ["alpha-123", "bravo-456"]


def test_update_and_replace_metadata(clerk: Clerk) -> None:
    user = new_user(clerk, public_metadata={"plan": {"tier": "pro", "seats": 3}}, private_metadata={"crm": 1})
    merged = clerk.users.update_metadata(
        user_id=user.id,
        public_metadata={"plan": {"seats": None, "renews": "2027"}},
        unsafe_metadata={"theme": "x"},
    )
    assert isinstance(merged, models.User)
    assert merged.public_metadata == {"plan": {"tier": "pro", "renews": "2027"}}
    assert (merged.private_metadata, merged.unsafe_metadata) == ({"crm": 1}, {"theme": "x"})
    replaced = clerk.users.replace_metadata(user_id=user.id, public_metadata={"plan": {"tier": "free"}})
    assert replaced.public_metadata == {"plan": {"tier": "free"}}
    assert replaced.private_metadata == {"crm": 1}


def test_ban_and_unban(clerk: Clerk) -> None:
    user = new_user(clerk)
    assert clerk.users.ban(user_id=user.id).banned is True
    assert clerk.users.unban(user_id=user.id).banned is False


def test_bulk_ban_and_unban(clerk: Clerk) -> None:
    first, second = new_user(clerk), new_user(clerk)
    banned = clerk.users.bulk_ban(user_ids=[first.id, second.id, "user_missing"])
    assert all(isinstance(u, models.User) for u in banned)
    assert [(u.id, u.banned) for u in banned] == [(first.id, True), (second.id, True)]
    unbanned = clerk.users.bulk_unban(user_ids=[second.id])
    assert [(u.id, u.banned) for u in unbanned] == [(second.id, False)]
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.bulk_ban(user_ids=[first.id] * 51)
    assert raised.value.data.errors[0].code == "bulk_size_exceeded"


def test_lock_and_unlock(clerk: Clerk) -> None:
    user = new_user(clerk)
    locked = clerk.users.lock(user_id=user.id)
    assert locked.locked is True and locked.lockout_expires_in_seconds is None
    unlocked = clerk.users.unlock(user_id=user.id)
    assert unlocked.locked is False and unlocked.verification_attempts_remaining == 10


def test_verify_password_upgrades_an_imported_digest(clerk: Clerk) -> None:
    digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    user = new_user(clerk, password_digest=digest, password_hasher="bcrypt")
    assert clerk.users.verify_password(user_id=user.id, password=PASSWORD).verified is True
    assert clerk.users.verify_password(user_id=user.id, password=PASSWORD).verified is True
    with pytest.raises(models.SDKError) as raised:
        clerk.users.verify_password(user_id=user.id, password="wrong password")
    assert raised.value.status_code == 422 and "incorrect_password" in raised.value.body
    assert clerk.users.get(user_id=user.id).verification_attempts_remaining == 9


def test_remove_password(clerk: Clerk) -> None:
    user = new_user(clerk, password=PASSWORD)
    removed = clerk.users.remove_password(user_id=user.id, sign_out_of_other_sessions=True)
    assert isinstance(removed, models.User) and removed.password_enabled is False
    assert clerk.users.remove_password(user_id=user.id).id == user.id


def test_set_and_unset_password_compromised(clerk: Clerk) -> None:
    user = new_user(clerk, password=PASSWORD)
    assert clerk.users.set_password_compromised(user_id=user.id, revoke_all_sessions=True).id == user.id
    assert clerk.users.set_password_compromised(user_id=user.id).password_enabled is True
    assert clerk.users.unset_password_compromised(user_id=user.id).id == user.id


def test_verify_totp_and_backup_code(clerk: Clerk) -> None:
    user = new_user(clerk, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
    totp = clerk.users.verify_totp(user_id=user.id, code=pyotp.TOTP(TOTP_SECRET).now())
    assert totp.verified is True and totp.code_type == models.CodeType.TOTP
    backup = clerk.users.verify_totp(user_id=user.id, code=BACKUP_CODES[0])
    assert backup.verified is True and backup.code_type == models.CodeType.BACKUP_CODE
    with pytest.raises(models.SDKError) as raised:
        clerk.users.verify_totp(user_id=user.id, code=BACKUP_CODES[0])
    assert raised.value.status_code == 422 and "totp_incorrect_code" in raised.value.body


def test_delete_totp_backup_codes_and_mfa(clerk: Clerk) -> None:
    user = new_user(clerk, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
    assert clerk.users.delete_totp(user_id=user.id).user_id == user.id
    current = clerk.users.get(user_id=user.id)
    assert (current.totp_enabled, current.backup_code_enabled) == (False, True)
    assert clerk.users.delete_backup_codes(user_id=user.id).user_id == user.id
    current = clerk.users.get(user_id=user.id)
    assert current.two_factor_enabled is False and current.mfa_disabled_at is not None

    other = new_user(clerk, totp_secret=TOTP_SECRET, backup_codes=BACKUP_CODES)
    assert clerk.users.disable_mfa(user_id=other.id).user_id == other.id
    assert clerk.users.get(user_id=other.id).two_factor_enabled is False
