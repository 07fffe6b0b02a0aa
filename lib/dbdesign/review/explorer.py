"""Schema explorer: pick a table, see its columns, constraints, indexes, lint findings and its
ERD neighbourhood. A thin widget over `catalog`, `lint` and `erd`.

Built so that it also works where Python is gone - the exported HTML report: every table's
panel is rendered up front (HTML widgets inside a `Stack`), and the table picker switches them
with a front-end link (`jslink`), so the html-manager shows a working explorer from the stored
widget state alone. Where no widget manager runs at all, the display falls back to a static
HTML rendering of every table (collapsible sections), never an empty box.

    explore(schema, config=None) -> SchemaExplorer   (display it: the last expression of a cell)
    table_panel_html(schema, table, ...) -> str      (one table's panel, for reuse and tests)
"""
from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from typing import Any

from dbdesign.errors import InputError
from dbdesign.model import Schema

# Beyond this many tables, panels past the first ones render on selection (kernel needed):
# a 300-table schema would otherwise put 300 SVGs into the notebook and the report.
MAX_PRERENDERED = 60
_SEV_ORDER = {"error": 0, "warning": 1, "info": 2}


def _frame_html(frame) -> str:
    from dbdesign.review.datatable import frame_html
    return frame_html(frame)


def _neighbourhood_svg(schema: Schema, table: str, depth: int) -> str:
    from dbdesign.review.erd import to_svg
    from dbdesign.review.tabledoc import page_svg
    try:
        return page_svg(to_svg(schema, around=table, depth=depth, legend=False, cluster="none"))
    except Exception as err:  # dot missing or failing: say so in the panel, keep the rest
        return f"<p><em>ERD not available: {_html.escape(str(err).splitlines()[0])}</em></p>"


def table_panel_html(schema: Schema, table: str, lint_result=None, catalog=None, depth: int = 1,
                     with_erd: bool = True) -> str:
    """One table: columns, constraints, indexes, lint findings, ERD neighbourhood (HTML)."""
    import pandas as pd

    from dbdesign.generate.catalog import build_catalog, columns_frame
    t = schema.table(table)
    if t is None:
        raise InputError(f"no table {table!r}; tables: {', '.join(sorted(schema.tables))}")
    catalog = catalog or build_catalog(schema)
    esc = _html.escape
    name = t.qualname
    cons = pd.DataFrame([{"kind": c.kind, "columns": ", ".join(c.columns), "rule": c.definition,
                          "why": c.description} for c in catalog.constraints if c.table == name],
                        columns=["kind", "columns", "rule", "why"])
    idx = pd.DataFrame([{"index": i.name or f"({i.origin})", "columns": ", ".join(i.columns),
                         "unique": "yes" if i.unique else "", "where": i.where or "",
                         "purpose": i.purpose} for i in catalog.indexes if i.table == name],
                       columns=["index", "columns", "unique", "where", "purpose"])
    findings = []
    if lint_result is not None:
        findings = sorted((f for f in lint_result.findings if f.table == name),
                          key=lambda f: (f.waived, _SEV_ORDER.get(f.severity, 9), f.rule))
    lint_df = pd.DataFrame([{"severity": ("waived " if f.waived else "") + f.severity, "rule": f.rule,
                             "object": f.object, "message": f.message} for f in findings],
                           columns=["severity", "rule", "object", "message"])
    parts = [f'<div class="dbdesign-explorer-panel" data-table="{esc(name)}">',
             f"<h4>{esc(name)}</h4>"]
    if t.comment:
        parts.append(f"<p>{esc(t.comment)}</p>")
    parts += ["<h5>Columns</h5>", _frame_html(columns_frame(schema, name)),
              "<h5>Constraints</h5>", _frame_html(cons),
              "<h5>Indexes</h5>", _frame_html(idx),
              f"<h5>Lint findings ({len(findings)})</h5>", _frame_html(lint_df)]
    if with_erd:
        parts += [f"<h5>Neighbourhood (depth {depth})</h5>",
                  f'<div class="dbdesign-erd">{_neighbourhood_svg(schema, name, depth)}</div>']
    parts.append("</div>")
    return "\n".join(parts)


@dataclass
class SchemaExplorer:
    """The widget plus its static rendering; displaying it shows whichever the front end can."""
    schema: Schema
    config: Any = None
    depth: int = 1
    max_prerendered: int = MAX_PRERENDERED
    panels: dict[str, str] = field(default_factory=dict)  # table -> panel HTML rendered so far

    def __post_init__(self) -> None:
        from dbdesign.generate.catalog import build_catalog
        from dbdesign.checks.lint import lint
        if not self.schema.tables:
            raise InputError("the schema has no tables to explore")
        self.tables = sorted(self.schema.tables)
        hub = self.schema.most_connected()
        self.start = hub.qualname if hub is not None else None
        if self.start not in self.tables:
            self.start = self.tables[0]
        self.lint_result = lint(self.schema, self.config)
        self.catalog = build_catalog(self.schema)
        self.panel(self.start)  # the first one shown: pre-rendered even past max_prerendered
        for name in self.tables[: self.max_prerendered]:
            self.panel(name)
        self._widget = None

    def panel(self, table: str) -> str:
        if table not in self.panels:
            self.panels[table] = table_panel_html(self.schema, table, self.lint_result, self.catalog, self.depth)
        return self.panels[table]

    @property
    def widget(self):
        """Dropdown + Stack of HTML panels, linked in the browser (works in static HTML)."""
        if self._widget is None:
            import ipywidgets as w
            picker = w.Dropdown(options=self.tables, value=self.start, description="Table",
                                layout=w.Layout(width="320px"))
            pending = ("<p><em>Rendered when selected: run this notebook in JupyterLab "
                       f"(only the first {self.max_prerendered} tables are pre-rendered).</em></p>")
            views = [w.HTML(self.panels.get(t, pending)) for t in self.tables]
            stack = w.Stack(views, selected_index=self.tables.index(self.start))
            w.jslink((picker, "index"), (stack, "selected_index"))

            def on_pick(change):  # with a kernel: render late panels on demand
                name = change["new"]
                view = views[self.tables.index(name)]
                if view.value == pending:
                    view.value = self.panel(name)
            picker.observe(on_pick, names="value")
            summary = w.HTML(f"<p>{len(self.tables)} tables; {len(self.lint_result.active)} open lint "
                             f"findings. Starting at <b>{self.start}</b>, the most-connected table; pick "
                             "another to see its columns, constraints, indexes, findings and ERD "
                             "neighbourhood.</p>")
            self._widget = w.VBox([summary, picker, stack], layout=w.Layout(border="1px solid #e1e4e8",
                                                                           padding="8px 12px"))
            self._widget.add_class("dbdesign-explorer")
        return self._widget

    def static_html(self) -> str:
        """Every pre-rendered table as a collapsible section: the explorer without a widget
        manager (the first table open)."""
        parts = [f'<div class="dbdesign-explorer-static"><p><b>Schema explorer</b> '
                 f"({len(self.tables)} tables; interactive in JupyterLab)</p>"]
        for i, name in enumerate(self.tables):
            if name not in self.panels:
                parts.append(f"<p><em>{_html.escape(name)}: open the notebook to explore it.</em></p>")
                continue
            parts.append(f"<details{' open' if name == self.start else ''}><summary><b>{_html.escape(name)}</b>"
                         f"</summary>{self.panels[name]}</details>")
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle)
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"SchemaExplorer({len(self.tables)} tables)"
        return bundle


def explore(schema: Schema, config: Any = None, depth: int = 1) -> SchemaExplorer:
    """The schema explorer for `schema` (lint findings judged with `config`)."""
    return SchemaExplorer(schema, config, depth)
