"""Slack and Discord adapters: ack latency while the model is busy, reply time, restarts mid-burst.

Run: .venv/bin/python bench/bench_adapters.py
(a) Ack latency under a burst of 200 events/s for 3 s while a 4 s model works. Slack: signed request
    -> HTTP 200 from uvicorn, against a bare Starlette endpoint on the same server (the baseline);
    once more with the progress placeholders switched off (a diagnostic, not the product), and the
    bot's CPU time per event (the box has few cores, shared with other work: see the load average).
    Discord: gateway dispatch -> inbox commit, against dispatch -> discord.py's on_message (baseline);
    slash commands: dispatch -> the deferral reaching Discord.
(b) Reply time with a 4 s model at 10 events/s across distinct users, against what 5 worker threads
    with an unbounded queue (Bolt's listener executor) would give on the same arrivals (computed).
(c) `chatwright run` (python -m bots.cli run) killed mid-burst of 50 signed Slack events, SIGTERM
    and SIGKILL, restarted; events not acked are retried as Slack does; replies counted at the fake.
The bot runs in a subprocess (this file with ``serve``), the fake platforms and the load here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters_bot import MODEL_S, serve
from adapters_discord import bench_discord
from adapters_measure import Results
from adapters_restarts import bench_restarts
from adapters_slack import bench_slack

COMMAND = "Run: .venv/bin/python bench/bench_adapters.py"
SECTIONS: dict[str, Callable[[Results, Path], Awaitable[None]]] = {
    "slack": bench_slack,
    "discord": bench_discord,
    "restarts": bench_restarts,
}


async def run_all(sections: Sequence[str]) -> None:
    results = Results()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            for section in sections:
                await SECTIONS[section](results, folder)
        finally:
            results.print()
            print(f"load average after: {os.getloadavg()[0]:.2f} (other processes share these CPUs)")
            for log in sorted(folder.glob("*.log")):
                errors = [
                    line for line in log.read_text().splitlines() if "Traceback" in line or "ERROR" in line
                ]
                if errors:
                    print(f"{log.name}: {len(errors)} error lines, first: {errors[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run only these parts")
    commands = parser.add_subparsers(dest="command")
    server = commands.add_parser("serve", help="(internal) run the bot for the bench")
    server.add_argument("platform", choices=["slack", "discord"])
    server.add_argument("--data-dir", required=True)
    server.add_argument("--model-s", type=float, default=MODEL_S)
    server.add_argument("--api-url", required=True)
    server.add_argument("--gateway-url", default="")
    server.add_argument("--no-placeholders", action="store_true")
    args = parser.parse_args()
    if args.command == "serve":
        args.port = int(os.environ["CHATWRIGHT_PORT"])
        serve(args)
        return
    print(COMMAND, flush=True)
    print(f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}", flush=True)
    asyncio.run(run_all(args.only or list(SECTIONS)))


if __name__ == "__main__":
    main()
