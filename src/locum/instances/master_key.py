"""The master key a process seals with, checked against the database before anything else runs.

Every sealed value in a database was sealed with one key. A key that cannot open them would let
locum start and then fail every request, and a new key written beside an existing database would
hide the old one; so start-up (`locum serve`, `worker`, `keys`, `webhooks`) refuses instead, with
one line saying which key is wrong and what to do, and never touches the key file when it refuses.
A new key is generated only for a database that holds no sealed value yet.

The check reads the oldest instance secret key and signing key: every instance has both, they
exist from the first schema revision on (so the check can run before migrating), and they are
sealed with the same key as everything else.
"""

from pathlib import Path

from sqlalchemy import Connection, inspect, make_url, select
from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.engine import READ_ONLY_OPTION
from locum.db.models import InstanceSecretKey, SigningKeyRow
from locum.kit.sealing import Sealer, create_master_key, read_master_key
from locum.settings import Settings

MASTER_KEY_VARIABLE = "LOCUM_MASTER_KEY"
SEALED_SAMPLES = (InstanceSecretKey.sealed_key, SigningKeyRow.sealed_private_key)


class MasterKeyRefused(Exception):
    """The master key cannot be used with this database; the message is one line for the user."""


def _sealed_samples(connection: Connection) -> list[bytes]:
    tables = set(inspect(connection).get_table_names())
    samples = []
    for column in SEALED_SAMPLES:
        if column.table.name in tables:
            sample = connection.scalar(select(column).order_by(column.table.c.created_at).limit(1))
            if sample is not None:
                samples.append(bytes(sample))
    return samples


def _database(settings: Settings) -> str:
    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def _missing(settings: Settings, key_file: Path) -> MasterKeyRefused:
    return MasterKeyRefused(
        f"the master key file {key_file} is missing, and the database {_database(settings)} needs the key its "
        f"secrets were sealed with: restore that file (or set {MASTER_KEY_VARIABLE} to the key); locum will not "
        "make a new key, which could open none of them."
    )


def _unusable(settings: Settings, key_file: Path, problem: str) -> MasterKeyRefused:
    """`problem` completes "the master key in …" ("is not a key", "does not open …")."""
    if settings.master_key:
        return MasterKeyRefused(
            f"the master key in {MASTER_KEY_VARIABLE} {problem}: set it to the key this database was created "
            f"with, or unset it to use the key file {key_file}."
        )
    return MasterKeyRefused(
        f"the master key in {key_file} {problem}: put back the key file that belongs to this database (or set "
        f"{MASTER_KEY_VARIABLE} to that key); the file was left as it is."
    )


async def open_sealer(engine: AsyncEngine, settings: Settings, *, may_create_key: bool = True) -> Sealer:
    """The sealer for this database; MasterKeyRefused when the key is missing, malformed or another one.

    `may_create_key=False` (`locum worker`) never creates a key, even for a database with nothing sealed.
    """
    async with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        samples = await connection.run_sync(_sealed_samples)
    key_file = settings.master_key_file.resolve()
    key = settings.master_key.encode() if settings.master_key else read_master_key(key_file)
    if key is None:
        if samples or not may_create_key:
            raise _missing(settings, key_file)
        key = create_master_key(key_file)
    try:
        sealer = Sealer(key)
    except ValueError:
        raise _unusable(settings, key_file, "is not a key locum can use (32 url-safe base64-encoded bytes)") from None
    if not all(sealer.opens(sample) for sample in samples):
        raise _unusable(settings, key_file, f"does not open the secrets sealed in the database {_database(settings)}")
    return sealer
