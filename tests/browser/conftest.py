"""The app as people use it: `bank-assistant serve` in a subprocess, driven by a real headless Chromium
(Debian's package, through Playwright's Python API). Skipped, with the reason, where no browser is
installed (`scripts/chromium.sh ensure-installed`, run by `make test`, installs it when it can)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.config import PROJECT_ROOT
from tests.servers import free_port

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# `make screenshots` sets this so the tests refresh the README's screenshots; otherwise they go to a
# temporary folder and are only looked at when a test fails.
SCREENSHOTS = os.environ.get("BANK_ASSISTANT_SCREENSHOTS")


# Module scope: the server and the browser stop when the browser tests are done, so their pages' polling
# timers do not load the machine for the rest of the test session.
@pytest.fixture(scope="module")
def app_url(kb_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web app on a copy of the indexed knowledge base: empty queue, extractive answers."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    shutil.copytree(kb_data_dir, data_dir, dirs_exist_ok=True)
    port = free_port()
    env = {**os.environ, "BANK_ASSISTANT_DATA_DIR": str(data_dir), "BANK_ASSISTANT_ANSWERS": "extractive"}
    log = (data_dir / "serve.log").open("wb")
    executable = str(Path(sys.executable).with_name("bank-assistant"))
    process = subprocess.Popen(
        [executable, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError((data_dir / "serve.log").read_text()[-3000:])
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium installed (scripts/chromium.sh ensure-installed needs root and apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """Each test's browser contexts (a customer, an agent) are closed when it ends."""
    contexts: list[Any] = []

    class Contexts:
        def new_context(self, **options: Any) -> Any:
            context = chromium.new_context(**options)
            contexts.append(context)
            return context

    yield Contexts()
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


SCREENSHOT_DOCS = PROJECT_ROOT / "docs" / "screenshots"
