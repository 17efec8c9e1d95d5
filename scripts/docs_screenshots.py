"""Screenshots for the README and the guide, taken with headless Debian Chromium (as the browser tests).

    .venv/bin/python scripts/docs_screenshots.py web-chat [--model qwen2.5-1.5b]   # docs/assets/web-chat.png
    .venv/bin/python scripts/docs_screenshots.py web-start    # docs/assets/web-chat-start.png
    .venv/bin/python scripts/docs_screenshots.py site                              # docs/assets/site-home.png

``web-chat`` serves the real app (all skills, a scratch database) on 127.0.0.1 and has a short
conversation with the configured model; ``web-start`` shows its first screen (the suggestions of
an empty conversation; no model is needed); ``site`` opens the built guide (run ``make docs`` first).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn
from playwright.async_api import Page, async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bots.web.app import create_app  # noqa: E402
from conversation.assembly import build_engine  # noqa: E402
from conversation.settings import Settings  # noqa: E402

ASSETS = ROOT / "docs" / "assets"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
CONVERSATION = (
    "/order a large pepperoni and a small coke",
    "no toppings",
    "/translate to fr, es: Thank you, your order will be ready in twenty minutes.",
    "that's all",
    "pickup",
)


async def say(page: Page, text: str) -> None:
    """Type ``text``, send it and wait until every answer to it has arrived."""
    done = page.locator("#log .turn.assistant:not(.pending)")
    before = await done.count()
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    async with asyncio.timeout(300):
        while await done.count() <= before or await page.locator("#log .turn.pending").count():
            await asyncio.sleep(0.2)
    await page.wait_for_timeout(1000)  # a second reply (a reminder) may follow the first


async def web_chat(model: str, out: Path, conversation: tuple[str, ...] = CONVERSATION) -> None:
    """The web chat after a short conversation with ``model`` (none: its first screen)."""
    with tempfile.TemporaryDirectory() as data:
        # the skills of `make run`: the example plugin's /status is left out
        settings = Settings(
            data_dir=Path(data), model=model, training_schedule="off", skills_disabled=["status"]
        )
        engine = build_engine(settings)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning"))
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport={"width": 900, "height": 1040})
                await page.goto(f"http://127.0.0.1:{listener.getsockname()[1]}/")
                await page.fill("#name", "ann")
                await page.press("#name", "Tab")
                for text in conversation:
                    await say(page, text)
                if not conversation:
                    await expect(page.locator("#suggestions .chip").first).to_be_visible()
                await page.screenshot(path=str(out))
                await browser.close()
        finally:
            server.should_exit = True
            await task
            await engine.llm.aclose()


async def site_home(site: Path, out: Path) -> None:
    """The built guide's home page."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto((site / "index.html").as_uri())
        await expect(page).to_have_title("chatwright")
        await expect(page.locator("article h1")).to_contain_text("chatwright")
        await page.screenshot(path=str(out))
        await browser.close()


def main() -> int:
    """Take the screenshot asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["web-chat", "web-start", "site"])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="the model answering in the web chat")
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site", help="the built guide")
    args = parser.parse_args()
    ASSETS.mkdir(parents=True, exist_ok=True)
    if args.what == "web-chat":
        asyncio.run(web_chat(args.model, ASSETS / "web-chat.png"))
    elif args.what == "web-start":
        asyncio.run(web_chat("fake", ASSETS / "web-chat-start.png", conversation=()))
    else:
        asyncio.run(site_home(args.site, ASSETS / "site-home.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
