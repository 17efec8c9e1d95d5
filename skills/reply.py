"""reply: a customer-service email from a review (the course's "expanding"); code guarantees the musts."""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ValidationError

from conversation.llm.base import ChatMessage, Completion, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.prompts import load_prompts, unwrap

Sentiment = Literal["positive", "neutral", "negative"]
SENTIMENTS: tuple[Sentiment, ...] = get_args(Sentiment)
SIGNATURE = "AI customer agent"
REPLY_TEMPERATURE = 0.7
_GIVEN = re.compile(
    r"^(?P<sentiment>positive|neutral|negative)\s*:\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL
)
_SENTIMENT_SCHEMA = {
    "type": "object",
    "properties": {"sentiment": {"enum": list(SENTIMENTS)}},
    "required": ["sentiment"],
}
USAGE = "Usage: /reply [positive|neutral|negative:] <customer review>"


class SentimentAnswer(BaseModel):
    """The model's sentiment judgement, validated."""

    sentiment: Sentiment


class ReplySkill:
    """Drafts a reply email: thanks, or an apology with a pointer to customer service; always signed."""

    name = "reply"
    description = "Draft a customer-service email reply to a customer review."

    def __init__(
        self,
        temperature: float = REPLY_TEMPERATURE,
        customer_service: str = "our customer service team",
        max_tokens: int = 400,
    ) -> None:
        self.temperature = temperature
        self.customer_service = customer_service
        self.max_tokens = max_tokens
        self.prompts = load_prompts("reply")

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Find the sentiment (given, else the model at temperature 0), then draft the email."""
        text = request.text.strip()
        given = _GIVEN.match(text)
        prompts: list[str] = []
        if given is not None:
            sentiment = SentimentAnswer.model_validate(
                {"sentiment": given.group("sentiment").lower()}
            ).sentiment
            review, source = given.group("text").strip(), "given"
        else:
            review, source = text, "model"
        if not review:
            return SkillResponse([Reply(USAGE, skill=self.name, notice=True)])
        if given is None:
            sentiment, prompt = await self._sentiment(request, review)
            prompts.append(prompt)
        instruction = self.prompts["apologise" if sentiment == "negative" else "thank"]
        system = self.prompts["reply_system"].format(
            sentiment=sentiment,
            instruction=instruction.format(customer_service=self.customer_service),
            signature=SIGNATURE,
        )
        messages = [
            ChatMessage("system", system),
            ChatMessage("user", self.prompts["user"].format(text=review)),
        ]
        options = GenerationOptions(temperature=self.temperature, max_tokens=self.max_tokens)
        completion = await request.llm.complete(messages, options, request.on_token)
        prompts.append(render_prompt(messages))
        email = self.finish(unwrap(completion.text), sentiment)
        data = {"sentiment": sentiment, "sentiment_source": source, "email": email}
        return SkillResponse(
            [Reply(email, skill=self.name, data=data)], prompt="\n\n".join(prompts), completion=completion
        )

    def finish(self, draft: str, sentiment: Sentiment) -> str:
        """The draft with what must be there: a customer-service pointer when negative, the signature."""
        body = draft.strip()
        if sentiment == "negative" and "customer service" not in body.lower():
            pointer = f"Please reach out to {self.customer_service} so that we can make this right."
            body = _before_closing(body, pointer)
        return body if _signed(body) else _sign(body)

    async def _sentiment(self, request: SkillRequest, review: str) -> tuple[Sentiment, str]:
        messages = [
            ChatMessage("system", self.prompts["sentiment_system"]),
            ChatMessage("user", self.prompts["user"].format(text=review)),
        ]
        options = GenerationOptions(temperature=0.0, max_tokens=16, json_schema=_SENTIMENT_SCHEMA)
        completion: Completion = await request.llm.complete(messages, options)
        try:
            sentiment = SentimentAnswer.model_validate_json(completion.text).sentiment
        except ValidationError:
            named = re.search(r"\b(positive|neutral|negative)\b", completion.text.lower())
            sentiment = SentimentAnswer.model_validate(
                {"sentiment": named.group(1) if named else "neutral"}
            ).sentiment
        return sentiment, render_prompt(messages)


def _signed(body: str) -> bool:
    """Whether the last line is the signature (ignoring markup and punctuation)."""
    lines = [line.strip(" *_`.,-") for line in body.splitlines() if line.strip()]
    return bool(lines) and lines[-1].lower() == SIGNATURE.lower()


_CLOSING_LINE = re.compile(
    r"^[ \t]*(?:(?:best|kind|warm)[ \t]+)?"
    r"(?:regards|wishes|sincerely|yours sincerely|thank you|thanks)[,.!]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


def _before_closing(body: str, sentence: str) -> str:
    """``sentence`` inserted as a paragraph before the closing formula line (or at the end)."""
    closings = list(_CLOSING_LINE.finditer(body))
    if not closings:
        return f"{body}\n\n{sentence}" if body else sentence
    start = closings[-1].start()
    return f"{body[:start].rstrip()}\n\n{sentence}\n\n{body[start:].strip()}"


def _sign(body: str) -> str:
    """The signature after the closing formula (adding "Best regards," when there is none)."""
    if not body:
        return SIGNATURE
    if _CLOSING_LINE.fullmatch(body.splitlines()[-1]):
        return f"{body}\n{SIGNATURE}"
    return f"{body}\n\nBest regards,\n{SIGNATURE}"
