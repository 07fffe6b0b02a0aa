"""Access-pattern driven designs: the patterns file and derivation, the MongoDB design (its
validators checked by a JSON Schema implementation over documents from generated data), and
the DynamoDB single-table design run on a real dynalite server against SQLite's answers."""
from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from dbdesign import engines
from dbdesign.engines import dynalite
from dbdesign.generate import dynamodb, mongodb
from dbdesign.lab import datagen
from dbdesign.generate.access_patterns import derive, load_patterns
from dbdesign.cli import main
from dbdesign.errors import InputError

from conftest import IN_CI, REPO

PATTERNS = REPO / "access-patterns.yaml"


@pytest.fixture(scope="module")
def sqlite_rows(example_schema):
    """Generated data loaded into SQLite; yields (engine, rows per table)."""
    data = datagen.generate(example_schema, 600, progress=False)
    with engines.throwaway("sqlite") as eng:
        datagen.load(data, eng)
        yield eng, dynalite.table_rows(eng, example_schema)


def _need_dynalite():
    problem = dynalite.env_ok()
    if problem:
        if IN_CI:
            pytest.fail(f"dynalite unavailable under CI=true: {problem}")
        pytest.skip(problem)


@pytest.mark.parametrize("which", ["file", "derived"])
def test_every_dynamodb_pattern_is_one_request_with_the_sql_rows(example_schema, sqlite_rows, which):
    _need_dynalite()
    eng, rows = sqlite_rows
    patterns = load_patterns(str(PATTERNS), example_schema) if which == "file" else derive(example_schema)
    kv = dynamodb.design(example_schema, patterns)
    runs = dynalite.verify(example_schema, kv, rows, eng)
    assert {r.pattern for r in runs} == {p.name for p in patterns}
    for r in runs:
        assert r.requests == 1 and r.operations == [r.operation], r
        assert r.same_as_sql, r
        assert r.scanned == r.items  # a key condition, no filter reading and dropping items
    assert any(r.items > 1 for r in runs)  # lists really returned lists
    assert not any("Scan" in r.operations for r in runs)


def test_dynamodb_design_shares_gsis_and_makes_sparse_indexes(example_schema, sqlite_rows):
    _, rows = sqlite_rows
    patterns = load_patterns(str(PATTERNS), example_schema)
    kv = dynamodb.design(example_schema, patterns)
    ops = {a.pattern.name: (a.operation, a.index) for a in kv.accesses}
    assert ops["user_by_id"] == ("GetItem", None) and ops["post_by_id"] == ("GetItem", None)
    assert kv.gsis == ["GSI1", "GSI2"]  # posts has two non-key patterns; everything else shares GSI1
    items = kv.items(example_schema, rows)
    posts = [i for i in items if i["SK"] == "POST"]
    published = [i for i in posts if "GSI2PK" in i]
    assert published and len(published) == sum(r["status"] == "published" for r in rows["posts"]) < len(posts)
    table = kv.create_table()
    assert {g["IndexName"] for g in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    est = {e["pattern"]: e for e in kv.estimates(example_schema, rows)}
    assert est["published_posts"]["partitions"] == 1 and est["published_posts"]["hot"]
    assert not est["posts_of_user"]["hot"] and est["posts_of_user"]["partitions"] > 10
    assert all(e["max_item_bytes"] < dynamodb.ITEM_LIMIT for e in est.values())


def test_mongodb_design_embeds_per_pattern_and_indexes_by_esr(example_schema):
    doc = mongodb.design(example_schema, load_patterns(str(PATTERNS), example_schema))
    how = {d.pattern.name: d for d in doc.decisions}
    assert how["profile_of_user"].how == "embedded object" and how["profile_of_user"].collection == "users"
    assert how["tags_of_post"].how == "embedded id array" and how["tags_of_post"].collection == "posts"
    assert how["comments_of_post"].how == "indexed find" and "posts and users" in how["comments_of_post"].reason
    assert how["published_posts"].index == [("status", 1), ("created_at", -1)]
    assert how["posts_of_user"].index == [("user_id", 1), ("created_at", -1)]
    assert how["user_by_id"].index is None
    script = doc.mongosh(example_schema)
    assert 'db.createCollection("users"' in script and '"$jsonSchema"' in script
    assert 'createIndex({"status": 1, "created_at": -1}' in script


def test_mongodb_validators_accept_built_documents_and_reject_bad_ones(example_schema, sqlite_rows):
    _, rows = sqlite_rows
    doc = mongodb.design(example_schema, derive(example_schema))
    docs = doc.documents(example_schema, rows)
    assert sum(map(len, docs.values())) > 1000
    assert doc.check_documents(example_schema, docs) == {c: [] for c in docs}
    post = copy.deepcopy(docs["posts"][0])
    bad = {"posts": [dict(post, status="deleted"), {k: v for k, v in post.items() if k != "title"},
                     dict(post, title="x" * 501), dict(post, created_at="yesterday"), dict(post, extra=1)]}
    errors = doc.check_documents(example_schema, bad)["posts"]
    assert len(errors) == 5, errors
    user = copy.deepcopy(docs["users"][0])
    user["profile"] = {"bio": "no display name"}
    assert doc.check_documents(example_schema, {"users": [user]})["users"]
    sizes = {s["collection"]: s for s in doc.sizes(docs)}
    assert sizes["posts"]["tag_ids: max length"] >= 1 and sizes["posts"]["tag_ids: elements to 16 MB"] > 100_000
    assert all(s["max_bytes"] < mongodb.DOC_LIMIT for s in sizes.values())


def test_derived_patterns_cover_keys_uniques_and_foreign_keys(example_schema):
    names = {p.name: p for p in derive(example_schema)}
    assert {"user_by_id", "user_by_username", "post_by_slug", "posts_by_user_id",
            "comments_by_post_id", "comments_by_user_id", "post_tags_by_tag_id"} <= set(names)
    assert names["posts_by_user_id"].many and names["posts_by_user_id"].desc
    assert not any(p.key == ["created_by"] for p in names.values())  # audit references are not access paths


@pytest.mark.parametrize("text, message, line", [
    ("patterns:\n  - name: a\n    entity: nope\n    key: [id]\n", "entity 'nope' is not a table", 2),
    ("patterns:\n  - name: a\n    entity: posts\n    key: [id]\n  - name: b\n    entity: posts\n    key: [nope]\n",
     "posts has no column 'nope'", 5),
    ("patterns:\n  - name: a\n    entity: posts\n    key: [id]\n    frequency: -1\n", "frequency must be", 2),
    ("patterns:\n  - {name: a, entity: posts, key: [id], colour: red}\n", "unknown key 'colour'", 2),
    ("patterns: [\n", "not valid YAML", 2),
    ("other: 1\n", "top-level `patterns:`", 1),
])
def test_bad_patterns_files_are_one_line_errors(example_schema, tmp_path, text, message, line):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        load_patterns(str(path), example_schema)
    assert info.value.line == line


def test_cli_outputs():
    runner = CliRunner()
    src = str(REPO / "migrations")
    res = runner.invoke(main, ["nosql", src, "--patterns", str(PATTERNS), "--target", "dynamodb", "--format", "script"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["KeySchema"][0]["AttributeName"] == "PK"
    res = runner.invoke(main, ["nosql", src, "--target", "mongodb", "--format", "script"])
    assert res.exit_code == 0 and "createCollection" in res.stdout
    res = runner.invoke(main, ["nosql", src, "--patterns", "missing.yaml", "--target", "mongodb"])
    assert res.exit_code == 2 and "missing.yaml" in res.stderr
