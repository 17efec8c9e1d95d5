"""The web chat page in a real headless Chromium, against the real app served by uvicorn on 127.0.0.1.

The backend is a FakeLLM whose answer repeats every user message it sees in the prompt, so any
conversation context leaking from one user to another would show up in the page.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
import sqlalchemy as sa
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from bots.web.app import create_app
from conversation import Engine, Reply, load_settings
from conversation.assembly import build_engine
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from conversation.router import Router
from skills import ChatSkill, SkillRequest, SkillResponse
from skills.docs import DocsSkill
from storage.tables import feedback
from storage.web_logins import WebLogins
from tests.fakes.engines import make_engine, migrated_database, sqlite_url

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
    database_url: str


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


@asynccontextmanager
async def serving(engine: Engine, start_s: float = 5) -> AsyncIterator[str]:
    """``engine``'s web chat in uvicorn on an ephemeral port of 127.0.0.1; yields its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(engine), log_level="warning", lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(start_s):
            while not server.started:
                if task.done():
                    await task  # surfaces why the server could not start
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@pytest_asyncio.fixture(loop_scope="module")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """The real app (engine on a tmp SQLite file, a FakeLLM) in uvicorn on an ephemeral port."""
    llm = watched_llm()
    engine = make_engine(sqlite_url(tmp_path), llm)
    async with serving(engine) as url:
        yield Served(url, engine, llm, sqlite_url(tmp_path))


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
    const bubble = [...log.querySelectorAll(".turn")].pop();
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


class DraftsThenChecks:
    """A task skill that streams a draft with a mistake, then replies with the checked text."""

    name = "count"
    summary = "Count things, checked"
    description = "Counts the things you name. Its drafts are checked before they are final."
    examples = ("count three apples and two pears",)

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Streams "draft: 6 fruit", waits for the test, then answers "5 fruit"."""
        if request.on_token is not None:
            for piece in ("draft: ", "6 ", "fruit"):
                await request.on_token(piece)
        await self.release.wait()
        return SkillResponse([Reply("**5** fruit", skill=self.name)])


def with_task_skill(served: Served, skill: DraftsThenChecks) -> None:
    """The served engine's router with ``skill`` beside chat."""
    served.engine.router = Router({"chat": ChatSkill("You are a test bot."), skill.name: skill})


async def test_an_empty_conversation_offers_one_prompt_per_skill_and_a_click_sends_it(
    served: Served, new_context: NewContext
) -> None:
    counter = DraftsThenChecks()
    counter.release.set()
    with_task_skill(served, counter)
    page = await open_tab(await new_context(), served.url)

    chips = page.locator("#suggestions .chip")
    await expect(chips).to_have_count(1)
    await expect(chips).to_contain_text("Count things, checked")
    await expect(chips).to_contain_text("count three apples and two pears")
    await chips.first.click()

    await expect(page.locator("#log .turn.user")).to_have_text(["count three apples and two pears"])
    answer = "You said: count three apples and two pears"  # no classifier here: the chat skill answers
    await expect(page.locator("#log .turn.assistant:not(.pending)")).to_have_text([answer])
    await expect(page.locator("#suggestions")).to_be_hidden()
    await reload(page)
    await expect(page.locator("#suggestions")).to_be_hidden()


async def test_the_help_button_lists_the_commands(served: Served, new_context: NewContext) -> None:
    counter = DraftsThenChecks()
    with_task_skill(served, counter)
    page = await open_tab(await new_context(), served.url)

    await page.click("#help")

    answer = page.locator("#log .turn.assistant:not(.pending)")
    await expect(answer).to_contain_text("/count: Counts the things you name.")
    await expect(answer).to_contain_text("/help")
    await expect(answer.locator("li")).to_have_count(2)


async def test_answers_are_markdown_and_html_in_them_is_shown_as_text(
    served: Served, new_context: NewContext
) -> None:
    page = await open_tab(await new_context(), served.url)
    text = (
        "**bold** <script>window.ran = true</script> [the site](https://example.org)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n```\nx = 1 < 2\n```"
    )

    await page.fill("#text", text)
    await page.press("#text", "Enter")

    answer = page.locator("#log .turn.assistant:not(.pending)")
    await expect(answer.locator("strong")).to_have_text("bold")
    await expect(answer.locator("p").first).to_contain_text("<script>window.ran = true</script>")
    assert await answer.locator("script").count() == 0
    assert await page.evaluate("window.ran") is None
    link = answer.locator("a")
    await expect(link).to_have_attribute("href", "https://example.org")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(answer.locator("table td")).to_have_text(["1", "2"])
    await expect(answer.locator("ul li")).to_have_text(["one", "two"])
    await expect(answer.locator("pre code")).to_have_text("x = 1 < 2\n")

    await reload(page)
    await expect(page.locator("#log .turn.assistant strong")).to_have_text("bold")


async def test_a_provisional_bubble_thinks_then_streams_and_the_checked_answer_replaces_the_draft(
    served: Served, new_context: NewContext
) -> None:
    counter = DraftsThenChecks()
    with_task_skill(served, counter)
    page = await open_tab(await new_context(), served.url)
    provisional = page.locator("#log .turn.pending")

    await page.fill("#text", "/count apples")
    await page.press("#text", "Enter")

    await expect(provisional).to_have_text("draft: 6 fruit")
    await expect(page.locator("#log .turn.assistant:not(.pending)")).to_have_count(0)
    counter.release.set()
    answer = page.locator("#log .turn.assistant:not(.pending)")
    await expect(answer).to_have_text("5 fruit")
    await expect(provisional).to_have_count(0)
    assert "draft" not in (await page.locator("#log").text_content() or "")

    served.llm.delay_s = 1.0
    await page.fill("#text", "hello again")
    await page.press("#text", "Enter")
    await expect(provisional).to_have_count(1)
    thinking = await provisional.evaluate("bubble => getComputedStyle(bubble, '::before').content")
    assert thinking == '"thinking…"'
    await expect(page.locator("#log .turn.assistant:not(.pending)")).to_have_count(2)


async def test_a_thumbs_down_under_an_answer_is_stored_as_the_users_vote(
    served: Served, new_context: NewContext
) -> None:
    page = await open_tab(await new_context(), served.url)
    assert await say(page, "rate me") == "You said: rate me"

    down = page.locator("#log .votes button[aria-label='Bad answer']")
    async with page.expect_response(lambda response: "/api/feedback" in response.url):
        await down.click()

    await expect(down).to_have_attribute("aria-pressed", "true")
    database = migrated_database(served.database_url)
    with database.connect() as connection:
        votes = connection.execute(sa.select(feedback.c.platform, feedback.c.value)).all()
    database.dispose()
    assert [tuple(vote) for vote in votes] == [("web", -1)]


async def test_the_login_link_opens_a_page_whose_button_signs_in_once(
    served: Served, new_context: NewContext
) -> None:
    token = WebLogins(served.engine.ledger.engine).issue("boss")
    context = await new_context()
    page = await context.new_page()

    await page.goto(f"{served.url}/login?token={token}")
    await page.goto(f"{served.url}/login?token={token}")  # a second GET, as after a link preview
    cookies_before = await context.cookies()
    async with page.expect_response(lambda response: "/api/history" in response.url):
        await page.click("#sign-in")
    history = await page.request.get(f"{served.url}/api/history")
    again = await page.request.post(f"{served.url}/login?token={token}", max_redirects=0)

    assert cookies_before == []
    assert page.url == f"{served.url}/"
    assert (await history.json())["user"] == "boss"
    assert again.status == 401


class Redlines:
    """Stands in for proofread: one correction with its diff, as ``skills.proofread`` sends it."""

    name = "proofread"
    description = "Corrects spelling and grammar."

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """'their going' corrected to 'they're going', with the diff."""
        diff = [
            {"op": "delete", "text": "their"},
            {"op": "insert", "text": "they're"},
            {"op": "equal", "text": " going"},
        ]
        data = {"corrected": "they're going", "diff": diff}
        return SkillResponse(
            [Reply("they're going\n\nChanges: ~~their~~ **they're** going", self.name, data=data)]
        )


async def test_a_proofread_redline_keeps_its_red_and_green(served: Served, new_context: NewContext) -> None:
    served.engine.router = Router({"chat": ChatSkill("You are a test bot."), "proofread": Redlines()})
    page = await open_tab(await new_context(), served.url)

    await page.fill("#text", "/proofread their going")
    await page.press("#text", "Enter")

    answer = page.locator("#log .turn.assistant:not(.pending)")
    await expect(answer.locator("del")).to_have_text("their")
    await expect(answer.locator("ins")).to_have_text("they're")
    colours = await answer.evaluate(
        "bubble => ['del', 'ins'].map(tag => getComputedStyle(bubble.querySelector(tag)).color)"
    )
    assert colours == ["rgb(163, 38, 42)", "rgb(28, 107, 51)"]


async def test_ask_on_a_fresh_data_folder_answers_from_the_guide_with_a_citation(
    browser: Browser, tmp_path: Path
) -> None:
    guide = tmp_path / "guide"
    guide.mkdir()
    (guide / "slack.md").write_text("# Slack\n\nThe bot joins Slack with a bot token and an app token.\n")
    (guide / "orders.md").write_text("# Orders\n\nAn order is priced by code from the menu.\n")
    settings = load_settings(
        data_dir=tmp_path / "data", model="fake", intent_classifier=False, docs_guide=guide
    )
    engine = build_engine(settings, llm=FakeLLM(lambda _: "It joins with a bot token and an app token [1]."))
    docs = engine.router.skills["ask"]
    assert isinstance(docs, DocsSkill) and docs.guide is not None
    async with serving(engine, start_s=120) as url:
        async with asyncio.timeout(120):
            while docs.guide.indexing:
                await asyncio.sleep(0.1)
        context = await browser.new_context()
        context.set_default_timeout(30000)
        try:
            page = await open_tab(context, url)
            answer = await say(page, "What does the guide say about Slack?")
        finally:
            await context.close()

    assert answer.startswith("It joins with a bot token and an app token [1].")
    assert '[1] slack.md, section "Slack"' in answer
