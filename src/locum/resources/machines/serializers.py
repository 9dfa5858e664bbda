"""Machines, their secret keys and scopes as Clerk's schemas have them."""

from collections.abc import Sequence

from locum.db.models import Machine, MachineScope
from locum.kit.json_types import JSON


def machine_summary_json(machine: Machine) -> JSON:
    """Clerk's `MachineWithoutScopedMachines`."""
    return {
        "object": "machine",
        "id": machine.id,
        "name": machine.name,
        "instance_id": machine.instance_id,
        "created_at": machine.created_at,
        "updated_at": machine.updated_at,
        "default_token_ttl": machine.default_token_ttl,
    }


def machine_json(machine: Machine, scoped_machines: Sequence[Machine]) -> JSON:
    return machine_summary_json(machine) | {"scoped_machines": [machine_summary_json(m) for m in scoped_machines]}


def created_machine_json(machine: Machine, scoped_machines: Sequence[Machine], secret_key: str) -> JSON:
    """The only machine JSON that holds its secret key."""
    return machine_json(machine, scoped_machines) | {"secret_key": secret_key}


def deleted_machine_json(machine_id: str) -> JSON:
    return {"object": "machine", "id": machine_id, "deleted": True}


def secret_key_json(secret: str) -> JSON:
    return {"object": "machine_secret_key", "secret": secret}


def machine_scope_json(scope: MachineScope) -> JSON:
    return {
        "object": "machine_scope",
        "from_machine_id": scope.from_machine_id,
        "to_machine_id": scope.to_machine_id,
        "created_at": scope.created_at,
    }


def deleted_machine_scope_json(from_machine_id: str, to_machine_id: str) -> JSON:
    return {
        "object": "machine_scope",
        "from_machine_id": from_machine_id,
        "to_machine_id": to_machine_id,
        "deleted": True,
    }
