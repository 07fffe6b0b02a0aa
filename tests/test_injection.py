"""Names and values that try to break out of generated SQL, run for real on all four engines.

Every generator (DDL, audit triggers, soft delete, probe/seed INSERTs, erasure) gets
identifiers and values holding ' " \\ ` $$ ; -- /* NUL and unicode; the output is executed and
afterwards the data must read back exactly and the canary table must be intact. Generated
scripts spell values with the dialect's literal function; statements dbdesign executes itself
(inserts, lookups, the actor, audited updates, soft delete, erasure, history rows, the staging
copy) pass them to the driver as parameters (`engines.Params`)."""
from __future__ import annotations

import json

import pytest

from dbdesign import engines
from dbdesign.generate.audit import audited_update, install_audit, set_actor
from dbdesign.dialects import DIALECTS
from dbdesign.dialects.postgres import dollar_quote
from dbdesign.engines import Params
from dbdesign.errors import EngineError, InputError
from dbdesign.schema.parse import parse_sql
from dbdesign.lab.probe import insert_sql, install_schema, names_for, where_sql
from dbdesign.generate.softdelete import erase_user, erasure_statements, install_soft_delete, soft_delete

HOSTILE_TABLE = "t$$; DROP TABLE victim; --"
HOSTILE_COLUMNS = ["path\\", "back\\slash", "q'uote", 'd"q', "b`t", "c/*x", "semi;--", "naïve✓"]
HOSTILE_VALUES = ["it's", 'say "hi"', "C:\\dir\\", "a`b", "$$; DROP TABLE victim; --",
                  "x'); DROP TABLE victim; --", "/* open", "nobody\\' -- ", "ünïcødé ✓ 😀"]


def _ddl() -> str:
    cols = ", ".join('"' + c.replace('"', '""') + '" TEXT' for c in HOSTILE_COLUMNS)
    name = '"' + HOSTILE_TABLE.replace('"', '""') + '"'
    return f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, {cols}, updated_at TIMESTAMP);"


@pytest.fixture
def hostile(engine_name, example_schema):
    import copy
    schema = copy.deepcopy(example_schema)
    extra = parse_sql(_ddl(), "hostile.sql")
    for qn, t in extra.tables.items():
        schema.tables[qn] = t
    with engines.throwaway(engine_name) as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute("INSERT INTO victim VALUES (1)")
        install_schema(eng, schema)
        yield eng, schema


def _canary_intact(eng) -> None:
    assert eng.query("SELECT count(*) FROM victim")[0][0] == 1


def test_ddl_audit_and_values_cannot_break_out(hostile):
    eng, schema = hostile
    n = names_for(schema, eng.name)
    table = schema.tables[HOSTILE_TABLE]
    install_audit(eng, schema, [HOSTILE_TABLE])
    set_actor(eng, None)
    for i, value in enumerate(HOSTILE_VALUES, 1):
        row = {"id": i, **{c: value for c in HOSTILE_COLUMNS}}
        eng.execute(insert_sql(table, row, n))
        got = eng.query(f"SELECT {n.cols(HOSTILE_COLUMNS)} FROM {n.table(table)} "
                        f"WHERE {where_sql({c: value for c in HOSTILE_COLUMNS}, n)}")
        assert got == [tuple([value] * len(HOSTILE_COLUMNS))], value
    assert eng.query(f"SELECT count(*) FROM {n.table(table)}")[0][0] == len(HOSTILE_VALUES)
    # the audit trail keys the JSON by the column names exactly as written
    logged = eng.query(f"SELECT table_name, new_values FROM audit_log WHERE operation = 'INSERT' "
                       f"AND row_id = '1'")
    assert len(logged) == 1 and logged[0][0] == n.held_name(table)
    new = logged[0][1] if isinstance(logged[0][1], dict) else json.loads(logged[0][1])
    assert {c: new[c] for c in HOSTILE_COLUMNS} == {c: HOSTILE_VALUES[0] for c in HOSTILE_COLUMNS}
    _canary_intact(eng)


def test_nul_in_a_value_is_stored_or_refused_per_engine(hostile):
    eng, schema = hostile
    n = names_for(schema, eng.name)
    table = schema.tables[HOSTILE_TABLE]
    value = "a\x00b'; DROP TABLE victim; --"
    row = {"id": 1, "q'uote": value}
    if eng.name == "postgres":  # text cannot hold NUL: bad input, nothing run
        with pytest.raises(InputError, match="NUL"):
            insert_sql(table, row, n)
    else:
        eng.execute(insert_sql(table, row, n))
        assert eng.query(f"SELECT {n.col(chr(113) + chr(39) + 'uote')} FROM {n.table(table)}") == [(value,)]
    _canary_intact(eng)


def test_erase_user_with_a_hostile_id_touches_nobody(hostile):
    eng, schema = hostile
    install_soft_delete(eng, schema)
    n = names_for(schema, eng.name)
    users = schema.tables["users"]
    from dbdesign.lab.probe import ValueFactory, load_baseline
    load_baseline(eng, schema, ValueFactory(schema))
    before = eng.query(f"SELECT * FROM {n.table(users)} ORDER BY 1")
    for user_id in ("nobody\\' -- ", "x' OR '1'='1", "00000000-0000-0000-0000-000000000000\\"):
        try:
            erase_user(eng, schema, user_id)
        except Exception as err:  # a uuid column may refuse the text: never a changed row
            assert "uuid" in str(err).lower() or "invalid" in str(err).lower(), err
    assert eng.query(f"SELECT * FROM {n.table(users)} ORDER BY 1") == before
    _canary_intact(eng)


def test_dollar_quote_tag_never_occurs_in_the_body():
    body = "x $body$ $body1$ $$ y"
    quoted = dollar_quote(body)
    tag = quoted[:quoted.index("$", 1) + 1]
    assert tag == "$body2$" and quoted == f"{tag}{body}{tag}"


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_identifier_quote_doubles_the_engine_quote(dialect):
    cls = DIALECTS[dialect]
    q = cls.IDENT_QUOTE
    assert cls.quote(f"a{q}b") == f"{q}a{q}{q}b{q}"
    assert cls.quote("plain_name") == "plain_name"
    with pytest.raises(InputError):
        cls.quote("a\x00b")


def test_dbdesign_audit_output_through_psql_leaves_the_canary(tmp_path):
    """The reported exploit end to end: `dbdesign ddl` + `dbdesign audit` for a table named
    `t$$; DROP TABLE victim; --`, run by psql (its own statement splitter), on a throwaway."""
    import shutil
    import subprocess
    import sys
    from urllib.parse import urlsplit

    from conftest import require_engine
    require_engine("postgres")
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed here")
    src = tmp_path / "s.sql"
    src.write_text("CREATE TABLE audit_log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                   "table_name TEXT NOT NULL, row_id TEXT NOT NULL, operation TEXT NOT NULL, "
                   "old_values JSONB, new_values JSONB, actor_id TEXT);\n" + _ddl() + "\n")
    cli = [sys.executable, "-m", "dbdesign.cli"]
    ddl = subprocess.run([*cli, "ddl", str(src), "--dialect", "postgres"], capture_output=True,
                         text=True, check=True).stdout
    audit = subprocess.run([*cli, "audit", str(src), "--dialect", "postgres"], capture_output=True,
                           text=True, check=True).stdout
    with engines.throwaway("postgres") as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute("INSERT INTO victim VALUES (1)")
        url = urlsplit(eng.url)
        proc = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", url.hostname,
                               "-p", str(url.port or 5432), "-U", url.username or "postgres",
                               "-d", url.path.lstrip("/")], input=ddl + audit,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        n = names_for(parse_sql(src.read_text()), "postgres")
        eng.execute(f"INSERT INTO {n.table(HOSTILE_TABLE)} (id) VALUES (1)")
        _canary_intact(eng)
        assert eng.query("SELECT table_name FROM audit_log") == [(HOSTILE_TABLE,)]


def test_seeds_with_hostile_values_keep_their_text(hostile, tmp_path):
    """Seeds are written in PostgreSQL's dialect and rendered per engine: every value must
    arrive as written (backslashes are plain characters in a standard string)."""
    from dbdesign.generate.seeds import apply_seeds
    eng, schema = hostile
    n = names_for(schema, eng.name)
    table = schema.tables[HOSTILE_TABLE]
    (tmp_path / "dev").mkdir()
    rows = ",\n".join(f"({i}, " + "'" + v.replace("'", "''") + "')"
                      for i, v in enumerate(HOSTILE_VALUES, 1))
    name = '"' + HOSTILE_TABLE.replace('"', '""') + '"'
    (tmp_path / "dev" / "01_hostile.sql").write_text(
        f"INSERT INTO {name} (id, \"q'uote\") VALUES\n{rows};\n", encoding="utf-8")
    apply_seeds(eng, schema, str(tmp_path), "dev")
    got = eng.query(f"SELECT id, {n.col(chr(113) + chr(39) + 'uote')} FROM {n.table(table)} ORDER BY id")
    assert got == list(enumerate(HOSTILE_VALUES, 1))
    _canary_intact(eng)


# -- executed statements: values as driver parameters ------------------------------------------

NUL_VALUE = "a\x00b'; DROP TABLE victim; --"
PERCENT_TABLE = "p%s%(x)s%"


def _holds_nul(engine_name: str) -> bool:
    """Whether the engine's text holds NUL: the dialect's literal function refuses it where not."""
    try:
        DIALECTS[engine_name].literal("\x00")
        return True
    except InputError:
        return False


def _read(eng, n, table, column: str, key: dict) -> list:
    p = Params()
    return eng.query(f"SELECT {n.col(column)} FROM {n.table(table)} WHERE {where_sql(key, n, p)}", p)


def test_executed_inserts_and_lookups_bind_hostile_values(hostile):
    """`insert_sql`/`where_sql` with `Params`: each value reaches the driver as a parameter
    and reads back exactly, NUL included where the engine's text holds it."""
    eng, schema = hostile
    n = names_for(schema, eng.name)
    table = schema.tables[HOSTILE_TABLE]
    for i, value in enumerate(HOSTILE_VALUES, 1):
        p = Params()
        eng.execute(insert_sql(table, {"id": i, **{c: value for c in HOSTILE_COLUMNS}}, n, p), p)
        q, m = Params(), Params.MARK
        assert insert_sql(table, {"id": i, "q'uote": value}, n, q).endswith(
            f"VALUES ({m}0{m}, {m}1{m})") and q.values == [i, value]
        for c in HOSTILE_COLUMNS:
            assert _read(eng, n, table, c, {"id": i, c: value}) == [(value,)], (c, value)
    p = Params()
    row = {"id": 100, "q'uote": NUL_VALUE}
    if _holds_nul(eng.name):
        eng.execute(insert_sql(table, row, n, p), p)
        assert _read(eng, n, table, "q'uote", {"id": 100}) == [(NUL_VALUE,)]
    else:
        with pytest.raises(EngineError):
            eng.execute(insert_sql(table, row, n, p), p)
    assert eng.query(f"SELECT count(*) FROM {n.table(table)}")[0][0] == \
        len(HOSTILE_VALUES) + _holds_nul(eng.name)
    _canary_intact(eng)


@pytest.fixture
def hostile_audited(engine_name):
    """The hostile table and an audit table whose actor is text (any actor id fits)."""
    from dbdesign.generate.audit import with_audit_table
    schema = with_audit_table(parse_sql(_ddl(), "hostile.sql"))
    with engines.throwaway(engine_name) as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute("INSERT INTO victim VALUES (1)")
        install_schema(eng, schema)
        yield eng, schema


def test_actor_and_audited_update_with_hostile_values(hostile_audited):
    """The actor setting and the audited UPDATE (triggers, or the application path where
    UPDATE triggers do not exist) bind the actor and the new values."""
    eng, schema = hostile_audited
    n = names_for(schema, eng.name)
    table = schema.tables[HOSTILE_TABLE]
    install_audit(eng, schema, [HOSTILE_TABLE])
    set_actor(eng, None)
    p = Params()
    eng.execute(insert_sql(table, {"id": 1, "q'uote": "start"}, n, p), p)
    for value in HOSTILE_VALUES:
        set_actor(eng, value)
        p = Params()
        audited_update(eng, schema, HOSTILE_TABLE, {"q'uote": value, "path\\": value},
                       where_sql({"id": 1}, n, p), value, p)
        assert _read(eng, n, table, "q'uote", {"id": 1}) == [(value,)]
        assert _read(eng, n, table, "path\\", {"id": 1}) == [(value,)]
        last = eng.query("SELECT actor_id, new_values FROM audit_log WHERE operation = 'UPDATE' "
                         "ORDER BY id DESC")[0]
        assert last[0] == value
        new = last[1] if isinstance(last[1], dict) else json.loads(last[1])
        assert new["q'uote"] == value and new["path\\"] == value
    set_actor(eng, None)
    assert eng.query(f"SELECT count(*) FROM {n.table(table)}")[0][0] == 1
    _canary_intact(eng)


ERASE_DDL = ("CREATE TABLE \"u'sers\\\" (id VARCHAR(100) PRIMARY KEY, email VARCHAR(255) NOT NULL, "
             "display_name VARCHAR(100) NOT NULL, deleted_at TIMESTAMP);")


@pytest.fixture
def hostile_users(engine_name):
    schema = parse_sql(ERASE_DDL, "users.sql")
    with engines.throwaway(engine_name) as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute("INSERT INTO victim VALUES (1)")
        install_schema(eng, schema)
        table = next(iter(schema.tables.values()))
        n = names_for(schema, eng.name)
        for i, value in enumerate(HOSTILE_VALUES):
            p = Params()
            eng.execute(insert_sql(table, {"id": value, "email": f"{i}@example.com",
                                           "display_name": f"user {i}"}, n, p), p)
        yield eng, schema, table, n


def _users(eng, n, table) -> dict:
    return {r[0]: r[1:] for r in eng.query(f"SELECT id, email, display_name, deleted_at FROM {n.table(table)}")}


def test_soft_delete_and_erase_bind_hostile_keys(hostile_users):
    """`soft_delete` and `erase_user` keyed by ids full of quotes, backslashes and comment
    markers change exactly the one row they name."""
    eng, schema, table, n = hostile_users
    before = _users(eng, n, table)
    victim_id, erased_id = HOSTILE_VALUES[7], HOSTILE_VALUES[2]  # "nobody\' -- ", "C:\dir\"
    soft_delete(eng, schema, table.qualname, {"id": victim_id})
    erase_user(eng, schema, erased_id, users_table=table.qualname)
    after = _users(eng, n, table)
    assert after[victim_id][2] is not None and after[victim_id][:2] == before[victim_id][:2]
    assert after[erased_id][0] == f"erased-{erased_id}@invalid"
    assert after[erased_id][1] == f"erased-{erased_id}"[:20] and after[erased_id][2] is not None
    untouched = set(before) - {victim_id, erased_id}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
    _canary_intact(eng)


def test_erasure_script_spells_values_as_literals():
    """The printed erasure script (no `Params`) keeps literals and stays closed on MariaDB."""
    schema = parse_sql(ERASE_DDL, "users.sql")
    table = next(iter(schema.tables.values()))
    out = erasure_statements(schema, "nobody\\' -- ", table.qualname, dialect="mysql")
    assert "'erased-nobody\\\\'' -- @invalid'" in out[-1] and Params.MARK not in "".join(out)


def test_history_writes_bind_hostile_values(engine_name):
    """migrate's history rows: the runner's name, a migration's name and an error text are
    values; they go in as parameters and read back unchanged."""
    from dbdesign.migrate.runner import History
    from dbdesign.schema.source import Migration
    who, name, error = HOSTILE_VALUES[7], HOSTILE_VALUES[4], HOSTILE_VALUES[5] + " 100%"
    with engines.throwaway(engine_name) as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute("INSERT INTO victim VALUES (1)")
        history = History(eng, who=who)
        history.ensure()
        history.insert(Migration(1, "0001", name, None, None, checksum="c'\\"), "failed", 0, error=error)
        row = history.rows()[1]
        assert (row.name, row.applied_by, row.error, row.checksum) == (name, who, error, "c'\\")
        history.set_state(1, "applied", execution_ms=5, error=None)
        assert history.rows()[1].state == "applied"
        _canary_intact(eng)


def test_percent_in_names_survives_parameters(engine_name):
    """Format-style drivers (psycopg, PyMySQL) read every % of a statement with parameters:
    a table named with % and %s works with bound values, and without any."""
    from dbdesign.lab.workload import bind
    schema = parse_sql(f'CREATE TABLE "{PERCENT_TABLE}" (id INTEGER PRIMARY KEY, "c%" TEXT);')
    table = schema.tables[PERCENT_TABLE]
    with engines.throwaway(engine_name) as eng:
        install_schema(eng, schema)
        n = names_for(schema, eng.name)
        p = Params()
        eng.execute(insert_sql(table, {"id": 1, "c%": "50% %s"}, n, p), p)
        assert _read(eng, n, table, "c%", {"id": 1}) == [("50% %s",)]
        assert eng.query(f"SELECT {n.col('c%')} FROM {n.table(table)}") == [("50% %s",)]
        sql, values = bind(f"SELECT {n.col('c%')} FROM {n.table(table)} WHERE id = :id "
                           "AND {c} LIKE '50%'".replace("{c}", n.col("c%")), {"id": 1}, eng.name)
        assert eng.query(sql, values) == [("50% %s",)]


def test_staging_copy_binds_hostile_values(engine_name):
    """`anonymise.build_staging` copies rows from a source into every engine as parameters."""
    from dbdesign.generate.anonymise import MaskRules, build_staging
    schema = parse_sql(_ddl(), "hostile.sql")
    table = schema.tables[HOSTILE_TABLE]
    with engines.throwaway("sqlite") as src, engines.throwaway(engine_name) as dst:
        install_schema(src, schema)
        install_schema(dst, schema)
        dst.execute("CREATE TABLE victim (id INTEGER)")
        dst.execute("INSERT INTO victim VALUES (1)")
        sn = names_for(schema, "sqlite")
        for i, value in enumerate(HOSTILE_VALUES, 1):
            p = Params()
            src.execute(insert_sql(table, {"id": i, **{c: value for c in HOSTILE_COLUMNS}}, sn, p), p)
        result = build_staging(src, dst, schema, MaskRules(mask={}, key=b"k"))
        assert result.rows[HOSTILE_TABLE] == len(HOSTILE_VALUES) and result.leaks == []
        n = names_for(schema, dst.name)
        got = dst.query(f"SELECT id, {n.cols(HOSTILE_COLUMNS)} FROM {n.table(table)} ORDER BY id")
        assert got == [(i, *[v] * len(HOSTILE_COLUMNS)) for i, v in enumerate(HOSTILE_VALUES, 1)]
        _canary_intact(dst)


# -- generated scripts through the engines' own command-line clients ---------------------------

CLIENT_SCHEMA = "\n".join([
    "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, deleted_at TIMESTAMPTZ);",
    "CREATE TABLE audit_log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, table_name TEXT "
    "NOT NULL, row_id TEXT NOT NULL, operation TEXT NOT NULL, old_values JSONB, new_values JSONB, "
    "actor_id TEXT);",
    _ddl().replace(", updated_at TIMESTAMP)", ', "x\\g" TEXT, "delimiter" TEXT, updated_at TIMESTAMP, '
                   "deleted_at TIMESTAMP, owner_id BIGINT REFERENCES users(id) ON DELETE CASCADE)"),
    "CREATE TABLE \"ch'ild\\\" (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES "
    + '"' + HOSTILE_TABLE + '"' + "(id) ON DELETE CASCADE, deleted_at TIMESTAMP);",
])
CHILD_TABLE = "ch'ild\\"
# Each server's own client, reading a script on stdin and stopping at the first error, and
# the catalogue query counting the triggers a script made.
CLIENTS = {
    "postgres": (lambda u: ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", u.hostname,
                            "-p", str(u.port or 5432), "-U", u.username or "postgres",
                            "-d", u.path.lstrip("/")],
                 "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"),
    "mysql": (lambda u: ["mariadb", "-h", u.hostname, "-P", str(u.port or 3306),
                         "-u", u.username or "root", u.path.lstrip("/")],
              "SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"),
}


@pytest.mark.parametrize("engine", list(CLIENTS))
def test_generated_scripts_run_through_the_engine_client(engine, tmp_path):
    """`dbdesign ddl`, `audit` and `softdelete` output for hostile names, piped into psql
    (ON_ERROR_STOP) or the mariadb client exactly as a user would: every trigger is created,
    and the triggers work (audit rows with the exact names and actor, the soft-delete cascade)."""
    import re
    import shutil
    import subprocess
    import sys
    from urllib.parse import urlsplit

    from conftest import require_engine
    require_engine(engine)
    command, count_triggers = CLIENTS[engine]
    src = tmp_path / "schema.sql"
    src.write_text(CLIENT_SCHEMA, encoding="utf-8")
    scripts = []
    for cmd in ("ddl", "audit", "softdelete"):
        proc = subprocess.run([sys.executable, "-m", "dbdesign.cli", cmd, str(src), "--dialect", engine],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert proc.returncode == 0, proc.stderr
        scripts.append(proc.stdout)
    with engines.throwaway(engine) as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute("INSERT INTO victim VALUES (1)")
        argv = command(urlsplit(eng.url))
        if shutil.which(argv[0]) is None:
            pytest.skip(f"{argv[0]} is not installed here")
        for script in scripts:
            proc = subprocess.run(argv, input=script, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
        made = sum(len(re.findall(r"\bCREATE (?:OR REPLACE )?TRIGGER\b", s)) for s in scripts)
        assert made > 0 and eng.query(count_triggers)[0][0] == made
        schema = parse_sql(CLIENT_SCHEMA)
        n = names_for(schema, eng.name)
        actor = "act'or\\ --"
        set_actor(eng, actor)
        p = Params()
        eng.execute(insert_sql(schema.tables["users"], {"id": 1, "email": "a@b.c"}, n, p), p)
        eng.execute(insert_sql(schema.tables[HOSTILE_TABLE], {"id": 1, "owner_id": 1, "path\\": "v\\"}, n, p), p)
        eng.execute(insert_sql(schema.tables[CHILD_TABLE], {"id": 1, "parent_id": 1}, n, p), p)
        logged = eng.query("SELECT table_name, actor_id, new_values FROM audit_log WHERE operation = 'INSERT' "
                           "ORDER BY id")
        assert [(t, a) for t, a, _ in logged] == [("users", actor), (HOSTILE_TABLE, actor), (CHILD_TABLE, actor)]
        new = logged[1][2] if isinstance(logged[1][2], dict) else json.loads(logged[1][2])
        assert new["path\\"] == "v\\" and "x\\g" in new and "delimiter" in new
        eng.execute(f"UPDATE {n.table(HOSTILE_TABLE)} SET deleted_at = CURRENT_TIMESTAMP WHERE id = 1")
        assert eng.query(f"SELECT deleted_at IS NOT NULL FROM {n.table(CHILD_TABLE)}")[0][0]
        assert eng.query(f"SELECT count(*) FROM audit_log WHERE operation = 'UPDATE' AND table_name = {p(CHILD_TABLE)}",
                         p)[0][0] == 1
        set_actor(eng, None)
        _canary_intact(eng)
