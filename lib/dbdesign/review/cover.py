"""The review cover: what the team signs off, computed from this run, on the first screen.

A review meeting starts from decisions, not from a log. This module turns the run's facts
into a short list a team accepts or rejects, each with a link to its evidence:

- gate criteria that are not met;
- waived lint findings (each waiver is a decision someone took and the team must accept);
- contract mismatches between the API contract and the schema;
- what an engine cannot hold (a guard dropped, a behaviour changed: partial unique indexes on
  MariaDB, FK actions on DuckDB, UUID v1 from MariaDB's UUID());
- indexes no workload query uses and verified proposals (read gain against write cost);
- open lint findings.

and what changed since the previous run (its `manifest.json` and `schema.json` in the same
output folder): schema hash, tables added/removed/changed (`dbdesign.schema.diff`), decisions new
and gone, gate verdict.

    schema_hash(schema) -> str
    decisions(facts) -> list[Decision]
    changes_since(previous_manifest, previous_schema, schema, decisions, gate) -> list[str]
    cover_html(...) -> str
"""
from __future__ import annotations

import hashlib
import html as _html
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from dbdesign.model import Schema

MAX_DECISIONS = 10
# Portability outcomes that change what the database guarantees (not just spelling).
SERIOUS = ("dropped", "not enforced", "changed")
# Features whose loss changes what the database guarantees, most serious first; other
# portability notes (comments, spelling) are in portability.md, not on the cover.
GUARDS = ("partial index", "unique", "fk action", "foreign key", "check", "expression index", "gen_random_uuid",
          "identity", "enum", "timestamptz", "json", "generated column", "domain", "exclusion")
_RANK = {"gate": 0, "contract": 1, "engine": 2, "waiver": 3, "index": 4, "lint": 5}


@dataclass
class Decision:
    """One item to accept or reject: what, why it needs a decision, where the evidence is.

    `chapter` and `heading` locate the evidence in the report (a chapter number and the start
    of a heading in it); `tables` link to the per-table sections; `artifact` is a written file
    with the full list."""
    kind: str  # gate | contract | engine | waiver | index | lint
    title: str
    detail: str
    chapter: str | None = None
    heading: str | None = None
    tables: list[str] = field(default_factory=list)
    artifact: str | None = None

    def key(self) -> str:
        return f"{self.kind}: {self.title}"


@dataclass
class ReviewFacts:
    """What the decisions are computed from (each part optional: a run may lack it)."""
    schema: Schema
    lint: Any = None  # lint.LintResult
    gate: Any = None  # gate.GateResult
    portability: Any = None  # DataFrame from dialects.portability_frame
    advice: Any = None  # advisor.Advice against the design (baseline "schema")
    contract: Any = None  # api LintResult, or None when the project has no contract
    contract_file: str | None = None


def schema_hash(schema: Schema) -> str:
    """12 hex digits of sha256 over the model's PostgreSQL DDL: a design change changes it,
    a moved line or a new comment in a migration file does not."""
    from dbdesign.dialects import render
    return hashlib.sha256(render(schema, "postgres").sql.encode()).hexdigest()[:12]


def _names(items: list[str], limit: int = 4) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _table_of(obj: str, schema: Schema) -> str | None:
    """The table an object name of the portability report belongs to (`users.id`,
    `users(created_at)`, `idx_users_email`, `posts(user_id)`)."""
    head = obj.split("(")[0].split(".")[0].strip()
    if schema.table(head) is not None:
        return schema.table(head).qualname
    if "." in obj:
        two = ".".join(obj.split("(")[0].split(".")[:2])
        if schema.table(two) is not None:
            return schema.table(two).qualname
    for t in schema.tables.values():
        if any(ix.name == obj for ix in t.indexes):
            return t.qualname
    return None


def _engine_label(name: str) -> str:
    from dbdesign import engines
    try:
        return engines.engine_class(name).label
    except Exception:  # a dialect without an engine class: its own name
        return name


def decisions(facts: ReviewFacts, limit: int = MAX_DECISIONS) -> list[Decision]:
    """The items to sign off, most serious first, at most `limit`."""
    out: list[Decision] = []
    schema = facts.schema
    if facts.gate is not None:
        for item in facts.gate.criteria:
            if not item.met:
                out.append(Decision("gate", f"Gate criterion not met: {item.title}", item.evidence,
                                    chapter=item.chapter[:2]))
    if facts.contract is not None:
        active = [f for f in facts.contract.findings if not getattr(f, "waived", False)]
        if active:
            first = active[0]
            out.append(Decision("contract", f"{len(active)} mismatch(es) between {facts.contract_file} and the schema",
                                f"e.g. line {first.line}: {first.message}", chapter="01", heading="The API contract",
                                tables=[t for t in {f.table for f in active if f.table} if schema.table(t)]))
    if facts.portability is not None and len(facts.portability):
        out.extend(_engine_decisions(facts.portability, schema))
    if facts.lint is not None:
        waived = defaultdict(list)
        for f in facts.lint.findings:
            if f.waived:
                waived[(f.rule, f.waiver_reason or "no reason given")].append(f)
        for (rule, reason), fs in waived.items():
            out.append(Decision("waiver", f"Accept the waiver of {rule} on {_names([f.object for f in fs])}",
                                f"reason given: {reason}", chapter="00", heading="Findings by severity",
                                tables=[f.table for f in fs if f.table]))
    if facts.advice is not None:
        out.extend(_index_decisions(facts.advice))
    if facts.lint is not None:
        open_ = [f for f in facts.lint.findings if not f.waived and f.severity in ("error", "warning")]
        if open_:
            rules = defaultdict(int)
            for f in open_:
                rules[f.rule] += 1
            out.append(Decision("lint", f"{len(open_)} open lint finding(s): fix or waive",
                                ", ".join(f"{r} ({n})" for r, n in sorted(rules.items(), key=lambda x: -x[1])),
                                chapter="00", heading="Findings by severity",
                                tables=[f.table for f in open_ if f.table]))
    out.sort(key=lambda d: _RANK.get(d.kind, 9))
    return out[:limit]


def _engine_decisions(port, schema: Schema, per_engine: int = 2, limit: int = 5) -> list[Decision]:
    """What the engines cannot hold: guards dropped first, then ones not enforced, then changed
    behaviour (at most `per_engine` each, so one engine does not crowd out the others); the
    PostgreSQL-only objects (functions, triggers, views) no other engine receives, as one item."""
    serious = port[port["action"].isin(SERIOUS)]
    objects = serious[serious["feature"].isin(["function", "trigger", "view", "materialized view"])]
    groups = []
    for (engine, feature, action), g in serious.drop(objects.index).groupby(["engine", "feature", "action"],
                                                                            sort=False):
        if feature in GUARDS:
            groups.append((0 if action == "dropped" else 1, GUARDS.index(feature), engine, feature, action, g))
    groups.sort(key=lambda x: x[:3])
    out: list[Decision] = []
    taken: dict[str, int] = defaultdict(int)
    for _, _, engine, feature, action, g in groups:
        if len(out) >= limit - (1 if len(objects) else 0) or taken[engine] >= per_engine:
            continue
        taken[engine] += 1
        objs = list(g["object"])
        out.append(Decision("engine", f"{_engine_label(engine)}: {feature} {action} ({len(objs)})",
                            f"{_names(objs)}: {g['detail'].iloc[0]}", chapter="01", heading="Portability",
                            tables=[t for t in (_table_of(o, schema) for o in objs) if t], artifact="portability.md"))
    if len(objects):
        engines = ", ".join(_engine_label(e) for e in dict.fromkeys(objects["engine"]))
        names = list(dict.fromkeys(objects["object"]))
        kinds = ", ".join(sorted(set(objects["feature"])))
        out.append(Decision("engine", f"{len(names)} PostgreSQL-only objects ({kinds}) not rendered for {engines}",
                            f"{_names(names)}: port them by hand or accept their absence there",
                            chapter="01", heading="Portability", artifact="portability.md"))
    return out


def _index_decisions(advice) -> list[Decision]:
    out = []
    if advice.unused:
        names = [u["index"] for u in advice.unused]
        fk = sum(1 for u in advice.unused if u.get("note"))
        out.append(Decision("index", f"Keep {len(names)} index(es) no workload query uses?",
                            f"{_names(names)}" + (f"; {fk} of them back a foreign key (parent deletes use them)"
                                                   if fk else "") + f" - measured on {advice.engine}",
                            chapter="02", heading="Index documentation",
                            tables=[u["table"] for u in advice.unused], artifact="index-documentation.md"))
    accepted = [p for p in advice.proposals if p.verdict == "accept"]
    if accepted:
        parts = []
        for p in accepted[:3]:
            gain, cost = p.gain_ratio(), p.cost_ratio()
            parts.append(f"{p.label()}: read gain " + (gain.text() if gain else f"{p.gain:.1f}x")
                         + (f", insert cost {cost.text()}" if cost else ""))
        out.append(Decision("index", f"Add {len(accepted)} verified index proposal(s)?", "; ".join(parts),
                            chapter="02", heading="The advisor", tables=[p.table for p in accepted],
                            artifact="index-documentation.md"))
    return out


# -- changes since the previous review -------------------------------------------------------------
def changes_since(previous: dict | None, previous_schema: Schema | None, schema: Schema,
                  current: dict) -> list[str]:
    """Lines for "Changed since last review"; empty when there was no previous run.
    `current` is this run's `review` manifest section."""
    if not previous:
        return []
    prev = previous.get("review") or {}
    lines = [f"Previous review: {prev.get('generated_at') or previous.get('versions', {}).get('generated_at', '?')}, "
             f"schema {prev.get('schema_hash', '?')}."]
    if prev.get("schema_hash") == current["schema_hash"]:
        lines.append("The schema is unchanged (same hash).")
    elif previous_schema is not None:
        from dbdesign.schema.diff import diff
        d = diff(previous_schema, schema)
        if d.is_empty:
            lines.append("The schema hash changed, the model compares equal (spelling only).")
        else:
            by_action = defaultdict(list)
            for c in d.changes:
                by_action[c.action].append(f"{c.object_type} {c.where}")
            for action in ("added", "removed", "changed"):
                if by_action[action]:
                    lines.append(f"{action.capitalize()}: {_names(by_action[action], 6)}.")
    else:
        lines.append("The schema changed (no schema.json from the previous run to compare with).")
    before, now = set(prev.get("decisions", [])), set(current["decisions"])
    if now - before:
        lines.append(f"New decisions: {'; '.join(sorted(now - before))}.")
    if before - now:
        lines.append(f"No longer open: {'; '.join(sorted(before - now))}.")
    if prev.get("gate") and prev.get("gate") != current.get("gate"):
        lines.append(f"Gate: was \"{prev['gate']}\", now \"{current['gate']}\".")
    return lines


def manifest_section(schema: Schema, items: list[Decision], gate, generated_at: str) -> dict[str, Any]:
    """What the next run compares against (`review` in manifest.json)."""
    return {"schema_hash": schema_hash(schema), "generated_at": generated_at, "tables": len(schema.tables),
            "decisions": [d.key() for d in items], "decision_details": [asdict(d) for d in items],
            "gate": gate.verdict() if gate is not None else None}


# -- HTML -----------------------------------------------------------------------------------------
def cover_html(project: str, section: dict[str, Any], scale: str, engines_reached: list[str],
               engines_missing: list[str], gate, items: list[Decision], changes: list[str],
               resolve: Callable[[Decision], tuple[str, str]]) -> str:
    """The cover: title block, decisions with evidence links, changes since the last review.
    `resolve(decision)` gives the evidence link (`#...` or a file) and its label."""
    esc = _html.escape
    verdict = gate.verdict() if gate is not None else "gate not evaluated"
    passed = gate is not None and gate.passed
    facts = [("Schema", f"{section['tables']} tables, hash <code>{esc(section['schema_hash'])}</code>"),
             ("Date", esc(section["generated_at"])), ("Scale", esc(scale)),
             ("Engines reached", esc(", ".join(engines_reached) or "none")
              + (f' <span class="dbdesign-muted">(not reached: {esc(", ".join(engines_missing))})</span>'
                 if engines_missing else "")),
             ("Gate", f'<span class="dbdesign-verdict {"ok" if passed else "bad"}">{esc(verdict)}</span>')]
    rows = "".join(f'<span class="dbdesign-fact"><b>{k}</b> {v}</span>' for k, v in facts)
    lis = []
    for i, d in enumerate(items, 1):
        tables = ""
        if d.tables:
            uniq = list(dict.fromkeys(d.tables))
            tables = " · tables: " + ", ".join(f'<a href="#{esc(table_anchor(t))}">{esc(t)}</a>' for t in uniq[:6])
            if len(uniq) > 6:
                tables += f" and {len(uniq) - 6} more"
        artifact = f' · <a href="{esc(d.artifact)}">{esc(d.artifact)}</a>' if d.artifact else ""
        href, label = resolve(d)
        detail = d.detail if len(d.detail) <= 130 else d.detail[:125].rsplit(" ", 1)[0] + " …"
        lis.append(f'<li class="dbdesign-decision" data-kind="{esc(d.kind)}"><span class="dbdesign-kind">'
                   f"{esc(d.kind)}</span> <b>{esc(d.title)}</b><br><span class=\"dbdesign-detail\" "
                   f'title="{esc(d.detail)}">{esc(detail)}</span> <span class="dbdesign-evidence">→ '
                   f'<a class="dbdesign-evidence-link" href="{esc(href)}">{esc(label)}</a>{tables}{artifact}</span></li>')
    decisions_html = (f'<ol class="dbdesign-decisions">{"".join(lis)}</ol>' if lis
                      else "<p>Nothing to decide: no waiver, no engine loss, no unmet gate criterion.</p>")
    if changes:
        changed = "<ul>" + "".join(f"<li>{esc(c)}</li>" for c in changes) + "</ul>"
    else:
        changed = ("<p>First review in this output folder: no previous <code>manifest.json</code> to compare "
                   "with. The next build compares against this one.</p>")
    return (f'<section id="cover" class="dbdesign-cover"><h1 id="review-cover">Design review: {esc(project)}</h1>'
            f'<div class="dbdesign-cover-facts">{rows}</div>'
            f'<h2 id="decisions-to-sign-off">Decisions to sign off</h2>{decisions_html}'
            f'<h2 id="changed-since-last-review">Changed since last review</h2>{changed}</section>')


def table_anchor(table: str) -> str:
    """The report's anchor of a table's section (`#table-NAME`; the ERD links here)."""
    return f"table-{table}"


COVER_CSS = """
.dbdesign-cover { border-bottom: 2px solid #1f4e8c; padding-bottom: 1em; margin-bottom: 2em; }
.dbdesign-cover h1 { margin-top: 0; }
.dbdesign-cover-facts { display: flex; flex-wrap: wrap; gap: .3em 1.6em; font-size: 14px; margin: .2em 0 .6em; }
.dbdesign-fact b { color: #555; font-weight: 600; margin-right: .25em; }
.dbdesign-verdict.ok { color: #1a7f37; font-weight: 600; } .dbdesign-verdict.bad { color: #b42318; font-weight: 600; }
.dbdesign-cover h2 { font-size: 1.25em; margin: .7em 0 .3em; }
.dbdesign-decisions { padding-left: 1.6em; margin: 0; font-size: 14px; } .dbdesign-decisions li { margin: .3em 0; line-height: 1.35; }
.dbdesign-kind { display: inline-block; min-width: 4.5em; font-size: 75%; text-transform: uppercase;
  letter-spacing: .04em; color: #fff; background: #6b7280; border-radius: 3px; padding: 0 5px; text-align: center; }
li[data-kind="gate"] .dbdesign-kind, li[data-kind="contract"] .dbdesign-kind { background: #b42318; }
li[data-kind="engine"] .dbdesign-kind { background: #b45309; } li[data-kind="waiver"] .dbdesign-kind { background: #6d28d9; }
li[data-kind="index"] .dbdesign-kind { background: #1f4e8c; }
.dbdesign-detail { color: #444; font-size: 90%; } .dbdesign-evidence { font-size: 90%; }
.dbdesign-muted { color: #666; }
"""

__all__ = ["Decision", "ReviewFacts", "schema_hash", "decisions", "changes_since", "manifest_section", "cover_html",
           "table_anchor", "COVER_CSS", "MAX_DECISIONS"]
