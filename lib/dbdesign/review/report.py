"""`make report`: run every chapter notebook and export one offline HTML design review.

    build_report(out_dir="build/report", scale="small", notebooks_dir="notebooks") -> Path

1. Executes `notebooks/[0-9][0-9]_*.ipynb`, each in a fresh kernel of the running Python (the
   venv), with the repository root as working directory and the run's parameters in the
   environment (`DBDESIGN_SCALE`; `DBDESIGN_SOURCE` when a source is given): the chapters that
   time things one at a time, then the untimed ones side by side (`runs_alone`); the page
   keeps name order. A cell that raises stops the build with `ReportError` naming the
   notebook and the cell.
2. Merges the executed chapters into ONE self-contained `index.html` (nbconvert's lab
   template): code hidden unless a cell is tagged `show-input`, a table of contents, and a
   footer with the generation time and the versions of the engines and libraries. Nothing is
   loaded from the network: CDN scripts (require.js, MathJax, Mermaid, the widget manager) are
   removed, and widget outputs fall back to their static rendering (a widget's own HTML
   fallback, else a note) instead of an empty box.
   The page opens on a cover (`review`: project, schema hash, date, scale, engines reached,
   gate, the decisions to sign off with links to their evidence, what changed since the
   previous build in the same folder), every chapter opens with its share of those decisions,
   a side table of contents carries a badge per chapter, and a section per table
   (`tabledoc`, `id="table-NAME"`) closes the page. Every table reads alike (`datatable`).
3. Writes the design's outputs next to it: DDL per dialect, portability report, constraint
   catalogue, index documentation, lint findings, migration list, the ERD files, a Markdown
   file per table (`tables/`), `schema.json` (what the next build diffs against) and
   `manifest.json` (what was written, what was not and why, timings, the page's weight by part
   - the inlined widget manager is most of it - and the cover's decisions).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import os
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import click
from jupyter_core.utils import run_sync

from dbdesign.review import report_assets
from dbdesign.errors import DbDesignError, EngineError, InputError
from dbdesign.review.notebook import SCALES, example_cells_dropped, is_example, repo_root

NOTEBOOK_PATTERN = re.compile(r"^\d\d_.+\.ipynb$")
SHOW_INPUT_TAG = "show-input"
CELL_TIMEOUT = 600  # seconds; a cell that runs longer is a bug at any scale we ship
DIALECTS = ("postgres", "mysql", "sqlite", "duckdb")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LIBRARIES = ("sqlglot", "duckdb", "pandas", "psycopg", "pymysql", "sqlalchemy", "pydantic",
             "graphviz", "nbconvert", "nbclient", "ipywidgets", "matplotlib")


class ReportError(DbDesignError):
    """The report could not be built: a notebook failed, or an output could not be written."""


@dataclass
class ChapterRun:
    name: str
    seconds: float
    cells: int
    scrubbed_paths: int = 0  # machine paths replaced in outputs (see _scrub)


@dataclass
class ReportRun:
    out_dir: Path
    scale: str
    chapters: list[ChapterRun] = field(default_factory=list)
    artifacts: dict[str, str] = field(default_factory=dict)  # relative path -> what it is
    skipped: dict[str, str] = field(default_factory=dict)  # artifact -> why it is missing
    seconds: float = 0.0
    review: "ReviewPage | None" = None  # the cover and the per-table pages (set by _write_artifacts)
    page_bytes: dict[str, int] = field(default_factory=dict)  # what the page weighs, by part
    timings: dict[str, float] = field(default_factory=dict)  # seconds per report step


@dataclass
class ReviewPage:
    """What the page adds around the chapters: the cover (decisions, changes) and the tables."""
    project: str
    facts: Any  # review.ReviewFacts
    items: list = field(default_factory=list)  # review.Decision
    section: dict[str, Any] = field(default_factory=dict)  # manifest "review"
    changes: list[str] = field(default_factory=list)
    tables_html: str = ""


# ------------------------------------------------------------------------------------------
def build_report(out_dir: str | os.PathLike = "build/report", scale: str = "small",
                 notebooks_dir: str | os.PathLike = "notebooks", *, source: str | None = None,
                 log: Callable[[str], None] | None = None) -> Path:
    """Execute the chapter notebooks and write `out_dir/index.html` plus the seed's outputs.

    Returns the path of index.html. Raises InputError for a bad scale or a missing notebooks
    folder, ReportError when a notebook cell raises (the message names notebook and cell)."""
    started = time.perf_counter()
    say = log or (lambda msg: None)
    if scale not in SCALES:
        raise InputError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    nb_dir = Path(notebooks_dir)
    if not nb_dir.is_dir():
        raise InputError("no such notebooks folder", str(notebooks_dir))
    root = repo_root(nb_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = ReportRun(out, scale)
    previous = _previous_run(out)

    paths = sorted(p for p in nb_dir.iterdir() if NOTEBOOK_PATTERN.match(p.name))
    if not paths:
        raise InputError("no chapter notebooks (NN_name.ipynb) in this folder", str(nb_dir))

    env = {"DBDESIGN_SCALE": scale}
    source = source or os.environ.get("DBDESIGN_SOURCE") or None  # `DBDESIGN_SOURCE=x make report`
    if source:
        env["DBDESIGN_SOURCE"] = source
    from dbdesign.config import load_config
    example = is_example(source or load_config().source, root)
    from dbdesign.review.notebook import ADVICE_CACHE
    for stale in (root / ADVICE_CACHE).glob("advice-*.pickle"):  # only this build's measurements
        stale.unlink()
    versions = collect_versions()

    def outputs() -> None:
        say("writing the design's outputs ...")
        _write_artifacts(run, root, source, versions, previous)
    with _chapter_env(env):
        executed = run_sync(_run_chapters)(paths, root, example, say, run, outputs)
    index = out / "index.html"
    step = time.perf_counter()
    page = export_html(executed, versions, run)
    index.write_text(page, encoding="utf-8")
    run.timings["html"] = round(time.perf_counter() - step, 2)
    run.artifacts["index.html"] = "the design review (one offline HTML file)"
    run.page_bytes = _page_weight(page)
    run.seconds = time.perf_counter() - started
    _write_json(out / "manifest.json", _manifest(run, versions))
    say(f"wrote {index} in {run.seconds:.1f} s")
    return index


# -- execution ------------------------------------------------------------------------------
def execute_notebook(path: Path, cwd: Path, env: dict[str, str],
                     example: bool = True) -> tuple[Any, ChapterRun]:
    """Run one notebook top to bottom in a fresh kernel; the executed notebook is returned,
    the file on disk is not touched. For a schema that is not the example (`example=False`)
    the cells about the example are left out first."""
    with _chapter_env(env):
        return run_sync(_run_chapter)(_read_chapter(path, example), path, cwd)


def runs_alone(nb) -> bool:
    """Whether a chapter must have the machine to itself: yes unless its metadata says
    `"dbdesign": {"untimed": true}` (no output of it depends on wall-clock time). A chapter
    that times queries, loads or pools would measure its neighbours on 2 cores."""
    return not (nb.metadata.get("dbdesign") or {}).get("untimed", False)


async def _run_chapters(paths: list[Path], cwd: Path, example: bool, say: Callable[[str], None],
                        run: ReportRun, then: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Every chapter, in name order on the page: first those that run alone, one after
    another; then the untimed ones side by side (as many as the machine has cores) while
    `then` (the report's own outputs, which read what chapter 2 measured) runs in a thread.
    Every chapter finishes before the first error is raised."""
    import asyncio
    notebooks = {p: _read_chapter(p, example) for p in paths}
    done: dict[Path, tuple[Any, ChapterRun]] = {}

    async def one(path: Path, gate: asyncio.Semaphore | None = None) -> None:
        async with gate or contextlib.nullcontext():
            say(f"running {path.name} ...")
            done[path] = await _run_chapter(notebooks[path], path, cwd)
            say(f"  {path.name}: {done[path][1].cells} cells in {done[path][1].seconds:.1f} s")

    for path in (p for p in paths if runs_alone(notebooks[p])):
        await one(path)
    gate = asyncio.Semaphore(max(1, os.cpu_count() or 1))
    results = await asyncio.gather(asyncio.to_thread(then),
                                   *(one(p, gate) for p in paths if not runs_alone(notebooks[p])),
                                   return_exceptions=True)
    for err in results:
        if isinstance(err, BaseException):
            raise err
    run.chapters.extend(done[p][1] for p in paths)
    return [(p.name, done[p][0]) for p in paths]


def _read_chapter(path: Path, example: bool):
    """The notebook node of a chapter; the example's own cells dropped for another schema."""
    import nbformat
    nb = nbformat.read(str(path), as_version=4)
    if not example:
        example_cells_dropped(nb)
    return nb


@contextlib.contextmanager
def _chapter_env(env: dict[str, str]):
    """The run's parameters in the environment the kernels inherit, restored afterwards."""
    old = {k: os.environ.get(k) for k in (*env, "DBDESIGN_SOURCE")}
    os.environ.pop("DBDESIGN_SOURCE", None)
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


async def _run_chapter(nb, path: Path, cwd: Path) -> tuple[Any, ChapterRun]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=_kernel_name(),
                            resources={"metadata": {"path": str(cwd)}}, allow_errors=False)
    started = time.perf_counter()
    try:
        await client.async_execute()
    except CellExecutionError as err:
        raise ReportError(f"{path.name}: {_failed_cell(nb)} raised "
                          f"{getattr(err, 'ename', 'an error')}: {_first_line(getattr(err, 'evalue', str(err)))}"
                          "; run the notebook in JupyterLab to see the traceback") from None
    except CellTimeoutError:
        raise ReportError(f"{path.name}: {_running_cell(nb)} ran longer than {CELL_TIMEOUT} s") from None
    except DeadKernelError as err:
        raise ReportError(f"{path.name}: the kernel died ({_first_line(str(err))})") from None
    seconds = time.perf_counter() - started
    scrubbed = _scrub(nb, cwd)
    return nb, ChapterRun(path.name, round(seconds, 2), sum(c.cell_type == "code" for c in nb.cells),
                          scrubbed)


def _kernel_name() -> str:
    """The kernel of *this* Python (the venv): ipykernel's native spec, whatever is installed
    system-wide under the name python3."""
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
    return NATIVE_KERNEL_NAME


def _failed_cell(nb) -> str:
    code_no = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_no += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return f"cell {i + 1} (code cell {code_no}: {_first_line(cell.source)!r})"
    return "a cell"


def _running_cell(nb) -> str:
    last = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("execution_count"):
            last = (i, cell)
    return f"cell {last[0] + 1} ({_first_line(last[1].source)!r})" if last else "a cell"


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def machine_paths(root: Path) -> list[str]:
    """Absolute paths that identify the build machine: repo, venv, home, temp folder."""
    import tempfile
    paths = {str(root.resolve()), str(Path(sys.prefix).resolve()), str(Path.home()),
             tempfile.gettempdir()}
    return sorted((p for p in paths if p and p not in ("/", "/tmp")), key=len, reverse=True)


def _scrub(nb, root: Path) -> int:
    """Replace machine paths in outputs (warnings and library reprs can carry them) with
    neutral names; returns how many were replaced. Notebooks themselves should not print
    paths - tests/test_notebooks_policy.py checks the stored outputs strictly."""
    paths = machine_paths(root)
    names = {str(root.resolve()): ".", str(Path(sys.prefix).resolve()): "<venv>", str(Path.home()): "~"}
    count = 0

    def fix(text: str) -> str:
        nonlocal count
        for p in paths:
            if p in text:
                count += text.count(p)
                text = text.replace(p, names.get(p, "<tmp>"))
        return text

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = fix(out["text"])
            for mime, value in (out.get("data") or {}).items():
                if isinstance(value, str):
                    out["data"][mime] = fix(value)
            if "traceback" in out:
                out["traceback"] = [fix(t) for t in out["traceback"]]
    return count


# -- HTML -----------------------------------------------------------------------------------
def export_html(chapters: list[tuple[str, Any]], versions: dict[str, Any], run: ReportRun | None = None) -> str:
    """One HTML page from executed notebooks: hidden code, TOC, footer, no network."""
    import nbformat

    merged = nbformat.v4.new_notebook()
    merged.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}}
    # Live widgets when the widget manager was vendored at setup (`make setup` runs
    # `python -m dbdesign.review.report_assets fetch`): they are inlined, so the page still needs no
    # network. Without the assets every widget shows its static fallback instead.
    assets = report_assets.find_assets(repo_root() / report_assets.DEFAULT_VENDOR_DIR)
    for name, nb in chapters:
        anchor = report_assets.chapter_anchor(name)
        merged.cells.append(nbformat.v4.new_raw_cell(
            f'<div class="dbdesign-chapter" id="{anchor}" data-notebook="{html.escape(name)}"></div>',
            metadata={"format": "text/html"}))
        for cell in nb.cells:
            cell = nbformat.from_dict(cell)
            if cell.cell_type == "code":
                tags = cell.get("metadata", {}).get("tags", [])
                if SHOW_INPUT_TAG not in tags:
                    cell.metadata.setdefault("transient", {})["remove_source"] = True
                if assets is None:
                    cell.outputs = [_static_output(o) for o in cell.get("outputs", [])]
            merged.cells.append(cell)
    state = report_assets.merge_widget_state(nb for _, nb in chapters) if assets else {}
    if state:
        merged.metadata["widgets"] = {report_assets.WIDGET_STATE_MIME: state}

    options = report_assets.offline_widget_options() if assets else {}
    # Outputs carry their images inline already; only a Markdown image needs embedding, and
    # nbconvert parses the whole page once more (BeautifulSoup) to do it.
    embed = any(c.cell_type == "markdown" and _IMAGE_REF.search(c.source) for c in merged.cells)
    exporter = _page_exporter(template_name="lab", exclude_input_prompt=True,
                              exclude_output_prompt=True, embed_images=embed, **options)
    body, _ = exporter.from_notebook_node(merged, resources={"metadata": {"name": "Database design review"}})
    page = _finish_html(body, chapters, versions, run, keep_widgets=bool(state))
    page = report_assets.rewrite_notebook_links(page, [name for name, _ in chapters])
    if state:
        # After the clean-up: the widget manager's own code holds import( and https strings
        # that the network rule above would otherwise strip.
        page = report_assets.inline_widget_assets(page, state, assets)
    return page


def _page_exporter(**options):
    """nbconvert's lab HTMLExporter without its closing pass over the whole page: that pass
    parses the page with BeautifulSoup to add image alt texts and cell tabindexes (7 of 15 s
    for a 375-table report), and `_finish_html` parses the page anyway and does both there."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.html import Highlight2HTML, WidgetsDataTypeFilter
    from nbconvert.exporters.templateexporter import TemplateExporter

    class PageExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            lang = nb.metadata.get("language_info", {})
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(
                pygments_lexer=lang.get("pygments_lexer", lang.get("name")), parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)
    return PageExporter(**options)


def _static_output(out: dict) -> dict:
    """Widgets cannot run in a static page: keep their static fallback (HTML/SVG/PNG from the
    same output), else a note; never an empty box."""
    data = out.get("data") or {}
    if WIDGET_VIEW not in data:
        return out
    data = {k: v for k, v in data.items() if k != WIDGET_VIEW}
    rich = {k: v for k, v in data.items() if k != "text/plain"}
    if not rich:
        data = {"text/html": '<p class="dbdesign-widget-note"><em>Interactive widget: open this '
                             'notebook in JupyterLab to use it.</em></p>'}
    out = dict(out)
    out["data"] = data
    return out


_NETWORK = re.compile(r"https?://", re.I)
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\((?!data:)|<img\s[^>]*src=[\"'](?!data:)", re.I)
# Blocks the page clean-up never changes inside: SVG drawings and the table renderer's tables.
# They are set aside while BeautifulSoup restructures the page (most of the parse time of a
# 375-table report) and put back afterwards.
_OPAQUE = re.compile(r'<svg\b.*?</svg>|<div class="dbdesign-scroll"><table class="dbdesign-table '
                     r'dbdesign-datatable[^"]*"[^>]*>.*?</table></div>', re.S)
_ERD_NODE = re.compile(r'(<g\b[^>]*?\bid=")(table-)')


class _SetAside:
    """Replace the opaque blocks of an HTML text by comments, and put them back."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def hide(self, text: str) -> str:
        def keep(m: re.Match) -> str:
            block = m.group(0)
            if block.startswith("<svg") and block.count("<svg") > 1:  # nested: leave to the parser
                return block
            if block.startswith("<svg"):
                # ERD nodes carry `id="table-NAME"` in erd.py's SVG; on this page that id belongs
                # to the table's section, so the nodes are renamed (`erd-table-NAME`).
                block = _ERD_NODE.sub(r"\1erd-\2", block)
            self.blocks.append(block)
            return f"<!--dbdesign-block-{len(self.blocks) - 1}-->"
        return _OPAQUE.sub(keep, text)

    def restore(self, text: str) -> str:
        return re.sub(r"<!--dbdesign-block-(\d+)-->", lambda m: self.blocks[int(m.group(1))], text)


def _finish_html(body: str, chapters, versions: dict[str, Any], run: ReportRun | None,
                 keep_widgets: bool = False) -> str:
    """Offline clean-up, table of contents and footer (BeautifulSoup, installed with nbconvert)."""
    from bs4 import BeautifulSoup

    aside = _SetAside()
    soup = BeautifulSoup(aside.hide(body), "html.parser")
    # 1. Nothing from the network: remote scripts and stylesheets, and inline module scripts
    #    that import from a CDN (nbconvert's Mermaid loader, MathJax config, widget manager).
    for tag in soup.find_all("script"):
        if _NETWORK.search(tag.get("src") or "") or (not tag.get("src") and "import(" in (tag.string or "")
                                                     and _NETWORK.search(tag.string or "")):
            tag.decompose()
        elif tag.get("src") is None and _NETWORK.search(tag.string or "") and "MathJax" in (tag.string or ""):
            tag.decompose()
        elif (tag.get("type") or "").startswith("text/x-mathjax-config"):
            tag.decompose()
        elif (tag.get("type") or "").startswith("application/vnd.jupyter.widget") and not keep_widgets:
            tag.decompose()
    for tag in soup.find_all("link"):
        if _NETWORK.search(tag.get("href") or ""):
            tag.decompose()
    title = soup.find("title")
    if title is not None:
        title.string = "Database design review"
    for img in soup.select("img:not([alt])"):  # what nbconvert's own pass would have added
        img["alt"] = "a chart of the measurements in this section"
    for cell in soup.select(".jp-Notebook div.jp-Cell-inputWrapper, .jp-Notebook div.jp-OutputArea-output"):
        cell["tabindex"] = "0"

    # 2. The cover first, the per-table pages last, then a side table of contents from the
    #    chapters' h1/h2 headings with a status badge per chapter.
    main = soup.find("main") or soup.body
    review = run.review if run is not None else None
    by_anchor = {report_assets.chapter_anchor(name): name for name, _ in chapters}
    if review is not None:
        main.append(BeautifulSoup(aside.hide(review.tables_html), "html.parser"))
        anchors = _heading_anchors(main, by_anchor)
        cover = _cover_html(review, versions, run, anchors, [name for name, _ in chapters])
        main.insert(0, BeautifulSoup(cover, "html.parser"))
        _attention_boxes(main, review, by_anchor)
    badges = _chapter_badges(review, [name for name, _ in chapters])
    items = []
    for h in main.find_all(["h1", "h2"]):
        if h.find_parent(class_="dbdesign-cover") is not None and h.name == "h2":
            continue
        if h.find_parent("details") is not None:
            continue
        if not h.get("id"):
            h["id"] = re.sub(r"[^A-Za-z0-9]+", "-", h.get_text(" ", strip=True)).strip("-")
        text = h.get_text(" ", strip=True).rstrip("¶").strip()
        marker = h.find_previous(class_="dbdesign-chapter")
        chapter = by_anchor.get(marker.get("id")) if marker is not None else None
        items.append((h.name, h["id"], text, chapter))
    nav = soup.new_tag("nav", attrs={"id": "toc", "class": "dbdesign-toc"})
    nav.append(BeautifulSoup("<h2>Contents</h2>", "html.parser"))
    ul = soup.new_tag("ul")
    badged = set()
    for level, anchor, text, chapter in items:
        li = soup.new_tag("li", attrs={"class": f"toc-{level}"})
        a = soup.new_tag("a", href=f"#{anchor}")
        a.string = text
        li.append(a)
        if level == "h1" and chapter in badges and chapter not in badged:
            badged.add(chapter)
            kind, label = badges[chapter]
            li.append(BeautifulSoup(f' <span class="dbdesign-badge {kind}">{html.escape(label)}</span>',
                                    "html.parser"))
        ul.append(li)
    nav.append(ul)
    (soup.body or main).insert(0, nav)
    if soup.body is not None:
        soup.body["class"] = (soup.body.get("class") or []) + ["dbdesign-page"]

    # 3. Footer: when, with what.
    footer = BeautifulSoup(_footer_html(versions, run), "html.parser")
    main.append(footer)
    from dbdesign.review.datatable import PAGE_CSS, PAGE_JS
    from dbdesign.review.cover import COVER_CSS
    from dbdesign.review.tabledoc import TABLES_CSS
    style = soup.new_tag("style")
    style.string = _CSS + PAGE_CSS + COVER_CSS + TABLES_CSS
    (soup.head or soup).append(style)
    _tidy_tables(main)
    for node in main.select('svg g[id^="table-"]'):  # an SVG the parser had to read (see _SetAside)
        node["id"] = "erd-" + node["id"]
    script = soup.new_tag("script")
    script.string = PAGE_JS
    (soup.body or soup).append(script)
    return aside.restore(str(soup))


def _attention_boxes(main, review: "ReviewPage", by_anchor: dict[str, str]) -> None:
    """Each chapter starts with what needs attention in it: the cover's decisions whose
    evidence is there, linked back to the cover."""
    from bs4 import BeautifulSoup
    for marker in main.find_all("div", class_="dbdesign-chapter"):
        name = by_anchor.get(marker.get("id"), "")
        mine = [d for d in review.items if d.chapter and name.startswith(d.chapter)]
        heading = marker.find_next("h1")
        if heading is None:
            continue
        if mine:
            items = "".join(f"<li>{html.escape(d.title)}</li>" for d in mine)
            box = (f'<div class="dbdesign-attention"><b>Needs a decision in this chapter</b> '
                   f'(<a href="#decisions-to-sign-off">all decisions</a>):<ul>{items}</ul></div>')
        else:
            box = '<div class="dbdesign-attention ok">Nothing in this chapter is on the list of decisions.</div>'
        heading.insert_after(BeautifulSoup(box, "html.parser"))


def _heading_anchors(main, by_anchor: dict[str, str]) -> dict[tuple[str, str], str]:
    """(chapter notebook, heading text) -> id, for every h1-h3 of the chapters."""
    out: dict[tuple[str, str], str] = {}
    chapter = ""
    for el in main.find_all(["div", "h1", "h2", "h3"]):
        if el.name == "div":
            if "dbdesign-chapter" in (el.get("class") or []):
                chapter = by_anchor.get(el.get("id"), "")
            continue
        if not el.get("id"):
            el["id"] = re.sub(r"[^A-Za-z0-9]+", "-", el.get_text(" ", strip=True)).strip("-")
        out.setdefault((chapter, el.get_text(" ", strip=True).rstrip("¶").strip()), el["id"])
    return out


def _cover_html(review: "ReviewPage", versions: dict[str, Any], run: ReportRun,
                anchors: dict[tuple[str, str], str], notebooks: list[str]) -> str:
    from dbdesign.review import cover as rv

    titles = {nb: text for (nb, text), _ in reversed(list(anchors.items()))}  # first heading of a chapter

    def resolve(d) -> tuple[str, str]:
        chapter = next((n for n in notebooks if d.chapter and n.startswith(d.chapter)), None)
        if chapter and d.heading:
            for (nb, text), anchor in anchors.items():
                if nb == chapter and text.startswith(d.heading):
                    return f"#{anchor}", f"{titles.get(chapter, chapter)} › {text}"
        if chapter:
            return f"#{report_assets.chapter_anchor(chapter)}", titles.get(chapter, chapter)
        if d.tables:
            return f"#{rv.table_anchor(d.tables[0])}", d.tables[0]
        return (d.artifact or "#tables"), (d.artifact or "Tables")

    reached = [k for k, v in versions["engines"].items() if not str(v).startswith("not reachable")]
    missing = [k for k, v in versions["engines"].items() if str(v).startswith("not reachable")]
    return rv.cover_html(review.project, review.section, run.scale, reached, missing, review.facts.gate,
                         review.items, review.changes, resolve)


def _chapter_badges(review: "ReviewPage | None", notebooks: list[str]) -> dict[str, tuple[str, str]]:
    """Per chapter notebook: ("warn", "N to decide") when cover decisions point into it,
    else ("ok", "ok")."""
    out = {}
    for name in notebooks:
        n = sum(1 for d in (review.items if review else []) if d.chapter and name.startswith(d.chapter))
        out[name] = ("warn", f"{n} to decide") if n else ("ok", "ok")
    return out if review is not None else {}


def _tidy_tables(main) -> None:
    """Tables not made by the table renderer (Markdown, a library's own HTML) get the same
    reading rules: `–` for missing, ✓/– for booleans, headers in words, a scroll box."""
    from bs4 import BeautifulSoup

    from dbdesign.review.datatable import human_header
    for table in main.find_all("table"):
        if "dbdesign-datatable" in (table.get("class") or []) or table.find_parent("svg") is not None:
            continue
        if table.find_parent(class_="dbdesign-cover") is not None:
            continue
        for cell in table.find_all("td"):
            text = cell.get_text(strip=True)
            if cell.find(True) is None and text in ("NaN", "nan", "None", "NaT", "<NA>", "True", "False"):
                cell.string = {"True": "✓"}.get(text, "–")
        for th in table.find_all("th"):
            if th.find(True) is None and th.string:
                th.string = human_header(th.string.strip())
        classes = table.get("class") or []
        if "dbdesign-table" not in classes:
            table["class"] = classes + ["dbdesign-table"]
        if table.parent is not None and "dbdesign-scroll" not in (table.parent.get("class") or []):
            wrapper = table.wrap(BeautifulSoup("", "html.parser").new_tag("div"))
            wrapper["class"] = ["dbdesign-scroll"]


_CSS = """
body.dbdesign-page { margin: 0; }
.dbdesign-toc { position: fixed; top: 0; left: 0; bottom: 0; width: 250px; overflow-y: auto; box-sizing: border-box;
  padding: .6em .8em 2em; background: #f7f8fa; border-right: 1px solid #e1e4e8; font-size: 13px; z-index: 10; }
.dbdesign-toc h2 { font-size: 15px; margin: .2em 0 .5em; }
.dbdesign-toc ul { list-style: none; padding-left: 0; margin: 0; }
.dbdesign-toc li { margin: .15em 0; line-height: 1.3; }
.dbdesign-toc li.toc-h2 { padding-left: 1em; font-size: 95%; }
.dbdesign-toc li.toc-h1 { font-weight: 600; margin-top: .6em; }
.dbdesign-toc a { color: #1f2937; text-decoration: none; } .dbdesign-toc a:hover { text-decoration: underline; }
body.dbdesign-page main { margin-left: 250px; max-width: 1100px; padding: 0 1.5em; box-sizing: border-box;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
body.dbdesign-page main pre, body.dbdesign-page main .highlight { max-width: 100%; overflow-x: auto; }
body.dbdesign-page main img, body.dbdesign-page main svg { max-width: 100%; height: auto; }
.dbdesign-erd { max-width: 100%; overflow: auto; }
.dbdesign-attention { border-left: 4px solid #d97706; background: #fff8ec; padding: .4em .9em; margin: .5em 0 1em;
  font-size: 14px; } .dbdesign-attention ul { margin: .2em 0; padding-left: 1.2em; }
.dbdesign-attention.ok { border-left-color: #1a7f37; background: #f0faf2; }
.dbdesign-footer { border-top: 1px solid #ddd; margin-top: 3em; padding-top: 1em; font-size: 90%; color: #444; }
.dbdesign-footer table { font-size: 90%; }
@media (max-width: 900px) { .dbdesign-toc { position: static; width: auto; border-right: 0; }
  body.dbdesign-page main { margin-left: 0; } }
@media print { .dbdesign-toc { position: static; width: auto; } body.dbdesign-page main { margin-left: 0; } }
"""


def _footer_html(versions: dict[str, Any], run: ReportRun | None) -> str:
    esc = html.escape
    engines = "".join(f"<tr><td>{esc(k)}</td><td>{esc(str(v))}</td></tr>"
                      for k, v in versions["engines"].items())
    libs = ", ".join(f"{esc(k)} {esc(str(v))}" for k, v in versions["libraries"].items())
    timing = ""
    if run is not None:
        timing = (f"<p>Scale: <b>{esc(run.scale)}</b>. Chapters: "
                  + ", ".join(f"{esc(c.name)} ({c.seconds:.1f} s)" for c in run.chapters) + ".</p>")
    return (f'<footer class="dbdesign-footer"><p>Generated {esc(versions["generated_at"])} by '
            f'dbdesign {esc(versions["dbdesign"])} on Python {esc(versions["python"])} '
            f'({esc(versions["platform"])}).</p>{timing}'
            f"<table><tr><th>engine</th><th>version</th></tr>{engines}</table>"
            f"<p>Libraries: {libs}.</p></footer>")


def collect_versions() -> dict[str, Any]:
    """Versions for the footer and manifest; a server that cannot be reached says so."""
    from importlib.metadata import PackageNotFoundError, version

    from dbdesign import __version__
    libs = {}
    for name in LIBRARIES:
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = "not installed"
    return {"generated_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "dbdesign": __version__, "python": platform.python_version(),
            "platform": f"{platform.system()} {platform.machine()}",
            "engines": engine_versions(), "libraries": libs}


def engine_versions() -> dict[str, str]:
    from dbdesign import engines
    out: dict[str, str] = {}
    labels = {name: cls.label for name, cls in engines.ENGINES.items()}
    unreachable = engines.availability()  # one cached check per server, shared with the others
    for name in engines.ENGINES:
        if unreachable[name]:
            out[labels[name]] = f"not reachable ({unreachable[name][:80]})"
            continue
        try:
            with engines.throwaway(name) if name in engines.EMBEDDED else \
                    engines.connect(engines.server_url(name)) as eng:
                out[labels[name]] = str(eng.version())
        except DbDesignError as err:
            out[labels[name]] = f"not reachable ({_first_line(str(err))[:80]})"
    return out


# -- the seed's outputs ---------------------------------------------------------------------
def _write_artifacts(run: ReportRun, root: Path, source: str | None, versions: dict[str, Any] | None = None,
                     previous: tuple[dict | None, Any] = (None, None)) -> None:
    from dbdesign.generate.catalog import build_catalog
    from dbdesign.config import load_config
    from dbdesign.schema.source import discover_migrations, load_source

    # Config, source and the migration comments the catalogue quotes are read relative to the
    # repository, exactly as the notebooks see them.
    cwd = os.getcwd()
    run.out_dir = run.out_dir.resolve()
    os.chdir(root)
    try:
        config = load_config()
        src = source or os.environ.get("DBDESIGN_SOURCE") or config.source
        schema = load_source(src)
        out = run.out_dir

        cat = build_catalog(schema)
        _write(run, "catalog.md", cat.to_markdown(), "constraint catalogue and index documentation (Markdown)")
        _write_json(out / "catalog.json", cat.to_dict())
        run.artifacts["catalog.json"] = "constraint catalogue and index documentation (JSON)"
        _write(run, "indexes.md", _indexes_md(cat), "index documentation with rationale")
        advice = _write_index_evidence(run, schema, src, config)
        _write_orm(run, schema, config)
        _write_seeds(run, schema, src)

        from dbdesign.checks.lint import lint
        lint_result = lint(schema, config)
        _write_json(out / "lint.json", lint_result.to_dict())
        run.artifacts["lint.json"] = "design lint findings and summary"

        port = _write_ddl(run, schema)
        _write_erd(run, schema, config)

        if os.path.isdir(src):
            from dbdesign.review.datatable import md_table
            migs, _ = discover_migrations(src)
            rows = [[m.version_text, m.name, "yes" if m.down else "**missing**", "data" if m.is_data else "schema"]
                    for m in migs]
            _write(run, "migrations.md", "# Migrations\n\n" + md_table(["version", "name", "down", "kind"], rows)
                   + "\n", "migration list")
        else:
            run.skipped["migrations.md"] = "the schema source is a single .sql file"

        _write_json(out / "schema.json", schema.to_dict())
        run.artifacts["schema.json"] = "the schema model (the next review diffs against it)"
        run.review = _review_page(run, schema, src, config, cat, lint_result, port, advice, versions, previous)
    finally:
        os.chdir(cwd)


def _previous_run(out: Path) -> tuple[dict | None, Any]:
    """The previous build's manifest and schema model in this output folder, if any (read
    before anything is overwritten); unreadable files count as no previous run."""
    from dbdesign.model import Schema
    manifest = schema = None
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    try:
        schema = Schema.from_dict(json.loads((out / "schema.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        schema = None
    return manifest, schema


def _review_page(run: ReportRun, schema, src: str, config, cat, lint_result, port, advice,
                 versions: dict[str, Any] | None, previous: tuple[dict | None, Any]) -> ReviewPage:
    """The cover's facts and decisions, the changes since the previous build, and the per-table
    pages (also written as Markdown under tables/)."""
    from dbdesign.review import cover as review
    from dbdesign.checks.gate import evaluate
    from dbdesign.review.tabledoc import TableDoc
    step = time.perf_counter()
    gate = None
    try:
        gate = evaluate(schema, config, src if os.path.isdir(src) else None, "seeds")
    except DbDesignError as err:
        run.skipped["gate"] = _first_line(str(err))
    contract, contract_file = _contract(schema, config)
    facts = review.ReviewFacts(schema, lint_result, gate, port, advice, contract, contract_file)
    items = review.decisions(facts)
    generated = (versions or {}).get("generated_at") or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = review.manifest_section(schema, items, gate, generated)
    changes = review.changes_since(previous[0], previous[1], schema, section)
    run.timings["review"] = round(time.perf_counter() - step, 2)

    step = time.perf_counter()
    doc = TableDoc(schema, cat, lint_result, advice)
    for rel in doc.write(run.out_dir / "tables"):
        run.artifacts[f"tables/{rel}"] = "per-table page (Markdown)" if rel.endswith(".md") else "per-table ERD"
    tables_html = doc.html_sections()
    run.timings["tables"] = round(time.perf_counter() - step, 2)
    # the source as the project names it; a file outside the project by its name only (no
    # path of the build machine on the page)
    shown = os.path.relpath(src) if not os.path.relpath(os.path.abspath(src)).startswith("..") else os.path.basename(
        os.path.normpath(src))
    project = shown.rstrip("/") + ("/" if os.path.isdir(src) else "")
    return ReviewPage(project, facts, items, section, changes, tables_html)


def _contract(schema, config) -> tuple[Any, str | None]:
    """The API contract check when the project has one (`[api] openapi`, else openapi.yaml)."""
    from dbdesign.checks.api import check
    extra = getattr(config, "extra", None) or {}
    name = ((extra.get("api") or {}) if isinstance(extra, dict) else {}).get("openapi", "openapi.yaml")
    path = os.path.join(os.path.dirname(getattr(config, "path", None) or "dbdesign.toml"), name)
    if not os.path.isfile(path):
        return None, None
    try:
        return check(schema, path, validate=False), name
    except DbDesignError:
        return None, None


def _write_index_evidence(run: ReportRun, schema, source: str, config):
    """The seed's "Index Documentation" with evidence: every index with its rationale, the
    workload queries whose captured plans use it and the measured gain (SQLite, generated
    data), then the advisor's verified proposals."""
    from dbdesign.lab.advisor import advise
    from dbdesign.lab.workload import for_schema
    from dbdesign.review.notebook import LAB_ROWS, kept_advice
    started = time.perf_counter()
    queries = for_schema(schema, source, config)
    rows = LAB_ROWS[run.scale]
    try:
        advice = kept_advice(schema, queries, "sqlite", "schema", rows)  # chapter 2 measured it
        kept = advice is not None
        advice = advice or advise(schema, queries, "sqlite", rows=rows)
        what = (f"index documentation with measured benefit (SQLite, {advice.rows:,} rows, "
                + ("as measured in chapter 2)" if kept else f"{time.perf_counter() - started:.0f} s)"))
    except EngineError as err:  # the generated data did not load: document without measuring
        why = _first_line(str(err))
        advice = advise(schema, queries, "sqlite", verify=False)
        run.skipped["index-documentation.md: measured benefit"] = f"the generated data did not load on SQLite: {why}"
        what = f"index documentation, not measured (the generated data did not load on SQLite: {why})"
    _write(run, "index-documentation.md", advice.index_documentation(schema) + "\n", what)
    run.timings["advisor"] = round(time.perf_counter() - started, 2)
    return advice


def _write_orm(run: ReportRun, schema, config) -> None:
    """The seed's "ORM Configuration": SQLAlchemy 2.0 models with the connection-pool settings
    of dbdesign.toml (or the recommended ones when it has no [pool])."""
    from dbdesign.generate import layers, pool
    settings = pool.configured(config) or pool.recommend(db_cores=4, spindles=1, app_instances=2,
                                                         server_max_connections=100)
    _write(run, "orm_models.py", layers.sqlalchemy_source(schema, settings=settings),
           "ORM configuration: SQLAlchemy models and connection-pool settings")


def _write_seeds(run: ReportRun, schema, src: str) -> None:
    """The seed scripts per environment, checked against the schema."""
    from dbdesign.generate.seeds import check_seeds
    # seeds/ sits beside the migrations folder (or the .sql file) in a project
    folder = Path(src).resolve().parent / "seeds"
    if not folder.is_dir():
        run.skipped["seeds.md"] = f"no seeds/ folder beside {src}"
        return
    from dbdesign.review.datatable import md_table
    rows = []
    for env in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        for seed in check_seeds(schema, str(folder), env):
            rows.append([env, f"`seeds/{env}/{Path(seed.path).name}`",
                         ", ".join(f"{t} {n}" for t, n in seed.tables.items())])
    _write(run, "seeds.md", "# Seed scripts\n\n" + md_table(["environment", "file", "rows per table"], rows) + "\n",
           "seed scripts per environment, valid against the schema")


def _write_ddl(run: ReportRun, schema):
    from dbdesign.dialects import portability_frame, render
    (run.out_dir / "ddl").mkdir(exist_ok=True)
    notes_md = ["# Portability report", "",
                "What each target engine drops, emulates or changes when the PostgreSQL-dialect "
                "model is rendered for it.", ""]
    for dialect in DIALECTS:
        rendered = render(schema, dialect)
        _write(run, f"ddl/{dialect}.sql", rendered.sql.rstrip() + "\n", f"DDL for {dialect}")
    port = portability_frame(schema)
    notes_md.append(_frame_md(port))
    _write(run, "portability.md", "\n".join(notes_md) + "\n", "portability report (engine x feature x what happened)")
    return port


def _write_erd(run: ReportRun, schema, config=None) -> None:
    """erd.svg, erd.mmd and erd.dbml. Past `max_cluster` tables (`erd.is_large`) erd.svg is
    the cluster overview with one erd-CLUSTER.svg per cluster (and per viewpoint), and
    erd.mmd is split per cluster when GitHub's Mermaid limits would refuse the whole
    (`erd.render_set`, which says so in the overview's title); the manifest lists each file."""
    from dbdesign.review import erd
    step = time.perf_counter()
    if erd.is_large(schema, config=config):
        for ext, kind in ((".svg", "ERD (SVG)"), (".mmd", "ERD (Mermaid)")):
            for f in erd.render_set(schema, str(run.out_dir / f"erd{ext}"), config=config):
                if f.path:
                    run.artifacts[os.path.relpath(f.path, run.out_dir)] = f"{kind}: {f.what}"
                else:
                    run.skipped[f"erd{ext}: {f.what.split(':')[0]}"] = f.what
    else:
        _write(run, "erd.svg", erd.to_svg(schema, config=config), "ERD (SVG)")
        _write(run, "erd.mmd", erd.to_mermaid(schema, config=config), "ERD (Mermaid)")
    _write(run, "erd.dbml", erd.to_dbml(schema, config=config), "ERD (DBML, dbdiagram.io)")
    run.timings["erd"] = round(time.perf_counter() - step, 2)


def _indexes_md(cat) -> str:
    md = cat.to_markdown()
    return md[md.index("# Indexes"):] if "# Indexes" in md else md


def _frame_md(frame) -> str:
    from dbdesign.review.datatable import frame_markdown
    return frame_markdown(frame)


def _write(run: ReportRun, rel: str, text: str, what: str) -> None:
    path = run.out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    run.artifacts[rel] = what


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def _manifest(run: ReportRun, versions: dict[str, Any]) -> dict[str, Any]:
    out = {"scale": run.scale, "seconds": round(run.seconds, 1),
           "chapters": [c.__dict__ for c in run.chapters], "steps_seconds": run.timings,
           "page_bytes": run.page_bytes,
           "artifacts": run.artifacts, "not_written": run.skipped, "versions": versions}
    if run.review is not None:
        out["review"] = run.review.section
    return out


def _page_weight(page: str) -> dict[str, int]:
    """Bytes of the page by part, so the cost of the live widgets is stated: the inlined
    widget manager and require.js, the stored widget state, embedded images, the rest."""
    total = len(page.encode("utf-8"))
    manager = 0
    if "@jupyter-widgets/html-manager" in page:
        assets = report_assets.find_assets(repo_root() / report_assets.DEFAULT_VENDOR_DIR)
        if assets is not None:
            manager = sum(len(t.encode("utf-8")) for t in assets.read())
    state = sum(len(m.group(0).encode("utf-8")) for m in re.finditer(
        r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>', page, re.S))
    images = sum(len(m.group(0)) for m in re.finditer(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", page))
    return {"total": total, "widget_manager": manager, "widget_state": state, "images": images,
            "rest": max(total - manager - state - images, 0)}


# -- keeping notebooks in git ----------------------------------------------------------------
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")


def refresh_notebook(path: str | os.PathLike, scale: str = "small") -> ChapterRun:
    """Re-run a chapter and store it with its outputs (what nbval compares and reviewers see),
    normalised so that a re-run without a change gives no diff: no execution timestamps, no
    interpreter patch version, machine paths scrubbed. Also rewrites the paired `# %%` .py file
    (jupytext), the readable form for review diffs."""
    import jupytext
    import nbformat

    path = Path(path)
    nb, chapter = execute_notebook(path, cwd=repo_root(path.parent), env={"DBDESIGN_SCALE": scale})
    normalise_notebook(nb)
    nbformat.write(nb, str(path))
    jupytext.write(nb, str(path.with_suffix(".py")), fmt="py:percent")
    return chapter


def normalise_notebook(nb) -> None:
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for k in VOLATILE_CELL_METADATA:
            cell.metadata.pop(k, None)


@click.command(name="python -m dbdesign.review.report")
@click.option("--refresh", is_flag=True,
              help="Re-run NOTEBOOKS (default: all chapters) and store their outputs.")
@click.argument("notebooks", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--out", default="build/report", show_default=True)
def main(refresh: bool, notebooks: tuple[str, ...], scale: str, out: str) -> None:
    """Build the report, or (--refresh) re-run chapters and store them with their outputs."""
    try:
        if refresh:
            nbs = list(notebooks) or sorted(str(p) for p in Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
            for nb in nbs:
                chapter = refresh_notebook(nb, scale)
                click.echo(f"{chapter.name}: {chapter.cells} cells, {chapter.seconds:.1f} s, stored with outputs")
        elif notebooks:
            raise click.UsageError("NOTEBOOKS are for --refresh")
        else:
            build_report(out, scale, log=click.echo)
    except DbDesignError as err:
        click.echo(f"dbdesign: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
