# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Migrations
#
# The design's migrations are version-controlled with these properties: **forward and
# backward** (every `up` has a `down`), **idempotent** (safe to run more than once), **data
# migrations separate** from schema migrations, **tested in staging** before production, and a
# **rollback plan** that works. This chapter shows how the project meets each one - not
# by promise but with evidence computed when the notebook runs: the migration timeline, what
# each migration changes, a verification matrix on real engines, a failure drill, and the
# migration-safety lint.

# %%
from dbdesign import engines
from dbdesign.migrate.runner import load_folder
from dbdesign.review import notebook as nbk

wb = nbk.setup()
import os

MIGRATIONS = wb.source if os.path.isdir(wb.source) else None  # the project's migrations folder
if MIGRATIONS:
    print(f"{len(load_folder(MIGRATIONS))} migrations in {MIGRATIONS}/, scale: {wb.scale}")
else:
    print(f"{wb.source} is one DDL file, not a migrations folder: the sections about this "
          "project's migrations are skipped; the lint, drill, rehearsal and interop sections "
          "run on their own fixture folders")

# %% [markdown]
# ## Tool choice and why
#
# The usual runners (Knex, Alembic, golang-migrate, Flyway, Liquibase ...), and what
# they do with the parts that decide whether a team can trust a deploy:
#
# | | history | checksums | lock between two deploys | failed migration | down verified |
# |---|---|---|---|---|---|
# | Flyway | table with checksum, time, success | yes (`validate`, `repair`) | yes | rolled back where DDL is transactional; MySQL: `success=0` blocks until `repair` | no; undo and dry run are paid |
# | Liquibase | DATABASECHANGELOG + MD5 | yes | lock row that stays stale after a crash | one transaction per changeSet | no |
# | Alembic | one version row | no | none built in | depends on the engine | no |
# | golang-migrate | version + dirty flag | no | per driver | dirty flag blocks until `force` | no |
# | dbmate | versions | no | none (requested since 2019) | transaction by default | no |
# | **dbdesign migrate** | version, name, sha256, applied_at, ms, applied_by, state, error | yes: `modified` blocks `up` | PG advisory lock, MariaDB `GET_LOCK`, `flock` on SQLite/DuckDB - all freed when the holder dies | one transaction per migration; MariaDB: `failed` row, `up` refuses until `repair` | yes: `migrate verify` on every engine |
#
# **The choice.** Migrations are plain SQL files in the golang-migrate layout
# (`0007_add_posts_published_at.up.sql` / `.down.sql`), written once in PostgreSQL dialect:
# a reviewer reads exactly what runs, no ORM or language is imposed on the application teams,
# and the same files still run under golang-migrate or Flyway on PostgreSQL if a team prefers
# those in production (no lock-in). `dbdesign migrate` adds what those tools leave to luck:
# the per-engine rendering (SQLite and DuckDB rebuild tables where their `ALTER TABLE` cannot
# follow), the lock, checksums, `plan` (alembic's offline mode, free), and `verify`. A team
# that settles on another tool takes the folder with it: `migrate export` writes Flyway,
# dbmate, goose, Liquibase, Alembic, Knex and Prisma layouts, `migrate import` reads them
# (the last section).
#
# ## Forward and backward: the timeline
#
# Each row is one migration as the declared model sees it: what its up file changes (computed
# with `dbdesign.schema.diff` between the model before and after it), how many statements each
# direction has, and whether it runs in a transaction. `0008` is a **data** migration: the
# `data` word in its name marks it, it contains no DDL, and the lint would flag DDL in it.

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.migrate.runner import timeline

if MIGRATIONS:
    tl = timeline(MIGRATIONS)
    nbk.table(tl.drop(columns=["checksum"]))

# %% tags=["example"]
assert tl["down_statements"].notna().all(), "every migration has a down file"
assert list(tl[tl["kind"] == "data"]["name"]) == ["data_backfill_posts_published_at"]

# %% [markdown]
# The checksums the history table records (sha256 of the up file, first 12 hex digits): a file
# edited after it was applied shows up as `modified` in `migrate status`, and `up` refuses
# until someone restores it or accepts the change with `migrate repair`.

# %%
if MIGRATIONS:
    nbk.table(tl[["version", "name", "checksum"]])

# %% [markdown] tags=["example"]
# ### One migration up close: the ERD before and after
#
# `0004_create_comments` adds a table with three relationships; the diagram shows the schema
# after it, with what it added in green (removed would be red, changed amber).

# %% tags=["example"]
from IPython.display import SVG, display

from dbdesign.migrate.runner import erd_diff_svg

display(SVG(erd_diff_svg(MIGRATIONS, 4, compact=True)))

# %% [markdown] tags=["example"]
# ### One file, four engines
#
# Files are written once, in PostgreSQL dialect; the runner renders them per engine through the
# dialect layer. `migrate plan` prints exactly what `up` would run, without running it - here
# `0007` (add `published_at`) for SQLite and DuckDB, as a reviewer sees it before a deploy.

# %% tags=["example"]
# NBVAL_CHECK_OUTPUT
from dbdesign import engines
from dbdesign.migrate.runner import Migrator

planned = {}
for name in ("sqlite", "duckdb"):
    with engines.throwaway(name) as eng:
        m = Migrator(MIGRATIONS, eng)
        m.up(target=6)
        planned[f"migrate plan up on {name}"] = m.plan("up", target=7)
nbk.folded(planned, open_first=True)

# %% [markdown]
# ## Verification on real engines
#
# Nobody else checks that a down migration really reverses its up. `dbdesign migrate verify`
# does, on a throw-away database of each engine, migration by migration through the real
# runner; every schema is read back from the engine (`introspect`) and compared with
# `dbdesign.schema.diff`:
#
# - **up**: after `up` to this version the engine holds the declared model (as rendered for
#   that engine);
# - **idempotent**: a second `up` applies nothing - history rows and schema unchanged;
# - **down restores**: `down` gives back exactly the schema from before the migration;
# - **re-up**: `up -> down -> up` gives the same schema as the first `up`;
# - the last row, **all**, is the deploy path on a fresh database: `up` all, again, `down --to 0`
#   (must leave an empty database), `up` all again.

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.migrate.verify import verify

if MIGRATIONS:
    result = verify(MIGRATIONS, engines=("sqlite", "duckdb"))
    nbk.table(result.matrix().reset_index())
    print(result.format_text())

# %% tags=["example"]
assert result.ok and not result.findings

# %% [markdown]
# The same on the two servers, when this machine can reach them (the test suite runs it on both
# under CI; here an unreachable server is named instead of failing the chapter):

# %%
from dbdesign.lab.probe import available_engines

servers = available_engines(("postgres", "mysql"))
nbk.engines_table(servers)
if MIGRATIONS:
    if servers.available:
        on_servers = verify(MIGRATIONS, engines=servers.available)
        nbk.table(on_servers.matrix().reset_index())
        assert on_servers.ok, on_servers.format_text()

# %% [markdown]
# All engines at once: a green cell is a migration whose up, idempotent, down-restores and
# re-up checks all passed on that engine; a red one names the checks that failed, and a check
# that was skipped is named in its cell, with the reason in the table below the grid.

# %%
import dataclasses

import matplotlib.pyplot as plt

from dbdesign.review import charts

if MIGRATIONS:
    grid_result = result if not servers.available else dataclasses.replace(
        result, engines=list(result.engines) + list(on_servers.engines), checks=result.checks + on_servers.checks)
    charts.migration_grid(grid_result)
    plt.show()
    skips = grid_result.frame()
    skips = skips[(skips["result"] == "skip") & (skips["detail"].fillna("") != "")]
    if len(skips):
        nbk.table(skips.groupby(["check", "detail"], sort=False).agg(
            engines=("engine", lambda s: ", ".join(dict.fromkeys(s))),
            migrations=("migration", lambda s: ", ".join(dict.fromkeys(s)))).reset_index()
            [["check", "engines", "migrations", "detail"]].rename(columns={"detail": "why skipped"}),
            caption="The checks the grid skips, and why")

# %% [markdown]
# What a broken down file looks like: a fixture folder whose `0002` down forgets to drop its
# index and whose `0003` down forgets its column. `verify` names the object, the file and the
# engine, and carries on from a fresh database so later migrations are still checked:

# %%
# NBVAL_CHECK_OUTPUT
broken = verify("tests/fixtures/migrations_irreversible", engines=("sqlite",))
nbk.table(broken.matrix().reset_index())
for f in broken.findings:
    print(f.format())
assert [f.rule for f in broken.findings] == ["migration-irreversible"] * 2

# %% [markdown] tags=["example"]
# ## Idempotency and data migrations
#
# Two different promises hide behind "safe to run multiple times":
#
# 1. **The runner**: `up` twice is a no-op because the history table records what ran - the
#    *idempotent* column above checks it on every engine.
# 2. **The statements themselves**, which matters when a migration is retried after a
#    failure, replayed on staging, or run by hand: a data migration must only touch rows it has
#    not handled yet. `0008` backfills `published_at` only `WHERE published_at IS NULL`, so a
#    second run changes nothing and never overwrites a value the application wrote
#    (`tests/test_migrate.py::test_data_migration_backfills_and_is_safe_to_run_twice` runs it
#    twice on all four engines with the dev seed).

# %% tags=["example"]
with open(f"{MIGRATIONS}/0008_data_backfill_posts_published_at.up.sql") as fh:
    nbk.sql(fh.read())
with open(f"{MIGRATIONS}/0008_data_backfill_posts_published_at.down.sql") as fh:
    nbk.sql(fh.read())

# %% [markdown]
# Data and schema migrations are separate files because they fail differently: DDL takes
# locks and (on MariaDB) cannot be rolled back, while a backfill over millions of rows may need
# batching and time. Keeping them apart lets each be retried, timed and reviewed on its own; the
# lint's `migration-mixes-data-and-schema` rule enforces it. The backfill's down is deliberately
# empty: a backfilled value cannot be told apart from one the application wrote later, so
# "undoing" it would destroy real data; rolling back `0007` drops the column anyway.

# %% [markdown] tags=["example"]
# ## When a migration fails: the rollback drill
#
# A migration whose second statement fails on real data - a UNIQUE index the dev seed violates
# (one author has two posts; the lint's `migration-unique-on-existing` probe query would have
# shown it). On SQLite, DuckDB and PostgreSQL each migration runs in one transaction with its
# history row: after the failure **nothing is half-applied** - the schema diff before/after is
# empty, the migration is still `pending`, fixing the file is enough.

# %% tags=["example"]
# NBVAL_CHECK_OUTPUT
from dbdesign.migrate.verify import drill_frame, failure_drill

drills = [failure_drill(name) for name in ("sqlite", "duckdb")]
nbk.table(drill_frame(drills))
for d in drills:
    print(d.error)
    assert d.left_behind == "no differences" and d.state_after_failure == "pending" and d.final_matches_model

# %% [markdown] tags=["example"]
# **MariaDB has no transactional DDL**: the `ALTER TABLE` before the failing statement stays
# applied. The runner writes a `failed` row *before* it starts (Flyway's approach, so even a
# crash half-way is recorded), refuses further `up` runs with a message that says what to do,
# and `repair` clears the row once a human has undone or finished the change by hand:

# %% tags=["example"]
db_servers = [n for n in ("postgres", "mysql") if n in servers.available]
if db_servers:
    server_drills = [failure_drill(name) for name in db_servers]
    nbk.table(drill_frame(server_drills))
    for d in server_drills:
        assert d.final_matches_model
        if d.engine == "mysql":
            assert d.state_after_failure == "failed" and d.left_behind.startswith("+ column posts.reading_minutes")
else:
    print("PostgreSQL and MariaDB are not reachable here: the drill above ran on the embedded "
          "engines only; tests/test_verify.py runs it on both servers under CI.")

# %% [markdown]
# ## Staging tests and the rollback plan
#
# What the project runs, and when:
#
# | when | command | what it proves |
# |---|---|---|
# | every commit (CI) | `dbdesign migrate lint --dir migrations` | no risky operation slipped in unexplained |
# | every commit (CI) | `dbdesign migrate verify --engine sqlite --engine duckdb --engine postgres --engine mysql` | up = model, idempotent, down restores, re-up, on all four engines |
# | before a deploy | `dbdesign migrate plan --db $STAGING` | the exact SQL that will run, reviewed |
# | before a deploy | `dbdesign migrate verify --db $STAGING` / `status --db $STAGING` | no applied file was edited since (checksums), no failed or out-of-order history |
# | deploy to staging, then production | `dbdesign migrate up --db ...` | one run at a time (lock), each migration all-or-nothing where the engine allows |
# | rollback | `dbdesign migrate down --steps 1` (or `--to VERSION`) | the down files `verify` has already exercised |
#
# **Rollback plan.** (1) Every schema migration has a verified down; roll back with
# `migrate down --steps N` after `migrate plan --direction down` was read. (2) Data migrations
# are forward-only by design (above): fix forward with a new data migration. (3) Destructive
# steps (`DROP COLUMN/TABLE`, flagged by the lint) are split across releases: stop using the
# column, deploy, drop it later - and take a backup before the release that drops. (4) On
# MariaDB a failed migration is never retried blindly: undo the half-applied part, fix the
# file, `migrate repair`, `migrate up` (the drill above).
#
# ## Migration-safety lint
#
# `dbdesign migrate lint` reads the folder with the schema model, so it knows what each earlier
# migration created: a `CREATE INDEX` without `CONCURRENTLY` matters on a table that already
# holds data, not on one created in the same file, or by an earlier migration of the same
# unapplied batch (`--db` tells which are applied; `--batch-from VERSION` says it by hand).
# The example passes - its one `ALTER TABLE` on a live table (`0007`) sets a `lock_timeout`
# first:

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.checks.migration_lint import format_text, lint_migrations

if MIGRATIONS:
    print(format_text(lint_migrations(MIGRATIONS)))

# %% tags=["example"]
assert lint_migrations(MIGRATIONS) == []

# %% [markdown]
# And on a folder of risky migrations every rule fires where it should, with the probe query
# for changes that depend on existing data:

# %%
# NBVAL_CHECK_OUTPUT
import pandas as pd

risky = lint_migrations("tests/fixtures/migrations_risky")
frame = pd.DataFrame([{"rule": f.rule, "severity": f.severity, "file": f.file.rsplit("/", 1)[-1],
                       "line": f.line} for f in risky])
nbk.table(frame)
assert {"migration-destructive", "migration-unique-on-existing", "migration-set-not-null",
        "migration-not-null-without-default", "migration-irreversible"} <= set(frame["rule"])

# %%
nbk.table(pd.DataFrame([{"rule": f.rule, "where": f"{f.file.rsplit('/', 1)[-1]}:{f.line}",
                         "message": f.message} for f in risky]))

# %% [markdown]
# ### Locks on PostgreSQL
#
# An ordinary-looking migration can stop an application: most `ALTER TABLE` forms take an
# ACCESS EXCLUSIVE lock, and while the statement *waits* for it behind one long query, every
# later query queues behind the ALTER. The lock rules, on a fixture folder where `0001` creates
# both tables and alters them in the same file (quiet: no rows, no readers), `0002` does the
# risky forms on live tables, `0003`-`0005` the safe ones (`lock_timeout` first, `NOT VALID`
# then `VALIDATE CONSTRAINT`, a validated `CHECK (col IS NOT NULL)` before `SET NOT NULL`,
# `CONCURRENTLY` in a file marked `-- dbdesign:no-transaction`, `USING INDEX`) and `0006`
# commits inside the runner's transaction:

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.checks.migration_lint import RULES

PG_LOCKS = "tests/fixtures/migrations_pg_locks"
locks = lint_migrations(PG_LOCKS)
lock_frame = pd.DataFrame([{"rule": f.rule, "where": f"{f.file.rsplit('/', 1)[-1]}:{f.line}"} for f in locks])
nbk.table(lock_frame.groupby("rule")["where"].apply(" ".join).reset_index())
assert not [f for f in locks if "0001_" in f.file], "nothing on tables the same file created"
assert {"migration-constraint-not-valid", "migration-lock-timeout-missing", "migration-volatile-default",
        "migration-set-not-null", "migration-drop-index-not-concurrent", "migration-transaction-control",
        "migration-concurrently-in-transaction", "migration-add-primary-key"} <= set(lock_frame["rule"])

# %%
nbk.table(pd.DataFrame([{"rule": r, "severity": sev, "why": why, "fix": fix} for r, (sev, why, fix) in RULES.items()]))

# %% [markdown]
# ### Ours and squawk, rule by rule
#
# [squawk](https://squawkhq.com) (PyPI `squawk-cli`, pinned) runs on the same files whenever it
# is installed - `migrate lint` lists its findings after ours. Matched on file and line, per rule
# (`both` = the two flag the same statement; `0002.up:5` = line 5 of `0002_*.up.sql`): first the
# example, then the fixture folder above.

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.checks.migration_lint import compare_with_squawk, squawk_version

print(squawk_version())
for folder in [f for f in (MIGRATIONS, PG_LOCKS) if f]:
    cmp = compare_with_squawk(folder)
    print(f"\n{folder}")
    nbk.table(cmp)
fixture = {r["ours"]: r for r in cmp.to_dict("records")}
assert fixture["migration-drop-index-not-concurrent"]["both"] == 1
assert "0003.up:5" in fixture["migration-constraint-not-valid"]["where_only_ours"]

# %% [markdown]
# Where they differ, and why:
#
# - **squawk flags tables created in the same file** (`0001.up:7`, `0001.up:8`: a volatile default
#   and `SET NOT NULL` on a table with no rows yet; the example's `0001.up:3`, a lock timeout for
#   an index on the table the file just created); we know the table is new and stay quiet.
# - **squawk asks for `lock_timeout` once per file**, at its first locking statement; we name
#   every statement that takes the lock (`0002.up:2` ... `0002.up:7`).
# - **squawk wants `NOT VALID` on a UNIQUE constraint** (`0002.up:6`), which PostgreSQL only
#   accepts for CHECK and FOREIGN KEY; both of us point to `USING INDEX` for it.
# - **squawk reads down files like up files** (`ban-drop-table`, `ban-drop-column`,
#   `require-lock-timeout` there): a down file is *meant* to drop what its up made. We check
#   down files for transaction control only, and check that they restore the schema.
# - **only ours**: a `NOT VALID` constraint never validated (`0003.up:5`); `CONCURRENTLY` after
#   a `COMMIT` or in a transactional down file (squawk thinks the `COMMIT` ended the
#   transaction; the runner would still fail); the probe queries (duplicates, NULLs, rows a new
#   constraint rejects, the table's size); pairs and history (down missing, irreversible,
#   version conflicts, edited applied files); the MariaDB server's own answer (below).
# - **only squawk**: operational advice we leave to it - `statement_timeout`, `IF NOT EXISTS`
#   (`prefer-robust-stmts`), `text` over `varchar(n)`, `bigint` over `int`, `ban-drop-constraint`,
#   `ban-drop-not-null`.
#
# ### MariaDB: asking the server which ALTERs copy the table
#
# InnoDB runs an `ALTER TABLE` as INSTANT (metadata only), INPLACE (writes mostly go on) or
# COPY (the table is rebuilt row by row while writes wait); which one depends on the operation,
# the types and the server version. `migrate lint --copy-check mysql://...` replays the folder
# on a throw-away database and tries each ALTER on a table that held data with
# `ALGORITHM=INSTANT`, then `INPLACE`; what the server refuses both is `migration-table-copy`,
# with the server's reason:

# %%
if "mysql" in servers.available:
    from dbdesign.migrate.table_copy import table_copy_findings
    decisions = []
    table_copy_findings("tests/fixtures/migrations_mysql_copy", engines.server_url("mysql"), decisions=decisions)
    nbk.table(pd.DataFrame([{"where": f"{f.rsplit('/', 1)[-1]}:{line}", "table": t, "algorithm": a,
                             "server's reason": r or ""} for f, line, t, a, r in decisions]))
    assert [d[3] for d in decisions] == ["INSTANT", "INPLACE", "COPY", "COPY"]
else:
    print("MariaDB is not reachable here: tests/test_migration_lint.py asks it under CI.")

# %% [markdown]
# ## Lock rehearsal: what actually blocks writes
#
# Rules predict; a rehearsal measures. `dbdesign migrate rehearse --db URL --rows N` makes a
# throw-away database on that server, applies the migrations already deployed (here `0001`),
# fills the tables with `datagen`, then applies each pending migration through the real runner
# while a writer thread inserts and updates the tables it touches. The writer never waits for a
# lock: each write runs with a lock timeout of ~0 and is retried at once when refused, so
# **blocked** is the server refusing a write, not a latency guess, and a blocked write's time
# runs from its first try to its success. The fixture: a plain `CREATE INDEX`, the same kind of
# index built `CONCURRENTLY`, an `ADD COLUMN` behind a `lock_timeout`, and a type change that
# rewrites the table.

# %%
from dbdesign.migrate.rehearse import rehearse

REHEARSAL = "tests/fixtures/migrations_rehearsal"
rehearse_rows = 1_000_000 if wb.scale == "large" else 100_000
rehearsals = {name: rehearse(REHEARSAL, engines.server_url(name), rehearse_rows) for name in servers.available}
if rehearsals:
    nbk.table(pd.concat([r.frame() for r in rehearsals.values()]).drop(columns=["locks"]))
if "postgres" in rehearsals:
    steps = {s.name: s for s in rehearsals["postgres"].steps}
    assert steps["index_events_account"].blocked and not steps["index_events_kind_concurrently"].blocked
else:
    print("PostgreSQL is not reachable here: tests/test_rehearse.py rehearses on it under CI.")

# %% [markdown]
# Predicted risks against measured blocking, per migration and server: the bar is the longest
# write the server held back (log scale), red where a rule predicted a lock, grey where none did
# (a grey bar is an *unpredicted* block). Beside this run, the recorded review-scale run
# (`benchmarks/bench_rehearse.py`, 1M rows, `data/results/rehearse.json`) when it exists.

# %%
import json
import os

import matplotlib.pyplot as plt

runs = {f"{n} ({r.rows:,} rows, this run)": r.to_dict() for n, r in rehearsals.items()}
recorded = "data/results/rehearse.json"
if os.path.exists(recorded):
    with open(recorded) as fh:
        for n, r in json.load(fh)["engines"].items():
            if "steps" in r:
                runs[f"{n} ({r['rows']:,} rows, recorded)"] = r
if runs:
    fig, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs), 3.6), sharey=True, squeeze=False)
    for ax, (title, r) in zip(axes[0], runs.items()):
        labels = [s["name"].replace("_events", "").replace("_", " ") for s in r["steps"]]
        values = [max(s["blocked_write_ms"], 0.1) for s in r["steps"]]
        colors = ["tab:red" if s["predicted_by"] else "tab:gray" for s in r["steps"]]
        ax.barh(labels, values, color=colors)
        ax.set_xscale("log")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("longest blocked write, ms")
    axes[0][0].invert_yaxis()
    fig.suptitle("red: a lint rule predicted the lock - grey: no rule did", fontsize=9)
    fig.tight_layout()
    plt.show()
else:
    print("no server reachable and no recorded rehearsal: nothing to chart")

# %% [markdown]
# What the recorded run (1M rows) says: on PostgreSQL the plain index build held writes back for
# as long as it ran - seconds - while the concurrent build of a similar index never refused a
# write, though it took longer; the type change held them for the whole rewrite. On MariaDB both
# index builds run INPLACE: writes are refused only for moments at the start and end (the
# metadata lock), so the `CONCURRENTLY` file is no safer there and the plain one little worse;
# the table copy holds writes for its whole duration, which `migration-table-copy` (the server's
# own answer) predicted. The brief refusals around the `ADD COLUMN` are the lock it needs for an
# instant: `lock_timeout` bounds the wait, it cannot remove it - "unpredicted", and harmless.
#
# ## Other tools' layouts
#
# `dbdesign migrate export --format F --out DIR [--dialect mysql]` writes the folder in another
# tool's layout, `dbdesign migrate import DIR --format F --out NEW` reads one back; a file marked
# `-- dbdesign:no-transaction` becomes the tool's own switch. Both ways on the example, every
# format (statements compared; comments outside statements do not survive Alembic and Knex):

# %%
# NBVAL_CHECK_OUTPUT
import tempfile

from dbdesign.migrate.interop import FORMATS, engine_files, export_folder, import_folder
from dbdesign.schema.parse import split_statements


def _statements(path):
    with open(path) as fh:
        return [s.sql.strip() for s in split_statements(fh.read()) if s.expression is not None]


if MIGRATIONS:
    layout_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            out, back = os.path.join(tmp, fmt), os.path.join(tmp, fmt + "-back")
            exported = export_folder(MIGRATIONS, out, fmt)
            imported = import_folder(out, back, fmt)
            files = sorted(os.listdir(back))
            runs = engine_files(MIGRATIONS)  # what PostgreSQL runs: root files or its overrides
            same = set(files) <= set(runs) and all(
                _statements(os.path.join(back, f)) == _statements(runs[f]) for f in files)
            layout_rows.append({"format": fmt, "files written": len(exported.written), "files back": len(files),
                                "same statements": same, "notes": len(exported.notes + imported.notes)})
    layouts = pd.DataFrame(layout_rows)
    nbk.table(layouts)

# %% tags=["example"]
assert layouts["same statements"].all()

# %% [markdown]
# With the real tools, where they install from the registries here: the export run by the tool
# itself on a throw-away database, read back (`introspect`) and diffed against the schema our
# runner builds from the same folder, then the tool's own rollback, which must leave nothing
# but the tool's bookkeeping table. goose (its npm wrapper downloads the binary from GitHub),
# Prisma Migrate (its engines come from Prisma's CDN), Flyway and Liquibase (jars, not in these
# registries) cannot be installed here: their layouts are checked against the tools' documented
# formats only (`tests/test_interop.py`).

# %%
from dbdesign.migrate.interop import round_trip, tool_command

if MIGRATIONS:
    proofs = []
    for fmt in ("dbmate", "knex", "alembic"):
        if tool_command(fmt) is None:
            proofs.append({"tool": fmt, "engine": "-", "version": "not installed (make interop-tools)"})
            continue
        for name in servers.available:
            rt = round_trip(MIGRATIONS, fmt, name)
            proofs.append({"tool": fmt, "engine": name, "version": rt.tool_version, "tables": rt.tables,
                           "up = our schema": not rt.up_differences, "down leaves nothing": not rt.left_after_down})
            assert rt.ok, rt
    nbk.table(pd.DataFrame(proofs))
