"""Slack installed into several workspaces over OAuth (the real Bolt and slack_sdk's SQLAlchemy
stores on the project database, against the fake Slack): each workspace is answered with its own
bot token; uninstalling deletes that workspace's installation.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from tests.fakes.adapter_servers import SlackServer, serve_slack
from tests.fakes.engines import make_engine, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, event_callback, message_event

OAUTH = {"slack_bot_token": "", "slack_client_id": "1111.2222", "slack_client_secret": "oauth-secret"}
STATE_COOKIE = "slack-app-oauth-state"


async def install(server: SlackServer, team: str) -> int:
    """Follow "Add to Slack" and Slack's redirect back with the code for ``team``; the final status."""
    start = await server.http.get("/slack/install")
    assert start.status_code == 302, start.text
    authorize = urlparse(start.headers["location"])
    [state] = parse_qs(authorize.query)["state"]
    done = await server.http.get(
        "/slack/oauth_redirect",
        params={"code": f"code-{team}", "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
    )
    return done.status_code


def installed_teams(database_url: str) -> tuple[list[str], list[str]]:
    """The teams with an installation row, and with a bot row."""
    database = sa.create_engine(database_url)
    with database.connect() as connection:
        installations = connection.execute(sa.text("SELECT team_id FROM slack_installations")).scalars()
        bots = connection.execute(sa.text("SELECT team_id FROM slack_bots")).scalars()
        teams = sorted(installations), sorted(bots)
    database.dispose()
    return teams


def dm(team: str, text: str, ts: str) -> dict[str, object]:
    event = message_event(text, user=f"U-{team}", channel=f"D-{team}", ts=ts, channel_type="im")
    return event_callback(event, f"Ev-{team}-{ts}", team_id=team)


async def test_two_workspaces_install_over_oauth_each_answered_with_its_token_until_uninstalled(
    tmp_path: Path,
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeSlackApi() as slack:
        engine = make_engine(database_url)
        async with serve_slack(slack, engine, **OAUTH) as server:
            statuses = [await install(server, "T1"), await install(server, "T2")]
            after_install = installed_teams(database_url)
            for team in ("T1", "T2"):
                assert (
                    await server.deliver(dm(team, f"hello from {team}", "1700000000.000100"))
                ).status_code == 200
            await slack.wait_until(lambda: bool(slack.shown("D-T1")) and bool(slack.shown("D-T2")))
            await engine.join()
            uninstalled = event_callback(
                {"type": "app_uninstalled", "event_ts": "1700000001.000100"}, "EvBye", "T1"
            )
            assert (await server.deliver(uninstalled)).status_code == 200
            after_uninstall = installed_teams(database_url)

    assert statuses == [200, 200]
    assert after_install == (["T1", "T2"], ["T1", "T2"])
    posts = {call.args["channel"]: call.token for call in slack.calls_to("chat.postMessage")}
    assert posts == {"D-T1": "xoxb-T1", "D-T2": "xoxb-T2"}
    assert slack.shown("D-T1") == ["echo: hello from T1"] and slack.shown("D-T2") == ["echo: hello from T2"]
    assert after_uninstall == (["T2"], ["T2"])
