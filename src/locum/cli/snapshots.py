"""`locum export FILE` and `locum import FILE`: a database's rows as a snapshot, and back into an
empty database; `locum serve --import FILE --export-on-exit FILE` uses the same (cli/snapshot_files.py).

Sealed secrets stay sealed: an import with another master key is refused. A snapshot written
`--without-secrets` imports with any key; each of its instances then gets a new secret key and
signing key (`locum keys --instance ID` prints them).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from locum.cli.errors import run_on_database
from locum.cli.options import DatabaseUrl, ServerDatabaseUrl, server_settings, settings_with

if TYPE_CHECKING:
    from locum.settings import Settings


def export(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Where to write the snapshot (JSON Lines); - for stdout")
    ],
    database_url: ServerDatabaseUrl = None,
    instance: Annotated[str | None, typer.Option(metavar="ID", help="Only this instance's rows (ins_…)")] = None,
    without_secrets: Annotated[
        bool, typer.Option("--without-secrets", help="Leave sealed secrets (and rows useless without them) out")
    ] = False,
) -> None:
    """Write every row of the database to FILE: an exact snapshot `locum import` loads again."""
    from locum.cli.snapshot_files import export_snapshot
    from locum.db.snapshots import SnapshotError

    settings = server_settings(database_url=database_url)
    try:
        rows = run_on_database(
            settings, export_snapshot(settings, file, instance_id=instance, without_secrets=without_secrets)
        )
    except SnapshotError as problem:
        _fail(problem)
    typer.echo(f"Exported {rows} rows to {file}.", err=True)


def import_(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A snapshot `locum export` wrote", exists=True, dir_okay=False)
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Load a snapshot into an empty database (migrated first)."""
    from locum.cli.snapshot_files import import_snapshot
    from locum.db.snapshots import SnapshotError

    settings = settings_with(database_url=database_url)
    try:
        rows = run_on_database(settings, import_snapshot(settings, file))
    except SnapshotError as problem:
        _fail(problem)
    typer.echo(f"Imported {rows} rows from {file}.", err=True)


def serve_import(settings: "Settings", file: Path) -> None:
    """`locum serve --import FILE`: the snapshot is loaded into an empty database, else left alone."""
    from locum.cli.snapshot_files import DatabaseNotEmpty, import_snapshot
    from locum.db.snapshots import SnapshotError

    try:
        rows = run_on_database(settings, import_snapshot(settings, file))
    except DatabaseNotEmpty:
        typer.echo(f"The database is not empty: {file} was not imported.", err=True)
        return
    except SnapshotError as problem:
        _fail(problem)
    typer.echo(f"Imported {rows} rows from {file}.", err=True)


def serve_export(settings: "Settings", file: Path) -> None:
    """`locum serve --export-on-exit FILE`, once the server has stopped."""
    from locum.cli.snapshot_files import export_snapshot

    rows = run_on_database(settings, export_snapshot(settings, file))
    typer.echo(f"Exported {rows} rows to {file}.", err=True)


def _fail(problem: Exception) -> NoReturn:
    typer.echo(f"Error: {problem}", err=True)
    raise SystemExit(1)
