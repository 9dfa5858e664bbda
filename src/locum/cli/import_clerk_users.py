"""`locum import-clerk-users FILE.csv`: import the user CSV that Clerk's Dashboard exports into an
instance (the default one unless --instance), keeping user ids, password digests and TOTP secrets
(resources/users/clerk_import.py says what a row becomes)."""

import csv
import gc
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from locum.cli.errors import run_on_database
from locum.cli.keys import Instance
from locum.cli.options import ServerDatabaseUrl, server_settings

if TYPE_CHECKING:
    from locum.resources.users.clerk_import import ImportSummary
    from locum.settings import Settings

BatchSize = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        metavar="N",
        min=1,
        max=50_000,
        help="Users written per transaction [default: the importer's, sized for SQLite and PostgreSQL alike]",
        show_default=False,
    ),
]


async def _import(
    settings: "Settings", path: Path, instance_id: str | None, batch_size: int | None, show_progress: bool
) -> "ImportSummary":
    from locum.api.errors import not_found
    from locum.app import prepare_database
    from locum.db.engine import create_engine, create_sessionmaker
    from locum.instances.master_key import open_sealer
    from locum.resources.locum_instances.repository import get_instance
    from locum.resources.users.clerk_import import BATCH_SIZE, import_clerk_users

    batch_size = batch_size or BATCH_SIZE
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        keys = await prepare_database(engine, settings, sealer=sealer)
        if instance_id is not None:
            async with create_sessionmaker(engine)() as session:
                if await get_instance(session, instance_id) is None:
                    raise not_found("instance")
        target = instance_id or keys.instance_id
        if not show_progress:
            return await import_clerk_users(engine, sealer, target, path, batch_size=batch_size)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        total = _count_records(path)
        with Progress(
            TextColumn("Importing users"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
        ) as bar:
            task = bar.add_task("import", total=total)
            return await import_clerk_users(
                engine,
                sealer,
                target,
                path,
                batch_size=batch_size,
                progress=lambda rows: bar.update(task, completed=rows),
            )
    finally:
        await engine.dispose()


def _count_records(path: Path) -> int:
    """Rows for the progress bar's total: lines less the header (a cell with a line break makes it
    an estimate, which the bar survives)."""
    with path.open("rb") as file:
        return max(sum(1 for _ in file) - 1, 0)


def summary_lines(summary: "ImportSummary") -> list[str]:
    rate = f"{summary.users_per_second:,.0f} users/s" if summary.imported else "-"
    lines = [
        f"Imported: {summary.imported}",
        f"Already imported: {summary.already_imported}",
        f"Skipped: {len(summary.skipped)}",
        f"Elapsed: {summary.elapsed_seconds:.2f} s ({rate})",
    ]
    reasons = Counter(skipped.reason.split(":")[0] if ":" in skipped.reason else "" for skipped in summary.skipped)
    if summary.skipped and len(reasons) > 1:
        lines.append(f"Skipped rows by kind: {dict(reasons.most_common())}")
    return lines


def import_clerk_users_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", exists=True, dir_okay=False, readable=True, help="The CSV Clerk's Dashboard exported"
        ),
    ],
    database_url: ServerDatabaseUrl = None,
    instance: Instance = None,
    batch_size: BatchSize = None,
) -> None:
    """Import users from Clerk's user export (CSV), keeping their ids, password digests and TOTP secrets.

    Each batch is one transaction: re-running after an interruption imports what is left (users
    already there with the same data count as already imported). Rows that can't be imported are
    listed on stderr (row number, reason) and skipped."""
    from locum.api.errors import ClerkError
    from locum.resources.users.clerk_import import BadHeader

    settings = server_settings(database_url=database_url)
    # The import allocates hundreds of thousands of acyclic rows: the cycle collector, rescanning
    # them as they pile up, would cost ~10% of its time for nothing. This process does nothing else.
    gc.disable()
    try:
        summary = run_on_database(
            settings, _import(settings, file, instance, batch_size, show_progress=sys.stdout.isatty())
        )
    except BadHeader as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    except UnicodeDecodeError:
        typer.echo(f"Error: {file} is not UTF-8 text", err=True)
        raise typer.Exit(1) from None
    except csv.Error as error:
        typer.echo(f"Error: {file} is not a CSV file Python can read ({error})", err=True)
        raise typer.Exit(1) from None
    except ClerkError as error:
        typer.echo(f"Error: {error.long_message} (`locum instances list` lists the instances)", err=True)
        raise typer.Exit(1) from None
    for skipped in summary.skipped:
        typer.echo(f"row {skipped.row} ({skipped.user_id or 'no id'}): {skipped.reason}", err=True)
    for line in summary_lines(summary):
        typer.echo(line)
