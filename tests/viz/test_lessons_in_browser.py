"""Every lesson and notebook as a learner sees it: JupyterLab in headless Chromium
(driven by Playwright) runs each one with Run All, saves it, and the test checks

- what the saved outputs hold (the same checks as ``tests/test_notebooks.py``: no
  traceback, no figure printed as text, no red exercise feedback);
- that the pictures and widgets the notebook is meant to show are on the page as
  images, drawings or live widgets (``EXPECTED``);
- that the widgets respond: the stepper's slider, a click on a node of the explorer's
  drawing, the dashboard's live image, the playground's controls.

A screenshot of each whole notebook is kept in ``artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_notebooks import NOTEBOOKS, problems_in

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"

# What each notebook must show once run: at least this many of each kind.
# img: matplotlib figures and image widgets; svg: graph drawings; wasm: a drawing made in
# the browser by WebAssembly Graphviz; slider / clickable / toggle / select: live widgets.
EXPECTED: dict[str, dict[str, int]] = {
    "00_welcome": {"svg": 2},
    "01_tensors_broadcasting_devices": {},
    "02_autodiff_first_principles": {"svg": 2, "slider": 1, "img": 1},
    "03_eager_style": {"svg": 2, "clickable": 1, "toggle": 1},
    "04_static_style": {"svg": 2},
    "05_functional_style": {"svg": 2, "clickable": 1},
    "06_one_model_three_styles": {"svg": 6, "img": 3, "toggle": 1},
    "07_convolutional_networks": {"img": 4, "slider": 1},
    "08_sequences_attention": {"img": 2},
    "09_optimisers_schedules": {"img": 3, "slider": 2, "select": 1},
    "10_performance": {"svg": 1, "img": 4},
    "11_mixed_precision": {"img": 1},
    "12_parallelism": {"img": 1},
    "13_deployment_onnx": {},
    "14_debugging_training": {"img": 1},
    "15_pretrained_transformers": {"img": 3, "attention": 1},
    "16_train_a_small_gpt": {"img": 1},
    "17_tracing_and_staging": {"img": 1},
    "benchmarks": {"img": 1},
    "graph_gallery": {"svg": 5, "wasm": 1},
    "side_by_side_cnn": {"svg": 3, "img": 1},
    "side_by_side_lstm": {"svg": 3, "img": 1},
    "side_by_side_mlp": {"svg": 3, "img": 1},
    "side_by_side_transformer": {"svg": 3, "img": 1},
}

COUNTS = """() => {
  const out = (s) => document.querySelectorAll('.jp-OutputArea-output ' + s).length;
  const svgImages = out('img[src^="data:image/svg+xml"]');
  return {
    img: out('img') - svgImages,
    svg: out('svg[viewBox]') + svgImages,
    slider: out('.widget-slider'),
    clickable: out('.wb-clickable-graph'),
    toggle: out('.widget-toggle-buttons'),
    select: out('.widget-select-multiple, .widget-dropdown'),
    attention: out('.wb-attention svg text'),
    wasm: Array.from(document.querySelectorAll('.jp-OutputArea-output svg g.graph'))
      .filter(g => !g.closest('.wb-clickable-graph, .widget-html-content')).length,
  };
}"""

# JupyterLab settings for a quiet, fully rendered page: no news pop-up, every cell in
# the DOM (no virtual scrolling), so counts and screenshots see the whole notebook.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Lab:
    """A JupyterLab server over a copy of lessons/ and notebooks/, and a browser."""

    def __init__(self, root: Path, browser: Any) -> None:
        self.root = root
        self.browser = browser
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"{self.base}{path}?token={self.token}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if CHROMIUM is None:
        pytest.skip("needs Chromium (the Makefile installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("jupyterlab")
    root = tmp_path_factory.mktemp("lab")
    for folder in ("lessons", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder)
    settings = root / "settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(root / "config"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        server_lab = Lab(root, browser)
        server = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={server_lab.port}",
                "--ip=127.0.0.1", f"--ServerApp.token={server_lab.token}",
                f"--ServerApp.root_dir={root}", "--allow-root",
                "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True",
            ],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(120):
                try:
                    server_lab.api("/api/status")
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail("JupyterLab did not start")
            yield server_lab
        finally:
            browser.close()
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _accept_dialogs(page: Any) -> None:
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count():
        accept.first.click()


def _run_all(page: Any, name: str, seconds: float) -> None:
    """Run every cell; wait until each shows an execution count. If nothing moves for
    two minutes (a kernel lost under load, a command issued before the kernel was ready),
    restart the kernel and run everything again, at most twice."""
    prompts = "Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'))"
    progress = f"() => {prompts}.map(e => e.textContent).join('|')"
    done = (
        f"() => {{ const p = {prompts}; "
        "return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }"
    )
    started = f"() => {prompts}.some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))"

    def command(name: str) -> str:  # queued, not awaited: a dialog must not hold the call up
        return f"() => {{ setTimeout(() => window.jupyterapp.commands.execute('{name}'), 0); }}"

    deadline = time.monotonic() + seconds
    issued, restarts = -1e9, 0
    seen, moved = "", time.monotonic()
    while time.monotonic() < deadline:
        _accept_dialogs(page)
        if page.evaluate(done):
            return
        now = page.evaluate(progress)
        if now != seen:
            seen, moved = now, time.monotonic()
        # a Run All sent while the kernel was still connecting is dropped: send it again
        if not page.evaluate(started) and time.monotonic() - issued > 3:
            page.evaluate(command("notebook:run-all-cells"))
            issued = time.monotonic()
        elif time.monotonic() - moved > 120 and restarts < 2:
            page.evaluate(command("notebook:restart-run-all"))
            restarts, moved = restarts + 1, time.monotonic()
        time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / f"{name}-timeout.png"))
    pytest.fail(f"{name} did not finish running in {seconds} s ({restarts} restarts)")


def _screenshot(page: Any, name: str) -> None:
    """The whole notebook in one picture: the viewport made as tall as the notebook."""
    height = page.evaluate(
        "() => { const n = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')"
        " || document.querySelector('.jp-Notebook'); return n.scrollHeight; }"
    )
    page.set_viewport_size({"width": 1400, "height": int(min(max(height + 200, 900), 16000))})
    page.evaluate(
        "() => document.querySelectorAll('.jp-WindowedPanel-outer, .jp-Notebook')"
        ".forEach(n => { n.scrollTop = 0; })"
    )
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _interact(page: Any, name: str) -> None:
    """Drive the widgets a notebook teaches with, and check they answer."""
    if name == "02_autodiff_first_principles":
        details = page.locator(".jp-OutputArea-output .widget-html-content", has_text="step 1 of")
        assert details.count() >= 1
        page.locator(".widget-slider .noUi-handle").first.click()
        page.keyboard.press("End")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.widget-html-content'))"
            ".some(e => /step 2 of 2/.test(e.textContent))",
            timeout=20_000,
        )
    if name == "15_pretrained_transformers":
        # hovering a token shows that token's row of weights; the layer menu redraws
        view = page.locator(".wb-attention").first
        view.locator("svg text").nth(2).hover()
        page.wait_for_function(
            "() => /weights of '/.test(document.querySelector('.wb-attention-info').textContent)",
            timeout=20_000,
        )
        view.locator("select").first.select_option("5")
        page.wait_for_function(
            "() => document.querySelector('.wb-attention select').value === '5'", timeout=20_000
        )
    if name in ("03_eager_style", "05_functional_style"):
        node = page.locator(".wb-clickable-graph g.node", has_text="tanh").first
        node.click()
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.widget-html-content'))"
            ".some(e => /VJP rule of tanh/.test(e.textContent))",
            timeout=20_000,
        )
        assert page.locator(".wb-clickable-graph g.wb-selected").count() == 1
    if name == "06_one_model_three_styles":
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
            ".filter(i => i.naturalWidth > 100).length >= 2",
            timeout=20_000,
        )
        table = page.locator(".widget-html-content", has_text="operations in each")
        assert table.count() >= 1 and table.first.locator("table tr").count() > 5
        # the classifier playground: Train runs more steps and redraws the boundary
        status = page.locator(".widget-html-content", has_text="step 100,")
        assert status.count() == 1
        page.get_by_role("button", name="Train").click()
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.widget-html-content'))"
            ".some(e => /step 400,/.test(e.textContent))",
            timeout=60_000,
        )
    if name == "07_convolutional_networks":
        explorer = page.locator(".widget-html-content, .widget-label", has_text="position")
        assert explorer.count() >= 1
        images = page.locator(".jp-OutputArea-output img")
        before = [images.nth(i).get_attribute("src") for i in range(images.count())]
        page.locator(".widget-slider .noUi-handle").first.click()
        page.keyboard.press("End")
        page.wait_for_function(
            "(old) => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
            ".some((img, i) => img.getAttribute('src') !== old[i])",
            arg=before,
            timeout=20_000,
        )
    if name == "09_optimisers_schedules":
        before = page.locator(".jp-OutputArea-output img").first.get_attribute("src")
        page.locator(".jp-OutputArea-output select").first.select_option("rosenbrock")
        page.wait_for_function(
            "(old) => { const i = document.querySelector('.jp-OutputArea-output img');"
            " return i && i.getAttribute('src') !== old; }",
            arg=before,
            timeout=30_000,
        )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_as_a_learner_sees_it(lab: Lab, path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    name = path.stem
    relative = path.relative_to(ROOT).as_posix()
    page = lab.browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        for attempt in (1, 2):
            # a workspace of its own, reset: only this notebook open, nothing restored
            page.goto(f"{lab.base}/lab/workspaces/{name}/tree/{relative}?reset&token={lab.token}")
            page.wait_for_function("window.jupyterapp !== undefined", timeout=90_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000
            )
            try:
                _run_all(page, name, 300)
                break
            except pytest.fail.Exception:
                # a kernel lost for good under load (the page shows "Disconnected" and
                # restarts do not bring it back): once more with a fresh page and kernel
                if attempt == 2:
                    raise
                lab.shut_down_kernels()
        time.sleep(0.5)  # widgets and images finish drawing
        # an error's traceback (its header; lesson 14 prints PyTorch's "Traceback of forward
        # call" on purpose) or a figure shown as text
        errors = page.evaluate(
            "Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent)"
            r".filter(t => /Traceback \(most recent call last\)|<Figure size/.test(t))"
        )
        counts = page.evaluate(COUNTS)
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        _screenshot(page, name)
        page.set_viewport_size({"width": 1400, "height": 1000})
        _interact(page, name)
    finally:
        page.close()
        lab.shut_down_kernels()
    assert errors == []
    saved = nbformat.read(lab.root / relative, as_version=4)
    assert problems_in(saved.cells) == []
    for kind, least in EXPECTED[name].items():
        assert counts[kind] >= least, (kind, counts)


def test_every_notebook_says_what_it_shows() -> None:
    assert sorted(EXPECTED) == sorted(p.stem for p in NOTEBOOKS)
