"""reply: a customer-service email from a review (the course's "expanding"); code checks every draft."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from conversation.errors import ConfigError
from conversation.llm.base import ChatMessage, Completion, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.prompts import load_prompts, unwrap
from skills.reply.checks import COMMITMENTS, REDRAFT, Problem, ReplyPolicy, check_draft, repair_draft
from skills.reply.request import SENTIMENTS, Sentiment, read_request, recognises_request, settle_sentiment

REPLY_TEMPERATURE = 0.7
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
    """Drafts a reply email; code checks the draft (one more draft when worth it) and repairs it."""

    summary = "Draft a reply to a customer review"
    usage = "<review>"

    name = "reply"
    description = "Draft a customer-service email reply to a customer review."

    def __init__(
        self,
        temperature: float = REPLY_TEMPERATURE,
        customer_service: str = "our customer service team",
        max_tokens: int = 400,
        allowed_commitments: Sequence[str] = (),
    ) -> None:
        unknown = sorted({kind.strip().lower() for kind in allowed_commitments} - COMMITMENTS.keys())
        if unknown:
            raise ConfigError(
                f"reply_allowed_commitments: unknown {unknown} (known: {', '.join(COMMITMENTS)})"
            )
        self.temperature = temperature
        self.customer_service = customer_service
        self.max_tokens = max_tokens
        self.allowed_commitments = tuple(allowed_commitments)
        self.prompts = load_prompts("reply")

    def recognises(self, text: str) -> bool:
        """True when ``text`` plainly asks for a reply to a review, complaint, feedback or email."""
        return recognises_request(text)

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Find the review and its sentiment, draft the email, check it and repair what remains."""
        asked = read_request(request.text)
        if not asked.review:
            return SkillResponse([Reply(USAGE, skill=self.name, notice=True)])
        prompts: list[str] = []
        sentiment, source = asked.sentiment, "given"
        if sentiment is None:
            answer, prompt = await self._sentiment(request, asked.review)
            sentiment, source = settle_sentiment(answer, asked.review), "model"
            prompts.append(prompt)
        policy = ReplyPolicy.for_review(
            asked.review, sentiment, self.customer_service, self.allowed_commitments
        )
        draft, problems, completion = await self._draft(request, asked.review, policy, prompts)
        email = repair_draft(draft, policy)
        data = {
            "sentiment": sentiment,
            "sentiment_source": source,
            "email": email,
            "repairs": sorted({problem.kind for problem in problems}),
        }
        return SkillResponse(
            [Reply(email, skill=self.name, data=data)], prompt="\n\n".join(prompts), completion=completion
        )

    async def _draft(
        self, request: SkillRequest, review: str, policy: ReplyPolicy, prompts: list[str]
    ) -> tuple[str, list[Problem], Completion]:
        """A draft and its problems; drafted once more, told what to fix, when a problem is worth it.

        Not streamed: only the checked email may reach the customer's screen.
        """
        system = self._system(policy)
        draft, completion = await self._complete(request, [system], review, prompts)
        problems = check_draft(draft, policy)
        fixes = self._fixes(problems, policy)
        if not fixes:
            return draft, problems, completion
        second, second_completion = await self._complete(request, [system, *fixes], review, prompts)
        second_problems = check_draft(second, policy)
        if _redraft_count(second_problems) <= _redraft_count(problems):
            return second, second_problems, second_completion
        return draft, problems, completion

    async def _complete(
        self, request: SkillRequest, system: list[str], review: str, prompts: list[str]
    ) -> tuple[str, Completion]:
        messages = [
            ChatMessage("system", "\n".join(system)),
            ChatMessage("user", self.prompts["user"].format(text=review)),
        ]
        options = GenerationOptions(temperature=self.temperature, max_tokens=self.max_tokens)
        completion = await request.llm.complete(messages, options)
        prompts.append(render_prompt(messages))
        return unwrap(completion.text), completion

    def _system(self, policy: ReplyPolicy) -> str:
        instruction = self.prompts["apologise" if policy.sentiment == "negative" else "thank"]
        return (
            self.prompts["reply_system"]
            .format(
                sentiment=policy.sentiment,
                instruction=instruction.format(customer_service=policy.customer_service),
                detail=policy.detail or self.prompts["any_detail"],
                promises=self._promises(policy),
            )
            .strip()
        )

    def _promises(self, policy: ReplyPolicy) -> str:
        forbidden = ", ".join(
            commitment.named
            for kind, commitment in COMMITMENTS.items()
            if kind not in policy.allowed_commitments
        )
        if not policy.allowed_commitments:
            return self.prompts["no_promises"].format(kinds=forbidden)
        allowed = ", ".join(COMMITMENTS[kind].named for kind in sorted(policy.allowed_commitments))
        return self.prompts["some_promises"].format(allowed=allowed, kinds=forbidden)

    def _fixes(self, problems: list[Problem], policy: ReplyPolicy) -> list[str]:
        """The stronger instructions for a second draft, one per kind of problem worth it."""
        kinds = {problem.kind for problem in problems}
        fixes = [self.prompts["retry_placeholder"].strip()] if "placeholder" in kinds else []
        if "detail_missing" in kinds:
            fixes.append(self.prompts["retry_detail"].format(detail=policy.detail).strip())
        return fixes

    async def _sentiment(self, request: SkillRequest, review: str) -> tuple[Sentiment | None, str]:
        """The model's sentiment at temperature 0 under a schema; None when it gave none usable."""
        messages = [
            ChatMessage("system", self.prompts["sentiment_system"]),
            ChatMessage("user", self.prompts["user"].format(text=review)),
        ]
        options = GenerationOptions(temperature=0.0, max_tokens=16, json_schema=_SENTIMENT_SCHEMA)
        completion = await request.llm.complete(messages, options)
        try:
            answer: Sentiment | None = SentimentAnswer.model_validate_json(completion.text).sentiment
        except ValidationError:
            named = re.search(r"\b(positive|neutral|negative)\b", completion.text.lower())
            answer = (
                SentimentAnswer.model_validate({"sentiment": named.group(1)}).sentiment if named else None
            )
        return answer, render_prompt(messages)


def _redraft_count(problems: list[Problem]) -> int:
    return sum(problem.kind in REDRAFT for problem in problems)
