"""Snapshot files for `locum export` / `locum import` and `locum serve --import / --export-on-exit`
(cli/snapshots.py): a database's rows (locum.db.snapshots) written to a file, and loaded back into an
empty database.

Sealed secrets stay sealed: the header names the master key's fingerprint, and an import with
another key is refused. A snapshot written `--without-secrets` imports with any key; each of its
instances then gets a new secret key and signing key (`locum keys --instance ID` prints them).
"""

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import insert, make_url, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from locum.db.engine import READ_ONLY_OPTION, create_engine
from locum.db.migrate import alembic_config, upgrade
from locum.db.models import Instance, InstanceSecretKey, SigningKeyRow
from locum.db.scoping import across_instances
from locum.db.snapshots import (
    Header,
    SnapshotError,
    export_lines,
    insert_records,
    parse_records,
    tables_with_rows,
)
from locum.instances.master_key import MASTER_KEY_VARIABLE, MasterKeyRefused, open_sealer
from locum.kit.ids import new_id
from locum.kit.jwt_signing import new_private_key_pem
from locum.kit.keys import new_secret_key, secret_digest
from locum.kit.sealing import Sealer
from locum.settings import Settings


class DatabaseNotEmpty(SnapshotError):
    pass


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None
    return head


async def export_snapshot(
    settings: Settings, file: Path, *, instance_id: str | None = None, without_secrets: bool = False
) -> int:
    """Write the snapshot (to a file beside FILE, then renamed into place); returns the rows written."""
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings, may_create_key=False)
        await upgrade(engine, sealer=sealer)
        header = Header(
            schema=head_revision(),
            secrets=not without_secrets,
            master_key=None if without_secrets else sealer.fingerprint,
            instance=instance_id,
        )
        async with _snapshot_connection(engine) as connection:
            if instance_id is not None and not await _instance_exists(connection, instance_id):
                raise SnapshotError(f"no instance {instance_id} in this database")
            if str(file) == "-":
                lines = 0
                async for line in export_lines(connection, header, instance_id=instance_id):
                    sys.stdout.buffer.write(line + b"\n")
                    lines += 1
                sys.stdout.buffer.flush()
                return lines - 1
            draft = file.with_name(f".{file.name}.partial")
            lines = 0
            with draft.open("wb") as output:
                async for line in export_lines(connection, header, instance_id=instance_id):
                    output.write(line + b"\n")
                    lines += 1
            draft.replace(file)
            return lines - 1
    finally:
        await engine.dispose()


@asynccontextmanager
async def _snapshot_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in one read transaction: every table as of one moment (REPEATABLE READ on PostgreSQL)."""
    options: dict[str, object] = {READ_ONLY_OPTION: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    async with engine.execution_options(**options).connect() as connection, connection.begin():
        yield connection


async def _instance_exists(connection: AsyncConnection, instance_id: str) -> bool:
    return await connection.scalar(across_instances(select(Instance.id).where(Instance.id == instance_id))) is not None


def _database(settings: Settings) -> str:
    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def _read_header(file: Path) -> Header:
    with file.open("rb") as source:
        return Header.parse(source.readline())


def _record_lines(file: Path) -> Iterator[bytes]:
    with file.open("rb") as source:
        source.readline()
        yield from source


async def _sealer_for(engine: AsyncEngine, settings: Settings, header: Header, file: Path) -> Sealer:
    if header.master_key is None:
        return await open_sealer(engine, settings)
    key_file = settings.master_key_file.resolve()
    try:
        sealer = await open_sealer(engine, settings, may_create_key=False)
    except MasterKeyRefused:
        sealer = None
    if sealer is None or sealer.fingerprint != header.master_key:
        raise MasterKeyRefused(
            f"the snapshot {file} holds secrets sealed with the master key {header.master_key} (fingerprint), "
            f"and {MASTER_KEY_VARIABLE} or {key_file} is "
            f"{'another key' if sealer else 'missing or unusable'}: use the key of the database it was exported "
            "from, or export it again with --without-secrets."
        )
    return sealer


async def import_snapshot(settings: Settings, file: Path) -> int:
    """Rows imported; DatabaseNotEmpty (nothing done) when the database already holds rows."""
    header = _read_header(file)
    if header.schema != head_revision():
        raise SnapshotError(
            f"the snapshot {file} has schema revision {header.schema} and this locum {head_revision()}: "
            "import it with the locum version that exported it"
        )
    engine = create_engine(settings)
    try:
        sealer = await _sealer_for(engine, settings, header, file)
        await upgrade(engine, sealer=sealer)
        async with engine.begin() as connection:
            filled = await tables_with_rows(connection)
            if filled:
                raise DatabaseNotEmpty(
                    f"the database {_database(settings)} is not empty ({', '.join(filled[:3])}"
                    f"{', …' if len(filled) > 3 else ''} have rows): import needs an empty database"
                )
            rows = await insert_records(connection, parse_records(_record_lines(file)))
            if not header.secrets:
                await _give_instances_keys(connection, sealer)
        return rows
    finally:
        await engine.dispose()


async def _give_instances_keys(connection: AsyncConnection, sealer: Sealer) -> None:
    """A snapshot without secrets has no instance keys: each instance gets a new secret and signing key."""
    instances = (await connection.execute(across_instances(select(Instance.id, Instance.environment_type)))).all()
    for instance_id, environment_type in instances:
        secret_key = new_secret_key(environment_type)
        await connection.execute(
            insert(InstanceSecretKey),
            {
                "id": new_id("secret_key"),
                "instance_id": instance_id,
                "digest": secret_digest(secret_key),
                "sealed_key": sealer.seal(secret_key),
            },
        )
        await connection.execute(
            insert(SigningKeyRow),
            {"kid": instance_id, "instance_id": instance_id, "sealed_private_key": sealer.seal(new_private_key_pem())},
        )
