"""config: dbdesign.toml -> Config; every bad input is an InputError naming file and line."""
from __future__ import annotations

import datetime as dt
import os

import pytest

from dbdesign.config import load_config, parse_config
from dbdesign.errors import InputError

GOOD = """\
source = "schema/ddl.sql"

[lint]
user_facing_tables = ["users", "posts"]
audit_columns = ["created_by"]
soft_delete_column = "removed_at"

[rules]
char-type = "off"
serial-type = "error"

[rules.index-too-many]
max = 4
severity = "info"

[[waivers]]
rule = "primary-key-strategy-mixed"
object = "audit_log"
reason = "ordered append-only log"

[[waivers]]
rule = "char-type"
object = "countries.code"
reason = "ISO 3166 code"
expires = 2027-01-31

[pool]
max_size = 20
"""


def test_good_config(tmp_path):
    path = tmp_path / "dbdesign.toml"
    path.write_text(GOOD)
    cfg = load_config(str(path))
    assert cfg.source == os.path.join(str(tmp_path), "schema", "ddl.sql")  # relative to the file
    assert cfg.user_facing_tables == ["users", "posts"]
    assert cfg.audit_columns == ["created_by"] and cfg.soft_delete_column == "removed_at"
    assert cfg.timestamp_columns == ["created_at", "updated_at"]  # default kept
    assert not cfg.rule_enabled("char-type") and cfg.rule_enabled("serial-type")
    assert cfg.severity_for("serial-type") == "error" and cfg.severity_for("fk-type-mismatch") is None
    assert cfg.option("index-too-many", "max", 8) == 4 and cfg.severity_for("index-too-many") == "info"
    w1, w2 = cfg.waivers
    assert (w1.rule, w1.object, w1.expires, w1.line) == ("primary-key-strategy-mixed", "audit_log", None, 16)
    assert w2.expires == dt.date(2027, 1, 31) and w2.line == 21
    assert cfg.extra == {"pool": {"max_size": 20}}  # other commands' sections are kept


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg.path is None and cfg.source == "migrations" and cfg.waivers == []
    (tmp_path / "dbdesign.toml").write_text('source = "db"\n')
    cfg = load_config()
    assert cfg.path == "dbdesign.toml" and cfg.source == "db"


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="no such config file"):
        load_config(str(tmp_path / "nope.toml"))


@pytest.mark.parametrize("text,line,match", [
    ('source = "x"\n[lint\n', 2, "invalid TOML"),
    ('[rules]\nchar-typo = "off"\n', 2, "unknown rule 'char-typo'"),
    ('\n[rules.no-such-rule]\nmax = 3\n', 2, "unknown rule 'no-such-rule'"),
    ('[rules]\nchar-type = "loud"\n', 2, "not one of"),
    ('[rules.index-too-many]\nmax = "many"\n', 2, "must be a whole number"),
    ('[rules.index-too-many]\nseverity = "fatal"\n', 2, "severity 'fatal'"),
    ('[rules.char-type]\n\nlimit = 3\n', 3, "unknown option 'limit'"),
    ('[rules]\nchar-type = "off"\n\n[rules.index-too-many]\nmax = 3\n[rules.bogus]\nmax = 1\n', 6,
     "unknown rule 'bogus'"),
    ('[rules]\n"char-tipe" = "off"\n', 2, "unknown rule 'char-tipe'"),
    ('[lint]\nuser_facing = ["a"]\n', 2, "unknown key 'user_facing'"),
    ('[lint]\nuser_facing_tables = "users"\n', 2, "must be a list"),
    ('[[waivers]]\nrule = "char-type"\nobject = "t"\n', 1, "has no `reason`"),
    ('[[waivers]]\nrule = "char-type"\nobject = "t"\nreason = "ok"\n\n[[waivers]]\nrule = "char-type"\n'
     'object = "u"\nreason = "  "\n', 9, "has no `reason`"),
    ('[[waivers]]\nrule = "char-type"\nobject = "t"\nreason = "ok"\nexpires = "31/01/2027"\n', 5, "not a date"),
    ('[[waivers]]\nrule = "chartype"\nobject = "t"\nreason = "ok"\n', 2, "unknown rule 'chartype'"),
    ('[[waivers]]\nrule = "char-type"\nreason = "ok"\n', 1, "without `object`"),
    ('[[waivers]]\nrule = "char-type"\nobject = "t"\nreason = "ok"\nuntil = 2027-01-01\n', 5, "unknown waiver key"),
    ('# the schema\nsorce = "schema.sql"\n', 2, "unknown key or section 'sorce'; did you mean source\\?"),
    ('source = "x"\n\n[lnt]\nusers_table = "u"\n', 3, "unknown key or section 'lnt'; did you mean lint\\?"),
    ('[lint]\nuser_facing_table = ["a"]\n', 2, "did you mean user_facing_tables\\?"),
    ('[pool]\nmax_sise = 4\n', 2, "unknown key 'max_sise' in \\[pool\\]; did you mean max_size\\?"),
    ('[rules.index-too-many]\nmx = 3\n', 2, "did you mean max\\?"),
    ('[[waivers]]\nrule = "char-type"\nobject = "t"\nreson = "ok"\n', 4, "did you mean reason\\?"),
    ('[rules]\nchar-typ = "off"\n', 2, "did you mean char-type\\?"),
])
def test_bad_config_names_file_and_line(tmp_path, text, line, match):
    path = tmp_path / "dbdesign.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        load_config(str(path))
    err = info.value
    assert err.file == str(path) and err.line == line, str(err)
    assert str(err).startswith(f"{path}:{line}")


def test_config_is_found_in_a_parent_folder(tmp_path, monkeypatch):
    (tmp_path / "dbdesign.toml").write_text('source = "db/schema.sql"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    monkeypatch.delenv("DBDESIGN_CONFIG", raising=False)
    cfg = load_config()
    assert os.path.realpath(cfg.path) == os.path.realpath(tmp_path / "dbdesign.toml")
    assert os.path.realpath(cfg.source) == os.path.realpath(tmp_path / "db" / "schema.sql")


def test_global_config_option_names_the_file(tmp_path):
    import subprocess
    import sys
    other = tmp_path / "other.toml"
    other.write_text('sorce = "x"\n')
    proc = subprocess.run([sys.executable, "-m", "dbdesign.cli", "--config", str(other), "lint"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"dbdesign: {other}:1: unknown key or section 'sorce'; did you mean source?"


def test_nested_toml_is_bad_input(tmp_path):
    path = tmp_path / "dbdesign.toml"
    path.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(InputError, match="nested too deeply"):
        load_config(str(path))


def test_toml_error_has_column(tmp_path):
    path = tmp_path / "dbdesign.toml"
    path.write_text('[lint]\nsoft_delete_column = deleted_at\n')
    with pytest.raises(InputError) as info:
        load_config(str(path))
    assert (info.value.line, info.value.col) == (2, 22)


def test_repo_config_is_valid():
    from conftest import REPO
    cfg = load_config(str(REPO / "dbdesign.toml"))
    assert os.path.samefile(cfg.source, REPO / "migrations")
    assert all(w.reason for w in cfg.waivers)
    assert any(w.rule == "primary-key-strategy-mixed" and w.object == "audit_log" for w in cfg.waivers)


def test_waiver_matches_like_fnmatch_on_every_name():
    """A plain waiver object is compared by equality, a wildcard one by fnmatch: both give
    fnmatch's answer over the index, the table and table.column."""
    import fnmatch
    import random
    from dbdesign.config import Waiver
    rng = random.Random(3)
    words = ["users", "users.email", "posts", "idx_posts_user_id", "users.*", "*", "post?",
             "[pu]*", "users.", ".email", "app.users", "app.users.email"]
    for _ in range(3000):
        w = Waiver("r", rng.choice(words), "why")
        table, column, index = (rng.choice([None, "", "users", "posts", "app.users"]),
                                rng.choice([None, "", "email", "id"]),
                                rng.choice([None, "", "idx_posts_user_id"]))
        names = [n for n in (index, table, f"{table}.{column}" if table and column else None) if n]
        assert w.matches("r", table, column, index) == any(fnmatch.fnmatchcase(n, w.object) for n in names)
        assert not w.matches("other", table, column, index)
