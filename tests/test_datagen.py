"""datagen: deterministic, referentially valid, constraint-respecting data; loads on 4 engines."""
from __future__ import annotations

from pathlib import Path

import pytest

from dbdesign import engines
from dbdesign.lab import datagen
from dbdesign.errors import EngineError, InputError

ROWS = 3000
NO_AUDIT = ["users", "profiles", "posts", "comments", "tags", "post_tags"]


@pytest.fixture(scope="module")
def data(example_schema):
    return datagen.generate(example_schema, ROWS, seed=7, progress=False)


def q(data, sql):
    return data.sample(sql)


def test_plan_follows_fk_fanout(example_schema):
    plan = {p.name: p.rows for p in datagen.plan_rows(example_schema, 15_000)}
    assert plan["comments"] == 15_000  # the largest table gets `rows`
    assert plan["users"] * 5 == plan["posts"] and plan["posts"] * 3 == plan["comments"]
    assert plan["profiles"] == plan["users"]  # 1:1 through a unique FK
    assert plan["tags"] < plan["users"]  # lookup table referenced only by a junction table


def test_same_seed_same_data_other_seed_differs(example_schema, data):
    again = datagen.generate(example_schema, ROWS, seed=7, progress=False)
    other = datagen.generate(example_schema, ROWS, seed=8, progress=False)
    for t in data.tables:
        assert data.checksum(t) == again.checksum(t), t
    assert data.checksum("posts") != other.checksum("posts")


def test_foreign_keys_point_at_existing_rows(example_schema, data):
    for t in data.tables:
        for fk in example_schema.tables[t].foreign_keys:
            c, p, pc = fk.columns[0], fk.ref_table, fk.ref_columns[0]
            orphans = q(data, f'SELECT count(*) FROM "{t}" x WHERE x."{c}" IS NOT NULL AND NOT EXISTS '
                              f'(SELECT 1 FROM "{p}" y WHERE y."{pc}" = x."{c}")')[0][0]
            assert orphans == 0, f"{t}.{c} -> {p}"


def test_unique_not_null_and_checks(example_schema, data):
    assert q(data, "SELECT count(*) - count(DISTINCT lower(email)) FROM users")[0][0] == 0
    assert q(data, "SELECT count(*) - count(DISTINCT slug) FROM posts")[0][0] == 0
    assert q(data, "SELECT count(*) - count(DISTINCT (post_id, tag_id)) FROM post_tags")[0][0] == 0
    assert q(data, "SELECT count(*) - count(DISTINCT user_id) FROM profiles")[0][0] == 0
    assert q(data, "SELECT count(*) FROM posts WHERE title IS NULL OR status NOT IN "
                   "('draft','published','archived') OR view_count < 0")[0][0] == 0
    assert q(data, "SELECT count(*) FROM comments WHERE length(body) NOT BETWEEN 1 AND 10000")[0][0] == 0
    assert q(data, "SELECT count(*) FROM users WHERE email <> lower(email)")[0][0] > 0  # mixed case exists


def test_realistic_skew(data):
    status = dict(q(data, "SELECT status, count(*) FROM posts GROUP BY 1"))
    assert status["published"] > sum(status.values()) / 2  # most posts published
    top, median = q(data, "SELECT max(c), median(c) FROM (SELECT count(*) c FROM posts GROUP BY user_id)")[0]
    assert top > 10 * median  # a few users write many posts
    years = q(data, "SELECT count(DISTINCT year(created_at)) FROM posts")[0][0]
    assert years >= 5
    nulls, total = q(data, "SELECT count(*) - count(created_by), count(*) FROM posts")[0]
    assert 0 < nulls < total  # nullable audit FK partly NULL
    # replies point at an earlier comment of the same post
    bad = q(data, "SELECT count(*) FROM comments c JOIN comments p ON p.id = c.parent_id "
                  "WHERE p.post_id <> c.post_id OR p.created_at > c.created_at")[0][0]
    assert bad == 0 and q(data, "SELECT count(parent_id) FROM comments")[0][0] > 0
    pub = q(data, "SELECT count(*) FROM posts WHERE (status = 'published') <> (published_at IS NOT NULL)")[0][0]
    assert pub == 0


def test_subset_needs_required_parents(example_schema):
    with pytest.raises(InputError, match="add users"):
        datagen.generate(example_schema, 100, tables=["posts"], progress=False)
    d = datagen.generate(example_schema, 500, tables=["users", "posts"], progress=False)
    assert d.counts == {"users": 100, "posts": 500}


def test_load_on_every_engine(example_schema, engine_name):
    data = datagen.generate(example_schema, 600, tables=NO_AUDIT, progress=False)
    with engines.throwaway(engine_name) as eng:
        report = datagen.load(data, eng)
        for t in data.tables:
            assert eng.query(f"SELECT count(*) FROM {t}")[0][0] == data.counts[t]
        # NULLs arrive as NULL (not '' or '?'), values unchanged
        assert eng.query("SELECT count(*) FROM posts WHERE deleted_at IS NULL")[0][0] == \
            data.sample("SELECT count(*) FROM posts WHERE deleted_at IS NULL")[0][0]
        email = data.sample("SELECT email FROM users ORDER BY email LIMIT 1")[0][0]
        mark = "?" if engine_name in ("sqlite", "duckdb") else "%s"
        assert eng.query(f"SELECT count(*) FROM users WHERE email = {mark}", (email,))[0][0] == 1
        assert "idx_posts_status_created_at" in report.indexes_created
        # rows/s over the wall clock of the load (tables loaded side by side overlap)
        assert report.load_seconds and report.rows_per_s == report.total_rows / report.load_seconds
        # keys and foreign keys built after the rows (PostgreSQL, MariaDB) are all there
        want, held = datagen.loaded_model(example_schema, eng, data.tables), eng.introspect()
        for t in data.tables:
            w, h = want.tables[t], held.tables[t]
            assert (h.primary_key and h.primary_key.columns) == w.primary_key.columns, t
            assert sorted(u.columns for u in h.uniques) == sorted(u.columns for u in w.uniques), t
            assert sorted((f.columns, f.ref_table) for f in h.foreign_keys) == \
                sorted((f.columns, f.ref_table) for f in w.foreign_keys), t


def test_sqlite_bulk_load_verifies_checks_and_rolls_back(example_schema):
    """CHECKs are switched off per row for speed, so the bulk verification must catch a bad
    value, roll the whole load back, and leave the connection's pragmas as they were."""
    from dbdesign.errors import EngineError
    bad = datagen.generate(example_schema, 200, tables=["users"], progress=False)
    # a bad value after generation (the generator itself drops rows a CHECK refuses)
    bad.conn.execute("UPDATE users SET role = 'superuser' WHERE rowid = 150")
    for checks, writer in [(c, w) for c in ("deferred", "engine", "row") for w in ("adbc", "python")]:
        with engines.throwaway("sqlite") as eng:
            with pytest.raises(EngineError, match="CHECK constraint failed"):
                datagen.load(bad, eng, indexes="none", checks=checks, writer=writer)
            assert eng.query("SELECT count(*) FROM users")[0][0] == 0
            assert eng.query("PRAGMA ignore_check_constraints")[0][0] == 0
            assert eng.query("PRAGMA foreign_keys")[0][0] == 1
            assert eng.query("PRAGMA journal_mode")[0][0] == "delete"
    good = datagen.generate(example_schema, 200, tables=["users"], progress=False)
    with engines.throwaway("sqlite") as eng:
        rep = datagen.load(good, eng, indexes="none")
        assert rep.rows == {"users": 200} and "CHECKs in one SQLite scan" in rep.method
        with pytest.raises(Exception, match="CHECK"):  # still enforced for later writes
            eng.execute("UPDATE users SET role = 'superuser'")


@pytest.mark.parametrize("writer", ["adbc", "python"])
@pytest.mark.parametrize("checks", ["deferred", "engine", "row"])
def test_sqlite_bulk_load_verifies_foreign_keys(example_schema, checks, writer):
    """Foreign keys are off during the load; every verification mode must still catch a
    child row whose parent is missing and roll everything back."""
    from dbdesign.errors import EngineError
    bad = datagen.generate(example_schema, 300, tables=["users", "posts"], progress=False,
                           overrides={"posts.user_id": "CASE WHEN i = 7 THEN uuid() ELSE "
                                      "dd_uuid(i % 60, 'users/pk') END"})
    with engines.throwaway("sqlite") as eng:
        with pytest.raises(EngineError, match=r"missing users|foreign key to users") as err:
            datagen.load(bad, eng, indexes="none", checks=checks, writer=writer)
        assert "nothing was loaded" in str(err.value)
        assert eng.query("SELECT count(*) FROM users")[0][0] == 0
        assert eng.query("SELECT count(*) FROM posts")[0][0] == 0
        assert eng.query("PRAGMA foreign_keys")[0][0] == 1


def test_sqlite_writers_load_identical_rows(example_schema):
    """The ADBC writer (Arrow, the driver's own SQLite) and the sqlite3 writer must store the
    same values with the same storage classes - and the ADBC one must be the one 'auto' picks."""
    data = datagen.generate(example_schema, 400, tables=NO_AUDIT, progress=False)
    dumps = {}
    for writer in ("adbc", "python"):
        with engines.throwaway("sqlite") as eng:
            rep = datagen.load(data, eng, writer=writer)
            assert ("ADBC" in rep.method) == (writer == "adbc"), rep.method
            dumps[writer] = {t: eng.query(f"SELECT * FROM {t} ORDER BY 1, 2") for t in data.tables}
            types = {t: eng.query("SELECT DISTINCT " + ", ".join(
                f"typeof({c})" for c in data.columns(t)) + f" FROM {t}") for t in data.tables}
            dumps[writer + "-types"] = types
    assert dumps["adbc"] == dumps["python"]
    assert dumps["adbc-types"] == dumps["python-types"]
    with engines.throwaway("sqlite") as eng:
        assert "ADBC" in datagen.load(data, eng, indexes="none").method
    mem = engines.connect("sqlite:///:memory:")
    with pytest.raises(InputError, match="in-memory"):
        datagen.load(data, mem, writer="adbc")
    assert "ADBC" not in datagen.load(data, mem).method  # auto: the private connection's path


def test_adbc_writer_refused_while_the_connection_has_a_transaction(example_schema):
    """The driver's own SQLite does not see this process's sqlite3 locks (two libraries, one
    process): with a transaction open on the engine's connection the ADBC writer is refused
    before anything is written, and 'auto' does not pick it."""
    data = datagen.generate(example_schema, 100, tables=["users"], progress=False)
    with engines.throwaway("sqlite") as eng:
        create, _, _, _ = datagen.load_statements(example_schema, "sqlite", ["users"])
        eng.run_script(create)
        eng.execute("BEGIN IMMEDIATE")
        with pytest.raises(InputError, match="transaction open"):
            datagen.load(data, eng, indexes="none", create=False, writer="adbc")
        eng.rollback()
        assert eng.query("SELECT count(*) FROM users")[0][0] == 0
        assert datagen.load(data, eng, indexes="none", create=False).rows == {"users": 100}


def test_scale_curve_frame_and_plot(tmp_path):
    """One child process per size: rows grow with --rows, every run reports its own time and
    peak memory, and the plot has the two panels over the same sizes."""
    from dbdesign.lab.datagen import plot_scale_curve, scale_curve
    from matplotlib.figure import Figure
    source = str(Path(__file__).resolve().parent.parent / "migrations")
    frame = scale_curve(source, sizes=(200, 2000), engine="duckdb", folder=str(tmp_path))
    assert list(frame.columns) == ["rows_arg", "rows", "seconds", "rows_per_s", "peak_mib"]
    assert list(frame["rows_arg"]) == [200, 2000]
    assert frame["rows"].iloc[0] < frame["rows"].iloc[1]
    assert (frame["seconds"] > 0).all() and (frame["peak_mib"] > 20).all()
    fig = plot_scale_curve(frame)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert list(fig.axes[1].lines[0].get_ydata()) == list(frame["peak_mib"])
    with pytest.raises(InputError, match="sqlite or duckdb"):
        scale_curve(source, sizes=(10,), engine="postgres")
    only_users = scale_curve(source, sizes=(2000,), engine="duckdb", folder=str(tmp_path),
                             tables=("users",))
    assert 0 < only_users["rows"].iloc[0] < frame["rows"].iloc[1]  # one table, not the schema


def test_realism_keys_from_dbdesign_toml(example_schema):
    """[datagen] in dbdesign.toml: skew, soft-deleted share, NULL rate and per-column
    overrides change the generated rows; a bad value is an error naming its line."""
    from dbdesign.config import parse_config
    cfg = parse_config('[datagen]\nskew = 1.0\nsoft_deleted = 0.5\nnull_rate = 0.0\n'
                       '[datagen.overrides]\n"users.role" = "\'editor\'"\n')
    d = datagen.generate(example_schema, 4000, tables=["users", "posts"], progress=False,
                         realism=cfg.extra["datagen"])
    deleted, total = q(d, "SELECT count(deleted_at), count(*) FROM posts")[0]
    assert 0.4 < deleted / total < 0.6  # default share is 5%
    assert q(d, "SELECT DISTINCT role FROM users") == [("editor",)]
    assert q(d, "SELECT count(*) - count(updated_by) FROM posts")[0][0] == 0  # no NULLs
    flat = q(d, "SELECT max(c) FROM (SELECT count(*) c FROM posts GROUP BY user_id)")[0][0]
    skewed = datagen.generate(example_schema, 4000, tables=["users", "posts"], progress=False)
    assert flat * 3 < q(skewed, "SELECT max(c) FROM (SELECT count(*) c FROM posts GROUP BY user_id)")[0][0]
    with pytest.raises(InputError, match="share from 0 to 1") as err:
        parse_config("[datagen]\nsoft_deleted = 5\n", "dbdesign.toml")
    assert "2" in str(err.value)  # line 2
    with pytest.raises(InputError, match="did you mean skew"):
        parse_config("[datagen]\nskw = 1\n", "dbdesign.toml")


def test_self_references_load_in_depth_levels(example_schema):
    """Self-references point only at earlier layers, so chains are short and DuckDB (which
    checks an FK against rows committed before the statement) loads each table in at most
    len(LAYERS) + 1 statements - not one round per link of the longest chain."""
    data = datagen.generate(example_schema, 20_000, tables=NO_AUDIT, progress=False)
    for table, col in [("users", "created_by"), ("users", "updated_by"), ("comments", "parent_id")]:
        depth = q(data, f"""WITH RECURSIVE r(id, d) AS (SELECT id, 0 FROM {table} WHERE {col} IS NULL
            UNION ALL SELECT s.id, r.d + 1 FROM {table} s JOIN r ON s.{col} = r.id) SELECT max(d) FROM r""")[0][0]
        assert 1 <= depth <= len(datagen.LAYERS), (table, col, depth)
    with engines.throwaway("duckdb") as eng:
        rep = datagen.load(data, eng)
        assert [n for n in rep.notes if "depth levels" in n] == [
            f"{t}: self-referencing FK loaded in 4 depth levels (DuckDB checks FKs against rows "
            "committed before the statement)" for t in ("users", "comments")]
        assert eng.query("SELECT count(*) FROM comments")[0][0] == data.counts["comments"]


@pytest.mark.parametrize("engine_name", ["mysql", "postgres"])
def test_server_loads_verify_foreign_keys(example_schema, engine_name):
    """MariaDB loads with foreign_key_checks=0 and PostgreSQL adds its foreign keys after
    COPY: a child row without a parent must still fail the load on both."""
    from dbdesign.errors import EngineError
    if engines.availability([engine_name])[engine_name] is not None:
        pytest.skip(engines.availability([engine_name])[engine_name])
    bad = datagen.generate(example_schema, 300, tables=["users", "posts"], progress=False,
                           overrides={"posts.user_id": "CASE WHEN i = 7 THEN uuid() ELSE "
                                      "dd_uuid(i % 60, 'users/pk') END"})
    with engines.throwaway(engine_name) as eng:
        with pytest.raises(EngineError, match="violates foreign key|missing users"):
            datagen.load(bad, eng, indexes="none")
        if engine_name == "mysql":  # checked before COMMIT, on both load connections
            assert eng.query("SELECT count(*) FROM users")[0][0] == 0
            assert eng.query("SELECT count(*) FROM posts")[0][0] == 0


def test_cli_summary_line_and_progress(tmp_path):
    """`dbdesign datagen` ends with one summary line on stderr (rows, rows/s, peak MiB) and
    puts the same figures in its JSON; progress bars appear only when asked (stderr here is
    not a terminal)."""
    import json
    import os
    import re
    import subprocess
    import sys
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo / "lib")}
    runs = {}
    for flag in ("--no-progress", "--progress"):
        out = tmp_path / f"x{flag}.duckdb"
        proc = subprocess.run([sys.executable, "-m", "dbdesign.cli", "datagen", str(repo / "migrations"),
                               "--rows", "3000", "--engine", "duckdb", "--out", str(out), flag],
                              capture_output=True, text=True, env=env, check=True)
        runs[flag] = proc
        res = json.loads(proc.stdout)
        assert res["rows"] == sum(res["counts"].values()) and res["peak_mib"] > 20
        last = proc.stderr.strip().splitlines()[-1]
        m = re.fullmatch(r"datagen: ([\d,]+) rows in [\d.]+ s \([\d,]+ rows/s\), peak ([\d,]+) MiB", last)
        assert m and int(m.group(1).replace(",", "")) == res["rows"], last
    assert "rows/s" not in runs["--no-progress"].stderr.replace(
        runs["--no-progress"].stderr.strip().splitlines()[-1], "")
    assert "%|" not in runs["--no-progress"].stderr


def _created_after_owner(data) -> dict[str, int]:
    """Rows created before the row they reference, per NOT NULL single-column FK between two
    tables that both have a created-at column (in a table that references itself, the parent
    its replies share), counted by SQL on the generated data."""
    out = {}
    for name in data.tables:
        t = data.schema.tables[name]
        col = datagen._created_column(t)
        owners = [fk for fk in datagen._required_fks(t) if len(fk.columns) == 1 and fk.ref_table != name
                  and fk.ref_table in data.counts and datagen._created_column(data.schema.tables[fk.ref_table])]
        if any(fk.ref_table == name for fk in t.foreign_keys):
            owners = owners[:1]
        for fk in owners if col else ():
            pc = datagen._created_column(data.schema.tables[fk.ref_table])
            out[f"{name}.{fk.columns[0]}"] = data.sample(
                f'SELECT count(*) FROM "{datagen.staging_name(name)}" c JOIN "{datagen.staging_name(fk.ref_table)}" p '
                f'ON p."{fk.ref_columns[0]}" = c."{fk.columns[0]}" WHERE c."{col}" < p."{pc}"')[0][0]
    return out


CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@pytest.mark.parametrize("source", ["example", "gisia-structure.sql", "musicbrainz-combined.sql"])
def test_a_row_is_created_after_the_rows_that_own_it(example_schema, source):
    """Correlated timestamps: a comment after its post, a post after its author - for every
    NOT NULL reference between tables with a created-at column, also where generation had to
    drop rows and repoint references (MusicBrainz)."""
    if source == "example":
        data = datagen.generate(example_schema, 20_000, seed=5, progress=False)
    else:
        if not (CORPUS / source).exists():
            pytest.skip(f"corpus not found at {CORPUS}")
        from dbdesign.schema.source import load_source
        data = datagen.generate(load_source(str(CORPUS / source)), 400, seed=5, progress=False)
    late = _created_after_owner(data)
    assert late and all(n == 0 for n in late.values()), {k: n for k, n in late.items() if n}
    if source == "example":
        assert {"posts.user_id", "comments.post_id", "profiles.user_id"} <= set(late)
        # still spread over the years, not all pushed to the end
        assert data.sample("SELECT count(DISTINCT year(created_at)) FROM comments")[0][0] >= 5


@pytest.mark.parametrize("bad", ["duplicate key", "duplicate unique", "check"])
def test_a_row_the_engine_refuses_fails_the_load(example_schema, engine_name, bad):
    """A generated row that breaks a PRIMARY KEY, a UNIQUE or a CHECK must fail the load on
    every engine - never be skipped quietly (MariaDB's LOAD DATA LOCAL skips such rows with a
    warning; with unique_checks=0 one duplicate lost half the table there)."""
    from dbdesign.errors import EngineError
    data = datagen.generate(example_schema, 3000, tables=["users", "tags"], seed=2, progress=False)
    data.conn.execute({
        "duplicate key": "UPDATE users SET id = (SELECT id FROM users WHERE rowid = 0) WHERE rowid = 1",
        "duplicate unique": "UPDATE tags SET slug = (SELECT slug FROM tags WHERE rowid = 0) WHERE rowid = 1",
        "check": "UPDATE users SET role = 'superuser' WHERE rowid = 2"}[bad])
    with engines.throwaway(engine_name) as eng:
        with pytest.raises(EngineError):
            datagen.load(data, eng, indexes="none", analyze=False)


def test_cli_out_of_memory_is_bad_input_and_leaves_no_half_written_file(tmp_path):
    """A DuckDB memory limit too small for the rows is exit 2 with what to do; a database
    file the command created is removed, one that existed before is kept."""
    import os
    import shutil
    import subprocess
    import sys

    import duckdb
    repo = Path(__file__).resolve().parent.parent
    shutil.copytree(repo / "migrations", tmp_path / "migrations")
    (tmp_path / "dbdesign.toml").write_text('[datagen]\nmemory_limit = "20MB"\n')
    env = {**os.environ, "PYTHONPATH": str(repo / "lib")}
    kept = tmp_path / "kept.duckdb"
    duckdb.connect(str(kept)).execute("CREATE TABLE mine (x INT)").close()
    for target in (tmp_path / "new.duckdb", kept):
        proc = subprocess.run([sys.executable, "-m", "dbdesign.cli", "datagen", "migrations", "--rows", "300000",
                               "--db", f"duckdb:///{target}", "--no-progress"],
                              capture_output=True, text=True, env=env, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert "Out of Memory" in last and "raise [datagen] memory_limit" in last, last
    assert not (tmp_path / "new.duckdb").exists() and not (tmp_path / "new.duckdb.wal").exists()
    assert duckdb.connect(str(kept)).execute("SELECT count(*) FROM mine").fetchone() == (0,)


def test_repeated_unique_values_are_dropped_and_counted(example_schema):
    """A unique key whose generated values repeat keeps the first row of each value and
    counts the others - a plain column or an expression such as LOWER(email); one whose
    values do not repeat loses nothing."""
    data = datagen.generate(example_schema, 400, tables=["users"], progress=False,
                            overrides={"users.username": "'u' || (i % 50)"})
    assert data.counts["users"] == 50
    assert data.rejection()["users"]["reasons"] == {"duplicate (username)": data.rejection()["users"]["generated"] - 50}
    assert data.sample("SELECT count(DISTINCT username) FROM users")[0][0] == 50
    clean = datagen.generate(example_schema, 400, tables=["users"], progress=False)
    assert "users" not in clean.rejection()
    # a case-insensitive key (UNIQUE INDEX ... (LOWER(email))): values equal but for case repeat
    cased = datagen.generate(example_schema, 400, tables=["users"], progress=False, overrides={
        "users.email": "CASE WHEN i % 2 = 0 THEN 'u' || (i % 50) ELSE 'U' || (i % 50) END || '@example.com'"})
    assert cased.counts["users"] == 50
    assert set(cased.rejection()["users"]["reasons"]) == {"duplicate (LOWER(email))"}
    assert cased.sample("SELECT count(DISTINCT lower(email)) FROM users")[0][0] == 50


def test_add_indexes_gives_the_database_load_with_the_schema_indexes_gives(example_schema):
    """The playground measures the design's indexes on the rows it loaded for keys only."""
    data = datagen.generate(example_schema, 300, tables=NO_AUDIT, progress=False)
    held = []
    for later in (False, True):
        with engines.throwaway("sqlite") as eng:
            datagen.load(data, eng, indexes="none" if later else "schema")
            if later:
                datagen.add_indexes(eng, example_schema, data.tables)
            got = eng.introspect()
            held.append({t: sorted((ix.name, tuple(c.column or c.expression for c in ix.columns))
                                   for ix in got.tables[t].indexes) for t in data.tables})
    assert held[0] == held[1] and held[0]["posts"]


def test_postgres_load_follows_the_sessions_search_path(example_schema):
    """COPY runs on two connections; a migration that moved the session's search_path (to
    its own schema) moves the second connection's too."""
    from conftest import require_engine
    require_engine("postgres")
    data = datagen.generate(example_schema, 300, tables=["users", "posts"], progress=False)
    with engines.throwaway("postgres") as eng:
        eng.execute("CREATE SCHEMA app")
        eng.execute("SET search_path TO app")
        report = datagen.load(data, eng)
        assert {r[0] for r in eng.query("SELECT DISTINCT table_schema FROM information_schema.tables "
                                        "WHERE table_name IN ('users', 'posts')")} == {"app"}
        assert report.rows == {"users": data.counts["users"], "posts": data.counts["posts"]}


def test_duckdb_load_keeps_creation_order(example_schema):
    """Rows arrive in generation order, which is creation order: a table sorted by a foreign
    key would be clustered as no production table is, and the lab would time that."""
    data = datagen.generate(example_schema, 3000, tables=["users", "posts"], progress=False)
    with engines.throwaway("duckdb") as eng:
        datagen.load(data, eng)
        loaded = [r[0] for r in eng.query("SELECT id FROM posts ORDER BY rowid")]
    assert loaded == [r[0] for r in data.sample(f"SELECT id FROM {data.staged('posts')} ORDER BY rowid")]


def test_postgres_load_into_tables_with_their_foreign_keys(example_schema):
    """Into a database whose tables already hold their foreign keys (a migrated one), the
    two COPY connections wait for each table's parents: a child loaded beside its parent
    would meet a parent row not yet committed."""
    from conftest import require_engine
    require_engine("postgres")
    tables = ["users", "posts", "comments"]
    data = datagen.generate(example_schema, 3000, tables=tables, progress=False)
    with engines.throwaway("postgres") as eng:
        create, _, _, _ = datagen.load_statements(example_schema, "postgres", tables)
        eng.run_script(create)
        assert eng._loaded_parents(tables) == {"users": set(), "posts": {"users"},
                                               "comments": {"users", "posts"}}
        report = datagen.load(data, eng, create=False)
        assert report.rows == {t: data.counts[t] for t in tables}


def test_postgres_binary_copy_loads_what_csv_loads(example_schema, monkeypatch):
    """Binary COPY (ADBC) and CSV COPY leave the same rows, value for value: UUIDs,
    timestamps taken as UTC, integers narrowed to the column's width, enums; a table with a
    type binary COPY is not used for (audit_log's jsonb) goes as CSV, with a note."""
    from conftest import require_engine
    from dbdesign.engines import postgres
    require_engine("postgres")
    assert postgres.adbc_postgres() is not None, "adbc-driver-postgresql is a dependency"
    data = datagen.generate(example_schema, 2000, progress=False)
    held = []
    for binary in (True, False):
        if not binary:
            monkeypatch.setattr(postgres, "adbc_postgres", lambda: None)
        with engines.throwaway("postgres") as eng:
            report = datagen.load(data, eng)
            held.append({t: eng.query(f"SELECT count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) "
                                      f"FROM {t} x")[0] for t in data.tables})
            if binary:
                assert "loaded as CSV (a column type binary COPY is not used for): audit_log" in report.notes
    assert held[0] == held[1]
    assert all(held[0][t][0] == data.counts[t] for t in data.tables)


def test_postgres_binary_copy_names_the_rejected_row(example_schema):
    """A row the database refuses during binary COPY fails the load with PostgreSQL's own
    message, naming the table; nothing of that table is committed."""
    from conftest import require_engine
    require_engine("postgres")
    data = datagen.generate(example_schema, 300, tables=["users"], progress=False)
    data.conn.execute(f"UPDATE {data.staged('users')} SET role = 'root' WHERE rowid = 3")
    with engines.throwaway("postgres") as eng:
        with pytest.raises(EngineError, match=r"postgres: COPY users: .*check constraint"):
            datagen.load(data, eng)
        assert eng.query("SELECT count(*) FROM users")[0][0] == 0


QUOTED_NAMES = '''CREATE SCHEMA "App";
CREATE TABLE "App"."Order" ("Id" bigint PRIMARY KEY, "select" text NOT NULL,
  qty int NOT NULL CHECK (qty >= 0), at timestamptz NOT NULL);
CREATE TABLE "App"."it's" ("Id" bigint PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES "App"."Order" ("Id"), "note'" varchar(30));
'''


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_generate_and_load_names_that_need_quotes(engine):
    """A schema-qualified, mixed-case, reserved or quote-bearing name is quoted wherever
    generation and loading put it in SQL (a hash key, CREATE SCHEMA, COPY's table)."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine(engine)
    schema = parse_sql(QUOTED_NAMES)
    data = datagen.generate(schema, 300, progress=False)
    with engines.throwaway(engine) as eng:
        report = datagen.load(data, eng)
        assert report.rows == {"App.Order": data.counts["App.Order"], "App.it's": 300}
        assert eng.query('SELECT count(*) FROM "App"."it\'s" c JOIN "App"."Order" o '
                         'ON o."Id" = c.order_id')[0][0] == 300


def test_minimum_length_pads_short_values_and_keeps_long_ones():
    """A CHECK on a minimum length pads values shorter than it and leaves longer ones whole:
    cut to the minimum, a unique column's values collided and most rows were dropped."""
    from dbdesign.schema.parse import parse_sql
    schema = parse_sql("CREATE TABLE t (id bigint PRIMARY KEY, username varchar(40) NOT NULL UNIQUE "
                       "CHECK (char_length(username) >= 5), code varchar(12) CHECK (length(code) >= 10), "
                       "bio text CHECK (length(bio) BETWEEN 3 AND 500));")
    data = datagen.generate(schema, 500, progress=False)
    assert data.counts == {"t": 500} and not data.rejected.get("t")
    (lo, hi, code_lo, bio_hi), = data.sample(
        f"SELECT min(length(username)), max(length(username)), min(length(code)), max(length(bio)) "
        f"FROM {data.staged('t')}")
    assert lo >= 5 and hi > 5 and code_lo >= 10 and bio_hi > 3


def test_slug_is_the_slug_of_its_rows_title_and_unique_as_drawn(example_schema):
    """posts.slug comes from the pre-slugged title list: the same text as
    replace(lower(title), ' ', '-'), then '-' and the row index, which makes it unique as
    drawn, so the generator does not group 5 M slugs to look for a repeat."""
    data = datagen.generate(example_schema, 3000, tables=["users", "posts"], progress=False)
    (n, same, distinct), = data.sample(
        f"SELECT count(*), count(*) FILTER (WHERE slug LIKE replace(lower(title), ' ', '-') || '-%'), "
        f"count(DISTINCT slug) FROM {data.staged('posts')}")
    assert n == data.counts["posts"] and same == n and distinct == n
    posts = example_schema.tables["posts"]
    labels = lambda **kw: [label for label, _ in datagen._dedupe_sets(posts, data.counts, **kw)]
    assert "slug" in labels() and "slug" not in labels(by_index={"slug"})


def test_mariadb_uuid_sort_key_is_the_order_mariadb_stores():
    """`MySQLEngine.UUID_ORDER` sorts UUIDs as MariaDB's UUID type compares them (groups
    reversed for versions 1-5 with the variant bit, as written otherwise), so a load in that
    order appends to the clustered primary key."""
    import duckdb
    from conftest import require_engine
    from dbdesign.engines.mysql import MySQLEngine
    require_engine("mysql")
    kinds = ["4000-8000", "4000-c000", "1000-e000", "7000-8000", "0000-0000", "4000-0000", "5fff-bfff"]
    values = [f"{a:08x}-{b:04x}-{k}-{n:012x}" for k in kinds for a in (0, 1 << 28) for b in (0, 1)
              for n in (1, 2, 1 << 44)]
    duck = duckdb.connect()
    duck.execute("CREATE TABLE u AS SELECT unnest(?::UUID[]) AS id", [values])
    ours = [str(r[0]) for r in duck.execute(f"SELECT id FROM u ORDER BY {MySQLEngine.UUID_ORDER.format('id')}").fetchall()]
    with engines.throwaway("mysql") as eng:
        eng.execute("CREATE TABLE u (id UUID PRIMARY KEY)")
        eng.execute("INSERT INTO u VALUES " + ", ".join(f"('{v}')" for v in values))
        theirs = [str(r[0]) for r in eng.query("SELECT id FROM u ORDER BY id")]
    assert ours == theirs and len(set(ours)) == len(values)


def test_mariadb_without_local_infile_inserts_in_one_checked_transaction(example_schema, monkeypatch):
    """A server with local_infile=OFF gets multi-row INSERTs: all rows arrive, and a broken
    reference leaves nothing behind (one transaction, checked before COMMIT)."""
    from conftest import require_engine
    from dbdesign.engines.mysql import MySQLEngine
    require_engine("mysql")
    monkeypatch.setattr(MySQLEngine, "local_infile", lambda self: False)
    good = datagen.generate(example_schema, 400, tables=["users", "posts"], progress=False)
    bad = datagen.generate(example_schema, 400, tables=["users", "posts"], progress=False,
                           overrides={"posts.user_id": "CASE WHEN i = 7 THEN uuid() ELSE "
                                      "dd_uuid(i % 60, 'users/pk') END"})
    with engines.throwaway("mysql") as eng:
        mode = eng.query("SELECT @@SESSION.sql_mode")[0][0]
        report = datagen.load(good, eng)
        assert report.method.startswith("multi-row INSERT") and report.rows == good.counts
        assert eng.query("SELECT @@SESSION.sql_mode")[0][0] == mode  # strict only for the load
    with engines.throwaway("mysql") as eng:
        with pytest.raises(EngineError, match="missing users"):
            datagen.load(bad, eng)
        assert eng.query("SELECT count(*) FROM users")[0][0] == 0


def test_cli_bounds_generation_memory_unless_the_target_is_duckdb(tmp_path):
    """`dbdesign datagen` generates under a DuckDB memory limit (spilling beyond it) when its
    target builds keys after the data, none for a DuckDB target (whose key indexes must stay
    in memory); --memory-limit and [datagen] memory_limit choose another; a size that is not
    one is bad input."""
    import json
    import os
    import subprocess
    import sys
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo / "lib")}

    def run(*args, config=None):
        cmd = [sys.executable, "-m", "dbdesign.cli"] + (["--config", str(config)] if config else [])
        return subprocess.run(cmd + ["datagen", str(repo / "migrations"), "--rows", "300", "--no-progress", *args],
                              capture_output=True, text=True, env=env)

    def limit(*args, config=None):
        proc = run(*args, config=config)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["memory_limit"]
    assert limit("--engine", "sqlite", "--out", str(tmp_path / "a.sqlite")) == datagen.BOUNDED_MEMORY_LIMIT
    assert limit() == datagen.BOUNDED_MEMORY_LIMIT
    assert limit("--engine", "duckdb", "--out", str(tmp_path / "a.duckdb")) is None
    assert limit("--memory-limit", "2GB", "--engine", "duckdb", "--out", str(tmp_path / "b.duckdb")) == "2GB"
    (tmp_path / "dbdesign.toml").write_text('[datagen]\nmemory_limit = "768MB"\n')
    assert limit(config=tmp_path / "dbdesign.toml") == "768MB"
    bad = run("--memory-limit", "lots")
    assert bad.returncode == 2 and "'lots' is not a size" in bad.stderr


TENANTS = """CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (tenant_id bigint NOT NULL REFERENCES tenants (id), id bigint NOT NULL,
  email text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE projects (tenant_id bigint NOT NULL REFERENCES tenants (id), id bigint NOT NULL,
  title text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants (id),
  owner_id bigint NOT NULL, project_id bigint NOT NULL, reviewer_id bigint,
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id),
  FOREIGN KEY (tenant_id, reviewer_id) REFERENCES users (tenant_id, id));
"""


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres", "mysql"])
def test_composite_foreign_keys_sharing_a_column_load_on_every_engine(engine):
    """Multi-column FKs are filled from parent rows: (tenant_id, owner_id) and (tenant_id,
    project_id) share tenant_id, so the second picks among its tenant's projects; a nullable
    one is NULL at the NULL rate. Every row loads and every reference holds in the engine."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine(engine)
    schema = parse_sql(TENANTS)
    data = datagen.generate(schema, 2000, progress=False)
    n = data.counts["tasks"]  # a tenant without projects: its tasks are dropped, and counted
    assert n >= 1900 and sum(data.rejected["tasks"].values()) == 2000 - n
    with engines.throwaway(engine) as eng:
        datagen.load(data, eng)
        held = eng.query(
            "SELECT count(*), count(reviewer_id), "
            "sum(CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = t.tenant_id AND u.id = t.owner_id) "
            "AND EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = t.tenant_id AND p.id = t.project_id) "
            "THEN 1 ELSE 0 END), count(DISTINCT tenant_id) FROM tasks t")[0]
    total, reviewers, matched, tenants = (int(x) for x in held)
    assert total == matched == n and 0 < reviewers < total and tenants > 1


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres", "mysql"])
def test_a_cycle_of_not_null_foreign_keys_generates_and_loads(engine):
    """Two tables whose NOT NULL foreign keys point at each other: each key is a function of
    its row index, so the back edge is drawn like any reference; every row loads and every
    reference the engine holds is met (DuckDB cannot hold the cycle and drops one key)."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine(engine)
    schema = parse_sql("CREATE TABLE n1 (id int PRIMARY KEY, other int NOT NULL);\n"
                       "CREATE TABLE n2 (id int PRIMARY KEY, n1_id int NOT NULL REFERENCES n1 (id));\n"
                       "ALTER TABLE n1 ADD FOREIGN KEY (other) REFERENCES n2 (id);")
    data = datagen.generate(schema, 500, progress=False)
    with engines.throwaway(engine) as eng:
        report = datagen.load(data, eng)
        assert report.rows == data.counts and data.counts["n2"] == 500
        assert eng.query("SELECT count(*) FROM n1 JOIN n2 ON n2.id = n1.other")[0][0] == data.counts["n1"]
        assert eng.query("SELECT count(*) FROM n2 JOIN n1 ON n1.id = n2.n1_id")[0][0] == 500


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_cycle_survives_rows_the_later_table_drops(engine):
    """The back edge of a cycle is drawn before its parent exists; when the parent then drops
    rows (a CHECK the generator cannot honour), the earlier table's references move to
    surviving rows. A composite key in a cycle is filled only once its parent exists."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine(engine)
    schema = parse_sql(
        "CREATE TABLE n1 (id int PRIMARY KEY, other int NOT NULL);\n"
        "CREATE TABLE n2 (id int PRIMARY KEY CHECK (id % 7 <> 0), n1_id int NOT NULL REFERENCES n1 (id));\n"
        "ALTER TABLE n1 ADD FOREIGN KEY (other) REFERENCES n2 (id);\n"
        "CREATE TABLE a (id int NOT NULL, k int NOT NULL, b_id int, b_k int, PRIMARY KEY (id, k));\n"
        "CREATE TABLE b (id int NOT NULL, k int NOT NULL, a_id int NOT NULL, a_k int NOT NULL,\n"
        "  PRIMARY KEY (id, k), FOREIGN KEY (a_id, a_k) REFERENCES a (id, k));\n"
        "ALTER TABLE a ADD FOREIGN KEY (b_id, b_k) REFERENCES b (id, k);")
    data = datagen.generate(schema, 700, progress=False)
    assert data.rejected["n2"] and data.counts["n2"] < 700
    (orphans,), = data.sample(f"SELECT count(*) FROM {data.staged('n1')} WHERE other NOT IN "
                              f"(SELECT id FROM {data.staged('n2')})")
    assert orphans == 0
    with engines.throwaway(engine) as eng:
        report = datagen.load(data, eng)
        assert report.rows == data.counts
        assert eng.query("SELECT count(*) FROM b JOIN a ON a.id = b.a_id AND a.k = b.a_k")[0][0] == data.counts["b"]


def test_postgres_sequences_follow_the_loaded_keys():
    """Generated rows carry explicit keys; after the load the application's next INSERT draws
    a key past them (serial, identity and a mixed-case table) instead of colliding at 1."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine("postgres")
    schema = parse_sql('CREATE TABLE "Orders" (id serial PRIMARY KEY, note text);\n'
                       "CREATE TABLE items (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
                       '  order_id int NOT NULL REFERENCES "Orders" (id), qty int NOT NULL);')
    data = datagen.generate(schema, 300, progress=False)
    with engines.throwaway("postgres") as eng:
        report = datagen.load(data, eng)
        assert "2 sequences moved past the loaded keys" in report.notes
        eng.execute('INSERT INTO "Orders" (note) VALUES (\'next\')')
        eng.execute("INSERT INTO items (order_id, qty) VALUES (1, 1)")
        assert eng.query('SELECT max(id) FROM "Orders"')[0][0] == data.counts["Orders"] + 1
