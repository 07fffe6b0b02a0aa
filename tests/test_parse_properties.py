"""Property-based tests: the parser never crashes on junk (it returns a model or raises our
one-line InputError), and parsing is deterministic."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbdesign.errors import InputError
from dbdesign.schema.parse import parse_sql

SQL_WORDS = ["CREATE", "TABLE", "INDEX", "UNIQUE", "ALTER", "DROP", "ADD", "COLUMN", "CONSTRAINT",
             "PRIMARY", "KEY", "FOREIGN", "REFERENCES", "ON", "DELETE", "CASCADE", "CHECK", "NOT",
             "NULL", "DEFAULT", "COMMENT", "IS", "TYPE", "AS", "ENUM", "INT", "TEXT", "UUID",
             "VARCHAR(10)", "t", "u", "a", "b", "id", "(", ")", ",", ";", "'x'", "1", "WHERE",
             "RENAME", "TO", "IF", "EXISTS", "$$", "--", "\n", "\"q\"", "lower(a)", "DESC"]

junk_sql = st.lists(st.sampled_from(SQL_WORDS), max_size=40).map(" ".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(junk_sql)
def test_token_soup_never_crashes(text):
    try:
        parse_sql(text, "junk.sql")
    except InputError as err:
        assert str(err).startswith("junk.sql")
        assert "\n" not in str(err)


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text):
    try:
        parse_sql(text, "junk.sql")
    except InputError as err:
        assert str(err).startswith("junk.sql")
        assert "\n" not in str(err)


BASE = "CREATE TABLE t (id INT PRIMARY KEY, a INT, b TEXT);\n"
valid_alter = st.sampled_from([
    "ALTER TABLE t ADD COLUMN c INT",
    "ALTER TABLE t DROP COLUMN a",
    "ALTER TABLE t RENAME COLUMN b TO bb",
    "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    "CREATE INDEX idx_t_a ON t (a)",
    "COMMENT ON TABLE t IS 'x'",
])


@SETTINGS
@given(st.lists(valid_alter, max_size=6))
def test_sequences_of_changes_are_deterministic(stmts):
    text = BASE + ";\n".join(stmts)
    try:
        first = parse_sql(text, "m.sql")
    except InputError:
        return  # e.g. dropping a column twice: a clear error is the right answer
    assert parse_sql(text, "m.sql").to_dict() == first.to_dict()


# -- model -> PostgreSQL DDL -> model is stable --------------------------------------------------

from dbdesign import dialects  # noqa: E402
from dbdesign.schema.diff import diff  # noqa: E402
from dbdesign.model import (CheckConstraint, Column, ForeignKey, Index, IndexColumn,  # noqa: E402
                            PrimaryKey, Schema, Table, UniqueConstraint)

TYPES = ["INT", "BIGINT", "TEXT", "VARCHAR(40)", "BOOLEAN", "TIMESTAMPTZ", "NUMERIC(10, 2)", "UUID",
         "DATE", "JSONB"]
names = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])


@st.composite
def schemas(draw):
    schema = Schema()
    n_tables = draw(st.integers(1, 4))
    for ti in range(n_tables):
        name = f"t{ti}"
        cols = draw(st.lists(names, min_size=1, max_size=5, unique=True))
        table = Table(name=name)
        table.columns["id"] = Column("id", "BIGINT", nullable=False)
        table.primary_key = PrimaryKey(["id"])
        for c in cols:
            ctype = draw(st.sampled_from(TYPES))
            table.columns[c] = Column(c, ctype, nullable=draw(st.booleans()),
                                      default="0" if ctype in ("INT", "BIGINT") and draw(st.booleans()) else None)
        int_cols = [c for c in cols if table.columns[c].type in ("INT", "BIGINT")]
        if int_cols and draw(st.booleans()):
            table.checks.append(CheckConstraint(f"{int_cols[0]} >= 0", f"ck_{name}_{int_cols[0]}", [int_cols[0]]))
        if draw(st.booleans()):
            table.uniques.append(UniqueConstraint([cols[0]], f"uq_{name}_{cols[0]}"))
        if ti > 0 and draw(st.booleans()):
            parent = f"t{draw(st.integers(0, ti - 1))}"
            table.columns["parent_id"] = Column("parent_id", "BIGINT", nullable=True)
            action = draw(st.sampled_from([None, "CASCADE", "RESTRICT", "SET NULL"]))
            table.foreign_keys.append(ForeignKey(["parent_id"], parent, ["id"], on_delete=action,
                                                 name=f"fk_{name}_parent"))
        if draw(st.booleans()):
            key = draw(st.sampled_from(cols))
            table.indexes.append(Index(f"idx_{name}_{key}", name, [IndexColumn(column=key, desc=draw(st.booleans()))],
                                       unique=draw(st.booleans())))
        schema.tables[name] = table
    return schema


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas())
def test_model_to_postgres_ddl_to_model_is_stable(schema):
    rendered = dialects.render(schema, "postgres")
    assert rendered.notes == []  # PostgreSQL is the authoring dialect: nothing is lost
    reparsed = parse_sql(rendered.sql, "rendered.sql")
    assert reparsed.diagnostics == []
    result = diff(schema, reparsed)
    assert result.is_empty, result.format_text()
    # ...and a second round trip changes nothing either.
    again = parse_sql(dialects.render(reparsed, "postgres").sql, "again.sql")
    assert diff(reparsed, again).is_empty
