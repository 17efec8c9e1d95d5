"""The web chat page in a real headless Chromium, against the real app served by uvicorn on 127.0.0.1.

The backend is a FakeLLM whose answer repeats every user message it sees in the prompt, so any
conversation context leaking from one user to another would show up in the page.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from bots.web.app import create_app
from conversation import Engine
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from tests.fakes.engines import make_engine, sqlite_url

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


def recall_every_user_message(messages: Sequence[ChatMessage]) -> str:
    """Answer with every user message in the prompt, so the page shows the whole context the model saw."""
    return "You said: " + " | ".join(m.content for m in messages if m.role == "user")


def watched_llm() -> FakeLLM:
    """A FakeLLM that shows the whole context it saw; tests watching a stream set ``piece_delay_s``."""
    llm = FakeLLM(recall_every_user_message)
    llm.delay_s = 0.02
    return llm


@dataclass
class Served:
    """The web chat served on 127.0.0.1."""

    url: str
    engine: Engine
    llm: FakeLLM


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One headless Debian Chromium for the module (launching takes a second or two)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; browser tests must run in CI")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """The real app (engine on a tmp SQLite file, a FakeLLM) in uvicorn on an ephemeral port."""
    llm = watched_llm()
    engine = make_engine(sqlite_url(tmp_path), llm)
    app = create_app(engine)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(5):
            while not server.started:
                if task.done():
                    await task  # surfaces why the server could not start
                await asyncio.sleep(0.01)
        yield Served(f"http://127.0.0.1:{port}", engine, llm)
    finally:
        server.should_exit = True
        await task
        listener.close()


NewContext = Callable[[], Awaitable[BrowserContext]]


@pytest_asyncio.fixture(loop_scope="module")
async def new_context(browser: Browser, served: Served) -> AsyncIterator[NewContext]:
    """Makes fresh browser contexts (no shared storage); all are closed before the server stops."""
    contexts: list[BrowserContext] = []

    async def make() -> BrowserContext:
        context = await browser.new_context()
        context.set_default_timeout(5000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        await context.close()


async def open_tab(context: BrowserContext, url: str) -> Page:
    """A new tab on the chat page, once its history has been fetched."""
    page = await context.new_page()
    async with page.expect_response(lambda response: "/api/history" in response.url):
        await page.goto(url)
    return page


async def reload(page: Page) -> None:
    """Reload the tab (same tab, same sessionStorage, same cookie) and wait for its history."""
    async with page.expect_response(lambda response: "/api/history" in response.url):
        await page.reload()


async def say(page: Page, text: str) -> str:
    """Type ``text``, press Enter and return the finished answer."""
    answers = page.locator("#log .turn.assistant:not(.pending)")
    before = await answers.count()
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    await expect(answers).to_have_count(before + 1)
    return await answers.nth(before).text_content() or ""


async def set_name(page: Page, name: str) -> None:
    """Type a name and leave the box (it labels this browser's own messages, nothing more)."""
    await page.fill("#name", name)
    await page.press("#name", "Tab")


RECORD_ASSISTANT_BUBBLE = """() => {
  window.seen = [];
  const log = document.getElementById("log");
  new MutationObserver(() => {
    const bubble = log.lastElementChild;
    if (bubble && !bubble.classList.contains("user")) {
      window.seen.push({ cls: bubble.className, text: bubble.textContent });
    }
  }).observe(log, { childList: true, subtree: true, characterData: true });
}"""


async def test_enter_sends_and_the_answer_streams_into_a_pending_bubble(
    served: Served, new_context: NewContext
) -> None:
    served.llm.piece_delay_s = 0.03
    page = await open_tab(await new_context(), served.url)
    await page.evaluate(RECORD_ASSISTANT_BUBBLE)
    text = "please count these seven little words"

    await page.fill("#text", text)
    await page.press("#text", "Enter")

    await expect(page.locator("#log .turn.user")).to_have_text([text])
    await expect(page.locator("#text")).to_have_value("")
    final = "You said: please count these seven little words"
    await expect(page.locator("#log .turn.assistant:not(.pending)")).to_have_text([final])
    seen: list[dict[str, str]] = await page.evaluate("window.seen")
    while_pending = [s["text"] for s in seen if "pending" in s["cls"].split()]
    growing = list(dict.fromkeys(t for t in while_pending if t))
    assert len(growing) >= 3, f"the answer did not stream in piece by piece: {seen}"
    assert all(final.startswith(t) for t in growing), seen
    assert [len(t) for t in growing] == sorted(len(t) for t in growing), seen
    assert seen[-1] == {"cls": "turn assistant", "text": final}
    assert await page.locator("#log .turn").count() == 2
    assert await page.locator("#send").is_enabled()


async def test_two_tabs_are_two_conversations_that_never_see_each_others_words(
    served: Served, new_context: NewContext
) -> None:
    context = await new_context()  # one browser (one session cookie), two tabs: two conversations
    ann = await open_tab(context, served.url)
    bob = await open_tab(context, served.url)

    first = list(
        await asyncio.gather(say(ann, "my secret word is amethyst"), say(bob, "my secret word is basalt"))
    )
    ann_again = await say(ann, "what did I tell you?")
    bob_again = await say(bob, "and me?")

    assert first == ["You said: my secret word is amethyst", "You said: my secret word is basalt"]
    assert ann_again == "You said: my secret word is amethyst | what did I tell you?"
    assert bob_again == "You said: my secret word is basalt | and me?"
    ann_tab = await ann.evaluate("sessionStorage.getItem('chatwright-conversation')")
    bob_tab = await bob.evaluate("sessionStorage.getItem('chatwright-conversation')")
    assert ann_tab and bob_tab and ann_tab != bob_tab

    await asyncio.gather(reload(ann), reload(bob))

    await expect(ann.locator("#log .turn")).to_have_count(4)
    await expect(bob.locator("#log .turn")).to_have_count(4)
    ann_log = await ann.locator("#log").text_content() or ""
    bob_log = await bob.locator("#log").text_content() or ""
    assert "amethyst" in ann_log and "basalt" not in ann_log
    assert "basalt" in bob_log and "amethyst" not in bob_log
    assert await ann.evaluate("sessionStorage.getItem('chatwright-conversation')") == ann_tab


async def test_the_session_cookie_is_http_only_and_not_readable_by_the_page(
    served: Served, new_context: NewContext
) -> None:
    context = await new_context()
    tab = await open_tab(context, served.url)

    [cookie] = await context.cookies()

    assert cookie["name"] == "chatwright_session" and cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert "chatwright_session" not in await tab.evaluate("document.cookie")


async def test_a_typed_name_is_a_label_not_an_identity(served: Served, new_context: NewContext) -> None:
    tab = await open_tab(await new_context(), served.url)
    await set_name(tab, "ada")
    assert await say(tab, "hello, I am Ada") == "You said: hello, I am Ada"
    await expect(tab.locator("#log .turn.user")).to_have_attribute("title", "ada")

    elsewhere = await open_tab(await new_context(), served.url)
    await set_name(elsewhere, "ada")

    await expect(elsewhere.locator("#log .turn")).to_have_count(0)
    assert await say(elsewhere, "still me?") == "You said: still me?"
    stolen = await elsewhere.request.get(f"{served.url}/api/history?user=ada")
    assert (await stolen.json())["turns"] == []
