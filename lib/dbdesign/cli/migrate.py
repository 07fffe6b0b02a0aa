"""`dbdesign migrate ...`: a thin click layer over `migrate`, `migration_lint` and `verify`.

Exit codes: 0 ok; 1 a migration failed, the runner refused (failed/modified/missing/out-of-order
history, lock timeout), `status` shows such a history, or lint/verify found errors; 2 bad input (unknown URL scheme, missing
folder, unparsable file, down file without up) - one line on stderr, database untouched.
The lead registers the group with ``main.add_command(migrate)``.
"""
from __future__ import annotations

import functools
import json
import sys

import click

from dbdesign.cli.tools import READ_OPTION, handle_errors
from dbdesign.migrate.runner import MigrationError

DIR_OPTION = click.option("--dir", "directory", default="migrations", show_default=True,
                          help="Folder of {version}_{name}.up.sql / .down.sql files.")
DB_OPTION = click.option("--db", "url", required=True,
                         help="sqlite:///f.db, duckdb:///f.duckdb, postgresql://..., mysql://...")
LOCK_OPTION = click.option("--lock-timeout", type=float, default=60.0, show_default=True,
                           help="Seconds to wait for another run's lock.")
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                             show_default=True)


def read_as(fn):
    """`--read postgres|mysql|sqlite` (default: the config's `read`): every migration file the
    command reads is split and parsed as that engine's SQL."""
    @READ_OPTION
    @functools.wraps(fn)
    def wrapper(*args, read: str | None = None, **kwargs):
        from dbdesign.config import load_config
        from dbdesign.schema.parse import reading
        with reading(read or load_config().read):
            return fn(*args, **kwargs)
    return wrapper


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


def _say(message: str) -> None:
    click.echo(message, err=True)


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
@read_as
@migration_errors
def up(directory: str, url: str, lock_timeout: float, target: int | None, allow_out_of_order: bool) -> None:
    """Apply pending migrations in version order; a no-op when none are pending."""
    from dbdesign.migrate.runner import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        m.on_wait = _say
        click.echo(m.up(target, allow_out_of_order,
                        on_step=lambda mig: click.echo(f"applying {mig.label}", err=True)).format_text())


@migrate.command()
@DIR_OPTION
@DB_OPTION
@LOCK_OPTION
@click.option("--steps", type=int, default=None, help="Roll back this many migrations (default 1).")
@click.option("--to", "to", type=int, default=None, help="Roll back every migration above VERSION (0 = all).")
@handle_errors
@read_as
@migration_errors
def down(directory: str, url: str, lock_timeout: float, steps: int | None, to: int | None) -> None:
    """Roll back the last migration, `--steps N` of them, or down `--to VERSION`."""
    from dbdesign.migrate.runner import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        m.on_wait = _say
        click.echo(m.down(steps if steps is not None else (None if to is not None else 1), to).format_text())


@migrate.command()
@DIR_OPTION
@DB_OPTION
@FORMAT_OPTION
@handle_errors
@read_as
@migration_errors
def status(directory: str, url: str, fmt: str) -> None:
    """Each migration's state: applied, pending, failed, modified or missing; plus gaps and
    ordering problems. Exit 1 when anything is modified, missing, failed or out of order."""
    from dbdesign.migrate.runner import open_migrator
    with open_migrator(directory, url, create=False) as m:
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
@read_as
@migration_errors
def plan(directory: str, url: str, direction: str, steps: int | None, to: int | None,
         target: int | None) -> None:
    """Print the exact SQL `up`/`down` would run on this engine, without running it."""
    from dbdesign.migrate.runner import open_migrator
    with open_migrator(directory, url, create=False) as m:
        click.echo(m.plan(direction, steps if steps is not None else (None if to is not None else 1),
                          to, target))


@migrate.command()
@DIR_OPTION
@DB_OPTION
@LOCK_OPTION
@click.option("--mark-applied", type=int, multiple=True,
              help="A failed VERSION you finished by hand: record it as applied instead of removing it.")
@handle_errors
@read_as
@migration_errors
def repair(directory: str, url: str, lock_timeout: float, mark_applied: tuple[int, ...]) -> None:
    """After fixing the database by hand: clear failed rows (or --mark-applied), accept edited checksums."""
    from dbdesign.migrate.runner import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        m.on_wait = _say
        done = m.repair(mark_applied)
    click.echo("\n".join(done) if done else "nothing to repair")


@migrate.command()
@DIR_OPTION
@DB_OPTION
@LOCK_OPTION
@click.option("--version", "version", type=int, default=None,
              help="Record every version up to this one (default: what the other tool's table says).")
@click.option("--from", "tool", type=click.Choice(["golang-migrate", "flyway", "alembic"]), default=None,
              help="Read this tool's history table (default: the first one found).")
@handle_errors
@migration_errors
def baseline(directory: str, url: str, lock_timeout: float, version: int | None, tool: str | None) -> None:
    """Adopt a database golang-migrate, Flyway or Alembic manages (or one built by hand):
    record the versions it has as applied, without running them."""
    from dbdesign.migrate.runner import open_migrator
    with open_migrator(directory, url, lock_timeout) as m:
        m.on_wait = _say
        click.echo("\n".join(m.baseline(version, tool)))


@migrate.command()
@click.argument("name")
@DIR_OPTION
@handle_errors
def new(name: str, directory: str) -> None:
    """Create a timestamped NAME.up.sql / NAME.down.sql pair."""
    from dbdesign.migrate.runner import new_migration
    for path in new_migration(directory, name):
        click.echo(path)


@migrate.command()
@DIR_OPTION
@FORMAT_OPTION
@click.option("--db", "url", default=None,
              help="A database the folder is applied to: its pending migrations are one batch, and "
                   "edited applied files are reported.")
@click.option("--batch-from", type=int, default=None,
              help="Migrations from VERSION on deploy together (tables they create hold no rows yet).")
@click.option("--copy-check", "copy_check_url", default=None,
              help="A MariaDB/MySQL server URL: replay on a throw-away database there and ask the "
                   "server which ALTERs copy the table.")
@click.option("--squawk/--no-squawk", "with_squawk", default=True, show_default=True,
              help="Also run squawk (PyPI squawk-cli) on the same files when it is installed.")
@handle_errors
@read_as
def lint(directory: str, fmt: str, url: str | None, batch_from: int | None, copy_check_url: str | None,
         with_squawk: bool) -> None:
    """Migration-safety lint (destructive, locking, irreversible ...). Exit 1 on error findings;
    squawk's findings are listed after ours and do not change the exit code."""
    from dbdesign.checks.migration_lint import format_text, lint_migrations, migration_paths, run_squawk
    findings = lint_migrations(directory, url=url, batch_from=batch_from, copy_check_url=copy_check_url)
    squawk = run_squawk(migration_paths(directory)) if with_squawk else []
    if fmt == "json":
        _emit({"findings": [f.to_dict() for f in findings], "squawk": [vars(s) for s in squawk]})
    else:
        click.echo(format_text(findings))
        if squawk:
            click.echo(f"squawk: {len(squawk)} finding(s)")
            click.echo("\n".join(f"{s.file}:{s.line}: squawk {s.rule}: {s.message}" for s in squawk))
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
@click.option("--rows", type=int, default=None,
              help="Also run each migration on a database populated after every version with "
                   "generated rows (datagen; N in the largest table): data failures with probe "
                   "query and offending rows, durations.")
@FORMAT_OPTION
@handle_errors
@read_as
@migration_errors
def verify(directory: str, engine_names: tuple[str, ...], against: tuple[str, ...], rows: int | None,
           fmt: str) -> None:
    """Up / idempotent / down restores / re-up for every migration on throw-away databases;
    with --rows also on a populated one. Exit 1 on findings."""
    from dbdesign.migrate.verify import verify as run_verify
    result = run_verify(directory, engine_names or ("sqlite", "duckdb"), against,
                        on_engine=lambda name: click.echo(f"verifying on {name}", err=True), rows=rows)
    if fmt == "json":
        _emit(result.to_dict())
    else:
        matrix = result.matrix()
        if not matrix.empty:
            click.echo(matrix.to_string())
        click.echo(result.format_text())
    sys.exit(0 if result.ok else 1)


@migrate.command()
@DIR_OPTION
@click.option("--db", "url", required=True,
              help="postgresql://... or mysql://...: a throw-away database is made on this server "
                   "(the named database is not touched).")
@click.option("--rows", type=int, default=100_000, show_default=True,
              help="Generated rows in the largest table (datagen).")
@click.option("--baseline", type=int, default=None,
              help="Migrations up to VERSION are deployed already (default: the leading ones that "
                   "only create tables); the rest are rehearsed one by one.")
@FORMAT_OPTION
@handle_errors
@migration_errors
def rehearse(directory: str, url: str, rows: int, baseline: int | None, fmt: str) -> None:
    """Apply each pending migration to a populated copy while a writer writes: blocked-write ms,
    duration, p99, locks, and the lint rule that predicted it (or "unpredicted")."""
    from dbdesign.migrate.rehearse import rehearse as run_rehearsal
    result = run_rehearsal(directory, url, rows, baseline, on_step=lambda msg: click.echo(msg, err=True))
    _emit(result.to_dict()) if fmt == "json" else click.echo(result.format_text())


INTEROP_FORMAT = click.option("--format", "fmt", required=True,
                              type=click.Choice(["flyway", "dbmate", "goose", "liquibase", "alembic",
                                                 "knex", "prisma"]))


@migrate.command("export")
@DIR_OPTION
@INTEROP_FORMAT
@click.option("--out", required=True, help="A new (or empty) folder to write.")
@click.option("--dialect", type=click.Choice(["postgres", "mysql"]), default="postgres", show_default=True,
              help="SQL of the written files: the folder as written, or rendered for MariaDB/MySQL.")
@handle_errors
def export_cmd(directory: str, fmt: str, out: str, dialect: str) -> None:
    """Write the migrations in another tool's layout (Flyway, dbmate, goose, Liquibase, Alembic,
    Knex, Prisma); what the layout cannot hold is printed as a note."""
    from dbdesign.migrate.interop import export_folder
    res = export_folder(directory, out, fmt, dialect)
    click.echo(f"wrote {len(res.written)} file(s) to {out}")
    for note in res.notes:
        click.echo(f"note: {note}", err=True)


@migrate.command("import")
@click.argument("source")
@INTEROP_FORMAT
@click.option("--out", required=True, help="A new (or empty) folder for the {version}_{name}.up/down.sql pairs.")
@handle_errors
def import_cmd(source: str, fmt: str, out: str) -> None:
    """Read another tool's migrations folder (SOURCE) into up/down pairs."""
    from dbdesign.migrate.interop import import_folder
    res = import_folder(source, out, fmt)
    click.echo(f"wrote {len(res.written)} file(s) to {out}")
    for note in res.notes:
        click.echo(f"note: {note}", err=True)


if __name__ == "__main__":  # pragma: no cover - `python -m dbdesign.cli.migrate` for subprocess tests
    migrate()
