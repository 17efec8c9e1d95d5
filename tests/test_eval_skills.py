"""``chatwright eval skills``: labelled cases through a real engine, checked by code, recorded per model."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bots.cli import main
from conversation import ConfigError, Reply, load_settings
from conversation.llm import FakeLLM
from conversation.skill_eval import Check, evaluate_skills, load_cases, run_skill_eval
from storage import create_database_engine
from storage.tables import eval_runs, transcripts
from tests.fakes.engines import migrated_database

REDUCED = """
[[case]]
skill = "order"
name = "one large pepperoni for pickup"
turns = ["/order a large pepperoni pizza", "no toppings", "pickup", "that's all", "yes"]
checks = [{ field = "data.total", approx = 12.95 }]

[[case]]
skill = "translate"
name = "German detected"
turns = ["/translate to English: Wo ist der Bahnhof? Ich habe meinen Zug verpasst."]
checks = [{ field = "data.detected", equals = "de" }]

[[case]]
skill = "proofread"
name = "clean sentence"
turns = ["/proofread The cat is sleeping."]
checks = [{ equals = "No errors found" }]
"""


@pytest.fixture
def reduced(tmp_path: Path) -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(REDUCED)
    return path


def test_the_shipped_cases_cover_every_skill() -> None:
    cases = load_cases().case

    assert {case.skill for case in cases} == {"order", "translate", "proofread", "reply", "chat"}
    assert all(case.turns[0].startswith(f"/{case.skill}") for case in cases)


async def test_with_an_echoing_model_code_decided_checks_pass_and_model_decided_ones_fail(
    tmp_path: Path,
) -> None:
    settings = load_settings(data_dir=tmp_path, model="fake", check_drafts=False)
    database = migrated_database(settings.resolved_database_url)

    rates = await run_skill_eval(FakeLLM(), settings, record_to=database)

    assert rates["order"] == 1.0, "prices and totals are code's job"
    assert rates["proofread"] == 0.0, "an echo is neither 'No errors found' nor a correction"
    assert rates["chat"] == 0.0
    with database.connect() as db:
        (run,) = db.execute(sa.select(eval_runs)).all()
        assert db.execute(sa.select(sa.func.count()).select_from(transcripts)).scalar_one() == 0
    assert (run.kind, run.subject) == ("skills", "fake")
    assert run.app_version
    assert run.metrics["order"]["cases"] == 4 and run.metrics["order"]["pass_rate"] == 1.0


async def test_the_table_names_each_failed_case_and_why(tmp_path: Path, reduced: Path) -> None:
    report = await evaluate_skills(FakeLLM(), load_settings(data_dir=tmp_path), load_cases(reduced).case)

    table = report.table().splitlines()
    assert table[0] == "model: fake"
    assert table[3].startswith("| order | 1 | 1 | 100% |")
    assert table[5].startswith("| proofread | 1 | 0 | 0% |")
    assert table[6].startswith("FAILED proofread / clean sentence: text='echo: ")


async def test_a_model_that_is_down_fails_its_cases_at_once_without_retries(
    tmp_path: Path, reduced: Path
) -> None:
    llm = FakeLLM()
    llm.failure = "the server is down"
    cases = [case for case in load_cases(reduced).case if case.skill != "order"]

    report = await evaluate_skills(llm, load_settings(data_dir=tmp_path, retry_after_s=60), cases)

    assert report.pass_rates() == {"translate": 0.0, "proofread": 0.0}
    assert report.results[0].failures[0].startswith("turn 1 answered with a notice: ")
    assert "the server is down" in report.results[0].failures[0]
    assert len(llm.prompts) == 2, "one call per case, none retried"


@pytest.mark.parametrize(
    ("check", "passes"),
    [
        (Check(field="data.order.total", approx=12.95), True),
        (Check(field="data.order.total", approx=12.0), False),
        (Check(field="data.missing.path", equals="x"), False),
        (Check(contains=["HELLO", "world"]), True),
        (Check(contains_any=["nope", "world"], excludes=["bye"]), True),
        (Check(excludes=["hello"]), False),
        (Check(last_line="AI customer agent"), True),
        (Check(last_line="hello world"), False),
    ],
)
def test_checks(check: Check, passes: bool) -> None:
    reply = Reply("Hello world\n\nBest regards,\n**AI customer agent**", data={"order": {"total": 12.95}})

    assert (check.failures([reply]) == []) is passes


def test_a_bad_cases_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[case]]\nskill = "order"\nname = "x"\nturns = []\nchecks = [{ field = "price" }]\n')

    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load_cases(path)


def test_the_command_prints_the_table_and_records_the_run(
    tmp_path: Path, reduced: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATWRIGHT_MODEL", "fake")
    monkeypatch.setenv("CHATWRIGHT_DATA_DIR", str(tmp_path))

    assert main(["eval", "skills", "--cases", str(reduced), "--skill", "order"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[3].startswith("| order | 1 | 1 | 100% |") and len(out) == 4
    database = create_database_engine(load_settings(data_dir=tmp_path).resolved_database_url)
    with database.connect() as db:
        assert db.execute(sa.select(eval_runs.c.subject)).scalar_one() == "fake"


@pytest.mark.slow
async def test_the_real_small_model_runs_the_reduced_cases(tmp_path: Path, reduced: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    try:
        settings = load_settings(data_dir=tmp_path)
        # One case: on a busy 2-core machine the 135M's constrained order extraction takes a minute
        # and its runaway proofreading half a minute.
        cases = [case for case in load_cases(reduced).case if case.skill == "translate"]
        report = await evaluate_skills(backend, settings, cases)
    finally:
        await backend.aclose()

    rates = report.pass_rates()
    assert rates == {"translate": 1.0}, "the language comes from the offline detector"
    assert all(s > 0 for r in report.results for s in r.turn_seconds)
    assert report.model == "smollm2-135m"


async def test_the_detector_names_the_language_of_the_shipped_texts(tmp_path: Path) -> None:
    detections = load_cases().detect

    report = await evaluate_skills(FakeLLM(), load_settings(data_dir=tmp_path), [], detections=detections)

    assert len({case.language for case in detections}) == 10 and len(detections) == 40
    (row,) = report.scores()
    assert row.skill == "detect" and row.pass_rate >= 0.95, report.table()
