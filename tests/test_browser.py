"""Notebook 6's generation panel in a real browser: JupyterLab and headless Chromium (Playwright).

test_panel.py drives the panel from Python; this test checks what a learner sees: notebook 6 runs
in JupyterLab (its ten-line panel first, then the package's panel, on the pretrained model), the
package's panel renders, the Temperature slider moves, Generate writes text and draws the chart, Play
writes words one by one with the chart following each, and the chart follows the Temperature slider
while the mouse drags it. It saves tests/artifacts/panel.png, the README's docs/panel.png. Needs the
``dev`` extra (JupyterLab, Playwright) and Debian's chromium.
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

pytestmark = pytest.mark.slow  # a JupyterLab server and a browser

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_interactive_generation.ipynb"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")  # Playwright's own browser download is not used
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
SECONDS = 1000  # Playwright timeouts are in milliseconds


@pytest.fixture
def chromium() -> Path:
    """Skip without a browser, unless LSTM_TUTORIAL_REQUIRE_BROWSER=1 (as in CI): then fail."""
    try:
        import playwright.sync_api  # noqa: F401
        missing = None if CHROMIUM.exists() else f"{CHROMIUM} not found (apt-get install chromium)"
    except ImportError:
        missing = "playwright is not installed (pip install -e .[dev])"
    if missing:
        required = os.environ.get("LSTM_TUTORIAL_REQUIRE_BROWSER") == "1"
        (pytest.fail if required else pytest.skip)(f"browser test: {missing}")
    return CHROMIUM


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a free local port, serving a copy of notebook 6; yields its base URL and token."""
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(NOTEBOOK, root)  # it uses the pretrained model: nothing to train, no other file needed
    with socket.socket() as sock:  # ask the OS for a free port
        sock.bind(("127.0.0.1", 0))
        port, token = sock.getsockname()[1], secrets.token_hex(16)
    settings = tmp_path / "settings"  # fresh JupyterLab settings; the user's are left alone
    for plugin, value in [("apputils-extension/notification", '{"fetchNews": "false"}'),  # no news toast
                          ("notebook-extension/tracker", '{"windowingMode": "none"}')]:  # every cell in the DOM
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True)
        path.write_text(value)
    env = dict(os.environ, LSTM_TUTORIAL_QUICK="1",  # as under nbval (the notebook trains nothing either way)
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = tmp_path / "jupyter.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--allow-root",  # containers often run as root
         "--LabApp.extension_manager=readonly"],  # offline: no PyPI searches
        cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # poll until the server answers (urlopen raises on refusal or an HTTP error)
            assert server.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        yield base, token
    finally:  # SIGTERM makes the server shut its kernel down too
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(log.read_text()[-5000:])  # pytest shows it if the test failed


# In the page: a log of the panel's changes, in order ("text" with the number of shaded words, or
# "chart" with the chart's title and the text's last shaded word at that moment).
WATCH_PANEL = """([panel, text, chart]) => {
    window.panelChanges = [];
    const words = () => text.querySelectorAll("span[title^='p = ']");
    new MutationObserver(records => {
        for (const target of new Set(records.map(r => r.target))) {
            if (chart.contains(target)) {
                const shown = words();
                window.panelChanges.push({kind: "chart", title: chart.querySelector(".lstm-chart-title").textContent,
                                          last: shown.length ? shown[shown.length - 1].textContent : null});
            } else if (text.contains(target)) {
                window.panelChanges.push({kind: "text", words: words().length});
            }
        }
    }).observe(panel, {subtree: true, childList: true, characterData: true});
}"""


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

            # Once the kernel is up (the status bar reads "Python 3 (ipykernel) | Idle", not "No Kernel
            # | Initializing"), Run > Run All Cells, and wait until no cell is left unrun ("[ ]:") or
            # running ("[*]:"): the notebook drives the panel from code, and we must not race it.
            kernel_idle = page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"^(?!No Kernel).+ \| Idle$"))
            expect(kernel_idle).to_be_visible(timeout=60 * SECONDS)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            not_run = page.locator(".jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[[ *]\]"))
            expect(not_run, "every cell should run (did one fail?)").to_have_count(0, timeout=120 * SECONDS)

            # The package's panel (the outer VBox around the generated text; the ten-line panel above it
            # has no such text) and its controls.
            panel = page.locator(".widget-vbox", has=page.locator(".lstm-generated-text")).first
            generate = panel.get_by_role("button", name="Generate")
            expect(generate).to_be_visible()
            text = panel.locator(".lstm-generated-text")
            shaded_words = text.locator("span[title^='p = ']")
            chart = panel.locator(".lstm-chart")
            chart_title = chart.locator(".lstm-chart-title")
            bars = chart.locator(".lstm-bar")
            slider = panel.locator(".widget-slider", has=page.locator("label", has_text="Temperature:"))
            readout = slider.locator(".widget-readout")
            key = "ArrowRight" if float(readout.inner_text()) < 1.5 else "ArrowLeft"

            def move_temperature() -> None:
                """One arrow key on the slider's handle, as a learner can: a step of 0.1 and one message
                to the kernel (quick repeated steps get batched, and could reach it after a click)."""
                expected = float(readout.inner_text()) + (0.1 if key == "ArrowRight" else -0.1)
                slider.locator(".noUi-handle").press(key)
                expect(readout).to_have_text(f"{expected:.1f}")

            def changes() -> list[dict]:
                return page.evaluate("window.panelChanges")

            # Move the temperature, then Generate: the kernel replaces the text (prompt first), then
            # redraws the chart. The slider's own redraw may reach the page after the click, so the
            # changes are logged in order, and we wait for a new chart after new text.
            move_temperature()
            page.evaluate(WATCH_PANEL, [panel.element_handle(), text.element_handle(), chart.element_handle()])
            generate.click()
            new_chart_after_new_text = """() => { const kinds = window.panelChanges.map(c => c.kind);
                                                  const i = kinds.indexOf("text");
                                                  return i >= 0 && kinds.indexOf("chart", i) > i; }"""
            page.wait_for_function(new_chart_after_new_text, timeout=60 * SECONDS)
            generated = text.inner_text().strip()
            assert re.match(r"recipe for( \S+){3}", generated), generated
            expect(panel.locator(".lstm-message")).to_have_text("")  # no error shown in the panel
            expect(bars).to_have_count(10)
            expect(chart).to_contain_text("p after temperature, top-k and top-p")

            # Moving the temperature again redraws the chart for the new value and leaves the text alone.
            before = chart.inner_html()
            move_temperature()
            expect(chart).to_contain_text(f"T = {readout.inner_text()},")
            assert chart.inner_html() != before and text.inner_text().strip() == generated

            # Drag the Temperature slider with the mouse: the chart follows every value it passes, before
            # the button is let go.
            slider.scroll_into_view_if_needed()
            handle = slider.locator(".noUi-handle").bounding_box()
            x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            seen = []
            for _ in range(4):  # to the left, about a step of 0.1 each time (down to about T = 0.4)
                before = chart.inner_html()
                x -= 14
                page.mouse.move(x, y, steps=3)
                value = readout.inner_text()
                expect(chart).to_contain_text(f"T = {value},")
                assert chart.inner_html() != before
                seen.append(value)
            page.mouse.up()
            assert len(set(seen)) == 4, seen

            # Play: Generate's text has stopped (at <EOS> or Max tokens), so Play starts a new one from the
            # prompt and writes it word by word; after each word the chart shows what may follow it. Then
            # Pause (the same button).
            page.evaluate("window.panelChanges = []")
            play_pause = panel.locator(".widget-play button").first
            play_pause.click()
            page.wait_for_function("() => window.panelChanges.some(c => c.kind === 'text' && c.words >= 7)",
                                   timeout=60 * SECONDS)
            play_pause.click()
            counts = [change["words"] for change in changes() if change["kind"] == "text"]
            assert counts[0] == 0 and counts[-1] >= 7, counts  # back to the prompt, then words
            assert counts == list(range(counts[-1] + 1)), counts  # one word at a time
            charts = [change for change in changes() if change["kind"] == "chart" and change["last"]]
            assert len(charts) >= 7 and all(c["title"] == f"Next word after '{c['last']}'" for c in charts), charts
            played = shaded_words.count()
            page.wait_for_timeout(1 * SECONDS)  # paused: no more words
            expect(shaded_words).to_have_count(played)
            expect(chart_title).to_have_text(f"Next word after '{shaded_words.last.inner_text()}'")

            # A screenshot of the page with the whole panel scrolled into view.
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 20_000
