"""Ingest, ask and evaluate with every non-loopback connection refused (imports included)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import ipaddress, socket, sys

    attempts = []
    real_connect, real_connect_ex, real_getaddrinfo = (
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)

    def loopback(address):
        if not isinstance(address, tuple):
            return True  # AF_UNIX
        host = address[0]
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    def connect(self, address):
        if not loopback(address):
            attempts.append(address)
            raise OSError(f"network blocked: {address}")
        return real_connect(self, address)

    def connect_ex(self, address):
        if not loopback(address):
            attempts.append(address)
            return 111
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not loopback((host,)) and host is not None:
            attempts.append(host)
            raise OSError(f"name lookup blocked: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo

    import asyncio
    from pathlib import Path

    from bots.cli import main
    from conversation import Message, load_settings
    from skills.base import SkillRequest
    from skills.docs import DocsSkill, docs_config
    from skills.docs.evaluation import evaluate_methods, record_results
    from skills.docs.report import write_chart, write_page
    from storage import create_database_engine
    from tests.fakes.corpus import write_corpus
    from tests.fakes.judge import scripted_judge

    root = Path(sys.argv[1])
    assert main(["ingest", str(write_corpus(root / "corpus")), "--method", "basic"]) == 0
    settings = load_settings()
    database = create_database_engine(settings.resolved_database_url)
    skill = DocsSkill(docs_config(settings), database)
    judge = scripted_judge()
    question = "How do I reset the router to factory settings?"
    message = Message(platform="test", user="u1", text=question, event_id="e1")
    reply = asyncio.run(skill.handle(SkillRequest(message, question, [], {}, judge))).replies[0]
    assert reply.data["citations"][0]["file"] == "manual.pdf", reply
    results = evaluate_methods([question], collection="default", library=skill.library,
                               llm=judge, judge_llm=judge, methods=["basic"])
    record_results(database, results, "default")
    write_page(results, root / "board.html", write_chart(results, root / "chart.png"))
    assert results[0].mean("groundedness") == 1.0, results
    print("attempts:", attempts)
    sys.exit(1 if attempts else 0)
    """
)


@pytest.mark.slow
def test_ingest_query_and_eval_never_touch_the_network(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CHATWRIGHT_CONFIG"} | {
        "CHATWRIGHT_DATA_DIR": str(tmp_path / "data"),
        "CHATWRIGHT_MODEL": "fake",
        "CHATWRIGHT_DOCS_METHOD": "basic",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=REPO,
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "attempts: []" in done.stdout
    assert (tmp_path / "chart.png").is_file() and (tmp_path / "board.html").is_file()
