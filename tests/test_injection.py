"""Names and values that try to break out of generated SQL, run for real on all four engines.

Every generator (DDL, audit triggers, soft delete, probe/seed INSERTs, erasure) gets
identifiers and values holding ' " \\ ` $$ ; -- /* NUL and unicode; the output is executed and
afterwards the data must read back exactly and the canary table must be intact."""
from __future__ import annotations

import json

import pytest

from dbdesign import engines
from dbdesign.generate.audit import install_audit, set_actor
from dbdesign.dialects import DIALECTS
from dbdesign.dialects.postgres import dollar_quote
from dbdesign.errors import InputError
from dbdesign.schema.parse import parse_sql
from dbdesign.lab.probe import insert_sql, install_schema, names_for, where_sql
from dbdesign.generate.softdelete import erase_user, install_soft_delete

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
