"""Web chat on the open internet: sessions are identities, cookies cannot be forged, admins log in by link."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from bots.cli_admin import run_admin
from bots.web import WebAccess, create_app
from bots.web.sessions import COOKIE
from conversation import Engine, EngineLimits, load_settings
from conversation.admin import AdminError
from conversation.assembly import build_engine
from conversation.limits import Admission, UserQuota
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill
from storage import Ledger
from storage.web_logins import WebLogins
from tests.fakes.engines import migrated_database

BASE = "http://chat.test"


@asynccontextmanager
async def serve(engine: Engine, access: WebAccess) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running; the client is one browser (it keeps its cookies)."""
    app = create_app(engine, access=access)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as browser:
            yield browser


def another_browser(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=browser._transport, base_url=BASE)


async def opened(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    page = await browser.get("/")
    assert page.status_code == 200, page.text
    return browser


async def user_of(browser: httpx.AsyncClient) -> str:
    response = await browser.get("/api/history")
    assert response.status_code == 200, response.text
    user: str = response.json()["user"]
    return user


async def answer(browser: httpx.AsyncClient, text: str, **fields: str) -> httpx.Response:
    return await browser.post("/api/chat", json={"text": text, **fields})


@pytest.fixture
def access() -> WebAccess:
    return WebAccess(secret="s3cret")


@pytest.fixture
async def browser(database_url: str, access: WebAccess) -> AsyncIterator[httpx.AsyncClient]:
    engine = Engine(
        Ledger(migrated_database(database_url)),
        FakeLLM(),
        Router({"chat": ChatSkill("Bot.")}),
        EngineLimits(),
    )
    async with serve(engine, access) as client:
        yield client


async def test_another_session_can_neither_read_nor_write_a_users_history(browser: httpx.AsyncClient) -> None:
    ann = await opened(browser)
    assert (await answer(ann, "my secret is amethyst", conversation="tab1")).status_code == 200
    ann_user = await user_of(ann)
    async with another_browser(browser) as mallory:
        await opened(mallory)
        peeked = await mallory.get("/api/history", params={"conversation": "tab1", "user": ann_user})
        written = await answer(mallory, "I am ann, forget the secret", conversation="tab1", user=ann_user)
        mallory_user = await user_of(mallory)

    ann_history = (await ann.get("/api/history", params={"conversation": "tab1"})).json()["turns"]
    assert peeked.status_code == 200 and peeked.json()["turns"] == []
    assert written.status_code == 200 and mallory_user != ann_user
    assert [turn["text"] for turn in ann_history] == ["my secret is amethyst", "echo: my secret is amethyst"]


async def test_a_request_without_a_session_is_401(browser: httpx.AsyncClient) -> None:
    history = await browser.get("/api/history")
    chat = await answer(browser, "hello")

    assert (history.status_code, chat.status_code) == (401, 401)


@pytest.mark.parametrize(
    "cookie",
    [
        URLSafeTimedSerializer("another secret", salt="chatwright-web-session").dumps(
            {"user": "boss", "gate": ""}
        ),
        URLSafeTimedSerializer("s3cret", salt="another salt").dumps({"user": "boss", "gate": ""}),
        "eyJ1c2VyIjoiYm9zcyJ9.not-a-signature",
    ],
    ids=["other-secret", "other-salt", "unsigned"],
)
async def test_a_forged_cookie_is_refused(browser: httpx.AsyncClient, cookie: str) -> None:
    browser.cookies.set(COOKIE, cookie, domain="chat.test")

    assert (await browser.get("/api/history")).status_code == 401
    assert (await answer(browser, "/admin stats")).status_code == 401


async def test_a_tampered_cookie_is_refused(browser: httpx.AsyncClient) -> None:
    await opened(browser)
    good = browser.cookies[COOKIE]
    payload, rest = good.split(".", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    browser.cookies.set(COOKIE, tampered, domain="chat.test")

    assert (await browser.get("/api/history")).status_code == 401


async def test_a_post_from_another_sites_page_is_403_and_an_allowed_origin_passes(database_url: str) -> None:
    access = WebAccess(secret="s3cret", allowed_origins=frozenset({"https://partner.example"}))
    engine = Engine(
        Ledger(migrated_database(database_url)),
        FakeLLM(),
        Router({"chat": ChatSkill("Bot.")}),
        EngineLimits(),
    )
    async with serve(engine, access) as browser:
        await opened(browser)
        evil = await browser.post(
            "/api/chat", json={"text": "hi"}, headers={"Origin": "https://evil.example"}
        )
        cross = await browser.post("/api/chat", json={"text": "hi"}, headers={"Sec-Fetch-Site": "cross-site"})
        partner = await browser.post(
            "/api/chat", json={"text": "hi"}, headers={"Origin": "https://partner.example"}
        )
        own = await browser.post("/api/chat", json={"text": "hey"}, headers={"Origin": BASE})

    assert (evil.status_code, cross.status_code) == (403, 403)
    assert (partner.status_code, own.status_code) == (200, 200)


async def test_a_form_post_is_415(browser: httpx.AsyncClient) -> None:
    await opened(browser)

    response = await browser.post("/api/chat", data={"text": "hi"})

    assert response.status_code == 415


async def test_with_the_web_chat_disabled_only_healthz_is_served(database_url: str) -> None:
    engine = Engine(
        Ledger(migrated_database(database_url)),
        FakeLLM(),
        Router({"chat": ChatSkill("Bot.")}),
        EngineLimits(),
    )
    async with serve(engine, WebAccess(enabled=False)) as browser:
        statuses = [(await browser.get(path)).status_code for path in ("/", "/api/history", "/healthz")]

    assert statuses == [404, 404, 200]


async def test_an_access_token_gates_the_page_and_a_new_token_ends_old_sessions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = Engine(
        Ledger(migrated_database(url)), FakeLLM(), Router({"chat": ChatSkill("Bot.")}), EngineLimits()
    )
    async with serve(engine, WebAccess(secret="k", access_token="open-sesame")) as browser:
        without = await browser.get("/")
        wrong = await browser.get("/", params={"access": "guess"})
        right = await browser.get("/", params={"access": "open-sesame"})
        assert right.status_code == 303 and right.headers["location"] == "/"
        assert (await answer(browser, "hello")).status_code == 200
        old_cookie = browser.cookies[COOKIE]
    engine = Engine(
        Ledger(migrated_database(url)), FakeLLM(), Router({"chat": ChatSkill("Bot.")}), EngineLimits()
    )
    async with serve(engine, WebAccess(secret="k", access_token="rotated")) as browser:
        browser.cookies.set(COOKIE, old_cookie, domain="chat.test")
        after_rotation = await browser.get("/api/history")

    assert (without.status_code, wrong.status_code) == (401, 401)
    assert after_rotation.status_code == 401


async def test_a_trusted_proxy_header_names_the_user_and_is_required(database_url: str) -> None:
    engine = Engine(
        Ledger(migrated_database(database_url)),
        FakeLLM(),
        Router({"chat": ChatSkill("Bot.")}),
        EngineLimits(),
    )
    async with serve(engine, WebAccess(trusted_user_header="X-Forwarded-User")) as browser:
        bare = await browser.get("/api/history")
        named = await browser.get("/api/history", headers={"X-Forwarded-User": "alice@example.org"})

    assert bare.status_code == 401
    assert named.json()["user"] == "alice@example.org"


# -- web admins: only through a login link ------------------------------------------------------


async def test_web_admin_rights_only_after_the_login_link_and_the_link_works_once(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, model="fake", intent_classifier=False, admins=["web:boss"])
    engine = build_engine(settings, FakeLLM())
    logins = WebLogins(engine.ledger.engine)
    async with serve(engine, WebAccess(secret="k")) as browser:
        await opened(browser)
        before = await answer(browser, "/admin maintenance", name="boss", user="boss")
        link = logins.issue("boss")
        signed_in = await browser.post("/login", params={"token": link})
        after = await answer(browser, "/admin maintenance")
        async with another_browser(browser) as thief:
            reused = await thief.post("/login", params={"token": link})
            expired = await thief.post("/login", params={"token": logins.issue("boss", ttl_s=-1)})

    assert "Refused" in before.text
    assert signed_in.status_code == 303
    assert "Maintenance is off." in after.text
    assert (reused.status_code, expired.status_code) == (401, 401)


async def test_a_link_preview_getting_the_login_link_does_not_spend_it_the_buttons_post_does(
    tmp_path: Path,
) -> None:
    settings = load_settings(data_dir=tmp_path, model="fake", intent_classifier=False, admins=["web:boss"])
    engine = build_engine(settings, FakeLLM())
    logins = WebLogins(engine.ledger.engine)
    async with serve(engine, WebAccess(secret="k")) as browser:
        link = logins.issue("boss")
        async with another_browser(browser) as unfurler:
            preview = await unfurler.get("/login", params={"token": link})
            previewed_again = await unfurler.get("/login", params={"token": link})
        signed_in = await browser.post("/login", params={"token": link})
        from_another_site = await browser.post(
            "/login", params={"token": logins.issue("boss")}, headers={"Origin": "https://evil.example"}
        )
        after = await answer(browser, "/admin maintenance")

    assert (preview.status_code, previewed_again.status_code) == (200, 200)
    assert "chatwright_session" not in preview.cookies
    assert preview.headers["cache-control"] == "no-store"
    assert f'<form method="post" action="/login?token={link}">' in preview.text
    assert signed_in.status_code == 303
    assert from_another_site.status_code == 403
    assert "Maintenance is off." in after.text


def test_the_web_login_command_prints_a_link_only_for_admins(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, model="fake", admins=["web:boss"], web_public_url="https://chat.example.org/"
    )
    out = io.StringIO()

    run_admin(settings, ["web-login", "boss"], out)
    with pytest.raises(AdminError):
        run_admin(settings, ["web-login", "nobody"], io.StringIO())

    token = re.search(r"https://chat\.example\.org/login\?token=(\S+)", out.getvalue())
    assert token is not None
    assert WebLogins(build_engine(settings, FakeLLM()).ledger.engine).redeem(token[1]) == "boss"


# -- fairness over HTTP -------------------------------------------------------------------------


async def test_a_flood_of_1000_from_one_browser_is_capped_with_a_notice_and_others_get_answers(
    database_url: str,
) -> None:
    llm = FakeLLM()
    llm.delay_s = 0.005
    quota = UserQuota(max_queued_per_user=3, max_queued_per_scope=3, rate_per_minute=60, burst=5)
    engine = Engine(
        Ledger(migrated_database(database_url)),
        llm,
        Router({"chat": ChatSkill("Bot.")}),
        EngineLimits(),
        admission=Admission(quota),
    )
    async with serve(engine, WebAccess(secret="k")) as flooder:
        await opened(flooder)
        others = [await opened(another_browser(flooder)) for _ in range(3)]
        flood = [answer(flooder, f"spam {n}") for n in range(1000)]
        polite = [answer(browser, f"hello {n}") for n, browser in enumerate(others)]
        responses = await asyncio.gather(*flood[:500], *polite, *flood[500:])
        await engine.join()
        for browser in others:
            await browser.aclose()

    flooded = responses[:500] + responses[503:]
    statuses = [response.status_code for response in flooded]
    assert statuses.count(200) <= 5 and statuses.count(429) == 1000 - statuses.count(200)
    assert "This one was not taken" in next(r for r in flooded if r.status_code == 429).json()["error"]
    assert [r.status_code for r in responses[500:503]] == [200, 200, 200]
    assert [f"echo: hello {n}" in r.text for n, r in enumerate(responses[500:503])] == [True] * 3
