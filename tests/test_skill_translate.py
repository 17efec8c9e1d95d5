"""translate: the detector decides the language, code renders JSON tables, the model only translates."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conversation import Message
from conversation.llm import LLM, FakeLLM
from skills.base import SkillRequest, SkillResponse
from skills.translate import Detector, TranslateSkill, json_to_html_table

SAMPLES = {
    "en": "The weather is lovely today and we are going to the beach.",
    "es": "El tiempo es precioso hoy y vamos a ir a la playa.",
    "fr": "Il fait très beau aujourd'hui et nous allons à la plage.",
    "de": "Das Wetter ist heute herrlich und wir gehen an den Strand.",
    "it": "Oggi il tempo è bellissimo e andiamo al mare.",
    "pt": "O tempo está ótimo hoje e nós vamos à praia.",
    "nl": "Het weer is vandaag heerlijk en we gaan naar het strand.",
    "ja": "今日はとても良い天気なので、海に行きます。",
}


async def ask(skill: TranslateSkill, llm: LLM, text: str) -> SkillResponse:
    message = Message(platform="test", user="u1", text=f"/translate {text}", event_id=text, channel="c1")
    return await skill.handle(SkillRequest(message, text, [], {}, llm))


@pytest.fixture(scope="module")
def skill() -> TranslateSkill:
    """The single-draft path (checks are specified in test_translate_checks.py)."""
    return TranslateSkill(team_languages=("en", "fr"), check_drafts=False)


@pytest.mark.parametrize(("code", "text"), SAMPLES.items())
def test_the_detector_names_the_language(code: str, text: str, skill: TranslateSkill) -> None:
    detected = skill.detector.detect(text)
    assert detected is not None and detected.iso_code_639_1.name.lower() == code


async def test_one_translation_per_target_at_temperature_zero_with_a_strict_prompt(
    skill: TranslateSkill,
) -> None:
    llm = FakeLLM(lambda messages: "```Hola```" if "<Spanish>" in messages[0].content else "Bonjour")
    options = llm.options
    response = await ask(skill, llm, "to Spanish, fr formal: Hello there, my friend")

    (reply,) = response.replies
    assert reply.data == {"detected": "en", "sure": True, "translations": {"es": "Hola", "fr": "Bonjour"}}
    assert reply.text == "English \u2192 Spanish (formal): Hola\nEnglish \u2192 French (formal): Bonjour"
    assert [o.temperature for o in options] == [0.0, 0.0]
    system, user = llm.prompts[0]
    assert "from <English> into <Spanish>, addressing the reader formally" in system.content
    assert user.content == "```Hello there, my friend```"


@pytest.mark.parametrize(
    "text", ["Translate this into French: Hello there", "please translate it to fr: Hello there"]
)
async def test_free_text_naming_the_target_in_words_is_translated_into_it(
    skill: TranslateSkill, text: str
) -> None:
    llm = FakeLLM(lambda messages: "Bonjour")
    response = await skill.handle(SkillRequest(Message("test", "u1", text, "e1"), text, [], {}, llm))

    data = response.replies[0].data
    assert data is not None and data["detected"] == "en" and data["translations"] == {"fr": "Bonjour"}
    assert llm.prompts[0][1].content == "```Hello there```"


async def test_an_unknown_target_language_is_refused_without_a_model_call(skill: TranslateSkill) -> None:
    llm = FakeLLM()
    response = await ask(skill, llm, "to Klingon: Hello")

    assert response.replies[0].notice and "Klingon" in response.replies[0].text
    assert llm.prompts == []


async def test_without_a_command_a_message_is_translated_into_the_team_languages(
    skill: TranslateSkill,
) -> None:
    llm = FakeLLM(lambda messages: "translated")
    response = await ask(skill, llm, SAMPLES["es"])

    assert response.replies[0].data == {
        "detected": "es",
        "sure": True,
        "translations": {"en": "translated", "fr": "translated"},
    }


async def test_tone_change_goes_to_the_model_with_the_style(skill: TranslateSkill) -> None:
    llm = FakeLLM(lambda messages: "Dear Sir or Madam, ...")
    response = await ask(skill, llm, "tone business letter: Dude, this standing lamp is sick!")

    assert response.replies[0].text == "Dear Sir or Madam, ..."
    assert "<business letter>" in llm.prompts[0][0].content


class TableReader(HTMLParser):
    """Collects the title, header cells and body rows of an HTML table."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.headers, self.rows = "", [], []  # type: ignore[var-annotated]
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._tag = tag
        if tag == "tr":
            self.rows.append([])

    def handle_endtag(self, tag: str) -> None:
        self._tag = ""

    def handle_data(self, data: str) -> None:
        if self._tag == "h2":
            self.title += data
        elif self._tag == "th":
            self.headers.append(data)
        elif self._tag == "td":
            self.rows[-1].append(data)


async def test_json_becomes_an_escaped_html_table_in_code(skill: TranslateSkill) -> None:
    data = {
        "restaurant employees": [{"name": "Shyam", "email": "shyam@x.com"}, {"name": "<b>Bob</b>", "age": 3}]
    }
    llm = FakeLLM()
    response = await ask(skill, llm, f"format html: {json.dumps(data)}")

    html = response.replies[0].data["html"]  # type: ignore[index]
    reader = TableReader()
    reader.feed(html)
    assert llm.prompts == []
    assert "<b>" not in html and "&lt;b&gt;Bob&lt;/b&gt;" in html
    assert reader.title == "restaurant employees"
    assert reader.headers == ["name", "email", "age"]
    assert reader.rows[1:] == [["Shyam", "shyam@x.com"], ["<b>Bob</b>", "3"]]


def test_json_that_is_not_a_table_is_left_to_the_model() -> None:
    assert json_to_html_table("[1, 2, 3]") is None
    assert json_to_html_table("not json") is None


def test_a_detector_needs_known_languages() -> None:
    with pytest.raises(ValueError, match="xx"):
        Detector(("en", "xx"))


@pytest.mark.slow
async def test_the_real_model_gives_one_translation_per_target(tmp_path: Path, skill: TranslateSkill) -> None:

    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    small = TranslateSkill(max_tokens=24)
    try:
        response = await ask(small, backend, "to Spanish: Good morning, my friend.")
    finally:
        await backend.aclose()

    data = response.replies[0].data
    assert data is not None and data["detected"] == "en"
    assert list(data["translations"]) == ["es"] and isinstance(data["translations"]["es"], str)
