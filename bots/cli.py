"""The ``chatwright`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TextIO

from bots.cli_conversations import add_eval_conversations_command
from bots.cli_docs import add_eval_rag_command, add_ingest_command
from bots.cli_orders import add_eval_orders_command
from bots.cli_slack import add_slack_commands
from conversation import ChatwrightError, Engine, Settings, load_settings
from conversation.assembly import build_engine

log = logging.getLogger("chatwright")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; errors become one line on stderr."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        return int(args.command(settings, args) or 0)
    except ChatwrightError as error:
        print(f"chatwright: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatwright", description=__doc__)
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve the web chat (and configured adapters)")
    run.set_defaults(command=_run)

    shell = commands.add_parser("shell", help="chat in the terminal")
    shell.set_defaults(command=_shell)

    chat = commands.add_parser("chat", help="answer JSON lines from stdin on stdout")
    chat.add_argument("--jsonl", action="store_true", required=True, help="JSON lines in and out")
    chat.set_defaults(command=_chat_jsonl)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply schema migrations").set_defaults(command=_db_upgrade)

    evaluate = commands.add_parser("eval", help="evaluate the configured model")
    evaluations = evaluate.add_subparsers(required=True, metavar="WHAT")
    skills = evaluations.add_parser("skills", help="labelled cases per skill: pass rate, time per turn")
    skills.add_argument("--cases", type=Path, help="a TOML file of cases (default: the shipped set)")
    skills.add_argument("--skill", action="append", help="only this skill's cases (repeatable)")
    skills.add_argument(
        "--baseline",
        action="store_true",
        help="first run the cases with drafts unchecked (check_drafts=false), then as configured",
    )
    skills.set_defaults(command=_eval_skills)
    add_eval_conversations_command(evaluations)
    add_eval_orders_command(evaluations)
    add_eval_rag_command(evaluations)
    add_ingest_command(commands)
    add_slack_commands(commands)

    admin = commands.add_parser("admin", help="run an /admin verb as the local superuser (audited)")
    admin.add_argument("words", nargs="+", metavar="VERB", help="e.g. stats, roles grant slack:U123")
    admin.set_defaults(command=_admin)

    model = commands.add_parser("model", help="the embedded model")
    model_commands = model.add_subparsers(required=True, metavar="ACTION")
    model_commands.add_parser("prepare", help="assemble and verify the model file").set_defaults(
        command=_model_prepare
    )
    from bots.cli_training import add_training_commands  # noqa: PLC0415 - train, models

    add_training_commands(commands)
    return parser


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only this command serves HTTP

    from bots.runner import configured_adapters  # noqa: PLC0415
    from bots.web import WebAccess, create_app  # noqa: PLC0415
    from training.scheduler import TrainingService  # noqa: PLC0415 - nightly run, version switch

    engine = build_engine(settings)
    adapters = [*configured_adapters(engine, settings), TrainingService(engine, settings)]
    app = create_app(engine, adapters, WebAccess.from_settings(settings))
    print(
        f"chatwright: web chat on http://{settings.host}:{settings.port}/ (model {settings.model})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def _shell(settings: Settings, _args: argparse.Namespace) -> int:
    from bots.console import run_shell  # noqa: PLC0415

    async def serve(engine: Engine) -> None:
        await run_shell(engine, sys.stdin, _own_stdout())

    asyncio.run(_with_engine(settings, serve))
    return 0


def _chat_jsonl(settings: Settings, _args: argparse.Namespace) -> int:
    from bots.jsonl import serve_jsonl  # noqa: PLC0415

    async def serve(engine: Engine) -> None:
        await serve_jsonl(engine, sys.stdin.buffer, _own_stdout())

    asyncio.run(_with_engine(settings, serve))
    return 0


def _own_stdout() -> TextIO:
    """Standard output on a descriptor of its own, which llama.cpp's model loads leave alone.

    llama-cpp-python (``verbose=False``) points the process's descriptors 1 and 2 at /dev/null
    while it loads a model. Replies written meanwhile were lost, though marked sent: a burst of 18
    through ``chat --jsonl`` lost the 3 that code answered while the first model call loaded it.
    """
    sys.stdout.flush()
    return os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)


async def _with_engine(settings: Settings, surface: Callable[[Engine], Awaitable[None]]) -> None:
    engine = build_engine(settings)
    try:
        await surface(engine)
    finally:
        await engine.aclose()
        await engine.llm.aclose()


def _eval_skills(settings: Settings, args: argparse.Namespace) -> int:
    from bots.cli_skills import eval_skills  # noqa: PLC0415 - only this command loads the harness

    return eval_skills(settings, args)


def _admin(settings: Settings, args: argparse.Namespace) -> int:
    from bots.cli_admin import run_admin  # noqa: PLC0415

    return run_admin(settings, args.words, sys.stdout)


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from storage import create_database_engine, upgrade_schema  # noqa: PLC0415

    upgrade_schema(create_database_engine(settings.resolved_database_url))
    print("chatwright: database schema is up to date", file=sys.stderr)
    return 0


def _model_prepare(settings: Settings, _args: argparse.Namespace) -> int:
    from conversation.llm.models import resolve_model_path  # noqa: PLC0415

    if settings.model.startswith("openai:") or settings.model == "fake":
        print(f"chatwright: model {settings.model} needs no preparation", file=sys.stderr)
        return 0
    path = resolve_model_path(settings.model, settings.resolved_cache_dir)
    print(f"chatwright: model {settings.model} ready at {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
