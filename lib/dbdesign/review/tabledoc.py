"""A page per table: what tbls and SchemaSpy give, from the one model.

For each table: its comment, columns (type, null, default, comment), constraints with what
they protect, indexes with their rationale (and, when the advisor ran, whether a workload
query uses them), triggers, the tables that reference it, its lint findings and a 1-degree
ERD. Written twice: as `<details id="table-NAME">` sections of the HTML report (the ERD
nodes link there) and as one commit-ready Markdown file per table (`tables/NAME.md`, with
its diagram as `tables/NAME.svg`). Comment coverage is counted for the whole schema.

    comment_coverage(schema) -> dict
    TableDoc(schema, catalog=None, lint_result=None, advice=None)
        .html_sections(erd_limit=ERD_LIMIT) -> str
        .markdown(table) -> str
        .write(folder, erd_limit=ERD_LIMIT) -> list[str]   (relative paths written)
"""
from __future__ import annotations

import html as _html
import os
import re
from dataclasses import dataclass, field
from typing import Any

from dbdesign.review.datatable import frame_html, frame_markdown
from dbdesign.model import Schema
from dbdesign.review.cover import table_anchor

# A 1-degree diagram per table costs one Graphviz run (~50 ms); past this many tables the
# sections say how to draw one instead of adding hundreds of SVGs to the page.
ERD_LIMIT = 150
_SEV = {"error": 0, "warning": 1, "info": 2}


def page_svg(svg: str) -> str:
    """An ERD for a page that also has the per-table sections: erd.py gives each node
    `id="table-NAME"` (Graphviz writes the dash as `&#45;`), the section's id, so the node
    becomes `erd-table-NAME` (the page's script makes a click on it open the section)."""
    return re.sub(r'(<g\b[^>]*\bid=")table(-|&#45;)', r"\1erd\2table\2", svg)


def comment_coverage(schema: Schema) -> dict[str, Any]:
    """Tables and columns with a comment (`COMMENT ON`), counted and as a share."""
    tables = list(schema.tables.values())
    cols = [c for t in tables for c in t.columns.values()]
    t_done = sum(1 for t in tables if t.comment)
    c_done = sum(1 for c in cols if c.comment)
    return {"tables": len(tables), "tables_commented": t_done, "columns": len(cols), "columns_commented": c_done,
            "tables_pct": round(100 * t_done / len(tables)) if tables else 0,
            "columns_pct": round(100 * c_done / len(cols)) if cols else 0,
            "uncommented_tables": [t.qualname for t in tables if not t.comment]}


def file_name(table: str) -> str:
    """A safe file stem for a table name (schema-qualified names keep their dot)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", table) or "table"


@dataclass
class TableDoc:
    schema: Schema
    catalog: Any = None
    lint_result: Any = None
    advice: Any = None
    _svg: dict[str, str] = field(default_factory=dict)
    _frames: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.catalog is None:
            from dbdesign.generate.catalog import build_catalog
            self.catalog = build_catalog(self.schema)
        self.used_by: dict[str, list[str]] = {}
        self.unused: dict[str, str] = {}
        if self.advice is not None:
            for q, b in self.advice.baseline_plans.items():
                for ix in b.get("index_names", []):
                    self.used_by.setdefault(ix, []).append(q)
            self.unused = {u["index"]: (u.get("note") or "") for u in self.advice.unused}

    # -- the parts, as frames ------------------------------------------------------------------
    def frames(self, table: str) -> dict[str, Any]:
        """The parts of one table's page as DataFrames (computed once per table)."""
        if table not in self._frames:
            self._frames[table] = self._make_frames(table)
        return self._frames[table]

    def _make_frames(self, table: str) -> dict[str, Any]:
        import pandas as pd

        from dbdesign.generate.catalog import columns_frame
        t = self.schema.table(table)
        name = t.qualname
        cons = pd.DataFrame([{"kind": c.kind, "columns": ", ".join(c.columns), "rule": c.definition,
                              "why": c.description} for c in self.catalog.constraints
                             if c.table == name and c.kind not in ("NOT NULL", "DEFAULT")],
                            columns=["kind", "columns", "rule", "why"])
        rows = []
        for i in self.catalog.indexes:
            if i.table != name:
                continue
            row = {"index": i.name or f"({i.origin})", "columns": ", ".join(i.columns), "unique": i.unique,
                   "where": i.where or "", "why": i.purpose}
            if self.advice is not None:
                row["workload"] = ("used by " + ", ".join(self.used_by[i.name]) if i.name in self.used_by else
                                   ("NOT used by any workload query" + (f" ({self.unused[i.name]})"
                                                                       if self.unused[i.name] else ""))
                                   if i.name in self.unused else "")
            rows.append(row)
        idx = pd.DataFrame(rows, columns=["index", "columns", "unique", "where", "why"]
                           + (["workload"] if self.advice is not None else []))
        triggers = pd.DataFrame([{"trigger": o.name, "statement": " ".join(o.sql.split())[:240]}
                                 for o in self.schema.others
                                 if o.kind == "trigger" and (name in o.depends_on or t.name in o.depends_on)],
                                columns=["trigger", "statement"])
        refs = pd.DataFrame([{"table": child.qualname, "columns": ", ".join(fk.columns),
                              "references": ", ".join(fk.ref_columns) if fk.ref_columns else "",
                              "on delete": fk.on_delete or "NO ACTION"}
                             for child, fk in self.schema.referencing(name)],
                            columns=["table", "columns", "references", "on delete"])
        findings = []
        if self.lint_result is not None:
            findings = sorted((f for f in self.lint_result.findings if f.table == name),
                              key=lambda f: (f.waived, _SEV.get(f.severity, 9), f.rule))
        lint_df = pd.DataFrame([{"severity": f.severity, "waived": f.waived, "rule": f.rule, "object": f.object,
                                 "message": f.message + (f" (waived: {f.waiver_reason})" if f.waived else "")}
                                for f in findings], columns=["severity", "waived", "rule", "object", "message"])
        return {"Columns": columns_frame(self.schema, name), "Constraints": cons, "Indexes": idx,
                "Triggers": triggers, "Referenced by": refs, "Lint findings": lint_df}

    def erd(self, table: str) -> str | None:
        if table not in self._svg:
            from dbdesign.review import erd
            try:
                self._svg[table] = erd.to_svg(self.schema, around=table, depth=1, legend=False, cluster="none")
            except Exception as err:  # Graphviz missing or failing: say so, keep the page
                self._svg[table] = f"<p><em>diagram not available: {_html.escape(str(err).splitlines()[0])}</em></p>"
        return self._svg[table]

    def _names(self) -> list[str]:
        return sorted(t.qualname for t in self.schema.tables.values())

    # -- HTML --------------------------------------------------------------------------------
    def html_sections(self, erd_limit: int = ERD_LIMIT) -> str:
        """The report's "Tables" part: a coverage line, a filterable index of tables, then one
        folded section per table with `id="table-NAME"`."""
        esc = _html.escape
        names = self._names()
        cov = comment_coverage(self.schema)
        plain = {}
        for t in self.schema.tables.values():  # `#table-users` also reaches `public.users`
            plain.setdefault(t.name, []).append(t.qualname)
        parts = [f'<h1 id="tables">Tables</h1><p>One section per table: columns, constraints, indexes with '
                 f"their rationale, triggers, referenced-by, lint findings and the 1-degree diagram. The same "
                 f"as Markdown, one file per table: <code>tables/</code>. Comment coverage: "
                 f"<b>{cov['tables_commented']} of {cov['tables']}</b> tables ({cov['tables_pct']}%), "
                 f"<b>{cov['columns_commented']} of {cov['columns']}</b> columns ({cov['columns_pct']}%).</p>",
                 '<p class="dbdesign-table-index">' + " ".join(
                     f'<a href="#{esc(table_anchor(n))}">{esc(n)}</a>' for n in names) + "</p>"]
        draw = len(names) <= erd_limit
        for n in names:
            t = self.schema.table(n)
            frames = self.frames(n)
            counts = (f"{len(t.columns)} columns, {len(frames['Indexes'])} indexes, "
                      f"{len(frames['Referenced by'])} referencing FKs")
            nfind = int((~frames["Lint findings"]["waived"].astype(bool)).sum()) if len(frames["Lint findings"]) else 0
            badge = f' <span class="dbdesign-badge warn">{nfind} finding(s)</span>' if nfind else ""
            extra = (f'<a id="{esc(table_anchor(t.name))}"></a>'
                     if t.name != n and len(plain.get(t.name, [])) == 1 else "")
            body = [f"<p>{esc(t.comment)}</p>" if t.comment else
                    '<p class="dbdesign-muted"><em>No table comment.</em></p>']
            for title, frame in frames.items():
                if title in ("Triggers", "Lint findings") and not len(frame):
                    continue
                body.append(f"<h4>{esc(title)}</h4>" + frame_html(frame))
            if draw:
                body.append(f'<h4>Neighbourhood</h4><div class="dbdesign-erd dbdesign-erd-small">'
                            f"{page_svg(self.erd(n))}</div>")
            else:
                body.append(f'<p class="dbdesign-muted">{len(names)} tables: diagrams per table are left out of '
                            f"the page; <code>dbdesign erd --around {esc(n)} --depth 1</code> draws this one.</p>")
            parts.append(f'<details class="dbdesign-table-page" id="{esc(table_anchor(n))}">{extra}'
                         f"<summary><b>{esc(n)}</b> <span class=\"dbdesign-muted\">{counts}</span>{badge}</summary>"
                         f"{''.join(body)}</details>")
        return '<section class="dbdesign-tables">' + "".join(parts) + "</section>"

    # -- Markdown -------------------------------------------------------------------------------
    def markdown(self, table: str, with_svg: bool = False) -> str:
        t = self.schema.table(table)
        n = t.qualname
        out = [f"# {n}", "", t.comment or "_No table comment._", ""]
        for title, frame in self.frames(n).items():
            if title in ("Triggers", "Lint findings") and not len(frame):
                continue
            out += [f"## {title}", "", frame_markdown(frame) if len(frame) else "_none_", ""]
        if with_svg:
            out += ["## Neighbourhood", "", f"![{n} and the tables one foreign key away]({file_name(n)}.svg)", ""]
        return "\n".join(out)

    def write(self, folder: str | os.PathLike, erd_limit: int = ERD_LIMIT) -> list[str]:
        """`folder/NAME.md` per table (+ `NAME.svg` when diagrams are drawn) and `README.md`
        listing them with comment coverage. Returns the relative paths written."""
        os.makedirs(folder, exist_ok=True)
        names = self._names()
        draw = len(names) <= erd_limit
        written = []
        for n in names:
            stem = file_name(n)
            if draw:
                svg = self.erd(n)
                if "<svg" in svg[:500]:
                    with open(os.path.join(folder, stem + ".svg"), "w", encoding="utf-8") as fh:
                        fh.write(svg)
                    written.append(stem + ".svg")
            with open(os.path.join(folder, stem + ".md"), "w", encoding="utf-8") as fh:
                fh.write(self.markdown(n, with_svg=draw and (stem + ".svg") in written))
            written.append(stem + ".md")
        cov = comment_coverage(self.schema)
        from dbdesign.review.datatable import md_table
        index = ["# Tables", "",
                 f"Comment coverage: {cov['tables_commented']} of {cov['tables']} tables ({cov['tables_pct']}%), "
                 f"{cov['columns_commented']} of {cov['columns']} columns ({cov['columns_pct']}%).", "",
                 md_table(["table", "columns", "comment"],
                          [[f"[{n}]({file_name(n)}.md)", len(self.schema.table(n).columns),
                            self.schema.table(n).comment or "–"] for n in names]), ""]
        with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(index))
        written.append("README.md")
        return written


TABLES_CSS = """
.dbdesign-table-index { column-width: 14em; font-size: 90%; line-height: 1.6; }
.dbdesign-table-index a { display: inline-block; margin-right: .8em; max-width: 100%; overflow-wrap: anywhere; }
details.dbdesign-table-page { border: 1px solid #e4e4e4; border-radius: 4px; padding: .2em .8em; margin: .3em 0; }
details.dbdesign-table-page[open] { background: #fcfcfd; }
details.dbdesign-table-page > summary { cursor: pointer; padding: .2em 0; }
details.dbdesign-table-page:target, details.dbdesign-table-page.dbdesign-flash { outline: 2px solid #1f4e8c; }
.dbdesign-erd-small svg { max-width: 100%; height: auto; }
.dbdesign-badge { font-size: 75%; border-radius: 3px; padding: 0 5px; color: #fff; background: #6b7280; }
.dbdesign-badge.warn { background: #b45309; } .dbdesign-badge.ok { background: #1a7f37; }
"""

__all__ = ["ERD_LIMIT", "TableDoc", "comment_coverage", "file_name", "page_svg", "TABLES_CSS"]
