"""One table renderer for the notebooks, the HTML report and the Markdown outputs.

A reviewer reads numbers with thousands separators, `–` where a value is missing, ✓/– for
yes/no, headers in words (`bulk_rows_per_s` -> "bulk rows/s"), and the rows that need a
decision coloured - not a raw DataFrame with `NaN`, `True` and snake_case. The same rules give
the text/plain twin of every HTML table (what nbval compares) and the Markdown tables of the
written outputs, where a `|` inside a cell (SQL such as `a || b`) is escaped so the table
keeps its cells on GitHub.

    format_value(value) -> str            one cell, as text
    human_header(name) -> str             a column name in words
    is_exception(text) -> bool            a cell that marks its row for attention
    frame_html(frame, caption=None, exceptions=None, fold_rows=FOLD_ROWS) -> str
    frame_text(frame) -> str              the fixed-width text twin
    md_cell(text) / md_table(columns, rows) / frame_markdown(frame) -> str
    parse_md_tables(markdown) -> list[list[list[str]]]   (GFM tables back into cells; tests)

The sorting, filtering and sticky headers are the report's (`PAGE_JS`, `PAGE_CSS`), applied
to every table on the page, so tables from other renderers (the gate, Markdown) behave alike.
"""
from __future__ import annotations

import html as _html
import math
import re
from typing import Any, Iterable, Sequence

MISSING = "–"  # en dash
YES, NO = "✓", "–"
FOLD_ROWS = 30  # longer tables show their exception rows and fold the full table
FILTER_ROWS = 8  # tables longer than this get a filter box in the report

# A cell that says "look at this row": a marker the probe and matrices use (`accepted !`), a
# status that is not met, or an engine losing a guard.
_EXCEPTION = re.compile(r"(\s!$|^!$|^not met\b|^NOT (MET|used|on)\b|^not expressible\b|^dropped$|"
                        r"^not enforced$|^failed\b|^error$|^inconclusive\b|^differ$|^missing\b)", re.I)
_UNITS = [(re.compile(r"_per_s$"), "/s"), (re.compile(r"_ms$"), " ms"), (re.compile(r"_kib$", re.I), " KiB"),
          (re.compile(r"_bytes$"), " bytes"), (re.compile(r"_x$"), " (x)"), (re.compile(r"_pct$"), " %")]


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:  # pandas NA / NaT
        import pandas as pd
        if value is pd.NaT or value is pd.NA:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(value, str) and value.strip() in ("", "nan", "NaN", "None", "NaT", "<NA>")


def format_value(value: Any) -> str:
    """A cell as a reviewer reads it (no NaN, no True/False, thousands separators)."""
    if is_missing(value):
        return MISSING
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1:
            return f"{value:,.0f}"
        magnitude = abs(value)
        if magnitude >= 100:
            return f"{value:,.0f}"
        if magnitude >= 10:
            return f"{value:,.1f}"
        if magnitude >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(format_value(v) for v in value) or MISSING
    text = str(value)
    if text in ("True", "False"):
        return YES if text == "True" else NO
    return text


def sort_key(value: Any) -> str | None:
    """A numeric sort key for the browser (`data-sort`), when the value is a number."""
    if isinstance(value, bool) or is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return None
    if isinstance(value, (int, float)):
        return repr(float(value))
    return None


def human_header(name: Any) -> str:
    """`bulk_rows_per_s` -> "bulk rows/s", `waiver_reason` -> "waiver reason"; words stay."""
    if isinstance(name, tuple):  # a MultiIndex column (pivot tables): "engine · index set"
        return " · ".join(human_header(n) for n in name if str(n) != "")
    text = str(name)
    if " " in text.strip() or "_" not in text:
        return text
    for pattern, unit in _UNITS:
        text = pattern.sub(unit, text)
    return text.replace("_", " ")


def is_exception(text: str) -> bool:
    return bool(_EXCEPTION.search(text.strip()))


def _code_spans(escaped: str) -> str:
    """Literal backticks in a cell become <code> (the text was HTML-escaped first)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _flat_frame(frame):
    """Index levels that carry names (pivots, `set_index`) become ordinary columns."""
    if frame.index.names and any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    return frame


def frame_html(frame, caption: str | None = None, exceptions: Sequence[bool] | None = None,
               fold_rows: int = FOLD_ROWS, table_id: str | None = None) -> str:
    """The HTML table: formatted cells, human headers, exception rows marked (`class="exception"`;
    by default a row with a cell `is_exception` accepts). A table longer than `fold_rows` shows
    its exception rows first and the full table folded in `<details>`."""
    frame = _flat_frame(frame)
    columns = list(frame.columns)
    rows = [list(r) for r in frame.itertuples(index=False, name=None)]
    if exceptions is None:
        marks = [any(is_exception(format_value(v)) for v in r) for r in rows]
    else:
        marks = [bool(m) for m in exceptions]
    esc = _html.escape
    cap = f'<p class="dbdesign-caption"><b>{esc(caption)}</b></p>' if caption else ""
    if not rows:
        return cap + '<p class="dbdesign-empty"><em>none</em></p>'

    def table(selected: Iterable[int], extra: str = "") -> str:
        head = "".join(f"<th>{_code_spans(esc(human_header(c)))}</th>" for c in columns)
        body = []
        for i in selected:
            cells = []
            for v in rows[i]:
                key = sort_key(v)
                attr = f' data-sort="{key}" class="num"' if key is not None else ""
                cells.append(f"<td{attr}>{_code_spans(esc(format_value(v)))}</td>")
            cls = ' class="exception"' if marks[i] else ""
            body.append(f"<tr{cls}>{''.join(cells)}</tr>")
        ident = f' id="{esc(table_id)}"' if table_id else ""
        return (f'<div class="dbdesign-scroll"><table class="dbdesign-table dbdesign-datatable{extra}"{ident}>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")

    if len(rows) <= fold_rows:
        return cap + table(range(len(rows)))
    flagged = [i for i, m in enumerate(marks) if m]
    parts = [cap]
    if flagged:
        parts.append(f'<p class="dbdesign-exceptions-note">{len(flagged)} of {len(rows):,} rows need '
                     "attention:</p>")
        parts.append(table(flagged, " dbdesign-exceptions"))
    else:
        parts.append(f'<p class="dbdesign-exceptions-note">{len(rows):,} rows, none marked for attention.</p>')
    parts.append(f"<details class=\"dbdesign-fold\"><summary>All {len(rows):,} rows</summary>"
                 f"{table(range(len(rows)))}</details>")
    return "".join(parts)


def frame_text(frame) -> str:
    """The fixed-width text twin of `frame_html` (what nbval compares): same formatting."""
    frame = _flat_frame(frame)
    if not len(frame):
        return "(none)"
    shown = frame.copy()
    shown.columns = [human_header(c) for c in frame.columns]
    for col in shown.columns:
        shown[col] = [format_value(v) for v in shown[col]]
    return shown.to_string(index=False)


# -- Markdown --------------------------------------------------------------------------------
def md_cell(value: Any) -> str:
    """One GFM table cell: `|` escaped (also inside code spans, as GFM requires), one line."""
    text = format_value(value) if not isinstance(value, str) else value
    text = text.replace("\r\n", "\n").replace("\n", " ")
    # A pipe inside a code span: GitHub wants `\|`, but other renderers (mistune, which the
    # report uses) then show the backslash. An HTML <code> with the pipe as an entity reads the
    # same everywhere.
    text = re.sub(r"`([^`]*\|[^`]*)`",
                  lambda m: "<code>" + _html.escape(m.group(1), quote=False).replace("|", "&#124;") + "</code>",
                  text)
    return text.replace("|", "\\|").strip() or " "


def md_table(columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(md_cell(human_header(c)) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(md_cell(v) for v in row) + " |")
    return "\n".join(lines)


def frame_markdown(frame) -> str:
    frame = _flat_frame(frame)
    return md_table(list(frame.columns), [[format_value(v) for v in r]
                                          for r in frame.itertuples(index=False, name=None)])


_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEP = re.compile(r"^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$")


def split_md_row(line: str) -> list[str]:
    """Cells of one GFM table row, honouring `\\|` escapes (also inside code spans)."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells, cur, i = [], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            cur.append("|")
            i += 2
            continue
        if ch == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur).strip())
    return cells


def parse_md_tables(markdown: str) -> list[list[list[str]]]:
    """Every GFM table in `markdown` as rows of cells (header first, separator dropped)."""
    tables: list[list[list[str]]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines) - 1:
        if _ROW.match(lines[i]) and _SEP.match(lines[i + 1]):
            rows = [split_md_row(lines[i])]
            i += 2
            while i < len(lines) and _ROW.match(lines[i]):
                rows.append(split_md_row(lines[i]))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


# -- the page ------------------------------------------------------------------------------------
PAGE_CSS = """
.dbdesign-scroll { max-width: 100%; max-height: 75vh; overflow: auto; margin: .4em 0 1em; }
table.dbdesign-table, .jp-RenderedHTMLCommon table.dbdesign-table { border-collapse: collapse;
  font-size: 13px; table-layout: auto; margin: 0; }
table.dbdesign-table th, table.dbdesign-table td { text-align: left !important; vertical-align: top;
  padding: 3px 8px; border-bottom: 1px solid #e4e4e4; white-space: normal; overflow-wrap: break-word;
  max-width: 38em; }
table.dbdesign-table td.num { text-align: right !important; font-variant-numeric: tabular-nums;
  white-space: nowrap; overflow-wrap: normal; }
table.dbdesign-table thead th { position: sticky; top: 0; z-index: 1; background: #f3f4f6;
  cursor: pointer; user-select: none; border-bottom: 2px solid #cfd4da; }
table.dbdesign-table thead th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 70%; }
table.dbdesign-table thead th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 70%; }
table.dbdesign-table tr.exception td { background: #fff4e5; }
table.dbdesign-table tr.exception td:first-child { box-shadow: inset 3px 0 0 #d97706; }
table.dbdesign-table code { font-size: 95%; background: #f3f4f6; padding: 0 2px; }
.dbdesign-filter { font: inherit; font-size: 13px; padding: 2px 6px; margin: .2em 0; width: 18em;
  border: 1px solid #cfd4da; border-radius: 3px; }
.dbdesign-fold > summary, details.dbdesign-fold > summary { cursor: pointer; color: #1f4e8c; margin: .3em 0; }
.dbdesign-exceptions-note { margin: .3em 0; font-size: 95%; }
"""

PAGE_JS = r"""
(function () {
  function cellValue(td) {
    if (!td) return '';
    var s = td.getAttribute('data-sort');
    return s !== null ? parseFloat(s) : td.innerText.trim().toLowerCase();
  }
  function sortBy(table, col, th) {
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
      var nx = typeof x === 'number', ny = typeof y === 'number';
      var r = (nx && ny) ? x - y : (nx ? -1 : (ny ? 1 : (x < y ? -1 : (x > y ? 1 : 0))));
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function enhance(table) {
    if (table.dataset.enhanced || !table.tHead || !table.tBodies.length) return;
    if (table.querySelector('th[colspan], td[colspan], td[rowspan], th[rowspan]')) return;
    table.dataset.enhanced = '1';
    table.classList.add('dbdesign-table');
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.setAttribute('title', 'sort');
      th.addEventListener('click', function () { sortBy(table, col, th); });
    });
    if (table.tBodies[0].rows.length > %(filter_rows)d) {
      var box = document.createElement('input');
      box.type = 'search'; box.className = 'dbdesign-filter';
      box.placeholder = 'Filter ' + table.tBodies[0].rows.length + ' rows';
      box.addEventListener('input', function () {
        var q = box.value.trim().toLowerCase();
        Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
          r.style.display = (!q || r.innerText.toLowerCase().indexOf(q) >= 0) ? '' : 'none';
        });
      });
      var holder = table.closest('.dbdesign-scroll') || table;
      holder.parentNode.insertBefore(box, holder);
    }
  }
  function openTarget() {
    var id = decodeURIComponent((location.hash || '').slice(1));
    var el = id && document.getElementById(id);
    for (var p = el; p; p = p.parentElement) { if (p.tagName === 'DETAILS') p.open = true; }
    if (el) el.scrollIntoView();
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('main table').forEach(enhance);
    document.querySelectorAll('svg g[id^="erd-table-"]').forEach(function (g) {
      var links = [g.closest('a')].concat(Array.prototype.slice.call(g.querySelectorAll('a')));
      if (links.some(function (a) { return a && (a.getAttribute('href') ||
          a.getAttributeNS('http://www.w3.org/1999/xlink', 'href')); })) return;  // the diagram links by itself
      g.style.cursor = 'pointer';
      g.addEventListener('click', function () { location.hash = g.id.slice(4); });
    });
    window.addEventListener('hashchange', openTarget);
    if (location.hash) openTarget();
  });
})();
""".replace("%(filter_rows)d", str(FILTER_ROWS))

__all__ = ["MISSING", "YES", "NO", "FOLD_ROWS", "format_value", "human_header", "is_exception", "frame_html",
           "frame_text", "md_cell", "md_table", "frame_markdown", "parse_md_tables", "split_md_row",
           "PAGE_CSS", "PAGE_JS"]
