"""Property-based tests: the parser never crashes on junk (it returns a model or raises our
one-line InputError), and parsing is deterministic."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbdesign.errors import InputError
from dbdesign.parse import parse_sql

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
