import uuid
from typing import Any

import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email


def test_create_get_list_count_update_delete(clerk: Clerk) -> None:
    email = unique_email("sdk")
    created = clerk.users.create(email_address=[email], first_name="Ada", password="a strong passphrase")
    assert isinstance(created, models.User) and created.password_enabled
    assert clerk.users.get(user_id=created.id).email_addresses[0].email_address == email
    listed = clerk.users.list(request={"email_address": [email]})
    assert [u.id for u in listed] == [created.id]
    assert clerk.users.count(request={"email_address": [email]}).total_count == 1
    updated = clerk.users.update(user_id=created.id, last_name="Lovelace")
    assert updated.last_name == "Lovelace" and updated.first_name == "Ada"
    deleted = clerk.users.delete(user_id=created.id)
    assert deleted.deleted and deleted.id == created.id


def test_errors_are_typed(clerk: Clerk) -> None:
    email = unique_email("sdkdup")
    clerk.users.create(email_address=[email])
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.create(email_address=[email])
    assert raised.value.data.errors[0].code == "form_identifier_exists"
    with pytest.raises(models.ClerkErrors):
        clerk.users.get(user_id="user_missing")


def test_jwks(clerk: Clerk) -> None:
    keys = clerk.jwks.get_jwks().keys
    assert keys and keys[0].kid.startswith("ins_")


def test_list_by_substring_searches(clerk: Clerk) -> None:
    # Each search is found through the trigram index (db/text_search.py): the one match over the
    # user's columns, an email address's local part, a phone number's last digits.
    email = unique_email("sdksearch")
    token = uuid.uuid4().hex[:10]
    number = f"+1650557{int(token[:6], 16) % 10_000:04d}"
    created = clerk.users.create(email_address=[email], phone_number=[number], first_name=f"Ada{token}")
    searches: list[dict[str, Any]] = [
        {"query": f"ada{token}"},
        {"query": email},
        {"email_address_query": email.upper()[:-4]},
        {"phone_number_query": number[2:]},
        {"query": number},
    ]
    for search in searches:
        assert [user.id for user in clerk.users.list(request=search)] == [created.id], search
    assert clerk.users.count(request={"query": email}).total_count == 1
