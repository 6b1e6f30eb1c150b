"""A real browser: start JupyterLab on a free local port, open a notebook that builds
every drawing and widget in headless Chromium (driven by Playwright), run it, and check
that the graph SVG and the widgets rendered with no error output. Screenshots are saved
to ``artifacts/browser/``."""

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
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"

CELLS = [
    "import numpy as np\n"
    "import workbench.functional as jax, workbench.functional.numpy as jnp\n"
    "import workbench.eager as torch\n"
    "from workbench import viz\n"
    "loss = lambda w, x: jnp.sum(jnp.tanh(x @ w) ** 2)\n"
    "w, x = jnp.ones((3, 2)), jnp.ones((1, 3))",
    "viz.graph(loss, w, x)",
    "viz.graph(loss, w, x).widget()",
    "viz.GraphExplorer(loss, w, x)",
    "viz.BackpropStepper(loss, w, x)",
    "dashboard = viz.TrainingDashboard()\n"
    "for step in range(5):\n"
    "    dashboard.log(step, loss=1.0 / (step + 1))\n"
    "dashboard",
    "viz.OptimiserPlayground(steps=30)",
    "side = viz.SideBySide()\n"
    "side.add('functional', 'jax.grad(loss)', viz.graph(loss, w, x))\n"
    "side",
]


def _notebook(path: Path) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
        for src in CELLS
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


def _accept_dialogs(page: Any) -> None:
    """JupyterLab may ask which kernel to start (a fresh profile): take its proposal."""
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count():
        accept.first.click()


def _wait(page: Any, selector: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _accept_dialogs(page)
        if page.locator(selector).count():
            return
        time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "timeout.png"), full_page=True)
    pytest.fail(f"timed out waiting for {selector} (screenshot: {ARTIFACTS / 'timeout.png'})")


def _run_all_cells(page: Any, seconds: float) -> None:
    """Run every cell and wait until each shows an execution count. The command is
    issued again if nothing has started after a while (a kernel that was still
    starting ignores it)."""
    done = (
        "() => { const p = Array.from(document.querySelectorAll('.jp-InputArea-prompt'));"
        " return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }"
    )
    started = (
        "() => Array.from(document.querySelectorAll('.jp-InputArea-prompt'))"
        ".some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))"
    )
    run = "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    restart = "() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }"
    interrupted = (
        "() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
        ".some(e => /KeyboardInterrupt/.test(e.textContent))"
    )
    deadline = time.monotonic() + seconds
    issued = 0.0
    restarts = 0
    while time.monotonic() < deadline:
        _accept_dialogs(page)
        if restarts < 2 and page.evaluate(interrupted):
            # the kernel was replaced while the first cells ran (a late kernel-selection
            # dialog on a fresh profile does that): run everything again
            page.evaluate(restart)
            restarts, issued = restarts + 1, time.monotonic()
            time.sleep(5)
            continue
        if page.evaluate(done):
            return
        if not page.evaluate(started) and time.monotonic() - issued > 15:
            page.evaluate(run)  # not awaited: a dialog would keep its promise pending
            issued = time.monotonic()
        time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "timeout.png"), full_page=True)
    seen = page.evaluate(
        "({prompts: Array.from(document.querySelectorAll('.jp-InputArea-prompt'))"
        ".map(e => e.textContent),"
        " outputs: Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
        ".map(e => e.textContent.slice(0, 300)),"
        " dialogs: Array.from(document.querySelectorAll('.jp-Dialog'))"
        ".map(e => e.textContent.slice(0, 300)),"
        " kernel: (document.querySelector('.jp-Notebook-ExecutionIndicator') || {dataset: {}})"
        ".dataset.status})"
    )
    pytest.fail(
        f"the notebook did not finish running (screenshot: {ARTIFACTS / 'timeout.png'}); "
        f"the page showed {seen}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (the Makefile installs it)")
def test_widgets_render_in_jupyterlab(tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("jupyterlab")
    _notebook(tmp_path / "widgets.ipynb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # import once first (byte-compiling a fresh clone), so the first cell is quick
    subprocess.run(
        [sys.executable, "-c", "import workbench.eager, workbench.functional, workbench.viz"],
        check=True,
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
            "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.set_default_timeout(120_000)
            page.goto(f"{base}/lab/tree/widgets.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            page.wait_for_function("window.jupyterapp !== undefined", timeout=60_000)
            _wait(page, ".jp-Notebook-ExecutionIndicator[data-status='idle']", 120)
            _run_all_cells(page, 240)
            page.wait_for_selector(".jp-OutputArea-output svg", timeout=60_000)
            page.wait_for_selector(".widget-slider", timeout=60_000)
            time.sleep(2)
            page.screenshot(path=str(ARTIFACTS / "widgets.png"), full_page=True)
            errors = page.evaluate(
                "Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
                ".map(e => e.textContent).filter(t => /Traceback|Error:/.test(t))"
            )
            counts: dict[str, Any] = page.evaluate(
                "({svg: document.querySelectorAll('.jp-OutputArea-output svg').length,"
                " sliders: document.querySelectorAll('.widget-slider').length,"
                " dropdowns: document.querySelectorAll('.widget-dropdown').length,"
                " toggles: document.querySelectorAll('.widget-toggle-buttons').length,"
                " images: document.querySelectorAll('.jp-OutputArea-output img').length})"
            )
            browser.close()
        assert errors == []
        assert counts["svg"] >= 3, counts  # the inline graph, the explorer's and the stepper's
        assert counts["sliders"] >= 3 and counts["dropdowns"] >= 2 and counts["toggles"] >= 1, (
            counts
        )
        assert counts["images"] >= 2, counts  # the dashboard's and the playground's figures
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
