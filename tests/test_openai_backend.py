"""OpenAIBackend against a real local HTTP server that speaks the chat-completions API."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable

import pytest

from conversation.errors import BackendUnavailable
from conversation.llm.base import ChatMessage, GenerationOptions
from conversation.llm.openai_backend import OpenAIBackend
from tests.fakes.openai_server import FakeOpenAIServer

MakeBackend = Callable[..., OpenAIBackend]

QUESTION = [
    ChatMessage("system", "You are terse."),
    ChatMessage("user", "Say hello."),
]


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
async def make_backend(server: FakeOpenAIServer) -> AsyncIterator[MakeBackend]:
    """Backends pointed at the fake server by default; all closed after the test."""
    made: list[OpenAIBackend] = []

    def make(
        base_url: str | None = None,
        api_key: str = "",
        timeout_s: float = 5.0,
        max_retries: int = 0,
    ) -> OpenAIBackend:
        backend = OpenAIBackend("tiny-model", base_url or server.base_url, api_key, timeout_s, max_retries)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.aclose()


async def test_a_plain_answer_carries_the_text_and_the_servers_token_counts(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    server.answer = "Hello there."
    server.prompt_tokens, server.completion_tokens = 17, 3

    completion = await make_backend().complete(QUESTION, GenerationOptions())

    assert completion.text == "Hello there."
    assert completion.model == "openai:tiny-model"
    assert (completion.prompt_tokens, completion.completion_tokens) == (17, 3)
    assert 0 < completion.first_token_s <= completion.total_s
    assert server.requests[0]["stream"] is False


async def test_without_usage_from_the_server_token_counts_are_estimated(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    server.report_usage = False
    backend = make_backend()

    completion = await backend.complete(QUESTION, GenerationOptions())

    assert completion.prompt_tokens == sum(backend.count_tokens(m.content) for m in QUESTION)
    assert completion.completion_tokens == backend.count_tokens(completion.text)


async def test_streaming_delivers_the_pieces_in_order_and_they_join_into_the_text(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    server.answer = "One two three four."
    server.prompt_tokens, server.completion_tokens = 9, 4
    tokens: list[str] = []

    async def on_token(piece: str) -> None:
        tokens.append(piece)

    completion = await make_backend().complete(QUESTION, GenerationOptions(), on_token)

    assert tokens == ["One ", "two ", "three ", "four."]
    assert "".join(tokens) == completion.text
    assert (completion.prompt_tokens, completion.completion_tokens) == (9, 4)
    assert 0 < completion.first_token_s <= completion.total_s
    assert server.requests[0]["stream"] is True
    assert server.requests[0]["stream_options"] == {"include_usage": True}


async def test_the_model_messages_and_generation_options_reach_the_server(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    options = GenerationOptions(temperature=0.2, max_tokens=64, stop=["\nUser:", "###"])

    await make_backend().complete(QUESTION, options)

    [body] = server.requests
    assert body["model"] == "tiny-model"
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello."},
    ]
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 64
    assert body["stop"] == ["\nUser:", "###"]
    assert "response_format" not in body


async def test_an_empty_stop_list_is_left_out(server: FakeOpenAIServer, make_backend: MakeBackend) -> None:
    await make_backend().complete(QUESTION, GenerationOptions(stop=()))

    assert "stop" not in server.requests[0]


async def test_a_json_schema_becomes_a_strict_json_schema_response_format(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    schema = {"type": "object", "properties": {"mood": {"type": "string"}}, "required": ["mood"]}
    server.answer = '{"mood": "cheerful"}'

    completion = await make_backend().complete(QUESTION, GenerationOptions(json_schema=schema))

    assert server.requests[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": schema, "strict": True},
    }
    assert completion.text == '{"mood": "cheerful"}'


async def test_an_empty_api_key_is_sent_as_not_needed(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    await make_backend(api_key="").complete(QUESTION, GenerationOptions())

    assert server.authorizations == ["Bearer not-needed"]


async def test_http_500_becomes_backend_unavailable_naming_the_status_but_not_the_key(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    server.status = 500
    secret = "sk-very-secret-key"

    with pytest.raises(BackendUnavailable) as caught:
        await make_backend(api_key=secret).complete(QUESTION, GenerationOptions())

    assert str(caught.value) == f"the model server at {server.base_url} returned HTTP 500"
    assert secret not in str(caught.value)
    assert secret not in str(caught.value.__cause__)


async def test_by_default_a_failed_request_is_tried_once_more(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    server.status = 503
    backend = OpenAIBackend("tiny-model", server.base_url, api_key="", timeout_s=5.0)

    try:
        with pytest.raises(BackendUnavailable, match="returned HTTP 503"):
            await backend.complete(QUESTION, GenerationOptions())
    finally:
        await backend.aclose()

    assert len(server.requests) == 2


async def test_a_server_that_stalls_before_answering_times_out_on_time(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    server.delay_s = 30
    backend = make_backend(timeout_s=0.5)
    started = time.perf_counter()

    with pytest.raises(BackendUnavailable) as caught:
        await backend.complete(QUESTION, GenerationOptions())

    assert 0.4 < time.perf_counter() - started < 1.5
    assert str(caught.value) == f"the model server at {server.base_url} did not answer within 0.5 s"


async def test_a_stream_that_trickles_past_the_deadline_times_out_on_time(
    server: FakeOpenAIServer, make_backend: MakeBackend
) -> None:
    # Each gap (0.35 s) is shorter than the timeout, so only the overall deadline can stop this stream.
    server.answer = "one two three four five six"
    server.piece_delay_s = 0.35
    tokens: list[str] = []

    async def on_token(piece: str) -> None:
        tokens.append(piece)

    backend = make_backend(timeout_s=0.5)
    started = time.perf_counter()

    with pytest.raises(BackendUnavailable) as caught:
        await backend.complete(QUESTION, GenerationOptions(), on_token)

    assert 0.4 < time.perf_counter() - started < 1.0
    assert str(caught.value) == f"the model server at {server.base_url} did not answer within 0.5 s"
    assert tokens[:1] == ["one "]


async def test_a_port_where_nothing_listens_is_reported_as_unreachable(make_backend: MakeBackend) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"

    with pytest.raises(BackendUnavailable) as caught:
        await make_backend(base_url=base_url, timeout_s=2.0).complete(QUESTION, GenerationOptions())

    assert str(caught.value) == f"the model server at {base_url} could not be reached"
