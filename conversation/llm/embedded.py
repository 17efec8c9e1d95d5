"""LlamaCppBackend: a GGUF chat model run on the CPU by llama-cpp-python.

Generation runs in one worker thread per model, so requests are served one at a time and the
event loop never blocks; waiting requests take turns per requester (``fair_queue``), so one
person's many conversations cannot starve the others. The model loads in that thread on first use
(or at ``await load()``). After each turn the llama.cpp state of the conversation is kept in
RAM, so its next turn only reads the new tokens even when other conversations ran between.
When a chat answer ends and no other request waits, the opening of the conversation's next
user turn (the end of the answer, the template's tokens before the user's text) is read at
once, so that turn has fewer tokens to read before its first token.
A LoRA adapter GGUF (a fine-tuned version) can be applied next to the base and switched at run
time: the switch is queued on the same worker thread, so it happens between generations.
"""

from __future__ import annotations

import asyncio
import codecs
import ctypes
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import llama_cpp
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from llama_cpp.llama_grammar import LlamaGrammar

from conversation.errors import BackendUnavailable
from conversation.llm.base import ChatMessage, Completion, GenerationOptions, TokenSink
from conversation.llm.fair_queue import RoundRobin, requester_of, resolving
from conversation.llm.kv_cache import ConversationStateCache, common_prefix_length
from conversation.llm.scoring import score_continuations
from conversation.llm.stops import StopScanner

StateBuffer = ctypes.Array[ctypes.c_uint8]
"""The raw llama.cpp context state (KV cache and last logits) as llama_state_get_data writes it."""
Emit = Callable[[str], None]
READ_AHEAD_MAX_TOKENS = 16
"""Read no more than this ahead: beyond it the answer was tokenised another way than generated."""
NEXT_MESSAGE = "\ue000"
"""A stand-in for the next user message (a private-use character no template alters)."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _LoadedModel:
    """A loaded ``llama_cpp.Llama`` with the chat template of its GGUF."""

    llm: Any
    formatter: Jinja2ChatFormatter
    vocab: Any

    def render(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The prompt tokens of ``messages``, ending with the assistant's turn opening."""
        return self._tokens(self._prompt(messages))

    def next_turn_opening(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The tokens of ``messages`` followed by a user turn, up to that turn's text ([] if unknown)."""
        prompt = self._prompt([*messages, ChatMessage("user", NEXT_MESSAGE)])
        opening, found, _ = prompt.partition(NEXT_MESSAGE)
        return self._tokens(opening) if found else []

    def _prompt(self, messages: Sequence[ChatMessage]) -> str:
        chat: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
        prompt: str = self.formatter(messages=chat).prompt
        return prompt

    def _tokens(self, text: str) -> list[int]:
        tokens: list[int] = self.llm.tokenize(text.encode(), add_bos=False, special=True)
        return tokens


class LlamaCppBackend:
    """The embedded LLM backend; see the module docstring for how requests are scheduled."""

    def __init__(
        self,
        model_path: Path,
        name: str,
        *,
        n_ctx: int = 4096,
        n_threads: int = 0,
        timeout_s: float = 120.0,
        kv_cache_bytes: int = 512 * 1024 * 1024,
        lora_path: Path | None = None,
        version: str = "base",
    ) -> None:
        self.name = name
        self.model_path = model_path
        self.lora_path = lora_path
        self.version = version
        """The served fine-tuned version (``base`` without an adapter)."""
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.timeout_s = timeout_s
        self.states: ConversationStateCache[StateBuffer] = ConversationStateCache(kv_cache_bytes)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-{name}")
        self._queued = 0
        """Jobs submitted and not yet started (read by the worker: is anybody waiting?)."""
        self._queued_lock = threading.Lock()
        self._turns = RoundRobin()
        self._load_lock = threading.RLock()
        self._loaded: _LoadedModel | None = None
        self._closed = False

    async def load(self) -> None:
        """Load the model now, in the worker thread, instead of at the first request."""
        await self._submit(self._model)

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Generate a reply; the timeout covers the wait for the model and the generation.

        On timeout the worker stops before its next token and BackendUnavailable is raised.
        """
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        cancel = threading.Event()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        job: asyncio.Future[Completion] | None = None

        def emit(piece: str) -> None:
            if not cancel.is_set():
                loop.call_soon_threadsafe(pieces.put_nowait, piece)

        try:
            async with asyncio.timeout(self.timeout_s):
                stream = emit if on_token is not None else None
                job = self._submit(
                    self._generate,
                    list(messages),
                    options,
                    started,
                    stream,
                    cancel,
                    lane=requester_of(options.conversation),
                )
                job.add_done_callback(lambda _: pieces.put_nowait(None))
                if on_token is not None:
                    while (piece := await pieces.get()) is not None:
                        await on_token(piece)
                return await job
        except TimeoutError:
            raise BackendUnavailable(
                f"The model {self.name} did not answer within {self.timeout_s:g} s; please try again later."
            ) from None
        finally:
            cancel.set()
            if job is not None:
                job.cancel()

    async def use_adapter(self, lora_path: Path | None, version: str) -> None:
        """Serve ``lora_path`` (None: the plain base) from the next request on, without a restart.

        Runs on the worker thread after the generations queued before it; if the new adapter
        does not load, the previous one stays in use and BackendUnavailable is raised.
        """
        await self._submit(self._switch_adapter, lora_path, version)

    async def score(self, context: str, continuations: Sequence[str]) -> list[float]:
        """The log-probability of each continuation after ``context`` (``ScoresText``), on the worker."""
        async with asyncio.timeout(self.timeout_s):
            return await self._submit(self._score, context, list(continuations))

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model (no BOS); loads the model here if ``load()`` has not run."""
        with self._load_lock:
            return len(self._model().llm.tokenize(text.encode(), add_bos=False, special=False))

    async def aclose(self) -> None:
        """Free the model and the saved states once the running generation has finished."""
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._executor, self._free)
        self._executor.shutdown(wait=False)

    def _submit(self, fn: Callable[..., T], *args: Any, lane: str = "") -> asyncio.Future[T]:
        """Queue ``fn`` for the model's worker thread, taking turns with other lanes (``fair_queue``)."""
        if self._closed:
            raise BackendUnavailable(f"The model {self.name} has been closed.")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._queued_lock:
            self._queued += 1

        def started() -> None:
            with self._queued_lock:
                self._queued -= 1

        self._turns.put(lane, resolving(future, partial(fn, *args), started))
        self._executor.submit(self._run_next)
        return future

    def _run_next(self) -> None:
        self._turns.take()()

    def _model(self) -> _LoadedModel:
        with self._load_lock:
            if self._closed:
                raise BackendUnavailable(f"The model {self.name} has been closed.")
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def _switch_adapter(self, lora_path: Path | None, version: str) -> None:
        with self._load_lock:
            previous = (self.lora_path, self.version)
            self._free()
            self.lora_path, self.version = lora_path, version
            try:
                self._model()
            except BackendUnavailable:
                self.lora_path, self.version = previous
                raise

    def _load(self) -> _LoadedModel:
        try:
            llm = llama_cpp.Llama(
                model_path=str(self.model_path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                # Read, not mapped: llama.cpp copies most weights into a repacked buffer, and
                # mapped, their source pages would stay in the process too (qwen2.5-1.5b: peak
                # RSS 1,930 MiB mapped, 1,339 MiB read; load +0.4 s).
                use_mmap=False,
                lora_path=None if self.lora_path is None else str(self.lora_path),
                verbose=False,
            )
        except (OSError, RuntimeError, ValueError) as exc:
            raise BackendUnavailable(f"The model {self.name} could not be loaded: {exc}") from exc
        if self.lora_path is not None and not llm._lora_adapter:  # a bad adapter does not raise
            llm.close()
            raise BackendUnavailable(f"The adapter {self.lora_path} does not fit the model {self.name}.")
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            llm.close()
            raise BackendUnavailable(f"The model file {self.model_path} has no chat template.")

        def token_text(token: int) -> str:
            return "" if token < 0 else llm.detokenize([token], special=True).decode(errors="replace")

        formatter = Jinja2ChatFormatter(
            template=template, eos_token=token_text(llm.token_eos()), bos_token=token_text(llm.token_bos())
        )
        return _LoadedModel(llm, formatter, llama_cpp.llama_model_get_vocab(llm.model))

    def _score(self, context: str, continuations: list[str]) -> list[float]:
        model = self._model()
        llm = model.llm

        def tokens(text: str) -> list[int]:
            found: list[int] = llm.tokenize(text.encode(), add_bos=False, special=True)
            return found

        try:
            return score_continuations(llm, tokens(context), [tokens(text) for text in continuations])
        except (RuntimeError, ValueError) as exc:
            llm.reset()
            raise BackendUnavailable(f"The model {self.name} failed to score: {exc}") from exc

    def _free(self) -> None:
        with self._load_lock:
            if self._loaded is not None:
                self._loaded.llm.close()
                self._loaded = None
            self.states.clear()

    def _generate(
        self,
        messages: list[ChatMessage],
        options: GenerationOptions,
        started: float,
        emit: Emit | None,
        cancel: threading.Event,
    ) -> Completion:
        try:
            return self._reply(self._model(), messages, options, started, emit=emit, cancel=cancel)
        except (RuntimeError, ValueError) as exc:  # llama.cpp decode, chat template, grammar
            raise BackendUnavailable(f"The model {self.name} failed: {exc}") from exc

    def _reply(
        self,
        model: _LoadedModel,
        messages: list[ChatMessage],
        options: GenerationOptions,
        started: float,
        *,
        emit: Emit | None,
        cancel: threading.Event,
    ) -> Completion:
        llm = model.llm
        prompt = model.render(messages)
        if len(prompt) >= self.n_ctx:
            raise BackendUnavailable(
                f"The prompt is {len(prompt)} tokens, too long for the model's context of {self.n_ctx}."
            )
        cached = self._reuse_prefix(llm, prompt, options.conversation)
        grammar = (
            LlamaGrammar.from_json_schema(json.dumps(options.json_schema), verbose=False)
            if options.json_schema is not None
            else None
        )
        max_tokens = min(options.max_tokens, self.n_ctx - len(prompt))
        scanner = StopScanner(options.stop)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        first_token_s = 0.0
        generated = 0
        for token in llm.generate(prompt, temp=max(options.temperature, 0.0), grammar=grammar):
            if cancel.is_set() or llama_cpp.llama_vocab_is_eog(model.vocab, token):
                break
            if generated == 0:
                first_token_s = time.perf_counter() - started
            generated += 1
            piece = scanner.feed(decoder.decode(llm.detokenize([token])))
            if piece and emit is not None:
                emit(piece)
            if scanner.stopped or generated >= max_tokens:
                break
        if not scanner.stopped:
            tail = scanner.feed(decoder.decode(b"", final=True)) + scanner.flush()
            if tail and emit is not None:
                emit(tail)
        read_ahead = 0
        if options.conversation is not None and not cancel.is_set():
            if options.more_turns and not self._queued:
                read_ahead = self._read_next_turn_opening(
                    model, [*messages, ChatMessage("assistant", scanner.result)]
                )
            self._save_state(llm, options.conversation)
        return Completion(
            text=scanner.result,
            model=self.name,
            prompt_tokens=len(prompt),
            completion_tokens=generated,
            first_token_s=first_token_s,
            total_s=time.perf_counter() - started,
            extra={"cached_prefix_tokens": cached, "read_ahead_tokens": read_ahead, "version": self.version},
        )

    def _read_next_turn_opening(self, model: _LoadedModel, conversation: Sequence[ChatMessage]) -> int:
        """Read what the next user turn's prompt will have after ``conversation``, up to the user's text.

        That is the answer's last token (generated, not yet read) and the template's tokens that
        close the answer and open a user turn: six on Qwen and SmolLM. Returns how many were read.
        """
        llm = model.llm
        opening = model.next_turn_opening(conversation)
        shared = common_prefix_length(llm.input_ids[: llm.n_tokens].tolist(), opening)
        ahead = opening[shared:]
        if not 0 < len(ahead) <= READ_AHEAD_MAX_TOKENS or len(opening) >= self.n_ctx:
            return 0
        llm.n_tokens = shared  # eval drops the cache from here on
        try:
            llm.eval(ahead)
        except RuntimeError:  # the answer stands; its conversation's next turn reads it all
            llm.reset()
            return 0
        return len(ahead)

    def _reuse_prefix(self, llm: Any, prompt: list[int], conversation: str | None) -> int:
        """Load the conversation's saved state when it shares more of ``prompt`` than the live one.

        Returns how many prompt tokens ``Llama.generate`` will not evaluate again: it keeps the
        common prefix of ``llm.input_ids`` and the prompt, but always re-reads at least one token.
        """
        live_tokens = llm.input_ids[: llm.n_tokens].tolist()
        shared = common_prefix_length(live_tokens, prompt)
        if conversation is not None and shared < len(live_tokens):
            entry = self.states.get(conversation)
            if entry is not None and common_prefix_length(entry.tokens, prompt) > shared:
                shared = self._load_state(llm, entry.tokens, entry.state, prompt)
        return min(shared, len(prompt) - 1)

    @staticmethod
    def _load_state(llm: Any, tokens: Sequence[int], state: StateBuffer, prompt: list[int]) -> int:
        if llama_cpp.llama_state_set_data(llm.ctx, state, len(state)) != len(state):
            llm.reset()
            return 0
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        llm._requires_eval = True  # as Llama.load_state does: decode before sampling again
        return common_prefix_length(tokens, prompt)

    def _save_state(self, llm: Any, conversation: str) -> None:
        """Keep the context state; unlike ``Llama.save_state`` this skips the unused logits buffer.

        ``Llama.save_state`` also copies up to n_batch x n_vocab float32 scores (311 MB for the
        1.5B), never read without ``logits_all``; saving and loading it took 0.6 s + 1.3 s there.
        """
        size = llama_cpp.llama_state_get_size(llm.ctx)
        state = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(llm.ctx, state, size)
        if written == size:
            self.states.put(conversation, llm.input_ids[: llm.n_tokens].tolist(), state, size)
