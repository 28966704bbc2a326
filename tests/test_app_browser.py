"""The web app in a real browser: upload, ask, click the citation, see the cited span.

Drives Debian's Chromium (/usr/bin/chromium, `apt-get install -y chromium`) through
Playwright's Python package; `playwright install` is not needed. Skipped with a reason
when either is missing. Screenshots go to the test's tmp dir and, when it exists, to
out/screenshots/ in the repository.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "langfang_kexie_2023_danweiyusuan.txt"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "browser test: /usr/bin/chromium is missing (apt-get install -y chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser test: playwright is missing (pip install playwright)"
)
pytest.importorskip("gradio", reason="browser test: gradio is missing (pip install gradio)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def app_url(tmp_path: Path) -> Iterator[str]:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from budgetlens.qa.index import Index
    from budgetlens.settings import Settings
    from budgetlens.web.app import build_app, launch

    port = free_port()
    settings = Settings(
        index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", host="127.0.0.1", port=port
    )
    demo = build_app(settings, Index(settings.index_dir), None)
    launch(demo, settings, block=False)  # serves from a thread
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def shoot(page: Any, tmp_path: Path, name: str) -> Path:
    target = tmp_path / "screenshots" / name
    target.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    shared = ROOT / "out" / "screenshots"
    if shared.is_dir():
        shutil.copy(target, shared / name)
    return target


def test_upload_ask_and_open_the_citation(app_url: str, tmp_path: Path) -> None:
    expect = sync_api.expect
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(app_url)

            page.get_by_role("tab", name="Documents").click()
            page.locator("#upload input[type=file]").set_input_files(str(EXAMPLE))
            expect(page.locator("#upload")).to_contain_text(EXAMPLE.stem, timeout=30_000)
            page.locator("#index").click()
            expect(page.locator("#upload-status")).to_contain_text("indexed", timeout=180_000)
            expect(page.locator("#documents")).to_contain_text("廊坊市科学技术协会")
            shoot(page, tmp_path, "app_documents.png")

            page.get_by_role("tab", name="Chat").click()
            page.locator("#question textarea").fill("为什么项目支出减少？")
            page.locator("#send").click()
            expect(page.locator("#chat")).to_contain_text("老科协", timeout=60_000)
            chip = page.locator("#chips label").first
            expect(chip).to_contain_text("langfang", timeout=30_000)
            chip.click()

            mark = page.locator("#source-panel mark#cite")
            expect(mark).to_contain_text("项目支出减少144.13万元", timeout=30_000)
            expect(mark).to_be_in_viewport(timeout=10_000)
            assert page.locator("#source-panel script").count() == 0
            shot = shoot(page, tmp_path, "app_chat_citation.png")
            assert shot.stat().st_size > 0

            page.get_by_role("tab", name="Records").click()
            page.locator("#record-choice input").click()
            page.get_by_role("option", name=EXAMPLE.name).click()
            expect(page.locator("#record-panel .bl-badge").first).to_be_visible(timeout=30_000)
            expect(page.locator("#facts")).to_contain_text("144.13")
            shoot(page, tmp_path, "app_records.png")
        finally:
            browser.close()
