"""Exit 2 for every bad input: mutated real schemas and grammar-generated DDL through `lint`,
`ddl` (four dialects), `erd`, `catalog` and `migrate lint`. The property: exit 0, 1 or 2 only,
one line on stderr on error, never a traceback. CI runs a bounded number of examples
(`DBDESIGN_FUZZ_EXAMPLES`, default 25 per test); a local run sets it to thousands.

tests/fixtures/crashers/ holds inputs that once ended in exit 3; each stays a regression case."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbdesign.cli import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
CRASHERS = sorted((REPO / "tests" / "fixtures" / "crashers").iterdir())
EXAMPLES = int(os.environ.get("DBDESIGN_FUZZ_EXAMPLES", "25"))
COMMANDS = [["lint"], ["ddl", "--dialect", "postgres"], ["ddl", "--dialect", "mysql"],
            ["ddl", "--dialect", "sqlite"], ["ddl", "--dialect", "duckdb"], ["catalog"],
            ["erd", "-o", "{out}/erd.mmd"]]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
TOKENS = ["(", ")", "((", "))", "'", '"', "`", "\\", "$$", ";", "--", "/*", "*/", "\x00", ",",
          "E'x'", "VARCHAR(\"x\")", "VARCHAR((10))", ".", "..", "select", "NULL", "DEFAULT",
          "REFERENCES", "CHECK (", "ünï", "\n", "-1", "99999999999999999999", "ARRAY[", "::"]
TALLY: dict[str, int] = {}


def run_cli(args: list[str], sql: str | bytes, name: str = "in.sql") -> None:
    """Run one command on `sql`; assert the exit-code and one-line-error property."""
    tmp = tempfile.mkdtemp(prefix="dbdesign-fuzz-")
    try:
        path = os.path.join(tmp, name)
        with open(path, "wb") as fh:
            fh.write(sql if isinstance(sql, bytes) else sql.encode("utf-8", "surrogatepass"))
        args = [a.replace("{out}", tmp) for a in args]
        target = [path] if args[0] != "migrate" else ["--dir", tmp]
        result = CliRunner().invoke(main, [*args, *target], catch_exceptions=True)
        code = result.exit_code
        TALLY[args[0]] = TALLY.get(args[0], 0) + 1
        out = result.output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
            f"{args}: {type(result.exception).__name__}: {result.exception}"
        assert code in (0, 1, 2), f"{args} exit {code}: {out[-500:]}"
        assert "Traceback" not in out, out
        if code == 2:
            errors = [ln for ln in result.stderr.splitlines() if ln.startswith("dbdesign:")
                      or "Error" in ln]
            assert len(errors) <= 1, result.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _corpus_texts() -> list[str]:
    if not CORPUS.is_dir():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"corpus missing at {CORPUS} under CI=true")
        return []
    out = []
    for p in sorted(CORPUS.glob("*.sql")):
        text = p.read_bytes()[:20_000].decode("utf-8", "replace")
        out.append(text[:text.rfind(";") + 1] or text)
    return out


SEEDS = _corpus_texts() or ["CREATE TABLE users (id INT PRIMARY KEY, email TEXT NOT NULL);"]


@st.composite
def mutated(draw) -> str:
    """A real schema with a few cuts, duplications and hostile tokens."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        op = draw(st.sampled_from(["cut", "insert", "dup"]))
        if op == "cut":
            text = text[:i] + text[i + draw(st.integers(1, 40)):]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        else:
            text = text[:i] + text[i:i + draw(st.integers(1, 80))] + text[i:]
    return text


NAME = st.one_of(st.sampled_from(["id", "users", "select", "order", "t", "a.b"]),
                 st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
                 .map(lambda s: '"' + s.replace('"', '""') + '"'))
TYPE = st.sampled_from(["INT", "BIGINT", "TEXT", "VARCHAR(10)", "VARCHAR((10))", 'VARCHAR("x")',
                        "JSON", "JSONB", "UUID", "TIMESTAMPTZ", "NUMERIC(10,2)", "INT[]", "ENUMX",
                        "SERIAL", "BOOLEAN", "DATE", "BYTEA", "CHAR"])
EXTRA = st.sampled_from(["", " NOT NULL", " PRIMARY KEY", " UNIQUE", " DEFAULT 0",
                         " DEFAULT E'a\\'b'", " DEFAULT now()", " CHECK (x > 0)",
                         " REFERENCES users(id) ON DELETE CASCADE", " GENERATED ALWAYS AS IDENTITY",
                         " DEFAULT '" + "(" * 3 + "'", " CHECK " + "(" * 60 + "1" + ")" * 60])


@st.composite
def grammar_ddl(draw) -> str:
    """CREATE TABLE / INDEX statements from a small grammar of names, types and clauses."""
    stmts = []
    for _ in range(draw(st.integers(1, 3))):
        table = draw(NAME)
        cols = [f"{draw(NAME)} {draw(TYPE)}{draw(EXTRA)}" for _ in range(draw(st.integers(1, 4)))]
        stmts.append(f"CREATE TABLE {table} ({', '.join(cols)});")
        if draw(st.booleans()):
            stmts.append(f"CREATE INDEX {draw(NAME)} ON {table} ({draw(NAME)});")
    return "\n".join(stmts)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:3]))
@FUZZ
@given(sql=mutated())
def test_mutated_real_schemas(command, sql):
    run_cli(command, sql)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:3]))
@FUZZ
@given(sql=grammar_ddl())
def test_grammar_ddl(command, sql):
    run_cli(command, sql)


@FUZZ
@given(sql=st.one_of(mutated(), grammar_ddl()))
def test_migrate_lint(sql):
    run_cli(["migrate", "lint"], sql, "0001_fuzz.up.sql")


@pytest.mark.parametrize("path", CRASHERS, ids=lambda p: p.name)
@pytest.mark.parametrize("command", [*COMMANDS, ["migrate", "lint"]], ids=lambda c: "-".join(c[:3]))
def test_known_crashers_are_bad_input_or_fine(path, command):
    run_cli(command, path.read_bytes(), "0001_crash.up.sql" if command[0] == "migrate" else path.name)
