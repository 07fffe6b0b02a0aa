"""API contract alignment: an OpenAPI 3.0/3.1 file (the Phase 1 contract) checked against the
schema model, and the reverse - OpenAPI component schemas generated from the model.

The contract and the schema are written by different people at different times; the
mismatches between them are the bugs that reach production as 500s (a NOT NULL column the API
never sends), silent truncation (maxLength above VARCHAR(n)), or slow list endpoints (a filter
with no index). `check(schema, path)` reads the file (YAML or JSON, validated with
openapi-spec-validator), maps each component schema to a table - by name (singular/plural,
PascalCase/camelCase/snake_case, a role suffix such as `PostCreate`) or by `x-table` - and each
property to a column (same name, or `x-column`), then reports findings in lint's JSON contract
with `file`/`line` pointing into the OpenAPI file.

Extensions read: `x-table` (schema -> table), `x-column` (property or query parameter ->
column), `x-computed: true` (a property the server derives, no column), `x-server-columns`
(on a create schema: NOT NULL columns the server fills itself, e.g. the author from the token).
Properties that are a `$ref` to another schema (or an array of them) are related resources,
not columns, and are not mapped.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from dbdesign.errors import InputError
from dbdesign.checks.lint import Finding, LintResult
from dbdesign.model import Column, Schema, Table
from dbdesign.schema.naming import plural_table, singular_table
from dbdesign.lab.probe import check_in_values, max_length, type_family

# id -> (severity, summary). Severity error = the API and the database disagree on what is
# valid; warning = it works, but slowly or loosely.
RULES: dict[str, tuple[str, str]] = {
    "api-field-unmapped": ("error", "an API property with no column (mark it x-computed if the server derives it)"),
    "api-column-unexposed": ("error", "a NOT NULL column without a default that the create schema does not supply"),
    "api-type-mismatch": ("error", "the property's type/format does not fit the column's type"),
    "api-required-nullable": ("error", "required in a response but nullable, or optional in a create but NOT NULL without default"),
    "api-enum-mismatch": ("error", "the property's enum differs from the column's CHECK IN / enum values"),
    "api-length-mismatch": ("warning", "maxLength above VARCHAR(n), or no maxLength on a write where the column has a limit"),
    "api-filter-unindexed": ("warning", "a list operation filters or sorts on a column no index leads with"),
    "api-id-type-mismatch": ("error", "a path id's type differs from the key column's type"),
}

CREATE_SUFFIXES = ("CreateRequest", "CreateInput", "Create", "Input", "Request", "New")
UPDATE_SUFFIXES = ("UpdateRequest", "Update", "Patch")
RESPONSE_SUFFIXES = ("Response", "Out", "Read", "Detail", "Summary", "Item")
PAGINATION_PARAMS = {"limit", "offset", "page", "per_page", "page_size", "cursor", "after", "before"}
SORT_PARAMS = {"sort", "order_by", "sort_by", "order"}

# type family -> the (type, format) pairs that fit it; "string" without format fits text only
FITS: dict[str, set[tuple[str, str | None]]] = {
    "uuid": {("string", "uuid")},
    "text": {("string", None), ("string", "email"), ("string", "uri"), ("string", "password"),
             ("string", "hostname"), ("string", "slug")},
    "int": {("integer", None), ("integer", "int32"), ("integer", "int64")},
    "numeric": {("number", None), ("number", "double"), ("number", "float"), ("string", "decimal")},
    "bool": {("boolean", None)},
    "timestamp": {("string", "date-time")},
    "date": {("string", "date")},
}
OPENAPI_TYPE = {"uuid": ("string", "uuid"), "text": ("string", None), "int": ("integer", None),
                "numeric": ("number", None), "bool": ("boolean", None),
                "timestamp": ("string", "date-time"), "date": ("string", "date")}


# -- reading the contract -------------------------------------------------------------------
@dataclass
class Contract:
    path: str
    data: dict[str, Any]
    lines: dict[tuple, int]  # path of keys in the document -> 1-based line

    def line(self, *path: Any) -> int | None:
        """Line of the deepest known prefix of `path`."""
        for n in range(len(path), 0, -1):
            if tuple(path[:n]) in self.lines:
                return self.lines[tuple(path[:n])]
        return None

    @property
    def schemas(self) -> dict[str, dict[str, Any]]:
        return (self.data.get("components") or {}).get("schemas") or {}

    def resolve(self, node: Any) -> Any:
        """Follow a local `$ref` (`#/components/schemas/X`)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return {}
            cur: Any = self.data
            for part in ref[2:].split("/"):
                cur = cur.get(part, {}) if isinstance(cur, dict) else {}
            node = cur
        return node


def load_contract(path: str, validate: bool = True) -> Contract:
    """Read and validate an OpenAPI file. Bad YAML/JSON or an invalid document is an
    InputError at the offending line. `validate=False` skips openapi-spec-validator (whose
    import alone - jsonschema's format checkers - takes seconds) for callers that must stay
    fast and say so."""
    import yaml
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as err:
        raise InputError(f"cannot read the OpenAPI file ({err.strerror}); check the path", path) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"not valid YAML/JSON: {getattr(err, 'problem', err)}", path,
                         mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        raise InputError("not an OpenAPI document (no `openapi:` version at the top)", path, 1)
    if not str(data.get("openapi", "")).startswith("3."):
        raise InputError(f"OpenAPI {data.get('openapi') or data.get('swagger')} is not supported; "
                         "convert it to 3.0 or 3.1", path, 1)
    lines: dict[tuple, int] = {}
    _walk_lines(root, (), lines)
    contract = Contract(path, data, lines)
    if validate:
        _validate(contract)
    return contract


def _validate(contract: Contract) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable
    path, data, lines = contract.path, contract.data, contract.lines
    try:
        validate(data)
    except OpenAPIValidationError as err:
        where = tuple(getattr(err, "absolute_path", None) or getattr(err, "path", None) or ())
        raise InputError(f"invalid OpenAPI: {err.message}", path, contract.line(*where) or 1) from None
    except Unresolvable as err:
        ref = getattr(err, "ref", err)
        line = next((n for k, n in lines.items() if k[-1:] == ("$ref",)
                     and _get(data, k) == f"#{ref}"), 1) if isinstance(ref, str) else 1
        raise InputError(f"invalid OpenAPI: $ref {ref} points nowhere; fix the reference", path, line) from None


def _get(data: Any, path: tuple) -> Any:
    for k in path:
        data = data[k] if isinstance(data, (dict, list)) else None
    return data


def _walk_lines(node, path: tuple, out: dict[tuple, int]) -> None:
    import yaml
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            p = path + (key.value,)
            out[p] = key.start_mark.line + 1
            _walk_lines(value, p, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            out[path + (i,)] = value.start_mark.line + 1
            _walk_lines(value, path + (i,), out)


# -- mapping --------------------------------------------------------------------------------
@dataclass
class Mapped:
    """A component schema and the table it describes."""
    name: str
    table: Table
    role: str  # "create" | "update" | "response"
    properties: dict[str, dict[str, Any]]  # resolved (allOf merged)
    required: set[str]
    node: dict[str, Any]
    server_columns: set[str] = field(default_factory=set)


def snake(name: str) -> str:
    """PostTag -> post_tag, postTag -> post_tag, post-tag -> post_tag."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()


def _split_role(name: str) -> tuple[str, str | None]:
    for suffixes, role in ((CREATE_SUFFIXES, "create"), (UPDATE_SUFFIXES, "update"),
                           (RESPONSE_SUFFIXES, "response")):
        for s in suffixes:
            if name.endswith(s) and len(name) > len(s):
                return name[: -len(s)], role
            if s == "New" and name.startswith(s) and len(name) > 3 and name[3].isupper():
                return name[3:], role
    return name, None


def table_for(schema: Schema, name: str) -> Table | None:
    """The table a schema/resource name means: `Post`, `posts`, `PostTag`, `post-tags`."""
    base = snake(name)
    for cand in (base, plural_table(base), singular_table(base)):
        t = schema.table(cand)
        if t is not None:
            return t
    return None


def _usage_roles(contract: Contract) -> dict[str, str]:
    """Schema name -> role from where paths use it: a POST body is a create, a PUT/PATCH body
    an update, anything in a response a response."""
    roles: dict[str, str] = {}
    for _path, item in (contract.data.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if not isinstance(op, dict):
                continue
            body = ((op.get("requestBody") or {}).get("content") or {})
            for media in body.values():
                name = _ref_name((media or {}).get("schema"))
                if name:
                    roles[name] = "create" if method == "post" else "update"
            for resp in (op.get("responses") or {}).values():
                for media in ((resp or {}).get("content") or {}).values():
                    for name in _ref_names((media or {}).get("schema"), contract):
                        roles.setdefault(name, "response")
    return roles


def _ref_name(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return node["$ref"].rsplit("/", 1)[-1]
    return None


def _ref_names(node: Any, contract: Contract, depth: int = 0) -> list[str]:
    """Schemas a response carries: itself, array items, and what a page wrapper holds."""
    if not isinstance(node, dict) or depth > 3:
        return []
    name = _ref_name(node)
    if name:
        inner = contract.schemas.get(name) or {}
        return [name] + [n for p in (inner.get("properties") or {}).values()
                         for n in _ref_names(p, contract, depth + 1)]
    if node.get("type") == "array":
        return _ref_names(node.get("items"), contract, depth + 1)
    return [n for p in (node.get("properties") or {}).values() for n in _ref_names(p, contract, depth + 1)]


def _merged(contract: Contract, node: dict[str, Any]) -> tuple[dict[str, dict], set[str]]:
    props: dict[str, dict] = {}
    required: set[str] = set(node.get("required") or [])
    for part in node.get("allOf") or []:
        p, r = _merged(contract, contract.resolve(part))
        props.update(p)
        required |= r
    props.update(node.get("properties") or {})
    return props, required


def map_schemas(schema: Schema, contract: Contract) -> tuple[list[Mapped], list[str]]:
    """(mapped component schemas, names of those that map to no table, e.g. a page wrapper or
    an error body). `x-table` wins over the name."""
    usage = _usage_roles(contract)
    mapped, unmatched = [], []
    for name, node in contract.schemas.items():
        node = node or {}
        base, suffix_role = _split_role(name)
        if "x-table" in node:
            table = schema.table(str(node["x-table"]))
            if table is None:
                raise InputError(f"components.schemas.{name}: x-table {node['x-table']!r} is not a table "
                                 f"of the schema; pick one of {', '.join(schema.tables)}",
                                 contract.path, contract.line("components", "schemas", name, "x-table"))
        else:
            table = table_for(schema, base) or table_for(schema, name)
        if table is None:
            unmatched.append(name)
            continue
        role = usage.get(name) or suffix_role or "response"
        props, required = _merged(contract, node)
        mapped.append(Mapped(name, table, role, props, required, node,
                             set(node.get("x-server-columns") or [])))
    return mapped, unmatched


# -- the check ------------------------------------------------------------------------------
def contract_path(config: Any) -> str | None:
    """The project's Phase 1 contract: `[api] openapi` in dbdesign.toml (relative to that file),
    else `openapi.yaml` beside it; None without a config file or contract."""
    extra = getattr(config, "extra", None) or {}
    named = (extra.get("api") or {}).get("openapi") if isinstance(extra, dict) else None
    cfg_path = getattr(config, "path", None)
    if cfg_path is None and named is None:
        return None
    path = os.path.join(os.path.dirname(cfg_path or "dbdesign.toml"), named or "openapi.yaml")
    return path if named or os.path.isfile(path) else None


def check(schema: Schema, path: str, validate: bool = True) -> LintResult:
    """Every finding of the contract in `path` against `schema` (`validate`: see
    `load_contract`)."""
    contract = load_contract(path, validate)
    mapped, _ = map_schemas(schema, contract)
    out: list[Finding] = []

    def find(rule: str, message: str, table: Table, column: str | None, *where: Any) -> None:
        out.append(Finding(rule, RULES[rule][0], message, table.qualname, column, None,
                           contract.path, contract.line(*where)))

    for m in mapped:
        base = ("components", "schemas", m.name)
        for prop, raw in m.properties.items():
            where = base + ("properties", prop)
            spec = raw or {}
            if _ref_name(spec) or _ref_name(spec.get("items")) or spec.get("x-computed"):
                continue
            spec = contract.resolve(spec)
            col_name = spec.get("x-column", raw.get("x-column", prop)) if isinstance(raw, dict) else prop
            col = m.table.column(col_name)
            if col is None:
                find("api-field-unmapped",
                     f"{m.name}.{prop} has no column in {m.table.qualname}; add the column, name it with "
                     "x-column, or mark the property x-computed: true", m.table, None, *where)
                continue
            _check_property(find, schema, m, prop, spec, col, where)
        if m.role == "create":
            supplied = {(contract.resolve(s) or {}).get("x-column", p) for p, s in m.properties.items()}
            supplied |= m.server_columns | _path_supplied(contract, m)
            for col in m.table.columns.values():
                if _must_supply(col) and col.name not in supplied:
                    find("api-column-unexposed",
                         f"{m.table.qualname}.{col.name} is NOT NULL without a default, but {m.name} does "
                         "not send it: every create fails; add the property, a column default, or list it "
                         "in x-server-columns if the server fills it", m.table, col.name, *base)
    out += _check_paths(schema, contract, mapped)
    out.sort(key=Finding.sort_key)
    return LintResult(out, list(RULES), len({m.table.qualname for m in mapped}))


def _must_supply(col: Column) -> bool:
    return not col.nullable and col.default is None and not col.identity and not col.generated


def _nullable(spec: dict[str, Any]) -> bool:
    """Does the property accept null? A schema without any type constraint accepts anything."""
    if not {"type", "anyOf", "oneOf", "enum", "const", "allOf"} & set(spec):
        return True
    t = spec.get("type")
    return bool(spec.get("nullable")) or (isinstance(t, list) and "null" in t) or \
        any((s or {}).get("type") == "null" for s in spec.get("anyOf") or spec.get("oneOf") or [])


def _type_format(spec: dict[str, Any]) -> tuple[str | None, str | None]:
    t = spec.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None:
        for s in spec.get("anyOf") or spec.get("oneOf") or []:
            if (s or {}).get("type") not in (None, "null"):
                return _type_format(s)
    return t, spec.get("format")


def _check_property(find, schema: Schema, m: Mapped, prop: str, spec: dict, col: Column, where: tuple) -> None:
    t = m.table
    fam = type_family(col.type)
    allowed = schema.enums[col.type].values if col.type in schema.enums else check_in_values(t, col.name)
    typ, fmt = _type_format(spec)
    fits = FITS.get("text" if allowed and fam in ("other", "text") else fam)
    if fits is not None and typ is not None and (typ, fmt) not in fits:
        want = OPENAPI_TYPE.get(fam, ("string", None))
        find("api-type-mismatch",
             f"{m.name}.{prop} is {typ}{f' ({fmt})' if fmt else ''} but {t.qualname}.{col.name} is "
             f"{col.type}: use type {want[0]}{f', format {want[1]}' if want[1] else ''}",
             t, col.name, *where)
    if m.role == "response" and prop in m.required and col.nullable and not _nullable(spec):
        find("api-required-nullable",
             f"{m.name}.{prop} is required and not nullable, but {t.qualname}.{col.name} is nullable: a "
             "NULL row breaks the response; make the column NOT NULL or the property nullable",
             t, col.name, *where)
    if m.role == "create" and prop not in m.required and _must_supply(col):
        find("api-required-nullable",
             f"{m.name}.{prop} is optional, but {t.qualname}.{col.name} is NOT NULL without a default: a "
             "create without it fails in the database; make it required or give the column a default",
             t, col.name, *where)
    if allowed:
        enum = [v for v in spec.get("enum") or [] if v is not None]
        if sorted(map(str, enum)) != sorted(allowed):
            have = ", ".join(map(str, enum)) if enum else "no enum"
            find("api-enum-mismatch",
                 f"{m.name}.{prop} allows {have}; {t.qualname}.{col.name} allows {', '.join(allowed)}: "
                 "list exactly the column's values", t, col.name, *where)
    limit = max_length(col.type)
    if limit and typ == "string":
        given = spec.get("maxLength")
        if given is not None and given > limit:
            find("api-length-mismatch",
                 f"{m.name}.{prop} allows maxLength {given} but {t.qualname}.{col.name} is {col.type}: "
                 f"values over {limit} fail (or are truncated by MySQL outside strict mode); use maxLength {limit}",
                 t, col.name, *where)
        elif given is None and m.role in ("create", "update") and not allowed:
            find("api-length-mismatch",
                 f"{m.name}.{prop} has no maxLength but {t.qualname}.{col.name} is {col.type}: the "
                 f"database rejects what the API accepted; add maxLength: {limit}", t, col.name, *where)


def _operations(contract: Contract):
    for path, item in (contract.data.get("paths") or {}).items():
        common = (item or {}).get("parameters") or []
        for method, op in (item or {}).items():
            if method in ("get", "post", "put", "patch", "delete") and isinstance(op, dict):
                yield path, method, op, common


def _params(contract: Contract, path: str, method: str, op: dict, common: list):
    """(parameter, where) for every parameter of an operation, path-level ones too."""
    for i, p in enumerate(op.get("parameters") or []):
        yield contract.resolve(p), ("paths", path, method, "parameters", i)
    for i, p in enumerate(common):
        yield contract.resolve(p), ("paths", path, "parameters", i)


def _path_table(schema: Schema, path: str) -> Table | None:
    """The table a path's last literal segment names: /posts/{id}/comments -> comments."""
    segs = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
    return table_for(schema, segs[-1]) if segs else None


def _path_supplied(contract: Contract, m: Mapped) -> set[str]:
    """Columns a POST's path parameters fill: /posts/{post_id}/comments gives comments.post_id."""
    out: set[str] = set()
    for path, method, op, common in _operations(contract):
        body = ((op.get("requestBody") or {}).get("content") or {})
        if method != "post" or not any(_ref_name((v or {}).get("schema")) == m.name for v in body.values()):
            continue
        for p, _ in _params(contract, path, method, op, common):
            if p.get("in") == "path":
                out.add(p.get("x-column", p.get("name")))
    return out


def _check_paths(schema: Schema, contract: Contract, mapped: list[Mapped]) -> list[Finding]:
    out: list[Finding] = []
    for path, method, op, common in _operations(contract):
        segs = path.strip("/").split("/")
        table = _path_table(schema, path)
        for p, where in _params(contract, path, method, op, common):
            name = p.get("name", "")
            spec = contract.resolve(p.get("schema") or {})
            if p.get("in") == "path":
                out += _id_finding(schema, contract, segs, name, spec, where)
            elif p.get("in") == "query" and method == "get" and table is not None and not segs[-1].startswith("{"):
                out += _filter_finding(table, contract, name, p, spec, where)
    return out


def _id_finding(schema: Schema, contract: Contract, segs: list[str], name: str, spec: dict,
                where: tuple) -> list[Finding]:
    """`{id}` is the key of the segment before it; `{post_id}` the key of posts."""
    pos = segs.index("{" + name + "}") if "{" + name + "}" in segs else -1
    table = None
    if name.endswith("_id") or name.endswith("Id"):
        table = table_for(schema, snake(name)[: -len("_id")])
    if table is None and pos > 0:
        table = table_for(schema, segs[pos - 1])
    if table is None or table.primary_key is None or len(table.primary_key.columns) != 1:
        return []
    key = table.column(table.primary_key.columns[0])
    fam = type_family(key.type)
    typ, fmt = _type_format(spec)
    if fam in FITS and typ is not None and (typ, fmt) not in FITS[fam]:
        want = OPENAPI_TYPE[fam]
        return [Finding("api-id-type-mismatch", RULES["api-id-type-mismatch"][0],
                        f"path parameter {{{name}}} is {typ}{f' ({fmt})' if fmt else ''} but the key "
                        f"{table.qualname}.{key.name} is {key.type}: use type {want[0]}"
                        f"{f', format {want[1]}' if want[1] else ''}",
                        table.qualname, key.name, None, contract.path, contract.line(*where))]
    return []


def _filter_finding(table: Table, contract: Contract, name: str, p: dict, spec: dict,
                    where: tuple) -> list[Finding]:
    if name in PAGINATION_PARAMS:
        return []
    if name in SORT_PARAMS:
        cols = [str(v).lstrip("+-").split(":")[0] for v in spec.get("enum") or []]
    else:
        cols = [p.get("x-column", name)]
    out = []
    for col in cols:
        if table.column(col) is None:
            continue
        leading = {ix.columns[0].column for ix in table.indexes if ix.columns}
        leading |= {s[0] for s in table.unique_column_sets() if s}
        if col not in leading:
            out.append(Finding(
                "api-filter-unindexed", RULES["api-filter-unindexed"][0],
                f"GET {where[1]} {'sorts' if name in SORT_PARAMS else 'filters'} on {table.qualname}.{col} "
                f"(?{name}=) but no index leads with {col}: every call scans the table; add an index on "
                f"({col}, ...) or drop the parameter", table.qualname, col, None, contract.path,
                contract.line(*where)))
    return out


# -- the reverse: component schemas from the model ------------------------------------------
def components(schema: Schema, tables: list[str] | None = None, version: str = "3.1.0",
               config: Any = None) -> dict[str, Any]:
    """OpenAPI component schemas for the model: `Post` (the row as a response: every column,
    required = all, nullable columns nullable) and `PostCreate` (what a client sends: columns
    without a database default and no bookkeeping columns; NOT NULL ones required).
    VARCHAR(n) -> maxLength, CHECK IN / enum -> enum, UUID -> format uuid, TIMESTAMP -> format
    date-time. `check()` of a contract made of these finds nothing."""
    from dbdesign.generate.layers import class_name
    from dbdesign.schema.naming import conventions
    bookkeeping = set(conventions(config).bookkeeping_columns)
    out: dict[str, Any] = {}
    for t in schema.tables.values():
        if tables and t.qualname not in tables and t.name not in tables:
            continue
        name = class_name(t.name)
        read: dict[str, Any] = {"type": "object", "x-table": t.qualname, "properties": {}, "required": []}
        create: dict[str, Any] = {"type": "object", "x-table": t.qualname, "properties": {}, "required": []}
        for col in t.columns.values():
            prop = _prop(schema, t, col, version, nullable=col.nullable)
            read["properties"][col.name] = prop
            read["required"].append(col.name)
            if col.default is None and not col.identity and not col.generated and col.name not in bookkeeping:
                create["properties"][col.name] = _prop(schema, t, col, version, nullable=col.nullable)
                if not col.nullable:
                    create["required"].append(col.name)
        if t.comment:
            read["description"] = t.comment
        out[name] = read
        if create["properties"]:
            if not create["required"]:
                del create["required"]
            out[name + "Create"] = create
    return out


def _prop(schema: Schema, t: Table, col: Column, version: str, nullable: bool) -> dict[str, Any]:
    fam = type_family(col.type)
    typ, fmt = OPENAPI_TYPE.get(fam, ("object", None) if fam == "json" else ("string", None))
    p: dict[str, Any] = {}
    if fam == "json":
        p = {}
    elif version.startswith("3.0"):
        p = {"type": typ}
        if nullable:
            p["nullable"] = True
    else:
        p = {"type": [typ, "null"] if nullable else typ}
    if fmt:
        p["format"] = fmt
    allowed = schema.enums[col.type].values if col.type in schema.enums else check_in_values(t, col.name)
    if allowed:
        p["enum"] = list(allowed) + ([None] if nullable else [])
    n = max_length(col.type)
    if n and not allowed:
        p["maxLength"] = n
    if col.comment:
        p["description"] = col.comment
    return p


def document(schema: Schema, title: str = "generated from the schema", version: str = "3.1.0") -> dict[str, Any]:
    """A complete (path-less) OpenAPI document holding `components()`: a starting contract."""
    return {"openapi": version, "info": {"title": title, "version": "0.1.0"}, "paths": {},
            "components": {"schemas": components(schema, version=version)}}
