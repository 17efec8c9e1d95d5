"""chatwright ingest and chatwright eval rag from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bots.cli import main
from storage.tables import eval_runs
from tests.fakes.corpus import write_corpus


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHATWRIGHT_CONFIG", raising=False)
    monkeypatch.setenv("CHATWRIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHATWRIGHT_MODEL", "fake")
    return tmp_path


def test_ingest_reports_what_it_did_and_a_broken_file_gives_exit_code_1(workdir, capsys):
    corpus = write_corpus(workdir / "corpus")

    assert main(["ingest", str(corpus), "--collection", "manuals", "--method", "basic"]) == 0
    assert (
        "collection manuals: 4 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in capsys.readouterr().err
    )

    (corpus / "broken.pdf").write_bytes(b"garbage")
    assert main(["ingest", str(corpus), "--collection", "manuals", "--method", "basic"]) == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "broken.pdf" in err and "4 unchanged" in err


def test_eval_rag_needs_an_ingested_collection(workdir, capsys):
    (workdir / "q.txt").write_text("Anything?\n", encoding="utf-8")
    assert main(["eval", "rag", "--questions", "q.txt"]) == 2
    assert "run chatwright ingest first" in capsys.readouterr().err


def test_eval_rag_prints_records_and_draws_the_leaderboard(workdir, capsys):
    main(["ingest", str(write_corpus(workdir / "corpus")), "--method", "basic"])
    (workdir / "q.txt").write_text("How do I reset the router?\n", encoding="utf-8")

    code = main(
        [
            "eval",
            "rag",
            "--questions",
            "q.txt",
            "--method",
            "basic",
            "--method",
            "auto_merging",
            "--out",
            "out",
        ]
    )

    assert code == 0
    board = capsys.readouterr().out.splitlines()
    assert board[0].startswith("method") and {line.split()[0] for line in board[1:]} == {
        "basic+bm25",
        "auto_merging+bm25",
    }
    assert (workdir / "out" / "rag-triad.png").is_file() and (
        workdir / "out" / "rag-leaderboard.html"
    ).is_file()
    database = sa.create_engine(f"sqlite:///{workdir / 'data' / 'chatwright.db'}")
    with database.connect() as connection:
        subjects = connection.execute(
            sa.select(eval_runs.c.subject).where(eval_runs.c.kind == "rag")
        ).scalars()
        assert sorted(subjects) == ["auto_merging", "basic"]
