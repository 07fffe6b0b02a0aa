"""`dbdesign.toml`: where the schema lives, which lint rules run and how loud, and waivers.

A project config looks like this (every key is optional)::

    source = "migrations"            # .sql file or migrations folder, relative to this file
    read = "postgres"                # the source's engine: postgres | mysql | sqlite

    [lint]
    user_facing_tables = ["users", "posts"]   # soft-delete-missing; omit to use the heuristic
    audit_columns = ["created_by", "updated_by"]
    timestamp_columns = ["created_at", "updated_at"]
    soft_delete_column = "deleted_at"
    users_table = "users"

    [rules]
    char-type = "off"                 # short form: "off" | "on" | "error" | "warning" | "info"
    [rules.index-too-many]            # long form: enabled, severity, and the rule's options
    severity = "error"
    max = 6

    [datagen]                         # `dbdesign datagen`: realism of the generated rows
    skew = 2.0                        # FK fan-out: parent index = n * u**skew (1 = uniform)
    soft_deleted = 0.05               # share of rows with deleted_at set
    null_rate = 0.2                   # NULL share of nullable columns without a rule of their own
    memory_limit = "1GB"              # DuckDB's limit while generating (spills beyond it)
    [datagen.overrides]               # per column: DuckDB SQL over the row index i
    "users.role" = "'member'"

    [erd]
    max_cluster = 40                  # tables per cluster diagram of a large schema
    [erd.viewpoints]                  # curated groups, each drawn as its own ERD
    billing = ["invoice*", "payment"] # table names or * wildcards

    [[waivers]]
    rule = "primary-key-strategy-mixed"
    object = "audit_log"              # "table", "table.column" or an index name; * wildcards
    reason = "append-only log keyed by an ordered BIGINT identity"
    expires = "2027-06-30"            # optional; after it the finding comes back

Why waivers and not excludes: a waiver names the object and carries a reason (and an expiry),
so the review report can show *why* a finding is accepted - the gap PRIOR_ART.md point 9 names.

The `[lint]` column keys are not lint's alone: `naming.conventions(config)` hands them to the
catalogue, the ERD, the document design and the gate, so one setting changes every view.

Bad TOML, an unknown rule id or option, a waiver without a reason and a bad date raise
`InputError` with the config file and line. Unknown *tables* named here are not errors: the
schema may not be known yet, so the lint reports them as findings instead (never a silent skip).
`[pool]` belongs to the pool module and is kept in `Config.extra` (its keys are checked here).
An unknown key or section anywhere is an error with its line and the closest known key
("did you mean source?"): a typo must never silently review the default folder instead.

The file is found like git finds its folder: `dbdesign.toml` in the current folder or the
nearest parent; `dbdesign --config FILE` (or `$DBDESIGN_CONFIG`) names one instead.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import os
import re
import tomllib
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from dbdesign.errors import InputError

CONFIG_NAME = "dbdesign.toml"
SEVERITIES = ("error", "warning", "info")
_LINT_KEYS = {"user_facing_tables", "audit_columns", "timestamp_columns", "soft_delete_column",
              "users_table"}
_OWN_TOP_KEYS = {"source", "read", "lint", "rules", "waivers"}
READS = ("postgres", "mysql", "sqlite")
_OTHER_SECTIONS = {"pool", "api", "workload", "staging", "review", "nosql", "erd", "datagen"}  # read by their own modules, kept in Config.extra
_SCHEMA_SECTIONS = {"api", "workload", "nosql", "review", "staging"}  # about `source`'s tables
_REVIEW_KEYS = {"focus"}  # [review] focus = "table": the table the chapters' demos show
_WAIVER_KEYS = ("rule", "object", "reason", "expires")
CONFIG_ENV = "DBDESIGN_CONFIG"  # names the config file, as `dbdesign --config FILE` does


def is_memory_size(value) -> bool:
    """A size DuckDB's memory_limit takes, such as "1GB" or "512MiB"."""
    return isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*[KMGT]i?B\s*", value, re.I) is not None


def did_you_mean(word: str, known, listing: bool = True) -> str:
    """`; did you mean X?` for the closest of `known`, else (with `listing`) the list of them."""
    import difflib
    known = sorted(known)
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]}?"
    return f"; known: {', '.join(known)}" if listing else ""


_WILDCARD = re.compile(r"[*?\[]")  # what fnmatch treats specially


@dataclass
class Waiver:
    """An accepted finding: rule + object + reason (+ optional expiry date)."""
    rule: str
    object: str
    reason: str
    expires: _dt.date | None = None
    file: str | None = None
    line: int | None = None

    def matches(self, rule: str, table: str | None, column: str | None, index: str | None) -> bool:
        """`object` names a table (every finding of the rule on it), `table.column`, or an
        index; shell-style wildcards (`*`) are allowed."""
        if rule != self.rule:
            return False
        pat = self.object
        if not _WILDCARD.search(pat):  # a plain name: equality, the common case
            return bool(index and pat == index or table and (
                pat == table or column and pat == f"{table}.{column}"))
        names = []
        if index:
            names.append(index)
        if table:
            names.append(table)
            if column:
                names.append(f"{table}.{column}")
        return any(fnmatch.fnmatchcase(n, pat) for n in names)

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass
class RuleConfig:
    enabled: bool = True
    severity: str | None = None  # None = the rule's default
    options: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass
class Config:
    source: str = "migrations"  # resolved against the config file's folder
    read: str = "postgres"  # the source's SQL dialect (--read): postgres | mysql | sqlite
    path: str | None = None  # the config file, None when defaults are used
    rules: dict[str, RuleConfig] = field(default_factory=dict)
    user_facing_tables: list[str] | None = None  # None = heuristic (see lint soft-delete-missing)
    audit_columns: list[str] = field(default_factory=lambda: ["created_by", "updated_by"])
    timestamp_columns: list[str] = field(default_factory=lambda: ["created_at", "updated_at"])
    soft_delete_column: str = "deleted_at"
    users_table: str = "users"
    waivers: list[Waiver] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)  # "lint.user_facing_tables" -> line
    configured: set[str] = field(default_factory=set)  # [lint] keys the file sets explicitly
    extra: dict[str, Any] = field(default_factory=dict)  # other commands' sections

    def for_source(self, source: str | None) -> "Config":
        """The config as it applies to `source`. The file describes the schema its `source`
        names; for another schema only the project's policy holds (rule settings, column
        conventions, pool): waivers, table lists and the files about that schema ([api],
        [workload], [nosql], [review], [staging]) do not."""
        if source is None or os.path.realpath(source) == os.path.realpath(self.source):
            return self
        policy = {k: v for k, v in self.extra.items() if k not in _SCHEMA_SECTIONS}
        return dataclasses.replace(
            self, source=source, waivers=[], user_facing_tables=None,
            users_table=Config().users_table,
            configured=self.configured - {"user_facing_tables", "users_table"}, extra=policy)

    def rule_enabled(self, rule_id: str) -> bool:
        rc = self.rules.get(rule_id)
        return rc.enabled if rc else True

    def severity_for(self, rule_id: str) -> str | None:
        rc = self.rules.get(rule_id)
        return rc.severity if rc else None

    def option(self, rule_id: str, key: str, default: Any) -> Any:
        rc = self.rules.get(rule_id)
        return rc.options.get(key, default) if rc else default


def find_config(start: str | None = None) -> str | None:
    """`dbdesign.toml` in `start` (default the current folder) or its nearest parent that has
    one, like git finds its folder; None when there is none up to the root."""
    folder = os.path.abspath(start or os.curdir)
    while True:
        candidate = os.path.join(folder, CONFIG_NAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load_config(path: str | None = None) -> Config:
    """Read `path`, else `$DBDESIGN_CONFIG` (`dbdesign --config`), else the `dbdesign.toml`
    found by `find_config`, else built-in defaults."""
    if path is None:
        path = os.environ.get(CONFIG_ENV) or None
    if path is None:
        path = find_config()
        if path is None:
            return Config()
        path = os.path.relpath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError("no such config file; create it or omit the option", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason}); save the file as UTF-8", path) from None
    return parse_config(text, path)


def parse_config(text: str, path: str | None = None) -> Config:
    """Parse config text (the file name is only for messages and for resolving `source`)."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError("nested too deeply (arrays or tables inside each other); flatten it",
                         path) from None
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = col = None
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[:m.start()].strip()
        raise InputError(f"invalid TOML: {msg}; fix the syntax", path, line, col) from None
    return _Reader(text, path).read(data)


class _Reader:
    """Turns the TOML dict into a Config, finding the line of each key for error messages."""

    def __init__(self, text: str, path: str | None):
        self.lines = text.splitlines()
        self.path = path

    # -- locating keys in the text -----------------------------------------------------------
    def _section_start(self, header: str, nth: int = 0) -> int | None:
        """0-based index of the `nth` line that opens `[header]` / `[[header]]`."""
        pat = re.compile(r"^\s*\[\[?\s*" + re.escape(header).replace(r"\-", "-") + r"\s*\]\]?\s*(#.*)?$")
        quoted = re.compile(r"^\s*\[\[?\s*" + re.escape(header.replace(".", '."', 1)) + r'"?\s*\]\]?')
        seen = 0
        for i, ln in enumerate(self.lines):
            if pat.match(ln) or quoted.match(ln):
                if seen == nth:
                    return i
                seen += 1
        return None

    def line_of(self, key: str, section: str | None = None, nth: int = 0,
                header_fallback: bool = True) -> int | None:
        """1-based line of `key = ...` inside `[section]` (its `nth` occurrence for arrays of
        tables), or of a dotted `section.key = ...` / `"key" = ...` anywhere; else the
        section header's line."""
        key_re = re.compile(r'^\s*(?:"' + re.escape(key) + r'"|' + re.escape(key) + r")\s*[=.]")
        start = 0
        if section is not None:
            s = self._section_start(section, nth)
            if s is None:
                # inline / dotted form: rules.char-type = "off" or [rules] with "key" = ...
                dotted = re.compile(r"^\s*" + re.escape(section) + r"\.\"?" + re.escape(key))
                for i, ln in enumerate(self.lines):
                    if dotted.match(ln):
                        return i + 1
                return None
            start = s + 1
        for i in range(start, len(self.lines)):
            ln = self.lines[i]
            if section is not None and i > start - 1 and re.match(r"^\s*\[", ln):
                break
            if key_re.match(ln):
                return i + 1
        return start if section is not None and header_fallback else None

    def fail(self, message: str, line: int | None) -> None:
        raise InputError(message, self.path, line)

    def _check_erd(self, section: Any) -> None:
        """`[erd]`: `max_cluster` (tables per cluster diagram) and `[erd.viewpoints]`
        (name = list of table names or wildcards), each with its line on error."""
        from dbdesign.review.erd import CONFIG_KEYS
        if not isinstance(section, dict):
            self.fail("`erd` must be a table ([erd])", self.line_of("erd"))
        for key, value in section.items():
            line = self.line_of(key, "erd") or self._section_line(f"erd.{key}")
            if key not in CONFIG_KEYS:
                self.fail(f"unknown key {key!r} in [erd]" + did_you_mean(key, CONFIG_KEYS), line)
            if key == "max_cluster" and (not isinstance(value, int) or isinstance(value, bool)
                                         or value < 2):
                self.fail("[erd] max_cluster must be a whole number of tables, at least 2", line)
            if key == "viewpoints":
                if not isinstance(value, dict):
                    self.fail("[erd] viewpoints must be a table: [erd.viewpoints] then "
                              'name = ["table", "prefix_*"]', line)
                for name, patterns in value.items():
                    if not (isinstance(patterns, list) and patterns
                            and all(isinstance(p, str) and p for p in patterns)):
                        self.fail(f"[erd.viewpoints] {name} must be a non-empty list of table "
                                  'names or wildcards, e.g. ["invoice*", "payment"]',
                                  self.line_of(name, "erd.viewpoints") or line)

    # -- reading ---------------------------------------------------------------------------
    def read(self, data: dict[str, Any]) -> Config:
        from dbdesign.checks.lint import RULES  # the registry lives with the rules; imported late (no cycle)

        cfg = Config(path=self.path)
        base = os.path.dirname(self.path) if self.path else ""
        if "source" in data:
            src = data["source"]
            if not isinstance(src, str) or not src:
                self.fail("`source` must be a path string (a .sql file or migrations folder)",
                          self.line_of("source"))
            cfg.source = os.path.normpath(os.path.join(base, src)) if base else src
        else:
            cfg.source = os.path.join(base, "migrations") if base else "migrations"
        for key in data:
            if key not in _OWN_TOP_KEYS | _OTHER_SECTIONS:
                self.fail(f"unknown key or section {key!r}"
                          + did_you_mean(key, _OWN_TOP_KEYS | _OTHER_SECTIONS),
                          self.line_of(key) or self._section_line(key))
        if "read" in data:
            if data["read"] not in READS:
                self.fail(f"`read` must be one of {', '.join(READS)} (the engine whose SQL the "
                          "source is written in)", self.line_of("read"))
            cfg.read = data["read"]
        if "pool" in data:
            from dbdesign.generate.pool import CONFIG_KEYS
            if isinstance(data["pool"], dict):
                for key in data["pool"]:
                    if key not in CONFIG_KEYS:
                        self.fail(f"unknown key {key!r} in [pool]" + did_you_mean(key, CONFIG_KEYS),
                                  self.line_of(key, "pool"))
        if isinstance(data.get("review"), dict):
            for key in data["review"]:
                if key not in _REVIEW_KEYS:
                    self.fail(f"unknown key {key!r} in [review]" + did_you_mean(key, _REVIEW_KEYS),
                              self.line_of(key, "review"))
        if "erd" in data:
            self._check_erd(data["erd"])
        if "datagen" in data:
            self._check_datagen(data["datagen"])
        cfg.extra = {k: v for k, v in data.items() if k not in _OWN_TOP_KEYS}

        lint = data.get("lint", {})
        if not isinstance(lint, dict):
            self.fail("`lint` must be a table ([lint])", self.line_of("lint"))
        for key, value in lint.items():
            line = self.line_of(key, "lint")
            cfg.key_lines[f"lint.{key}"] = line or 0
            cfg.configured.add(key)
            if key not in _LINT_KEYS:
                self.fail(f"unknown key {key!r} in [lint]" + did_you_mean(key, _LINT_KEYS), line)
            if key in ("user_facing_tables", "audit_columns", "timestamp_columns"):
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    self.fail(f"[lint] {key} must be a list of names", line)
                setattr(cfg, key, list(value))
            else:
                if not isinstance(value, str) or not value:
                    self.fail(f"[lint] {key} must be a name", line)
                setattr(cfg, key, value)

        rules = data.get("rules", {})
        if not isinstance(rules, dict):
            self.fail("`rules` must be a table ([rules])", self.line_of("rules"))
        for rule_id, value in rules.items():
            line = (self.line_of(rule_id, "rules", header_fallback=False)
                    or self._section_line(f"rules.{rule_id}"))
            if rule_id not in RULES:
                self.fail(f"unknown rule {rule_id!r}" + did_you_mean(rule_id, RULES, listing=False)
                          + "; the rule ids are listed in docs/rules.md", line)
            cfg.rules[rule_id] = self.rule_config(rule_id, value, line, RULES[rule_id].options)

        waivers = data.get("waivers", [])
        if not isinstance(waivers, list):
            self.fail("`waivers` must be an array of tables ([[waivers]])", self.line_of("waivers"))
        for n, w in enumerate(waivers):
            head = self._section_start("waivers", n)
            head_line = head + 1 if head is not None else None

            def at(key: str) -> int | None:
                return self.line_of(key, "waivers", n) if head is not None else head_line

            if not isinstance(w, dict):
                self.fail("each waiver must be a table with rule, object and reason", head_line)
            unknown = set(w) - set(_WAIVER_KEYS)
            if unknown:
                k = sorted(unknown)[0]
                self.fail(f"unknown waiver key {k!r}" + did_you_mean(k, _WAIVER_KEYS)
                          + " (a waiver has rule, object, reason and optional expires)", at(k))
            rule = w.get("rule")
            if not isinstance(rule, str) or not rule:
                self.fail("waiver without `rule`; name the rule id it waives", head_line)
            if rule not in RULES:
                self.fail(f"waiver names unknown rule {rule!r}; use an id from docs/rules.md", at("rule"))
            obj = w.get("object")
            if not isinstance(obj, str) or not obj:
                self.fail("waiver without `object`; name the table, table.column or index it "
                          "waives", head_line)
            reason = w.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                self.fail(f"waiver for {rule} on {obj} has no `reason`; say why the finding is "
                          "accepted", at("reason") if "reason" in w else head_line)
            expires = w.get("expires")
            if expires is not None:
                if isinstance(expires, _dt.datetime):
                    expires = expires.date()
                elif isinstance(expires, str):
                    try:
                        expires = _dt.date.fromisoformat(expires)
                    except ValueError:
                        self.fail(f"waiver expires {expires!r} is not a date; write YYYY-MM-DD",
                                  at("expires"))
                elif not isinstance(expires, _dt.date):
                    self.fail("waiver expires must be a date (YYYY-MM-DD)", at("expires"))
            cfg.waivers.append(Waiver(rule, obj, reason.strip(), expires, self.path, head_line))
        return cfg

    def _check_datagen(self, section: Any) -> None:
        """[datagen]: realism knobs of the data generator (`lab.datagen.REALISM_KEYS`)."""
        from dbdesign.lab.datagen import REALISM_KEYS
        if not isinstance(section, dict):
            self.fail("`datagen` must be a table ([datagen])", self.line_of("datagen"))
        for key, value in section.items():
            line = self.line_of(key, "datagen")
            if key not in REALISM_KEYS:
                self.fail(f"unknown key {key!r} in [datagen]" + did_you_mean(key, REALISM_KEYS), line)
            if key in ("soft_deleted", "null_rate"):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    self.fail(f"[datagen] {key} must be a share from 0 to 1 ({REALISM_KEYS[key]})", line)
            elif key == "skew":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 10:
                    self.fail(f"[datagen] skew must be a number above 0 and at most 10 ({REALISM_KEYS[key]})", line)
            elif key == "memory_limit":
                if not is_memory_size(value):
                    self.fail('[datagen] memory_limit must be a size such as "1GB" or "512MiB"', line)
            elif key == "overrides":
                if not (isinstance(value, dict) and all(isinstance(k, str) and "." in k and isinstance(v, str)
                                                        for k, v in value.items())):
                    self.fail('[datagen] overrides must map "table.column" to DuckDB SQL text', line)

    def _section_line(self, header: str) -> int | None:
        s = self._section_start(header)
        return s + 1 if s is not None else None

    def rule_config(self, rule_id: str, value: Any, line: int | None,
                    known_options: dict[str, Any]) -> RuleConfig:
        rc = RuleConfig(line=line)
        if isinstance(value, bool):
            rc.enabled = value
        elif isinstance(value, str):
            v = value.lower()
            if v in ("off", "false", "disabled"):
                rc.enabled = False
            elif v in ("on", "true", "enabled"):
                rc.enabled = True
            elif v in SEVERITIES:
                rc.severity = v
            else:
                self.fail(f"rule {rule_id}: {value!r} is not one of off, on, error, warning, info", line)
        elif isinstance(value, dict):
            for key, opt in value.items():
                kline = self.line_of(key, f"rules.{rule_id}") or line
                if key == "enabled":
                    if not isinstance(opt, bool):
                        self.fail(f"rule {rule_id}: enabled must be true or false", kline)
                    rc.enabled = opt
                elif key == "severity":
                    if opt not in SEVERITIES:
                        self.fail(f"rule {rule_id}: severity {opt!r} is not one of error, warning, info", kline)
                    rc.severity = opt
                elif key in known_options:
                    default = known_options[key]
                    if isinstance(default, bool):
                        ok = isinstance(opt, bool)
                    elif isinstance(default, int):
                        ok = isinstance(opt, int) and not isinstance(opt, bool) and opt >= 0
                    elif isinstance(default, list):
                        ok = isinstance(opt, list) and all(isinstance(x, str) for x in opt)
                    else:
                        ok = isinstance(opt, type(default))
                    if not ok:
                        kind = {bool: "true or false", int: "a whole number >= 0",
                                list: "a list of names"}.get(type(default), type(default).__name__)
                        self.fail(f"rule {rule_id}: option {key} must be {kind}", kline)
                    rc.options[key] = opt
                else:
                    self.fail(f"rule {rule_id}: unknown option {key!r}"
                              + did_you_mean(key, ["enabled", "severity", *known_options]), kline)
        else:
            self.fail(f"rule {rule_id}: give \"off\", a severity, or a table of options", line)
        return rc
