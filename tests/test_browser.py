"""Real-browser checks: Debian's headless Chromium, driven over the DevTools protocol.

1. The built report (`build/report/index.html`, built here into a temporary folder when it is
   missing) opened from disk with networking off: the gate table and the ERD render, no request
   leaves the machine, no console error or uncaught exception, no broken image, no blank widget
   box, no traceback or machine path in the text. Screenshot: `build/screenshots/report.png`.
2. The same page with live widgets: the review notebook exported with the widget manager
   inlined (`report_assets`), the schema explorer rendered by it, and switching tables in the
   browser without a kernel. Screenshot: `build/screenshots/report-widgets.png`.
3. JupyterLab started headless on a free loopback port with a token, the review notebook
   opened, the schema explorer widget rendered by JupyterLab's widget manager. Screenshot:
   `build/screenshots/jupyterlab-explorer.png`.

Skipped with the reason when Chromium is absent - except under CI=true, where that fails.
"""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "build" / "screenshots"
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.path.exists(p)), None)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _require_chromium() -> str:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("CI=true but Chromium is not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium); the real-browser checks need it")
    return CHROMIUM


# -- a small DevTools-protocol client ---------------------------------------------------------------
class Browser:
    """One headless Chromium with one page, and the events that page produced."""

    def __init__(self, offline: bool = True, width: int = 1280, height: int = 900):
        """offline=True: the page gets no network at all (file:// pages). offline=False still
        resolves no host name, so only loopback IPs (a local JupyterLab) are reachable."""
        import websocket  # websocket-client, installed with jupyter

        self.profile = tempfile.mkdtemp(prefix="dbdesign-chromium-")
        args = [_require_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-default-apps", "--disable-sync", "--mute-audio",
                f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
                f"--window-size={width},{height}", "about:blank"]
        # No host name resolves; loopback IPs (DevTools, a local JupyterLab) stay reachable.
        args.insert(1, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws_url = self._devtools_url()
        port = int(re.search(r":(\d+)/", ws_url).group(1))
        deadline = time.time() + 10
        while True:
            try:
                pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2))
                page = next(p for p in pages if p.get("type") == "page")
                break
            except (OSError, StopIteration):
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self._id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        if offline:
            self.call("Network.emulateNetworkConditions", offline=True, latency=0,
                      downloadThroughput=-1, uploadThroughput=-1)

    def _devtools_url(self) -> str:
        deadline = time.time() + 20
        lines = []
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            lines.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
        self.close()
        raise RuntimeError("Chromium did not start: " + "".join(lines[-5:]))

    def call(self, method: str, **params):
        self._id += 1
        my_id = self._id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds: float) -> None:
        """Collect events for a while (the page keeps working meanwhile)."""
        end = time.time() + seconds
        self.ws.settimeout(0.1)
        try:
            while time.time() < end:
                try:
                    msg = json.loads(self.ws.recv())
                except Exception:  # websocket timeout: nothing arrived
                    continue
                if "method" in msg:
                    self.events.append(msg)
        finally:
            self.ws.settimeout(30)

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def open(self, url: str, timeout: float = 30) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout)

    def wait_for(self, condition: str, timeout: float = 30) -> bool:
        end = time.time() + timeout
        while time.time() < end:
            if self.js(f"!!({condition})"):
                return True
            self.pump(0.2)
        return False

    def click(self, selector: str) -> bool:
        """A real mouse click (press + release) at the element's centre: Lumino and React
        toolbar buttons act on mousedown, which a synthetic `.click()` does not send."""
        box = self.js(f"""(() => {{ const el = document.querySelector({json.dumps(selector)});
            if (!el) return null; el.scrollIntoView({{block: 'center'}});
            const r = el.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
        if not box:
            return False
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
                      clickCount=0 if kind == "mouseMoved" else 1)
        return True

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params = {"format": "png"}
        if full_page:
            size = self.js("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 12000), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    # -- what went wrong on the page ----------------------------------------------------------------
    def console_errors(self) -> list[str]:
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                  for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


# -- page checks shared by the report tests ------------------------------------------------------------
PAGE_FACTS = """(() => {
  const imgs = [...document.images];
  const widgets = [...document.querySelectorAll('.jupyter-widgets, .jp-OutputArea-output')]
      .filter(el => el.querySelector('script[type="application/vnd.jupyter.widget-view+json"]'));
  return {
    gateRows: document.querySelectorAll('table.dbdesign-gate tr[data-item]').length,
    gateTop: (document.querySelector('table.dbdesign-gate') || {offsetTop: -1}).offsetTop,
    erdSvgs: [...document.querySelectorAll('.dbdesign-erd svg')].filter(s => s.getBBox().width > 100).length,
    erdTables: document.querySelectorAll('.dbdesign-erd svg g.node').length,
    brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => (i.src || '').slice(0, 80)),
    blankWidgets: widgets.filter(el => el.getBoundingClientRect().height < 5).length,
    widgetViews: widgets.length,
    text: document.body.innerText,
    toc: document.querySelectorAll('#toc a').length,
  };
})()"""


def _machine_paths() -> list[str]:
    paths = {str(REPO), str(Path(sys.prefix).resolve()), tempfile.gettempdir() + "/"}
    home = str(Path.home())
    if home not in ("/", ""):
        paths.add(home + "/")
    return sorted(p for p in paths if len(p) > 2)


def _assert_clean_page(b: Browser, facts: dict) -> None:
    assert b.console_errors() == [], b.console_errors()
    remote = [u for u in b.requests() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert remote == [], f"the page tried the network: {remote[:5]}"
    assert facts["brokenImages"] == [], facts["brokenImages"]
    assert facts["blankWidgets"] == 0, f"{facts['blankWidgets']} blank widget box(es)"
    assert "Traceback (most recent call last)" not in facts["text"]
    for p in _machine_paths():
        assert p not in facts["text"], f"the page shows the build machine's path {p}"


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    """build/report/index.html when it is newer than every chapter (`make report` ran);
    otherwise a fresh build of the review chapter alone, to keep this test fast (set
    DBDESIGN_BROWSER_FULL_REPORT=1 to build every chapter instead)."""
    built = REPO / "build" / "report" / "index.html"
    chapters = list((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if built.is_file() and all(built.stat().st_mtime >= p.stat().st_mtime for p in chapters):
        return built
    from dbdesign.review.report import build_report
    out = tmp_path_factory.mktemp("report")
    if os.environ.get("DBDESIGN_BROWSER_FULL_REPORT") == "1":
        return Path(build_report(out, "small", REPO / "notebooks"))
    # a notebooks folder inside the repository, so the chapter finds the project root
    only = Path(tempfile.mkdtemp(prefix="browser-test-notebooks-", dir=REPO / "build"))
    try:
        shutil.copy(REPO / "notebooks" / "00_design_review.ipynb", only)
        return Path(build_report(out, "small", only))
    finally:
        shutil.rmtree(only, ignore_errors=True)


def test_report_renders_offline(browser, report_html):
    browser.open(report_html.resolve().as_uri())
    browser.wait_for("document.querySelector('table.dbdesign-gate')", 10)
    browser.pump(1.0)  # late scripts, lazy images
    facts = browser.js(PAGE_FACTS)
    browser.screenshot(SHOTS / "report.png")
    assert facts["gateRows"] == 16, "the gate table (9 checklist items + 7 criteria) is missing"
    assert facts["erdSvgs"] >= 1 and facts["erdTables"] >= 1, "no rendered ERD"
    assert facts["toc"] > 3
    _assert_clean_page(browser, facts)


# -- live widgets in a static page ------------------------------------------------------------------
@pytest.fixture(scope="module")
def widget_page(tmp_path_factory) -> Path:
    """The review notebook executed and exported with the widget manager inlined."""
    from dbdesign.review import report_assets
    assets = report_assets.find_assets(REPO / "build" / "vendor")
    if assets is None:
        try:
            assets = report_assets.fetch_assets(REPO / "build" / "vendor")
        except report_assets.AssetsError as err:
            if IN_CI:
                pytest.fail(f"widget assets missing under CI: {err}")
            pytest.skip(f"widget assets not fetched and fetching failed: {err}")
    import nbformat
    from nbconvert import HTMLExporter

    from dbdesign.review.report import execute_notebook
    nb, _ = execute_notebook(REPO / "notebooks" / "00_design_review.ipynb", cwd=REPO,
                             env={"DBDESIGN_SCALE": "small"})
    exporter = HTMLExporter(template_name="lab", exclude_input=True, **report_assets.offline_widget_options())
    body, _ = exporter.from_notebook_node(nbformat.from_dict(nb))
    # MathJax is the report's business (report.py drops it); this page is about widgets
    body = re.sub(r'<script[^>]*src="https://[^"]*mathjax[^"]*"[^>]*>\s*</script>', "", body, flags=re.I)
    page = report_assets.inline_widget_assets(body, assets=assets)
    assert not re.search(r'<script[^>]*src="https?://', page), "a CDN script is left on the page"
    out = tmp_path_factory.mktemp("widgets") / "index.html"
    out.write_text(page, encoding="utf-8")
    return out


def test_widgets_render_offline_and_switch_without_kernel(browser, widget_page):
    browser.open(widget_page.as_uri())
    assert browser.wait_for("document.querySelector('.dbdesign-explorer select')", 20), \
        "the schema explorer widget did not render: " + "; ".join(browser.console_errors()[:3])
    browser.pump(0.5)
    facts = browser.js(PAGE_FACTS)
    assert facts["widgetViews"] >= 1
    first = browser.js("document.querySelector('.dbdesign-explorer .widget-stack, .dbdesign-explorer')"
                       ".innerText.includes('Columns')")
    assert first
    # pick another table: the Stack follows through the front-end link, no kernel involved
    options = browser.js("[...document.querySelector('.dbdesign-explorer select').options].map(o => o.text)")
    target = options[-1]
    browser.js(f"""(() => {{ const s = document.querySelector('.dbdesign-explorer select');
        s.selectedIndex = {len(options) - 1}; s.dispatchEvent(new Event('change', {{bubbles: true}})); }})()""")
    assert browser.wait_for(
        "[...document.querySelectorAll('.dbdesign-explorer-panel')].some(p => p.dataset.table === "
        f"{json.dumps(target)} && p.getBoundingClientRect().height > 50)", 10), \
        f"selecting {target} did not show its panel"
    browser.screenshot(SHOTS / "report-widgets.png")
    _assert_clean_page(browser, browser.js(PAGE_FACTS))


# -- JupyterLab ----------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    _require_chromium()
    port, token = _free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    # Our own settings: render every cell (JupyterLab 4 virtualises off-screen cells by
    # default, so the widget at the end of the notebook would not be in the DOM) and no news
    # pop-up (it would ask the network).
    settings = runtime / "user-settings"
    for plugin, values in {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
                           "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"}}.items():
        path = settings / (plugin.rsplit("/", 1)[0]) / (plugin.rsplit("/", 1)[1] + ".jupyterlab-settings")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTER_CONFIG_DIR": str(runtime / "config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(runtime / "workspaces")}
    log = open(runtime / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPO}",
         "--ServerApp.port_retries=0", "--ServerApp.allow_root=True", f"--LabApp.user_settings_dir={settings}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("JupyterLab did not start: " + (runtime / "lab.log").read_text()[-800:])
            time.sleep(0.2)
    yield url, token
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def loopback_browser():
    b = Browser(offline=False)
    yield b
    b.close()


def test_jupyterlab_renders_schema_explorer(loopback_browser, jupyterlab):
    """Open the review notebook, restart the kernel and run all cells from JupyterLab's own
    toolbar, and wait for its widget manager to render the explorer from the live kernel."""
    browser = loopback_browser
    url, token = jupyterlab
    browser.open(f"{url}/lab/tree/notebooks/00_design_review.ipynb?token={token}&reset", timeout=60)
    run_all = '.jp-NotebookPanel-toolbar [data-command="notebook:restart-run-all"]'
    assert browser.wait_for(f"document.querySelector({json.dumps(run_all)})", 30), "notebook did not open"
    assert browser.wait_for("document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-Toolbar-kernelStatus')"
                            " && !document.querySelector('.jp-Dialog')", 20)
    browser.pump(1.0)  # let the kernel come up
    assert browser.click(run_all)
    accept = ".jp-Dialog .jp-Dialog-button.jp-mod-accept, .jp-Dialog .jp-Dialog-button.jp-mod-warn"
    assert browser.wait_for(f"document.querySelector({json.dumps(accept)})", 10), "no restart dialog"
    browser.click(accept)
    explorer = ".jp-Notebook .dbdesign-explorer select"
    # the whole chapter runs first (about 40 s on a loaded two-core machine): a bound, not a clock test
    ok = browser.wait_for(f"document.querySelector({json.dumps(explorer)})", 240)
    if ok:
        browser.pump(1.0)  # layout settles after the last outputs
        browser.js(f"""(() => {{ const el = document.querySelector({json.dumps(explorer)});
            const pane = el.closest('.jp-WindowedPanel-outer') || el.closest('.jp-Notebook');
            pane.scrollTop += el.getBoundingClientRect().top - pane.getBoundingClientRect().top - 80; }})()""")
        browser.pump(0.5)
    browser.screenshot(SHOTS / "jupyterlab-explorer.png", full_page=False)
    assert ok, "the schema explorer widget did not render in JupyterLab"
    n_tables = browser.js(f"document.querySelector({json.dumps(explorer)}).options.length")
    assert n_tables >= 5
    assert browser.js("!!document.querySelector('.jp-Notebook .dbdesign-explorer .dbdesign-explorer-panel svg')"), \
        "the explorer's ERD neighbourhood is missing"
    errors = [o for o in browser.js("[...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.innerText)")
              if "Traceback" in o]
    assert errors == [], errors[:1]
    assert browser.js("document.querySelectorAll('.jp-OutputArea-output .ansi-red-fg').length") == 0


# -- the review page: cover, side TOC, per-table sections, sortable tables, layout -----------------------
def test_review_page_cover_toc_tables_and_layout(browser, report_html):
    """As a reviewer reads it at 1280 px: the cover with its decisions first, every evidence
    link landing somewhere, a TOC that stays on screen, an ERD node that opens its table's
    section, a table that sorts, and nothing wider than the window."""
    browser.open(report_html.resolve().as_uri())
    assert browser.wait_for("document.querySelector('#cover .dbdesign-decision')", 10), "no decisions on the cover"
    browser.pump(0.5)
    cover = browser.js("""(() => { const c = document.querySelector('#cover');
        const r = c.getBoundingClientRect();
        return {top: r.top + window.scrollY, heading: [...c.querySelectorAll('h2')].map(h => h.innerText),
                decisions: c.querySelectorAll('.dbdesign-decision').length,
                links: [...c.querySelectorAll('a.dbdesign-evidence-link, .dbdesign-evidence a')].map(a => a.getAttribute('href')),
                firstInMain: document.querySelector('main').firstElementChild === c}; })()""")
    assert cover["firstInMain"] and cover["top"] < 50, "the cover is not the first thing on the page"
    assert "Decisions to sign off" in cover["heading"] and "Changed since last review" in cover["heading"]
    assert 1 <= cover["decisions"] <= 10
    missing = browser.js(f"""{json.dumps(cover['links'])}.filter(h => h.startsWith('#') &&
                             !document.getElementById(decodeURIComponent(h.slice(1))))""")
    assert missing == [], f"evidence links that land nowhere: {missing}"

    # the table of contents stays on screen while the page scrolls, with a badge per chapter
    browser.js("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    browser.pump(0.3)
    toc = browser.js("""(() => { const t = document.querySelector('#toc'); const r = t.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, position: getComputedStyle(t).position,
                badges: t.querySelectorAll('.dbdesign-badge').length, scrolled: window.scrollY}; })()""")
    assert toc["scrolled"] > 1000 and toc["position"] in ("fixed", "sticky") and toc["top"] <= 1 and toc["bottom"] > 300
    assert toc["badges"] >= 1

    # an ERD node opens and shows its table's section
    node = browser.js("""(() => { const g = document.querySelector('.dbdesign-erd svg g[id^="erd-table-"]');
        return g ? g.id.slice(4) : null; })()""")
    assert node, "no ERD node with a table id"
    assert browser.click(f'svg g[id="erd-{node}"] text')
    assert browser.wait_for(f"location.hash === {json.dumps('#' + node)}", 5), "the ERD node does not link"
    # the section opens on `hashchange`, an event that runs after the hash is set
    assert browser.wait_for(f"document.getElementById({json.dumps(node)}).open", 5), "the section stays closed"
    section = browser.js(f"""(() => {{ const d = document.getElementById({json.dumps(node)});
        const r = d.getBoundingClientRect();
        return {{tag: d.tagName, open: d.open, top: r.top, height: r.height}}; }})()""")
    assert section["tag"] == "DETAILS" and section["open"] and -5 <= section["top"] < 900 and section["height"] > 100

    # a table sorts on a header click (the section's Columns table)
    before = browser.js(f"""[...document.getElementById({json.dumps(node)})
        .querySelector('table.dbdesign-datatable').tBodies[0].rows].map(r => r.cells[0].innerText)""")
    assert len(before) >= 3
    assert browser.click(f'[id="{node}"] table.dbdesign-datatable thead th')
    after = browser.js(f"""[...document.getElementById({json.dumps(node)})
        .querySelector('table.dbdesign-datatable').tBodies[0].rows].map(r => r.cells[0].innerText)""")
    assert after == sorted(before, key=str.lower)
    assert browser.js(f"""document.getElementById({json.dumps(node)})
        .querySelector('table.dbdesign-datatable thead th').getAttribute('aria-sort')""") == "ascending"

    # nothing is wider than the window at 1280 px
    width = browser.js("""(() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
              > document.documentElement.clientWidth + 1 && !e.closest('.dbdesign-scroll, .dbdesign-erd, pre, .highlight'))
              .slice(0, 3).map(e => e.tagName + '.' + e.className)}))()""")
    assert width["scroll"] <= width["client"], f"horizontal overflow at 1280 px: {width}"
    browser.screenshot(SHOTS / "report-cover.png", full_page=False)
    assert browser.console_errors() == [], browser.console_errors()


def test_table_index_wraps_long_table_names(browser, tmp_path):
    """The table index (a link per table, in columns) stays inside its column when a table
    name is wider than the column (MusicBrainz: release_group_attribute_type_allowed_value),
    so the page does not scroll sideways."""
    from dbdesign.review.tabledoc import TABLES_CSS
    names = ["artist", "release_group_attribute_type_allowed_value_" * 2, "label", "place"] * 6
    links = " ".join(f'<a href="#table-{n}">{n}</a>' for n in names)
    page = tmp_path / "index.html"
    page.write_text(f"<!doctype html><style>body {{ margin: 0 }} {TABLES_CSS}</style>"
                    f'<main style="width: 700px"><p class="dbdesign-table-index">{links}</p></main>')
    browser.open(page.as_uri())
    browser.pump(0.3)
    out = browser.js("""(() => { const m = document.querySelector('main').getBoundingClientRect().right;
        return [...document.querySelectorAll('main a')].filter(a => a.getBoundingClientRect().right > m + 1).length; })()""")
    assert out == 0
