"""Tools: typed functions a skill exposes and the model may call (function calling).

A tool's arguments come from its function's type hints (a pydantic model is made from them); what
the model asks for is validated before the function runs, admin-only tools are refused in code
for everyone else, and every call is written into the prompt the transcript stores.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ValidationError, create_model

from conversation.llm.base import LLM, CallsTools, ChatMessage, GenerationOptions, ToolRequest, ToolSpec

NO_TOOL = "none"
_CHOOSE = (
    "You may call one of these tools to answer the person's last message:\n{tools}\n"
    'Reply with JSON only: {{"tool": "<name>", "arguments": {{...}}}} to call one, or '
    '{{"tool": "none"}} when no tool is needed.'
)


@dataclass(frozen=True, slots=True)
class Tool:
    """A function the model may call; ``arguments`` validate what it asks for."""

    name: str
    description: str
    function: Callable[..., Awaitable[Any]]
    arguments: type[BaseModel]
    admin_only: bool = False

    @property
    def spec(self) -> ToolSpec:
        """The name, description and JSON schema the model is shown."""
        return ToolSpec(self.name, self.description, self.arguments.model_json_schema())


def tool(
    function: Callable[..., Awaitable[Any]], description: str, *, name: str = "", admin_only: bool = False
) -> Tool:
    """A Tool from an async function (a bound method too) whose parameters have type hints."""
    hints = get_type_hints(function)
    fields: dict[str, Any] = {
        parameter.name: (
            hints[parameter.name],
            ... if parameter.default is inspect.Parameter.empty else parameter.default,
        )
        for parameter in inspect.signature(function).parameters.values()
    }
    tool_name = name or function.__name__
    model = create_model(f"{tool_name}_arguments", **fields)
    return Tool(tool_name, description, function, model, admin_only)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call as it happened: what was asked, and what came back (or why it was refused)."""

    name: str
    arguments: Mapping[str, Any]
    result: str

    def as_message(self) -> ChatMessage:
        """The call and its result, fed back to the model (and so kept in the stored prompt)."""
        arguments = json.dumps(dict(self.arguments), ensure_ascii=False)
        return ChatMessage("system", f"Tool call {self.name}({arguments}) returned: {self.result}")


async def choose_tool(llm: LLM, messages: Sequence[ChatMessage], tools: Sequence[Tool]) -> ToolRequest | None:
    """The tool the model wants for the last message: natively when the backend can, else by a schema."""
    options = GenerationOptions(temperature=0.0, max_tokens=128)
    if isinstance(llm, CallsTools):
        return await llm.request_tool(messages, [t.spec for t in tools], options)
    listed = "\n".join(
        f"- {t.name}: {t.description} Arguments: {json.dumps(t.spec.parameters)}" for t in tools
    )
    prompt = [*messages, ChatMessage("system", _CHOOSE.format(tools=listed))]
    choices: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {"tool": {"const": t.name}, "arguments": t.spec.parameters},
            "required": ["tool", "arguments"],
        }
        for t in tools
    ]
    choices.append({"type": "object", "properties": {"tool": {"const": NO_TOOL}}, "required": ["tool"]})
    constrained = GenerationOptions(temperature=0.0, max_tokens=128, json_schema={"anyOf": choices})
    answer = (await llm.complete(prompt, constrained)).text
    try:
        chosen = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(chosen, dict) or chosen.get("tool") in (None, NO_TOOL):
        return None
    arguments = chosen.get("arguments")
    return ToolRequest(str(chosen["tool"]), arguments if isinstance(arguments, dict) else {})


async def run_tool(tools: Sequence[Tool], request: ToolRequest, is_admin: bool) -> ToolCall:
    """Run the requested tool when it exists, its arguments validate and the caller may use it."""
    found = next((t for t in tools if t.name == request.name), None)
    if found is None:
        return ToolCall(request.name, request.arguments, "refused: there is no such tool")
    if found.admin_only and not is_admin:
        return ToolCall(found.name, request.arguments, "refused: this tool is for admins only")
    try:
        arguments = found.arguments.model_validate(request.arguments)
    except ValidationError as error:
        return ToolCall(found.name, request.arguments, f"refused: bad arguments ({error.errors()[0]['msg']})")
    result = await found.function(**dict(arguments))
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str)
    return ToolCall(found.name, arguments.model_dump(), text)
