"""Rendering what real PostgreSQL schemas hold (constructs in the spirit of Pagila, Sakila and
MusicBrainz, written here): DDL in dependency order, PostgreSQL-only constructs re-rendered on
PostgreSQL, and on every other engine DDL that executes, with a portability note for every
change. Constructs the parser does not read yet are set on the model directly."""
from __future__ import annotations

import pytest

from dbdesign import dialects, engines
from dbdesign.dialects.base import fk_order, shorten
from dbdesign.schema.diff import diff
from dbdesign.model import CheckConstraint, Domain, ForeignKey
from dbdesign.schema.parse import parse_sql

LONG = "a_table_whose_name_is_much_longer_than_any_engine_is_willing_to_keep_as_is"
SQL = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TYPE public.mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');
CREATE SEQUENCE actor_actor_id_seq;
CREATE VIEW actor_info AS SELECT a.actor_id, a.first_name FROM actor a;
CREATE TABLE film_actor (
  actor_id BIGINT NOT NULL REFERENCES actor (actor_id),
  film_id INT NOT NULL REFERENCES film (film_id),
  PRIMARY KEY (actor_id, film_id)
);
CREATE TABLE language (language_id INT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE actor (
  actor_id BIGINT DEFAULT nextval('actor_actor_id_seq'::regclass) NOT NULL PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_update TIMESTAMPTZ DEFAULT now() NOT NULL
);
CREATE TABLE film (
  film_id INT PRIMARY KEY,
  title TEXT NOT NULL,
  language_id INT NOT NULL REFERENCES language (language_id),
  rating public.mpaa_rating DEFAULT 'G'::public.mpaa_rating,
  special_features TEXT[] DEFAULT '{{}}'::text[],
  extra JSONB DEFAULT '{{}}'::jsonb NOT NULL,
  release_year INT,
  code TEXT CHECK (code ~ '^[A-Z]+$'),
  last_update TIMESTAMPTZ DEFAULT now() NOT NULL
);
CREATE TABLE {LONG} (
  id INT PRIMARY KEY,
  actor_id INT REFERENCES actor (actor_id)
);
CREATE TABLE payment (
  payment_id INT NOT NULL,
  amount NUMERIC(5,2) NOT NULL,
  payment_date TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (payment_date, payment_id)
);
CREATE TABLE payment_p2022_01 (
  payment_id INT NOT NULL,
  amount NUMERIC(5,2) NOT NULL,
  payment_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX film_title_trgm ON film USING gin (title);
"""


def real_schema():
    s = parse_sql(SQL)
    s.domains["year"] = Domain("year", "INTEGER", checks=[
        CheckConstraint("VALUE >= 1901 AND VALUE <= 2155", "year_check")])
    s.tables["film"].columns["release_year"].type = "public.year"
    s.tables["film"].indexes[0].columns[0].opclass = "public.gin_trgm_ops"
    s.tables["language"].uniques[0].nulls_not_distinct = True
    s.tables["film_actor"].foreign_keys[1].deferrable = "deferred"
    s.tables["film"].checks.append(CheckConstraint("film_id > 0", "film_id_positive", ["film_id"],
                                                   validated=False))
    s.tables["payment"].partition_by = "RANGE (payment_date)"
    part = s.tables["payment_p2022_01"]
    part.partition_of = "payment"
    part.partition_bound = "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')"
    next(o for o in s.others if o.kind == "view").depends_on = ["actor"]
    return s


def positions(statements: list[str], *heads: str) -> list[int]:
    return [next(i for i, s in enumerate(statements) if s.startswith(h)) for h in heads]


def test_postgres_ddl_is_in_dependency_order():
    st = dialects.render(real_schema(), "postgres").statements
    ext, enum, dom, seq, lang, actor, film, fa, part, attach, notvalid, ix, view = positions(
        st, "CREATE EXTENSION", "CREATE TYPE", "CREATE DOMAIN", "CREATE SEQUENCE",
        "CREATE TABLE language", "CREATE TABLE actor", "CREATE TABLE film (",
        "CREATE TABLE film_actor", "CREATE TABLE payment_p2022_01",
        "ALTER TABLE payment ATTACH", "ALTER TABLE film ADD CONSTRAINT film_id_positive",
        "CREATE INDEX", "CREATE VIEW")
    assert ext < enum < dom < seq < min(lang, actor, film, fa)
    assert lang < film < fa and actor < fa
    assert max(lang, actor, film, fa) < part < attach < notvalid < ix < view


def test_postgres_renders_what_the_model_holds():
    r = dialects.render(real_schema(), "postgres")
    sql = r.sql
    assert "USING gin(title public.gin_trgm_ops)" in sql
    assert "UNIQUE NULLS NOT DISTINCT" in sql
    assert "REFERENCES film (\n    film_id\n  ) DEFERRABLE INITIALLY DEFERRED" in sql
    assert "CHECK (film_id > 0) NOT VALID" in sql
    assert "PARTITION BY RANGE(payment_date)" in sql
    assert "CREATE DOMAIN public.year AS INT CONSTRAINT year_check CHECK (VALUE >= 1901" in sql \
        or "CREATE DOMAIN year AS INT CONSTRAINT year_check CHECK (VALUE >= 1901" in sql
    assert [n.feature for n in r.notes] == ["identifier length"]  # the only change: 63 chars


def test_postgres_replay_holds_every_construct():
    from conftest import require_engine
    require_engine("postgres")
    r = dialects.render(real_schema(), "postgres")
    with engines.throwaway("postgres") as eng:
        eng.run_script(r.statements)
        q = eng.query
        assert "gin_trgm_ops" in q("SELECT indexdef FROM pg_indexes WHERE indexname = 'film_title_trgm'")[0][0]
        assert q("SELECT condeferrable, condeferred FROM pg_constraint WHERE contype = 'f' AND "
                 "conrelid = 'film_actor'::regclass AND confrelid = 'film'::regclass") == [(True, True)]
        assert q("SELECT convalidated FROM pg_constraint WHERE conname = 'film_id_positive'") == [(False,)]
        assert "NULLS NOT DISTINCT" in q("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                         "WHERE conrelid = 'language'::regclass AND contype = 'u'")[0][0]
        assert q("SELECT inhparent::regclass::text FROM pg_inherits "
                 "WHERE inhrelid = 'payment_p2022_01'::regclass") == [("payment",)]
        assert q("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                 "'film'::regclass AND attname = 'release_year'") == [("year",)]
        assert q("SELECT count(*) FROM pg_views WHERE viewname = 'actor_info'") == [(1,)]
        assert q("SELECT count(*) FROM pg_class WHERE relname = %s", (shorten(LONG, 63),)) == [(1,)]
        eng.execute("INSERT INTO language VALUES (1, 'en')")
        eng.execute("INSERT INTO film (film_id, title, language_id) VALUES (1, 't', 1)")
        assert q("SELECT rating::text, special_features::text FROM film") == [("G", "{}")]


@pytest.mark.parametrize("engine_name", ["mysql", "sqlite", "duckdb"])
def test_other_engines_execute_with_a_note_for_every_change(engine_name):
    from conftest import require_engine
    require_engine(engine_name)
    r = dialects.render(real_schema(), engine_name)
    with engines.throwaway(engine_name) as eng:
        eng.run_script(r.statements)
        result = diff(r.model, eng.introspect(), engine=engine_name)
        eng.execute("INSERT INTO language VALUES (1, 'en')")
        eng.execute("INSERT INTO film (film_id, title, language_id) VALUES (1, 't', 1)")
        assert eng.query("SELECT rating FROM film") == [("G",)]
    assert result.is_empty, "\n" + result.format_text()
    notes = {(n.feature, n.object) for n in r.notes}
    assert ("partition", "payment_p2022_01") in notes
    assert ("partitioned table", "payment") in notes
    assert ("domain", "film.release_year") in notes
    if engine_name != "duckdb":  # DuckDB has enum types and lists
        assert ("cast", "film.rating") in notes and ("cast", "film.special_features") in notes
    assert ("nulls not distinct", "language(name)") in notes
    assert ("operator class", "film_title_trgm") in notes or ("index method", "film_title_trgm") in notes
    assert ("not valid", "film_id_positive") in notes
    assert {("view", "actor_info"), ("sequence", "actor_actor_id_seq"),
            ("extension", "pg_trgm")} <= notes
    if engine_name == "sqlite":
        assert "DEFERRABLE INITIALLY DEFERRED" in r.sql  # SQLite has deferred FKs
    else:
        assert ("deferrable", "film_actor(film_id)") in notes


def test_mariadb_specific_refusals_become_notes():
    r = dialects.render(real_schema(), "mysql")
    notes = {(n.feature, n.object): n.detail for n in r.notes}
    assert "VARCHAR(255)" in notes[("key type", "language.name")]
    assert "widened to BIGINT" in notes[("fk column type", f"{LONG}.actor_id")]
    assert "64 characters" in notes[("identifier length", LONG)]
    assert ("regular expression", "film CHECK") in notes
    assert "code REGEXP '^[A-Z]+$'" in r.sql and "REGEXP_LIKE" not in r.sql
    assert "DEFAULT '{}'" in r.sql and "AS JSON" not in r.sql
    assert r.model.tables[shorten(LONG, 64)].foreign_keys[0].name == shorten(shorten(LONG, 64) + "_fk1", 64)


def test_duckdb_widens_fk_columns():
    r = dialects.render(real_schema(), "duckdb")
    assert r.model.tables[LONG].columns["actor_id"].type == "BIGINT"
    assert any(n.feature == "fk column type" for n in r.notes)
    assert not any(n.feature == "fk column type" for n in dialects.render(real_schema(), "postgres").notes)


def test_unrenderable_expressions_are_notes_not_crashes():
    """A stored function in a CHECK or DEFAULT, a cast to an unknown type: dropped with a note."""
    s = parse_sql("CREATE TABLE t (id INT PRIMARY KEY, a TEXT DEFAULT 'x'::public.unknown_kind, "
                  "b INT CHECK (controlled_for_whitespace(b)));")
    for name in ("mysql", "sqlite", "duckdb"):
        r = dialects.render(s, name)
        feats = {(n.feature, n.action) for n in r.notes}
        assert ("default", "dropped") in feats and ("check", "dropped") in feats, name
        assert "controlled_for_whitespace" not in r.sql.lower()
    pg = dialects.render(s, "postgres")
    assert "controlled_for_whitespace" in pg.sql.lower() and not pg.notes


def test_long_names_shorten_deterministically():
    assert shorten("x" * 70, 63) == shorten("x" * 70, 63)
    assert len(shorten("x" * 70, 63)) == 63 and shorten("x" * 70, 63) != shorten("x" * 69 + "y", 63)
    assert shorten("short", 63) == "short"


def test_fk_order_parents_first_and_cycles_deferred():
    s = parse_sql("CREATE TABLE a (id INT PRIMARY KEY, b_id INT);\n"
                  "CREATE TABLE b (id INT PRIMARY KEY, a_id INT NOT NULL REFERENCES a (id));\n"
                  "CREATE TABLE c (id INT PRIMARY KEY, b_id INT NOT NULL REFERENCES b (id));\n"
                  "ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id);")
    order = fk_order(s)
    assert order.names == ["a", "b", "c"]
    assert [(t, fk.columns) for t, fk in order.deferred] == [("a", ["b_id"])]
    assert order.cycles == [["a", "b", "a"]]
    required = fk_order(s, follows=lambda t, fk: not t.columns[fk.columns[0]].nullable)
    assert required.names == ["a", "b", "c"] and not required.deferred
    s.tables["a"].foreign_keys.append(ForeignKey(["b_id"], "c", ["id"]))
    assert fk_order(s).names[0] == "a"


MORE = """
CREATE TABLE film (film_id INT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY CHECK (film_id > 0),
  title TEXT COLLATE "C", tags INT[], embedding public.vector(3), note TEXT DEFAULT NULL);
CREATE TABLE inventory (inventory_id INT PRIMARY KEY, film_id INT NOT NULL REFERENCES film (film_id));
CREATE TABLE film_actor (actor_id INT NOT NULL, film_id INT NOT NULL REFERENCES film (film_id),
  PRIMARY KEY (film_id, actor_id));
CREATE TABLE cast_note (id INT PRIMARY KEY, film_id INT, actor_id INT,
  FOREIGN KEY (actor_id, film_id) REFERENCES film_actor (actor_id, film_id));
CREATE INDEX idx_fk_film_id ON inventory (film_id);
CREATE INDEX idx_fk_film_id_2 ON film_actor (film_id);
CREATE INDEX idx_film_tags ON film (tags);
CREATE INDEX idx_film_title ON film ((title COLLATE "C"));
"""


@pytest.mark.parametrize("engine_name", ["postgres", "mysql", "sqlite", "duckdb"])
def test_more_engine_refusals_are_notes(engine_name):
    """Index names shared by two tables (MySQL input), a CHECK on an auto-increment column
    (MariaDB 1901), an extension's type, an array index key (DuckDB), referenced columns in
    another order than the key (DuckDB), DEFAULT NULL: each executes, with a note."""
    from conftest import require_engine
    require_engine(engine_name)
    s = parse_sql(MORE)
    s.tables["film_actor"].indexes[0].name = "idx_fk_film_id"  # as MySQL input may have it
    if engine_name == "postgres":  # pgvector is not installed here: PostgreSQL refuses it too
        del s.tables["film"].columns["embedding"]
    r = dialects.render(s, engine_name)
    with engines.throwaway(engine_name) as eng:
        eng.run_script(r.statements)
    feats = {(n.feature, n.action) for n in r.notes}
    assert r.model.tables["film"].columns["note"].default is None
    if engine_name != "mysql":  # index names are schema-wide
        assert ("name clash", "changed") in feats
    if engine_name == "mysql":
        assert ("check", "dropped") in feats
    if engine_name != "postgres":
        assert ("extension type", "changed") in feats
    if engine_name == "duckdb":
        assert ("index", "dropped") in feats
    if engine_name in ("duckdb", "mysql"):
        assert ("foreign key", "changed") in feats


# pg_dump's partitioned-table indexes: ON ONLY the parent, each partition's index attached by
# ALTER INDEX. Partition ev_b has none, so the parent's index stays invalid and ev_b unindexed;
# a plain CREATE INDEX on the parent would have created one on ev_b.
ON_ONLY = """
CREATE TABLE ev (id INT NOT NULL, kind TEXT NOT NULL, day DATE) PARTITION BY LIST (kind);
CREATE TABLE ev_a (id INT NOT NULL, kind TEXT NOT NULL, day DATE);
CREATE TABLE ev_b (id INT NOT NULL, kind TEXT NOT NULL, day DATE);
ALTER TABLE ONLY ev ATTACH PARTITION ev_a FOR VALUES IN ('a');
ALTER TABLE ONLY ev ATTACH PARTITION ev_b FOR VALUES IN ('b');
CREATE INDEX ev_day ON ONLY ev USING btree (day);
CREATE INDEX ev_a_day ON ev_a USING btree (day);
CREATE INDEX ev_kind ON ev (kind, id);
ALTER INDEX ev_day ATTACH PARTITION ev_a_day;
"""


def test_on_only_indexes_and_their_attachments_replay_as_the_original():
    from conftest import require_engine
    from dbdesign.schema.parse import split_statements
    model = parse_sql(ON_ONLY)
    ix = {i.name: i for i in model.indexes()}
    assert ix["ev_day"].only and not ix["ev_kind"].only and ix["ev_a_day"].attached_to == "ev_day"
    rendered = dialects.render(model, "postgres")
    assert any(st.startswith("CREATE INDEX ev_day ON ONLY ev ") for st in rendered.statements)
    assert not any(st.startswith("CREATE INDEX ev_kind ON ONLY") for st in rendered.statements)
    assert "ALTER INDEX ev_day ATTACH PARTITION ev_a_day" in rendered.statements
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        for st in split_statements(ON_ONLY):
            eng.execute(st.sql)
        original = eng.introspect()
    with engines.throwaway("postgres") as eng:
        eng.run_script(rendered.statements)
        replayed = eng.introspect()
    assert sorted(i.name for i in replayed.tables["ev_b"].indexes) == \
        sorted(i.name for i in original.tables["ev_b"].indexes)
    assert diff(original, replayed, engine="postgres").is_empty
    other = dialects.render(model, "mysql")  # no partitions there: the parent's index is plain
    assert not any("ONLY" in s for s in other.statements)


def test_dropping_a_column_with_an_fk_and_its_index_runs_on_mariadb():
    """PostgreSQL drops the column's index and FK with it; InnoDB refuses to drop the index
    while the FK still needs it (1553), so the FK goes first."""
    from conftest import require_engine
    from dbdesign.dialects.statements import render_statements
    before = parse_sql("CREATE TABLE acct (id INT PRIMARY KEY);\n"
                       "CREATE TABLE tok (id INT PRIMARY KEY, acct_id INT CONSTRAINT tok_acct_fk "
                       "REFERENCES acct (id));\n"
                       "CREATE INDEX tok_acct_id_index ON tok (acct_id);")
    step = render_statements("ALTER TABLE tok DROP COLUMN acct_id;", "mysql", "2.up.sql", before)
    require_engine("mysql")
    with engines.throwaway("mysql") as eng:
        eng.run_script(dialects.render(before, "mysql").statements)
        eng.run_script(step.statements)
        assert list(eng.introspect().tables["tok"].columns) == ["id"]


MYSQL_OBJECTS = """
CREATE TABLE shelf (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL);
CREATE TABLE shelf_log (id INT AUTO_INCREMENT PRIMARY KEY, shelf_id INT NOT NULL);
CREATE VIEW shelf_labels AS SELECT s.id, CONCAT(s.label, '!') AS loud FROM shelf s;
DELIMITER ;;
CREATE TRIGGER shelf_in AFTER INSERT ON shelf FOR EACH ROW BEGIN
  INSERT INTO shelf_log (shelf_id) VALUES (NEW.id);
END;;
DELIMITER ;
"""


@pytest.mark.parametrize("engine_name", ["postgres", "mysql"])
def test_verbatim_objects_render_only_for_the_engine_they_are_written_for(engine_name):
    from conftest import require_engine
    model = parse_sql(MYSQL_OBJECTS, read="mysql")
    assert {o.name: o.dialect for o in model.others} == {"shelf_labels": "mysql", "shelf_in": "mysql"}
    assert all(o.dialect == "postgres" for o in parse_sql(SQL).others)
    rendered = dialects.render(model, engine_name)
    kept = [s for s in rendered.statements if "shelf_labels" in s or "shelf_in" in s]
    dropped = {n.object for n in rendered.notes if n.action == "dropped"}
    if engine_name == "mysql":
        assert len(kept) == 2 and not dropped
    else:
        assert kept == [] and dropped == {"shelf_labels", "shelf_in"}
    require_engine(engine_name)
    with engines.throwaway(engine_name) as eng:
        eng.run_script(rendered.statements)
        if engine_name == "mysql":
            eng.execute("INSERT INTO shelf (id, label) VALUES (1, 'a')")
            assert eng.query("SELECT shelf_id FROM shelf_log") == [(1,)]
            assert eng.query("SELECT loud FROM shelf_labels") == [("a!",)]
