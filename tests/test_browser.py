"""Notebook 6's generation panel in a real browser: JupyterLab + headless Chromium (Playwright).

The widget tests in test_panel.py drive the panel from Python; this one checks what a learner
sees: the notebook runs in JupyterLab, the panel renders, the Temperature slider moves, Generate
writes text and draws the chart. It saves a screenshot to tests/artifacts/panel.png.
Needs the ``browser`` extra and Debian's chromium (Playwright's own download is not used).
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "06_interactive_generation.ipynb"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
SECONDS = 1000  # Playwright timeouts are in milliseconds


@pytest.fixture
def chromium() -> Path:
    """Skip without a browser, unless LSTM_TUTORIAL_REQUIRE_BROWSER=1 (as in CI): then fail."""
    required = os.environ.get("LSTM_TUTORIAL_REQUIRE_BROWSER") == "1"
    try:
        import playwright.sync_api  # noqa: F401
        missing = None if CHROMIUM.exists() else f"{CHROMIUM} not found (apt-get install chromium)"
    except ImportError:
        missing = "playwright is not installed (pip install -e .[browser])"
    if missing:
        (pytest.fail if required else pytest.skip)(f"browser test: {missing}")
    return CHROMIUM


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a free local port, serving a copy of notebook 6; yields its base URL and token."""
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(NOTEBOOK, root)
    if (NOTEBOOK.parent / "lstm_models").is_dir():  # notebook 5's model: no training in the kernel
        shutil.copytree(NOTEBOOK.parent / "lstm_models", root / "lstm_models")
    with socket.socket() as sock:  # ask the OS for a free port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    settings = tmp_path / "settings"  # fresh JupyterLab settings: the user's are left alone
    for plugin, value in [("apputils-extension/notification", '{"fetchNews": "false"}'),  # no news toast
                          ("notebook-extension/tracker", '{"windowingMode": "none"}')]:  # every cell in the DOM
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True)
        path.write_text(value)
    env = dict(os.environ, LSTM_TUTORIAL_QUICK="1",  # without a checkpoint, train the quick preset
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "jupyter.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--allow-root",  # containers often run as root
         "--LabApp.extension_manager=readonly"],  # offline: no PyPI searches
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # poll until the server answers
            assert server.poll() is None, f"JupyterLab exited:\n{(tmp_path / 'jupyter.log').read_text()}"
            assert time.monotonic() < deadline, f"JupyterLab did not start:\n{(tmp_path / 'jupyter.log').read_text()}"
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        yield base, token
    finally:  # SIGTERM makes the server shut its kernels down too
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_panel_generates_text_and_chart_in_jupyterlab(chromium, lab):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "panel.png"
    screenshot.unlink(missing_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.set_default_timeout(30 * SECONDS)
            page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")

            # Once the notebook's kernel is up (the status bar reads "Python 3 (ipykernel) | Idle",
            # not "No Kernel | Initializing"), run every cell from the Run menu, and wait until no
            # cell is left unrun ("[ ]:") or running ("[*]:"). The notebook drives the panel from
            # code after showing it, so touching it earlier would race with those cells.
            kernel_idle = page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"^(?!No Kernel).+ \| Idle$"))
            expect(kernel_idle).to_be_visible(timeout=60 * SECONDS)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            not_run = page.locator(".jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[[ *]\]"))
            expect(not_run, "all cells should run (did one fail?)").to_have_count(0, timeout=120 * SECONDS)

            # The panel (the outer VBox around the generated text) and its controls.
            panel = page.locator(".widget-vbox", has=page.locator(".lstm-generated-text")).first
            generate = panel.get_by_role("button", name="Generate")
            expect(generate).to_be_visible()
            text = panel.locator(".lstm-generated-text")
            chart = panel.locator("img.lstm-chart, .lstm-chart img").first
            slider = panel.locator(".widget-slider", has=page.locator("label", has_text="Temperature:"))
            readout, handle = slider.locator(".widget-readout"), slider.locator(".noUi-handle")

            def move_temperature(steps: int) -> None:
                """Press an arrow key on the slider's handle `steps` times (0.1 each), as a learner can."""
                before = float(readout.inner_text())
                handle.focus()
                for _ in range(abs(steps)):
                    handle.press("ArrowRight" if steps > 0 else "ArrowLeft")
                expect(readout).to_have_text(f"{before + 0.1 * steps:.1f}")

            # Move the temperature (down if it is high, up otherwise), then Generate: the kernel
            # replaces the text (the prompt first) and draws the next-word chart.
            move_temperature(-3 if float(readout.inner_text()) > 1.5 else 3)
            text_before = text.inner_text()
            generate.click()
            expect(text).not_to_have_text(text_before, timeout=60 * SECONDS)
            expect(text).to_have_text(re.compile(r"^\s*recipe for \S+"))
            generated = text.inner_text().strip()
            assert generated.startswith("recipe for") and len(generated.split()) > 5, generated
            expect(panel.locator(".lstm-message")).to_have_text("")  # no error shown in the panel
            expect(chart).to_have_attribute("src", re.compile(r"^(data:image/png|blob:)"))
            png = chart.evaluate("""async img => {
                await img.decode();  // wait until the browser has decoded the image
                const blob = await (await fetch(img.src)).blob();
                return {size: blob.size, width: img.naturalWidth, height: img.naturalHeight};
            }""")
            assert png["size"] > 1000 and png["width"] > 100 and png["height"] > 100, png

            # Moving the temperature again redraws the chart (a new image) without generating.
            chart_before = chart.get_attribute("src")
            move_temperature(-1)
            expect(chart).not_to_have_attribute("src", chart_before)
            expect(text).to_have_text(generated)

            # A screenshot of the page with the whole panel scrolled into view.
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 20_000
