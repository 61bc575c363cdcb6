"""Console test fixtures: the real app served over TCP for headless Chromium, signing in from the
sign-in page, an axe-core check, and screenshots."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("SHANSHUI_SCREENSHOTS", Path(__file__).resolve().parents[1] / "screenshots"))
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture
def live_server(app) -> Any:
    """The real app served by uvicorn on 127.0.0.1 in a thread, for the browser."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        await b.close()


async def signed_in_page(browser: Any, live_server: str, username: str, password: str, lang: str = "en") -> Any:
    """A laptop-sized page, signed in from the sign-in page like a person would."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN" if lang == "zh" else "en-GB")
    page = await context.new_page()
    await page.goto(f"{live_server}/console/login?lang={lang}")
    await page.fill("#f-username", username)
    await page.fill("#f-password", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    return page


async def assert_accessible(page: Any) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                              for v in bad)


async def screenshot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    await page.screenshot(path=str(path), full_page=True)
    return path


async def assert_fits(page: Any, width: int = 1280) -> None:
    """Nothing wider than a laptop screen."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
