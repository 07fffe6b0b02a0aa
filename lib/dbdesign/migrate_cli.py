"""`dbdesign migrate ...`: a thin click layer over `migrate`, `migration_lint` and `verify`.

Exit codes: 0 ok; 1 a migration failed, the runner refused (failed/modified/out-of-order
history, lock timeout) or lint/verify found errors; 2 bad input (unknown URL scheme, missing
folder, unparsable file, down file without up) - one line on stderr, database untouched.
The lead registers the group with ``main.add_command(migrate)``.
"""
from __future__ import annotations

import functools
import json
import sys

import click

from .clitools import handle_errors
from .migrate import MigrationError

DIR_OPTION = click.option("--dir", "directory", default="migrations", show_default=True,
                          help="Folder of {version}_{name}.up.sql / .down.sql files.")
DB_OPTION = click.option("--db", "url", required=True,
                         help="sqlite:///f.db, duckdb:///f.duckdb, postgresql://..., mysql://...")
LOCK_OPTION = click.option("--lock-timeout", type=float, default=60.0, show_default=True,
                           help="Seconds to wait for another run's lock.")
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                             show_default=True)


def migration_errors(fn):
    """A failed or refused run: one line on stderr, exit 1 (bad input stays exit 2)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MigrationError as err:
            click.echo(f"dbdesign: {err}", err=True)
            sys.exit(1)
    return wrapper


def _emit(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


@click.group()
def migrate() -> None:
    """Versioned up/down SQL migrations: run, roll back, plan, verify on real engines, lint."""


@migrate.command()
@DIR_OPTION
@DB_OPTION
@LOCK_OPTION
@click.option("--target", type=int, default=None, help="Stop after this version.")
@click.option("--allow-out-of-order", is_flag=True, help="Apply pending versions below the last applied one.")
@handle_errors
@migration_errors
def up(directory: str, url: str, lock_timeout: float, target: int | None, allow_out_of_order: bool) -> None:
    """Apply pending migrations in version order; a no-op when none are pending."""
    from .migrate import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        click.echo(m.up(target, allow_out_of_order,
                        on_step=lambda mig: click.echo(f"applying {mig.label}", err=True)).format_text())


@migrate.command()
@DIR_OPTION
@DB_OPTION
@LOCK_OPTION
@click.option("--steps", type=int, default=None, help="Roll back this many migrations (default 1).")
@click.option("--to", "to", type=int, default=None, help="Roll back every migration above VERSION (0 = all).")
@handle_errors
@migration_errors
def down(directory: str, url: str, lock_timeout: float, steps: int | None, to: int | None) -> None:
    """Roll back the last migration, `--steps N` of them, or down `--to VERSION`."""
    from .migrate import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        click.echo(m.down(steps if steps is not None else (None if to is not None else 1), to).format_text())


@migrate.command()
@DIR_OPTION
@DB_OPTION
@FORMAT_OPTION
@handle_errors
@migration_errors
def status(directory: str, url: str, fmt: str) -> None:
    """Each migration's state: applied, pending, failed, modified or missing; plus gaps and
    ordering problems. Exit 1 when anything is modified, missing, failed or out of order."""
    from .migrate import open_migrator
    with open_migrator(directory, url) as m:
        st = m.status()
    _emit(st.to_dict()) if fmt == "json" else click.echo(st.format_text())
    sys.exit(0 if st.ok else 1)


@migrate.command()
@DIR_OPTION
@DB_OPTION
@click.option("--direction", type=click.Choice(["up", "down"]), default="up", show_default=True)
@click.option("--steps", type=int, default=None)
@click.option("--to", "to", type=int, default=None)
@click.option("--target", type=int, default=None)
@handle_errors
@migration_errors
def plan(directory: str, url: str, direction: str, steps: int | None, to: int | None,
         target: int | None) -> None:
    """Print the exact SQL `up`/`down` would run on this engine, without running it."""
    from .migrate import open_migrator
    with open_migrator(directory, url) as m:
        click.echo(m.plan(direction, steps if steps is not None else (None if to is not None else 1),
                          to, target))


@migrate.command()
@DIR_OPTION
@DB_OPTION
@LOCK_OPTION
@click.option("--mark-applied", type=int, multiple=True,
              help="A failed VERSION you finished by hand: record it as applied instead of removing it.")
@handle_errors
@migration_errors
def repair(directory: str, url: str, lock_timeout: float, mark_applied: tuple[int, ...]) -> None:
    """After fixing the database by hand: clear failed rows (or --mark-applied), accept edited checksums."""
    from .migrate import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        done = m.repair(mark_applied)
    click.echo("\n".join(done) if done else "nothing to repair")


@migrate.command()
@click.argument("name")
@DIR_OPTION
@handle_errors
def new(name: str, directory: str) -> None:
    """Create a timestamped NAME.up.sql / NAME.down.sql pair."""
    from .migrate import new_migration
    for path in new_migration(directory, name):
        click.echo(path)


@migrate.command()
@DIR_OPTION
@FORMAT_OPTION
@handle_errors
def lint(directory: str, fmt: str) -> None:
    """Migration-safety lint (destructive, locking, irreversible ...). Exit 1 on error findings."""
    from .migration_lint import format_text, lint_migrations
    findings = lint_migrations(directory)
    if fmt == "json":
        _emit({"findings": [f.to_dict() for f in findings]})
    else:
        click.echo(format_text(findings))
    sys.exit(1 if any(f.severity == "error" for f in findings) else 0)


@migrate.command()
@DIR_OPTION
@click.option("--engine", "engine_names", multiple=True,
              type=click.Choice(["sqlite", "duckdb", "postgres", "mysql"]),
              help="Engine to verify on, repeatable (default: sqlite and duckdb). Servers use "
                   "throw-away databases on $DBDESIGN_POSTGRES_URL / $DBDESIGN_MYSQL_URL.")
@click.option("--db", "against", multiple=True,
              help="A database where the folder is applied already (read only): report files "
                   "edited after they were applied. Repeatable.")
@FORMAT_OPTION
@handle_errors
@migration_errors
def verify(directory: str, engine_names: tuple[str, ...], against: tuple[str, ...], fmt: str) -> None:
    """Up / idempotent / down restores / re-up for every migration on throw-away databases.
    Exit 1 on findings."""
    from .verify import verify as run_verify
    result = run_verify(directory, engine_names or ("sqlite", "duckdb"), against,
                        on_engine=lambda name: click.echo(f"verifying on {name}", err=True))
    if fmt == "json":
        _emit(result.to_dict())
    else:
        matrix = result.matrix()
        if not matrix.empty:
            click.echo(matrix.to_string())
        click.echo(result.format_text())
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":  # pragma: no cover - `python -m dbdesign.migrate_cli` for subprocess tests
    migrate()
