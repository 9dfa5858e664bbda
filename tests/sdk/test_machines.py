"""Machines through the official SDK against a real server: every Machines operation."""

import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import unique


def test_create_get_update_list_and_delete(clerk: Clerk) -> None:
    target = clerk.machines.create(request={"name": unique("target")})
    created = clerk.machines.create(
        request=models.CreateMachineRequestBody(
            name=unique("caller"), scoped_machines=[target.id], default_token_ttl=120
        )
    )
    assert isinstance(created, models.MachineCreated)
    assert created.id.startswith("mch_") and created.secret_key.startswith("ak_")
    assert [m.id for m in created.scoped_machines] == [target.id] and created.default_token_ttl == 120

    fetched = clerk.machines.get(machine_id=created.id)
    assert isinstance(fetched, models.Machine) and fetched.name == created.name

    updated = clerk.machines.update(machine_id=created.id, name=unique("renamed"), default_token_ttl=60)
    assert updated.name.startswith("renamed_") and updated.default_token_ttl == 60

    listed = clerk.machines.list(query=updated.name, order_by="name", limit=5)
    assert isinstance(listed, models.MachineList)
    assert [m.id for m in listed.data] == [created.id] and listed.total_count == 1

    deleted = clerk.machines.delete(machine_id=created.id)
    assert isinstance(deleted, models.MachineDeleted) and deleted.DELETED and deleted.id == created.id
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.machines.get(machine_id=created.id)
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_secret_key_and_rotation(clerk: Clerk) -> None:
    machine = clerk.machines.create(request={"name": unique("keyed")})
    revealed = clerk.machines.get_secret_key(machine_id=machine.id)
    assert isinstance(revealed, models.MachineSecretKey) and revealed.secret == machine.secret_key
    rotated = clerk.machines.rotate_secret_key(machine_id=machine.id, previous_token_ttl=0)
    assert rotated.secret != machine.secret_key and rotated.secret.startswith("ak_")
    assert clerk.machines.get_secret_key(machine_id=machine.id).secret == rotated.secret


def test_scopes(clerk: Clerk) -> None:
    caller = clerk.machines.create(request={"name": unique("caller")})
    target = clerk.machines.create(request={"name": unique("target")})
    created = clerk.machines.create_scope(machine_id=caller.id, to_machine_id=target.id)
    assert isinstance(created, models.MachineScope)
    assert (created.from_machine_id, created.to_machine_id) == (caller.id, target.id)
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.machines.create_scope(machine_id=caller.id, to_machine_id=target.id)
    assert raised.value.status_code == 409
    deleted = clerk.machines.delete_scope(machine_id=caller.id, other_machine_id=target.id)
    assert isinstance(deleted, models.MachineScopeDeleted) and deleted.DELETED
    assert clerk.machines.get(machine_id=caller.id).scoped_machines == []
