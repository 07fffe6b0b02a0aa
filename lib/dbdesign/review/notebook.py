"""Small helpers every notebook starts with: find the repo, read the run parameters, display.

Notebooks run with the repository root as working directory - in JupyterLab (which starts the
kernel in `notebooks/`) as well as under `make report` and nbval - so relative paths such as
`migrations/0001_create_users.up.sql` mean the same everywhere and no output ever shows an
absolute path of the machine that ran it.

Parameters come from the environment, set by `dbdesign report` (papermill-style, without
papermill): `DBDESIGN_SCALE` (small | large) and `DBDESIGN_SOURCE` (a .sql file or migrations
folder; default: `source` in dbdesign.toml, else `migrations/`) and `DBDESIGN_READ` (its
dialect when it is not PostgreSQL's).

Every chapter runs on the configured schema. Cells tagged `example` explain or check the bundled
blog example by name; they run when the example is the source and are left out of the report of
any other schema (`example_cells_dropped`).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbdesign.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from dbdesign.model import Schema

SCALES = ("small", "large")
EXAMPLE_SOURCE = "migrations"  # the bundled example, relative to the repo root
EXAMPLE_TAG = "example"


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


def is_example(source: str | os.PathLike, root: str | os.PathLike | None = None) -> bool:
    """True when `source` is the bundled example schema (the repo's `migrations/`)."""
    return Path(repo_root(root), source).resolve() == (repo_root(root) / EXAMPLE_SOURCE).resolve()


def example_cells_dropped(nb) -> int:
    """Remove the cells tagged `example` from a notebook node (for a schema that is not the
    example); returns how many went."""
    keep = [c for c in nb.cells if EXAMPLE_TAG not in c.get("metadata", {}).get("tags", [])]
    dropped = len(nb.cells) - len(keep)
    nb.cells = keep
    return dropped


LAB_TABLES = 40  # above this many tables, the lab (generated data, probes) runs on the hot tables
LAB_ROWS = {"small": 20_000, "large": 1_000_000}  # rows asked of the largest lab table, per scale


@dataclass
class LabScope:
    """The tables a chapter's lab work (generated data, loads, probes) runs on: every table of a
    small schema; of a large one, the tables the workload queries plus the parents they need
    (`datagen.with_parents`) - a bounded set that every engine loads in seconds. `note` says
    which, in a sentence for the chapter; empty when the scope is the whole schema."""
    tables: list[str]
    schema: "Schema"
    note: str = ""

    @property
    def bounded(self) -> bool:
        return bool(self.note)


@dataclass
class Workbook:
    """What a chapter needs: the run's scale, the schema source, its config and its model.
    `example` says whether the source is the bundled example; `focus` is the table the
    chapters' demos show (the most connected one)."""
    scale: str
    source: str
    config: Any
    schema: "Schema"
    example: bool = False

    @property
    def focus(self) -> str | None:
        """`[review] focus` in dbdesign.toml when that table exists, else the most connected."""
        named = (self.config.extra.get("review") or {}).get("focus")
        if named and self.schema.table(named) is not None:
            return self.schema.table(named).qualname
        table = self.schema.most_connected()
        return table.qualname if table is not None else None

    @property
    def lab_rows(self) -> int:
        """The rows the index lab asks of the largest table at this scale (`LAB_ROWS`)."""
        return LAB_ROWS[self.scale]

    def queries(self) -> list:
        """The workload (`workload.for_schema`: the project's file, else derived), read once."""
        if "_queries" not in self.__dict__:
            from dbdesign.lab import workload
            self.__dict__["_queries"] = workload.for_schema(self.schema, self.source, self.config)
        return self.__dict__["_queries"]

    def lab_scope(self, limit: int = LAB_TABLES) -> LabScope:
        """Where the lab work runs (see `LabScope`): the whole schema up to `limit` tables, else
        the workload's tables with their parents."""
        if len(self.schema.tables) <= limit:
            return LabScope(sorted(self.schema.tables), self.schema)
        from dbdesign.lab import datagen
        hot = sorted({t for q in self.queries() for t in q.tables})
        tables = datagen.with_parents(self.schema, hot) if hot else []
        if not tables:
            tables = [self.focus] if self.focus else []
            tables = datagen.with_parents(self.schema, tables) if tables else []
            why = f"the most connected table ({self.focus}) and its parents"
        else:
            why = f"the {len(hot)} tables the workload queries and the parents they need"
        note = (f"**{len(tables)} of {len(self.schema.tables)} tables in the lab.** The generated data, "
                f"loads, live demos and probes in this chapter run on {why}: "
                + ", ".join(f"`{t}`" for t in tables) + ". Everything else here covers every table.")
        return LabScope(tables, datagen.subschema(self.schema, tables), note)


ADVICE_CACHE = "build/cache"  # under the repo root: measured advice a chapter hands to the report


def _advice_path(schema: "Schema", queries: list, engine: str, baseline: str, rows: int) -> Path:
    import hashlib
    import json
    key = json.dumps([schema.to_dict(), [(q.name, q.sql, repr(sorted(q.params.items()))) for q in queries],
                      engine, baseline, rows], sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return repo_root() / ADVICE_CACHE / f"advice-{engine}-{baseline}-{digest}.pickle"


def keep_advice(advice, schema: "Schema", queries: list, rows: int) -> None:
    """Store a measured `advisor.Advice` for the report's index documentation, so the report
    shows the chapter's measurement instead of measuring the same thing again. `rows` is the
    size the data was asked for (a table can get a few more: `advice.rows` is no key)."""
    import pickle
    path = _advice_path(schema, queries, advice.engine, advice.baseline, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(advice))


def kept_advice(schema: "Schema", queries: list, engine: str, baseline: str, rows: int):
    """The Advice a chapter kept for exactly this schema, workload, engine, baseline and data
    size (`keep_advice`), else None."""
    import pickle
    path = _advice_path(schema, queries, engine, baseline, rows)
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def engines_table(availability) -> None:
    """Which engines this run reaches, as a table (`probe.Availability`): reachable, or the
    connection error that keeps one out."""
    import pandas as pd
    rows = [{"engine": n, "reachable": True, "why not": ""} for n in availability.available]
    rows += [{"engine": n, "reachable": False, "why not": why} for n, why in availability.unavailable.items()]
    table(pd.DataFrame(rows, columns=["engine", "reachable", "why not"]), caption="Engines this run reaches")


def on_engines(names: "list[str]", run, what: str) -> dict:
    """`run(name)` on each engine, as {name: result}. An engine whose run raises EngineError
    (the schema or its data would not go in) is left out and named with the first line of its
    error under `what` - shown, not hidden."""
    from dbdesign.errors import EngineError
    done = {}
    for name in names:
        try:
            done[name] = run(name)
        except EngineError as err:
            print(f"{name}: no {what} - {str(err).strip().splitlines()[0]}")
    return done


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
    from dbdesign.config import load_config
    from dbdesign.schema.source import load_source
    config = load_config().for_source(os.environ.get("DBDESIGN_SOURCE") or None)
    if os.environ.get("DBDESIGN_READ"):  # the source's dialect: postgres | mysql | sqlite
        config = dataclasses.replace(config, read=os.environ["DBDESIGN_READ"])
    return Workbook(scale(), config.source, config, load_source(config.source, read=config.read),
                    is_example(config.source))


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
    """sqlglot's pretty layout of the statements, read and written as `dialect`; text it cannot
    re-read stays as it is (display only)."""
    import sqlglot
    try:
        return "\n\n".join(st + ";" for st in sqlglot.transpile(text, read=dialect, write=dialect,
                                                                 pretty=True) if st.strip())
    except Exception:
        return text


def table(frame: "pd.DataFrame", caption: str | None = None, exceptions=None) -> None:
    """Show a DataFrame through the report's one table renderer (`dbdesign.review.datatable`): no
    index, formatted numbers, `–` for missing, ✓/– for booleans, human headers, the rows that
    need attention marked (`exceptions`: a boolean per row; default: rows with a marked cell)
    and long tables folded behind their exceptions. The text/plain twin is the same table as
    text (what nbval and a terminal see)."""
    from IPython.display import display

    from dbdesign.review.datatable import frame_html, frame_text
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
