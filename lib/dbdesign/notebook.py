"""Small helpers every notebook starts with: find the repo, read the run parameters, display.

Notebooks run with the repository root as working directory - in JupyterLab (which starts the
kernel in `notebooks/`) as well as under `make report` and nbval - so relative paths such as
`migrations/0001_create_users.up.sql` mean the same everywhere and no output ever shows an
absolute path of the machine that ran it.

Parameters come from the environment, set by `dbdesign report` (papermill-style, without
papermill): `DBDESIGN_SCALE` (small | large) and `DBDESIGN_SOURCE` (a .sql file or migrations
folder; default: `source` in dbdesign.toml, else `migrations/`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from .model import Schema

SCALES = ("small", "large")


def repo_root(start: str | os.PathLike | None = None) -> Path:
    """The nearest folder (from `start`, default the cwd, upwards) holding pyproject.toml and
    notebooks/; the cwd itself when there is none (a notebook copied elsewhere)."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    return here


def scale() -> str:
    """The run's data scale: `small` (default; CI and the default report) or `large`."""
    value = os.environ.get("DBDESIGN_SCALE", "small").strip().lower() or "small"
    if value not in SCALES:
        raise InputError(f"DBDESIGN_SCALE={value!r}: use one of {', '.join(SCALES)}")
    return value


@dataclass
class Workbook:
    """What a chapter needs: the run's scale, the schema source, its config and its model."""
    scale: str
    source: str
    config: Any
    schema: "Schema"


def setup() -> Workbook:
    """Move to the repo root, set readable pandas defaults and load the configured schema."""
    os.chdir(repo_root())
    try:
        import pandas as pd
        pd.set_option("display.max_colwidth", 200)
        pd.set_option("display.max_rows", 200)
        pd.set_option("display.width", 200)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    from .config import load_config
    from .source import load_source
    config = load_config()
    source = os.environ.get("DBDESIGN_SOURCE") or config.source
    return Workbook(scale(), source, config, load_source(source))


# -- display --------------------------------------------------------------------------------
def md(text: str) -> None:
    """Show Markdown generated from the model (a computed sentence, a list of facts)."""
    from IPython.display import Markdown, display
    display(Markdown(text))


def sql(text: str, dialect: str | None = None) -> None:
    """Show SQL as a highlighted code block (in the report too, where code cells are hidden).
    With `dialect`, statements are laid out one clause/column per line for reading (display
    only: the text that runs on the engines is the unformatted one)."""
    if dialect:
        text = pretty_sql(text, dialect)
    md(f"```sql\n{text.rstrip()}\n```")


def pretty_sql(text: str, dialect: str) -> str:
    """sqlglot's pretty layout of each statement; a statement it cannot re-read stays as is."""
    import sqlglot
    from .parse import split_statements
    out = []
    for stmt in split_statements(text):
        if stmt.expression is None and not stmt.sql.strip():
            continue
        try:
            out.append(sqlglot.transpile(stmt.sql, read=_SQLGLOT.get(dialect, dialect),
                                         write=_SQLGLOT.get(dialect, dialect), pretty=True)[0] + ";")
        except Exception:
            out.append(stmt.sql.strip().rstrip(";") + ";")
    return "\n\n".join(out)


_SQLGLOT = {"mysql": "mysql", "postgres": "postgres", "sqlite": "sqlite", "duckdb": "duckdb"}


def table(frame: "pd.DataFrame", caption: str | None = None, exceptions=None) -> None:
    """Show a DataFrame through the report's one table renderer (`dbdesign.datatable`): no
    index, formatted numbers, `–` for missing, ✓/– for booleans, human headers, the rows that
    need attention marked (`exceptions`: a boolean per row; default: rows with a marked cell)
    and long tables folded behind their exceptions. The text/plain twin is the same table as
    text (what nbval and a terminal see)."""
    from IPython.display import display

    from .datatable import frame_html, frame_text
    text = frame_text(frame)
    display({"text/html": frame_html(frame, caption, exceptions),
             "text/plain": f"{caption}\n{text}" if caption else text}, raw=True)


def folded(items: "dict[str, str]", summary: str = "", open_first: bool = True, language: str = "sql") -> None:
    """Several variants of one thing (the DDL per engine) as folded sections, the first open:
    the reader picks an engine instead of scrolling past all of them."""
    import html as _html

    from IPython.display import display
    parts = [f"<p>{_html.escape(summary)}</p>"] if summary else []
    for i, (label, body) in enumerate(items.items()):
        parts.append(f'<details class="dbdesign-fold"{" open" if open_first and i == 0 else ""}>'
                     f"<summary><b>{_html.escape(label)}</b></summary>{highlight(body, language)}</details>")
    plain = "\n\n".join(f"-- {label}\n{body}" for label, body in items.items())
    display({"text/html": "".join(parts), "text/plain": plain}, raw=True)


def highlight(code: str, language: str = "sql") -> str:
    """Code as highlighted HTML (Pygments, the highlighter nbconvert uses for Markdown)."""
    from pygments import highlight as _highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    return _highlight(code.rstrip() + "\n", get_lexer_by_name(language), HtmlFormatter(cssclass="highlight"))


def text_table(frame: "pd.DataFrame") -> str:
    """A fixed-width text rendering for checked (nbval) cells: stable, diff-friendly."""
    return frame.to_string(index=False) if len(frame) else "(none)"


def rows(engine, table_name: str, order_by: str = "1") -> list[dict[str, Any]]:
    """All rows of a (small) table as dicts, with values as plain str/int for display."""
    cur_rows = engine.query(f"SELECT * FROM {table_name} ORDER BY {order_by}")
    cur = engine.conn.cursor()  # column names: the Engine interface returns bare tuples
    try:
        cur.execute(f"SELECT * FROM {table_name} LIMIT 0")
        names = [d[0] for d in cur.description]
        if hasattr(cur, "fetchall"):
            cur.fetchall()
    finally:
        try:
            cur.close()
        except Exception:
            pass
    return [{n: _plain(v) for n, v in zip(names, r)} for r in cur_rows]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)
