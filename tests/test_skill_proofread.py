"""proofread: code decides "No errors found" and builds a redline that rejoins to both texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation import Message
from conversation.llm import LLM, FakeLLM
from skills.base import SkillRequest, SkillResponse
from skills.proofread import (
    NO_ERRORS,
    ProofreadSkill,
    RedlineDiff,
    redline,
    render_redline_html,
    render_redline_markdown,
)

WRONG = "Their is a dog in the gardn."
RIGHT = "There is a dog in the garden."


async def proofread(text: str, llm: LLM) -> SkillResponse:
    message = Message(platform="test", user="u1", text=f"/proofread {text}", event_id=text, channel="c1")
    return await ProofreadSkill().handle(SkillRequest(message, text, [], {}, llm))


def rejoin(diff: RedlineDiff, drop: str) -> str:
    return "".join(segment["text"] for segment in diff if segment["op"] != drop)


@pytest.mark.parametrize("answer", [RIGHT, f"  {RIGHT}\n", f"```\n{RIGHT}\n```", "No errors found."])
async def test_no_errors_found_exactly_when_the_model_returns_the_same_text(answer: str) -> None:
    response = await proofread(RIGHT, FakeLLM(lambda messages: answer))

    assert response.replies[0].text == NO_ERRORS
    assert response.replies[0].data == {"corrected": RIGHT, "diff": [{"op": "equal", "text": RIGHT}]}


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("They're late, and we can't wait.", "They are late and we cannot wait."),
        ("Bring a pen, a notebook and a laptop.", "Bring a pen, a notebook, and a laptop."),
        ("It\u2019s what I\u2019ve said.", "It is what I have said."),
    ],
)
async def test_spelt_out_contractions_and_serial_commas_are_style_not_errors(text: str, answer: str) -> None:
    response = await proofread(text, FakeLLM(lambda messages: answer))

    assert response.replies[0].text == NO_ERRORS


@pytest.mark.parametrize(
    ("text", "answer"),
    [("Its late.", "It's late."), ("It's tail wagged.", "Its tail wagged."), ("Your late.", "You're late.")],
)
async def test_a_missing_or_wrong_apostrophe_is_still_an_error(text: str, answer: str) -> None:
    response = await proofread(text, FakeLLM(lambda messages: answer))

    assert response.replies[0].data is not None and response.replies[0].data["corrected"] == answer


async def test_a_correction_comes_with_a_redline() -> None:
    llm = FakeLLM(lambda messages: RIGHT)
    response = await proofread(WRONG, llm)

    (reply,) = response.replies
    assert reply.data is not None and reply.data["corrected"] == RIGHT
    assert rejoin(reply.data["diff"], "insert") == WRONG
    assert rejoin(reply.data["diff"], "delete") == RIGHT
    assert reply.text == f"{RIGHT}\n\nChanges: ~~Their~~**There** is a dog in the ~~gardn~~**garden**."
    assert llm.prompts[0][1].content == f"```{WRONG}```"


async def test_a_request_in_words_proofreads_only_the_text_after_it() -> None:
    llm = FakeLLM(lambda messages: RIGHT)
    await proofread(f"Please proofread this: {WRONG}", llm)

    assert llm.prompts[0][1].content == f"```{WRONG}```"


async def test_rewrite_mode_names_the_audience() -> None:
    llm = FakeLLM(lambda messages: "A dog is present in the garden.")
    response = await proofread(f"for an advanced reader, APA style: {WRONG}", llm)

    assert "<an advanced reader, APA style>" in llm.prompts[0][0].content
    assert llm.prompts[0][1].content == f"```{WRONG}```"
    assert (
        response.replies[0].data is not None and rejoin(response.replies[0].data["diff"], "insert") == WRONG
    )


def test_the_renderers_mark_changes_per_surface_and_escape_html() -> None:
    diff = redline("a <b> c ", "a <i> c ")

    assert render_redline_markdown(diff) == "a <~~b~~**i**> c "
    assert render_redline_html(diff) == "a &lt;<del>b</del><ins>i</ins>&gt; c "


@given(st.text(), st.text())
def test_property_a_redline_rejoins_to_the_original_and_the_correction(original: str, corrected: str) -> None:
    diff = redline(original, corrected)

    assert rejoin(diff, "insert") == original
    assert rejoin(diff, "delete") == corrected


@pytest.mark.slow
async def test_the_real_model_gives_no_errors_found_or_a_redline(tmp_path: Path) -> None:

    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    try:
        message = Message(platform="test", user="u1", text=WRONG, event_id="e", channel="c1")
        response = await ProofreadSkill(max_tokens=24).handle(SkillRequest(message, WRONG, [], {}, backend))
    finally:
        await backend.aclose()

    (reply,) = response.replies
    assert reply.data is not None
    assert reply.text == NO_ERRORS or reply.text.startswith(reply.data["corrected"])
    assert rejoin(reply.data["diff"], "insert") == WRONG
