"""The dataset: each filter drops the transcript it must, personal data is scrubbed, splits are stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fakes.engines import migrated_database, sqlite_url
from tests.fakes.transcripts import record_exchange, set_privacy, vote
from training.dataset import Dataset, assign_splits, build_dataset, read_pairs, write_dataset
from training.scrub import Scrubber, luhn_valid


@pytest.fixture
def database(tmp_path: Path) -> sa.Engine:
    """A migrated SQLite database."""
    engine = migrated_database(sqlite_url(tmp_path))
    return engine


def build(database: sa.Engine) -> Dataset:
    return build_dataset(database, test_fraction=0.25, near_duplicate_threshold=0.8, sources={"test"})


def responses(dataset: Dataset) -> set[str]:
    return {pair.response for pair in dataset.pairs}


def test_a_clean_answer_is_kept_with_its_system_prompt(database: sa.Engine) -> None:
    record_exchange(database, "How do I reset my password?", "Open settings and choose Reset.")
    (pair,) = build(database).pairs
    assert (pair.system, pair.instruction, pair.response) == (
        "You are a test bot.",
        "How do I reset my password?",
        "Open settings and choose Reset.",
    )


def test_an_answer_with_an_error_outcome_is_dropped(database: sa.Engine) -> None:
    record_exchange(database, "What is the weather like?", "model timed out", outcome="backend_error")
    record_exchange(database, "Tell me a joke please", "Why did the chicken cross the road?")
    dataset = build(database)
    assert responses(dataset) == {"Why did the chicken cross the road?"}
    assert dataset.manifest["dropped"] == {"error": 1}


def test_an_answer_no_model_wrote_is_dropped(database: sa.Engine) -> None:
    record_exchange(database, "/admin forget test:victim", "Forgot test:victim.", skill="admin", model="")
    record_exchange(database, "Tell me a joke please", "Why did the chicken cross the road?")
    dataset = build(database)
    assert responses(dataset) == {"Why did the chicken cross the road?"}
    assert dataset.manifest["dropped"] == {"no_model_call": 1}


def test_a_thumbs_down_answer_is_dropped_and_a_thumbs_up_kept(database: sa.Engine) -> None:
    disliked = record_exchange(database, "Summarise the meeting", "I do not know what a meeting is.")
    liked = record_exchange(database, "Summarise the plan", "Ship on Friday, test on Thursday.")
    vote(database, disliked, -1)
    vote(database, liked, +1)
    dataset = build(database)
    assert responses(dataset) == {"Ship on Friday, test on Thursday."}
    assert dataset.manifest["dropped"] == {"thumbs_down": 1}


def test_exact_and_near_duplicates_are_dropped(database: sa.Engine) -> None:
    record_exchange(database, "What are your opening hours today?", "We are open from nine to five today.")
    record_exchange(database, "what are your opening hours today", "We are open from nine to five today!")
    record_exchange(
        database, "What are your opening hours today, please?", "We are open from nine to five today."
    )
    record_exchange(database, "Where is the office?", "At the end of the main road, next to the bakery.")
    dataset = build(database)
    assert len(dataset.pairs) == 2
    assert dataset.manifest["dropped"] == {"duplicate": 1, "near_duplicate": 1}


def test_opted_out_and_forgotten_users_are_excluded(database: sa.Engine) -> None:
    record_exchange(database, "Question from a user who opted out", "Answer one", user="shy")
    record_exchange(database, "Question from a forgotten user", "Answer two", user="gone")
    record_exchange(database, "Question from a regular user", "Answer three", user="regular")
    set_privacy(database, "shy", opted_out=True)
    set_privacy(database, "gone", forgotten=True)
    set_privacy(database, "regular")
    dataset = build(database)
    assert responses(dataset) == {"Answer three"}
    assert dataset.manifest["dropped"] == {"forgotten": 1, "opted_out": 1}


def test_personal_data_is_scrubbed_from_instruction_and_response(database: sa.Engine) -> None:
    record_exchange(
        database,
        "Mail jane.doe@example.com or call +44 20 7946 0958, I live at 221B Baker Street.",
        "Charged card 4111 1111 1111 1111; we will ring (415) 555-2671 at 12 Elm Road.",
    )
    dataset = build(database)
    (pair,) = dataset.pairs
    assert pair.instruction == "Mail [EMAIL] or call [PHONE], I live at [ADDRESS]."
    assert pair.response == "Charged card [CARD]; we will ring [PHONE] at [ADDRESS]."
    assert dataset.manifest["scrubbed"] == {"[ADDRESS]": 2, "[CARD]": 1, "[EMAIL]": 1, "[PHONE]": 2}


def test_digit_runs_that_fail_the_luhn_check_are_not_cards() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    scrubber = Scrubber()
    assert scrubber.scrub("order 4111 1111 1111 1112 shipped") == "order 4111 1111 1111 1112 shipped"


def test_every_skill_keeps_pairs_in_both_splits_and_the_split_is_stable(database: sa.Engine) -> None:
    topics = ["lunch", "parking", "holidays", "printers", "badges", "laptops", "coffee", "meetings"]
    for topic in topics:
        record_exchange(database, f"Where do I ask about {topic}?", f"Ask the {topic.upper()} desk, floor 3.")
    record_exchange(database, "Fix: teh cat sat", "The cat sat.", skill="proofread")
    record_exchange(database, "Fix: I has two dogs", "I have two dogs.", skill="proofread")
    first, second = build(database), build(database)
    assert [p.split for p in first.pairs] == [p.split for p in second.pairs]
    for skill in ("chat", "proofread"):
        splits = {pair.split for pair in first.pairs if pair.skill == skill}
        assert splits == {"train", "test"}
    assert first.manifest["per_skill"] == {"chat": 8, "proofread": 2}
    assert assign_splits(first.pairs, 0.25) == first.pairs


def test_dataset_round_trips_through_jsonl_with_a_manifest(database: sa.Engine, tmp_path: Path) -> None:
    record_exchange(database, "one question here", "one answer here")
    record_exchange(database, "another question there", "another answer there", outcome="error")
    dataset = build(database)
    path = write_dataset(dataset, tmp_path / "run")
    assert read_pairs(path) == dataset.pairs
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["transcripts"] == 2
    assert manifest["kept"] == 1
    assert manifest["dropped"] == {"error": 1}


def test_a_malformed_dataset_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "dataset.jsonl"
    path.write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match=r"dataset.jsonl:1"):
        read_pairs(path)
