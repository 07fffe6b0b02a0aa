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
# # 4. Constraints and data integrity
#
# Database constraints are the last line of defence behind three validation
# layers: the API validates input before business logic, the ORM before the write, the
# database last. This chapter takes that literally:
#
# 1. the **constraint catalogue** - every NOT NULL, UNIQUE, CHECK, FOREIGN KEY (with its
#    `ON DELETE` behaviour), PRIMARY KEY and DEFAULT, with what it protects;
# 2. the **proof**: adversarial writes for every constraint, run on PostgreSQL, MariaDB, SQLite
#    and DuckDB in throw-away databases - declaring a constraint is not the same as having it;
# 3. the **validation layers** - pydantic (API) and SQLAlchemy (ORM) models generated from the
#    same model, hit with the same bad inputs as the databases, and which layer is the *only*
#    guard for what;
# 4. the generated **ORM configuration** (SQLAlchemy models and connection settings),
#    written by the report as `orm_models.py`.
#
# Cells marked as checked fail the test suite when an engine or the schema changes what they
# print; the `assert` cells state the facts the text relies on.

# %%
import pandas as pd

from dbdesign.review import notebook as nbk

wb = nbk.setup()  # repo root as working directory; DBDESIGN_SOURCE / dbdesign.toml pick the schema
print(f"schema source: {wb.source}  ({len(wb.schema.sources)} migration files read, scale: {wb.scale})")

# %% [markdown]
# ## The constraint catalogue
#
# Every guard the database holds, per table and kind. A description comes from `COMMENT ON`
# when the author wrote one, else from the comment above the statement in the migration, else it
# is generated from what the constraint does (`dbdesign catalog` prints the same as Markdown or
# JSON; the report writes `catalog.md` and `catalog.json`).

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.generate.catalog import build_catalog

cat = build_catalog(wb.schema)
constraints = cat.to_frame()
counts = constraints.pivot_table(index="table", columns="kind", values="definition",
                                 aggfunc="count", fill_value=0)
nbk.table(counts.reset_index())
s = cat.summary()
print(f"\n{s['constraints']} constraints, {s['documented_by_author']} described by their author, "
      f"the rest by a generated sentence")
assert (constraints["description"].str.len() > 0).all(), "every constraint has a description"

# %% [markdown]
# The catalogue in full. `source` says where the description came from; `at` is the migration
# file and line that declared the constraint.

# %%
nbk.table(constraints[["table", "kind", "columns", "definition", "description", "source", "at"]])

# %% [markdown]
# The foreign keys and what a parent delete does to the child row.

# %% [markdown] tags=["example"]
# Three behaviours are used on purpose: `RESTRICT` where a hard delete would be a bug (users and posts are soft-deleted, so a
# real DELETE of a parent with children should fail loudly), `CASCADE` for rows that cannot
# exist without their parent (a profile, a post's tag links, a post's comments - see chapter 5
# for why this one is questionable together with soft delete), and `SET NULL` for the
# `created_by` / `updated_by` references, so erasing a user never destroys other rows.

# %%
# NBVAL_CHECK_OUTPUT
fks = constraints[constraints["kind"] == "FOREIGN KEY"]
nbk.table(fks[["table", "columns", "definition"]], caption="Foreign keys")

# %% [markdown]
# ## The proof: adversarial writes on four engines
#
# `dbdesign probe` (here: `probe.run_probe`) creates the schema in a throw-away database per
# engine - rendered for that engine by `dbdesign.dialects`, exactly as chapter 1 showed - loads
# one valid row per table, and then, each in its own rolled-back transaction, tries to break
# every constraint: NULL into NOT NULL, a duplicate (and a case variant of an email) into UNIQUE,
# a value outside a CHECK, an orphan child row, a string one character too long, a value of the
# wrong type, and a delete of a parent under RESTRICT / CASCADE / SET NULL. A control test
# (`tests/test_probe.py`) proves the same rows *without* the bad value are accepted, so every
# rejection is caused by the value under test.
#
# SQLite runs twice: as dbdesign opens it (`PRAGMA foreign_keys=ON` on every connection) and as
# a plain `sqlite3.connect()` leaves it (`sqlite-nopragma`, foreign-key probes only) - what every
# tool that forgets the pragma gets.
#
# PostgreSQL and MariaDB are servers; when one is not reachable from this machine its column is
# missing and the note below says why.

# %%
from dbdesign.lab import probe

avail = probe.available_engines()
nbk.engines_table(avail)
if avail.unavailable:
    nbk.md("**Note:** " + ", ".join(avail.unavailable) + " not reachable: those columns are missing "
           "below, and the facts that need them are skipped (set `DBDESIGN_POSTGRES_URL` / "
           "`DBDESIGN_MYSQL_URL` and re-run).")

# %%
scope = wb.lab_scope()  # every table; the workload's tables and their parents on a large schema
if scope.bounded:
    nbk.md(scope.note)
result = probe.run_probe(scope.schema, avail.available)
print(f"{len(result.outcomes)} probes in {sum(result.seconds.values()):.1f} s")
for gap in result.gaps():  # an engine that could not take the schema, tables without a baseline row
    print(gap)
nbk.table(pd.DataFrame([{"engine": name, "version and settings": info} for name, info in result.engine_info.items()]))

# %% [markdown]
# What happened, counted per engine. `rejected`, `cascaded` and `set null` are a guard doing its
# job; `accepted` is expected only where the write is legal (re-using the email of a
# soft-deleted user). A trailing `!` marks the outcomes a working guard would not produce - each
# of those is a finding.

# %%
# NBVAL_CHECK_OUTPUT
nbk.table(result.summary().reset_index())

# %%
import matplotlib.pyplot as plt

from dbdesign.review import charts

charts.probe_heatmap(result)
plt.show()

# %% [markdown]
# ### Findings and fixes
#
# The findings grouped by engine and kind, with one example and the usual fix (the full list,
# one per constraint with its migration file and line, is `result.findings`, and
# `dbdesign probe` prints it):

# %%
# NBVAL_CHECK_OUTPUT
nbk.table(result.findings_summary())

# %% [markdown] tags=["example"]
# Read it as:
#
# - **SQLite without the pragma** keeps none of the 19 foreign keys: orphans go in, and a parent
#   delete leaves the children pointing at nothing - `RESTRICT`, `CASCADE` and `SET NULL` alike.
#   With the pragma (dbdesign's own connections) every one holds.
# - **SQLite** stores `'not-a-uuid'` in a UUID column and `'not-a-timestamp'` in a TIMESTAMPTZ
#   column (type affinity). Lengths *do* hold: the renderer emulates `VARCHAR(n)` with
#   `CHECK (length(col) <= n)` because SQLite ignores the length.
# - **DuckDB** cannot declare `ON DELETE CASCADE / SET NULL` (a parser error), so the renderer
#   drops the action and the foreign key refuses the delete instead; and it has no partial
#   indexes, so the three "unique among live rows" indexes are gone.
# - **MariaDB** has no partial and no expression index: the same three unique indexes are
#   dropped by the plain rendering. Chapter 5 shows the emulation (a generated column with a
#   UNIQUE index) that brings them back. Its "reuse after soft delete is accepted" in the matrix
#   is accepted for the wrong reason: there is no index at all.
# - **PostgreSQL** holds every guard.

# %% tags=["example"]
# NBVAL_CHECK_OUTPUT
o = result.outcome
facts = [
    ("sqlite-nopragma", "comments.post_id -> posts orphan", "accepted"),
    ("sqlite-nopragma", "comments.post_id -> posts ON DELETE CASCADE", "orphaned"),
    ("sqlite", "comments.post_id -> posts orphan", "rejected"),
    ("sqlite", "comments.post_id -> posts ON DELETE CASCADE", "cascaded"),
    ("sqlite", "posts.created_at TIMESTAMPTZ type", "accepted"),
    ("sqlite", "users.email VARCHAR(255) length", "rejected"),
    ("duckdb", "comments.post_id -> posts ON DELETE CASCADE", "not expressible"),
    ("duckdb", "users.email VARCHAR(255) length", "rejected"),
    ("postgres", "users UNIQUE INDEX idx_users_email ((LOWER(email))) case variant", "rejected"),
    ("postgres", "users UNIQUE INDEX idx_users_email ((LOWER(email))) reuse after soft delete", "accepted"),
    ("postgres", "posts.created_by -> users ON DELETE SET NULL", "set null"),
    ("mysql", "users UNIQUE INDEX idx_users_email ((LOWER(email))) duplicate", "not expressible"),
    ("mysql", "posts CHECK ck_posts_status", "rejected"),
]
checked = []
for engine, constraint, expected in facts:
    if engine not in result.engine_info:
        print(f"{engine}: not reachable, not checked: {constraint}")
        continue
    got = o(engine, constraint).outcome
    assert got == expected, f"{engine}: {constraint}: expected {expected}, got {got}"
    checked.append({"engine": engine, "write": constraint, "outcome": got})
nbk.table(pd.DataFrame(checked), caption="Outcomes checked against what each engine is known to do")
if "postgres" in result.engine_info:
    assert all(x.ok for x in result.outcomes if x.engine == "postgres"), "PostgreSQL holds every guard"

# %% [markdown]
# The full matrix, constraint x engine (the `expected` column is what a working guard does):

# %%
nbk.table(result.matrix().reset_index())

# %% [markdown]
# The same bad write, four answers. The engines' own error messages for one CHECK and one
# foreign key (what an application's error handling will see):

# %%
import pandas as pd

first = {}
for x in result.outcomes:
    first.setdefault(x.kind, x.constraint)
for label in [first[k] for k in ("check", "fk-orphan") if k in first]:
    nbk.table(pd.DataFrame([{"engine": x.engine, "outcome": x.outcome, "message": x.message}
                            for x in result.outcomes if x.constraint == label]), caption=label)

# %% [markdown]
# ## Validation layers: API, ORM, database
#
# The three layers, generated from the same model (`dbdesign.generate.layers`):
#
# - **API** - pydantic v2 "create" models: `VARCHAR(n)` -> `max_length`, `CHECK (x IN (...))`
#   and enum types -> `Literal[...]`, simple CHECK bounds -> `ge` / `le` / `min_length`,
#   NOT NULL without a default -> required, unknown fields forbidden. Their JSON Schema is what an
#   OpenAPI contract (phase 1) publishes.
# - **ORM** - SQLAlchemy 2.0 typed models. SQLAlchemy checks almost nothing before the INSERT
#   reaches the database, so the generated models carry `@validates` methods for the CHECKs and
#   lengths; NOT NULL is still only seen at flush time, by the database.
# - **Database** - the probe above.
#
# The generated API model for the table shown in chapter 1, and its JSON Schema as the API
# contract would publish it:

# %%
from dbdesign.generate import layers

api_source = layers.pydantic_source(wb.schema, [wb.focus])
nbk.md("```python\n" + api_source[api_source.index("\nclass ") + 1:] + "```")

# %%
# NBVAL_CHECK_OUTPUT
js = layers.json_schema(wb.schema, wb.focus)
nbk.table(pd.DataFrame([{"property": name, "required": name in js["required"],
                         "schema": ", ".join(f"{k}={v}" for k, v in sorted(prop.items()) if k != "title")}
                        for name, prop in js["properties"].items()]), caption=f"JSON Schema of {wb.focus}")

# %% tags=["example"]
assert js["properties"]["email"]["maxLength"] == 255

# %% [markdown]
# Now the same bad inputs against every layer: each one the probe wrote into a database is
# also validated by the API model and constructed as an ORM object. Uniqueness and foreign keys
# need the *other* rows, which neither the API nor the ORM object can see - only a query (the
# database) can.

# %%
compare = layers.compare_layers(scope.schema, result)
nbk.table(compare.reset_index())

# %% [markdown]
# **Which layer is the only guard for what.** `guarded by` lists every layer that stopped the
# input; `only guard` names the single layer that stops it - everywhere, or on the engines where
# the database lets it through:

# %%
# NBVAL_CHECK_OUTPUT
guards = (compare.reset_index().groupby(["guarded by", "only guard"], sort=False)
          .agg(inputs=("bad input", "count"), example=("bad input", "first")).reset_index())
nbk.table(guards.sort_values("inputs", ascending=False, kind="stable"))

# %% [markdown] tags=["example"]
# In words:
#
# - **Foreign keys and uniqueness: the database is the only guard.** Neither the API model nor
#   the ORM object can know whether a parent row exists or an email is taken. So the foreign keys
#   must be on (SQLite: the pragma), and "unique among live rows" must exist on the engine
#   (MariaDB: the generated-column emulation of chapter 5; DuckDB: nowhere - the application
#   must query before it writes).
# - **Types on SQLite: the API is the only guard** - SQLite stores text in a UUID or timestamp
#   column. (`view_count` is also caught by the ORM validator derived from its CHECK.)
# - **NOT NULL: API and database.** SQLAlchemy constructs `User(email=None)` happily; the
#   database refuses it at flush.
# - **CHECK and lengths: all three layers**, because the API and ORM models are generated from
#   the same CHECKs - the duplication costs nothing when it is generated, and the API gives the
#   user a readable message before a round trip.

# %% tags=["example"]
# NBVAL_CHECK_OUTPUT
row = compare.loc
assert row["comments.post_id -> posts orphan", "guarded by"].startswith("database")
assert row["users.email NOT NULL", "orm"] == "passes" and row["users.email NOT NULL", "api"] == "caught"
assert row["posts CHECK ck_posts_status", "guarded by"].startswith("api + orm + database")
if "sqlite" in result.engine_info:
    assert row["posts.created_at TIMESTAMPTZ type", "only guard"] == "api on sqlite"
print("foreign keys and uniqueness: database only; NOT NULL: api + database; CHECKs: all three layers")

# %% [markdown]
# ## ORM configuration
#
# SQLAlchemy 2.0 models for every table plus the engine
# with its connection-pool settings. The pool settings come from `[pool]` in `dbdesign.toml`
# when it is there, else from the sizing rule of chapter 5 for an assumed production
# set-up (a 4-core PostgreSQL server with the default `max_connections = 100`, two application
# instances).

# %%
# NBVAL_CHECK_OUTPUT
from dbdesign.generate import pool

settings = pool.configured(wb.config) or pool.recommend(db_cores=4, spindles=1, app_instances=2,
                                                       server_max_connections=100)
print("pool settings:", "; ".join(settings.rationale))
orm_source = layers.sqlalchemy_source(wb.schema, settings=settings)
orm = layers.load_module(orm_source, "dbdesign_orm_models")
problems = layers.orm_differences(wb.schema, orm)
print(f"{len(orm.Base.metadata.tables)} ORM tables; differences from the schema model: {problems or 'none'}")
assert not problems

# %% [markdown]
# The generated module, abridged to one model and the engine (the full file is
# `layers.sqlalchemy_source(schema)`; every table, CHECK, partial index and validator is in it):

# %%
focus_part = orm_source[orm_source.index(f"class {layers.class_name(wb.focus)}(Base):"):]
focus_part = focus_part[:focus_part.index("\n\nclass ")] if "\n\nclass " in focus_part else focus_part
engine_part = orm_source[orm_source.index("# -- connection settings"):]
nbk.md("```python\n" + focus_part.split("# -- connection settings")[0].rstrip() + "\n\n\n"
       + engine_part.rstrip() + "\n```")

# %% [markdown] tags=["example"]
# The ORM validators at work, and the one thing they do not do (NOT NULL):

# %% tags=["example"]
# NBVAL_CHECK_OUTPUT
for make in (lambda: orm.Post(status="deleted"), lambda: orm.User(username="x" * 51),
             lambda: orm.User(email=None)):
    try:
        make()
        print("accepted by the ORM (the database decides at flush)")
    except ValueError as err:
        print("ORM rejects:", err)
