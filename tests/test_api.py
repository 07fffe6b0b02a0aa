"""The API contract check: the example contract is clean, each planted defect is found alone
(and at its line), all eight together give exactly eight findings, bad files are one line, and
the generated component schemas pass the check."""
from __future__ import annotations

import copy
import json

import pytest
import yaml
from click.testing import CliRunner

from dbdesign.checks.api import RULES, check, document, load_contract, snake, table_for
from dbdesign.cli import main
from dbdesign.errors import InputError

from conftest import REPO

EXAMPLE = REPO / "openapi.yaml"


def _contract() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def _plant(doc: dict, rule: str) -> str:
    """Apply one defect to `doc`; returns the text the finding's line must point at."""
    s = doc["components"]["schemas"]
    if rule == "api-field-unmapped":
        s["Post"]["properties"]["subtitle"] = {"type": "string"}
        return "subtitle"
    if rule == "api-column-unexposed":
        del s["PostCreate"]["properties"]["slug"]
        s["PostCreate"]["required"].remove("slug")
        return "PostCreate:"
    if rule == "api-type-mismatch":
        s["Post"]["properties"]["view_count"] = {"type": "string"}
        return "view_count"
    if rule == "api-required-nullable":
        s["Post"]["required"].append("published_at")
        s["Post"]["properties"]["published_at"] = {"type": "string", "format": "date-time"}
        return "published_at"
    if rule == "api-enum-mismatch":
        s["User"]["properties"]["role"]["enum"] = ["member", "admin"]
        return "role"
    if rule == "api-length-mismatch":
        s["PostCreate"]["properties"]["title"]["maxLength"] = 1000
        return "title"
    if rule == "api-filter-unindexed":
        doc["paths"]["/posts"]["get"]["parameters"].append(
            {"name": "view_count", "in": "query", "schema": {"type": "integer"}})
        return "view_count"
    if rule == "api-id-type-mismatch":
        doc["paths"]["/users/{user_id}"]["get"]["parameters"][0]["schema"] = {"type": "integer"}
        return "user_id"
    raise AssertionError(rule)


def _write(tmp_path, doc: dict, name: str = "api.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def test_example_contract_is_clean(example_schema):
    result = check(example_schema, str(EXAMPLE))
    assert result.findings == []
    assert result.tables == 5  # users, profiles, posts, comments, tags


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_planted_defect_is_found_alone_at_its_line(example_schema, tmp_path, rule):
    doc = _contract()
    marker = _plant(doc, rule)
    path = _write(tmp_path, doc)
    result = check(example_schema, path)
    assert [f.rule for f in result.findings] == [rule], [f.format() for f in result.findings]
    finding = result.findings[0]
    assert finding.file == path and finding.line
    assert marker in open(path).read().splitlines()[finding.line - 1]


def test_all_eight_defects_in_one_contract_give_eight_findings(example_schema, tmp_path):
    doc = _contract()
    for rule in RULES:
        _plant(doc, rule)
    result = check(example_schema, _write(tmp_path, doc))
    assert sorted(f.rule for f in result.findings) == sorted(RULES)
    assert result.has_errors


def test_json_contract_file_works_too(example_schema, tmp_path):
    doc = _contract()
    _plant(doc, "api-enum-mismatch")
    path = tmp_path / "api.json"
    path.write_text(json.dumps(doc, indent=2))
    [finding] = check(example_schema, str(path)).findings
    assert finding.rule == "api-enum-mismatch" and '"role"' in path.read_text().splitlines()[finding.line - 1]


def test_x_table_x_column_and_x_computed(example_schema, tmp_path):
    doc = _contract()
    s = doc["components"]["schemas"]
    s["Article"] = s.pop("Post")
    s["Article"]["x-table"] = "posts"
    s["Article"]["properties"]["headline"] = {**s["Article"]["properties"].pop("title"), "x-column": "title"}
    s["Article"]["required"] = [r if r != "title" else "headline" for r in s["Article"]["required"]]
    s["Article"]["properties"]["score"] = {"type": "number", "x-computed": True}
    text = yaml.safe_dump(doc, sort_keys=False).replace("schemas/Post'", "schemas/Article'")
    text = text.replace("#/components/schemas/Post\n", "#/components/schemas/Article\n")
    path = tmp_path / "api.yaml"
    path.write_text(text)
    assert check(example_schema, str(path)).findings == []
    path.write_text(text.replace("x-table: posts", "x-table: nope"))
    with pytest.raises(InputError, match="x-table 'nope' is not a table"):
        check(example_schema, str(path))
    path.write_text(text.replace("schemas/Article'", "schemas/Missing'", 1))
    with pytest.raises(InputError, match="points nowhere") as info:
        check(example_schema, str(path))
    assert "Missing" in path.read_text().splitlines()[info.value.line - 1]


def test_generated_components_validate_and_pass_the_check(example_schema, tmp_path):
    doc = document(example_schema)
    assert {"User", "UserCreate", "Post", "PostCreate", "PostTag", "AuditLog"} <= set(doc["components"]["schemas"])
    path = _write(tmp_path, doc)
    load_contract(path)  # openapi-spec-validator accepts it
    assert check(example_schema, path).findings == []
    post = doc["components"]["schemas"]["Post"]["properties"]
    assert post["id"] == {"type": "string", "format": "uuid"}
    assert post["title"]["maxLength"] == 500 and post["status"]["enum"] == ["draft", "published", "archived"]
    assert post["content"]["type"] == ["string", "null"]
    assert "deleted_at" not in doc["components"]["schemas"]["PostCreate"]["properties"]


@pytest.mark.parametrize("text, message, line", [
    ("openapi: 3.1.0\ninfo: [unclosed\n", "not valid YAML", 3),
    ("swagger: '2.0'\ninfo: {}\n", "is not supported", 1),
    ("openapi: 3.1.0\ninfo:\n  title: x\npaths: {}\n", "invalid OpenAPI", 2),
    ("just: yaml\n", "not an OpenAPI document", 1),
])
def test_bad_files_are_one_input_error_with_a_line(example_schema, tmp_path, text, message, line):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        check(example_schema, str(path))
    assert info.value.line == line and info.value.file == str(path)


def test_names_map_singular_plural_and_case_styles(example_schema):
    assert snake("PostTag") == "post_tag" and snake("postTag") == "post_tag"
    for name in ("Post", "posts", "post", "PostTag", "post-tags", "postTags"):
        assert table_for(example_schema, name) is not None, name
    assert table_for(example_schema, "Invoice") is None


def test_cli_exit_codes_and_json(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["api", str(REPO / "migrations"), "--openapi", str(EXAMPLE)])
    assert ok.exit_code == 0, ok.output
    doc = _contract()
    _plant(doc, "api-type-mismatch")
    res = runner.invoke(main, ["api", str(REPO / "migrations"), "--openapi", _write(tmp_path, doc),
                               "--format", "json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert [f["rule"] for f in data["findings"]] == ["api-type-mismatch"] and data["summary"]["error"] == 1
    bad = runner.invoke(main, ["api", str(REPO / "migrations"), "--openapi", str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output and len(bad.stderr.strip().splitlines()) == 1
