"""`chatwright train` and `chatwright models list | promote V | rollback`."""

from __future__ import annotations

import argparse
import datetime
import sys
import uuid

import sqlalchemy as sa

from conversation import Settings
from storage import create_database_engine, upgrade_schema


def add_training_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``train`` and ``models`` subcommands."""
    train = commands.add_parser("train", help="build the dataset, fine-tune, evaluate, promote if better")
    train.add_argument("--force", action="store_true", help="train even with few new pairs")
    train.set_defaults(command=train_now)
    models = commands.add_parser("models", help="fine-tuned model versions")
    actions = models.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("list", help="every version with its metrics").set_defaults(command=list_models)
    promote = actions.add_parser("promote", help="serve version V")
    promote.add_argument("version", metavar="V")
    promote.set_defaults(command=promote_model)
    actions.add_parser("rollback", help="serve the version promoted before").set_defaults(
        command=rollback_model
    )


def _database(settings: Settings) -> sa.Engine:
    database = create_database_engine(settings.resolved_database_url)
    upgrade_schema(database)
    return database


def train_now(settings: Settings, args: argparse.Namespace) -> int:
    """Run the pipeline now, under the same lease as the nightly run."""
    from training.scheduler import run_leased  # noqa: PLC0415 - heavy imports only for this command

    run_key = f"manual-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    outcome = run_leased(settings, _database(settings), run_key, force=args.force)
    if outcome is None:
        print("chatwright: another process is training right now", file=sys.stderr)
        return 1
    print(f"chatwright: training {outcome.status}: {outcome.version or '-'} ({outcome.detail})")
    return 0


def list_models(settings: Settings, _args: argparse.Namespace) -> int:
    """Print one line per version: status, held-out loss (serving -> candidate), similarity."""
    from training.versions import list_versions  # noqa: PLC0415

    versions = list_versions(_database(settings))
    if not versions:
        print("no fine-tuned versions yet (run `chatwright train`)")
    for row in versions:
        metrics = row["metrics"]
        loss = f"{metrics['serving']['loss']['all']:.4f} -> {metrics['candidate']['loss']['all']:.4f}"
        similarity = metrics["candidate"]["similarity"].get("all", float("nan"))
        created = datetime.datetime.fromtimestamp(row["created_at"]).strftime("%Y-%m-%d %H:%M")
        print(
            f"{row['version']:<6} {row['status']:<11} {row['base_model']:<14} {created}  "
            f"loss {loss}  similarity {similarity:.3f}"
        )
    return 0


def promote_model(settings: Settings, args: argparse.Namespace) -> int:
    """Serve version V (running bots switch within ``training_poll_s``)."""
    from training.versions import promote  # noqa: PLC0415

    served = promote(_database(settings), args.version)
    print(f"chatwright: now serving {served.version}")
    return 0


def rollback_model(settings: Settings, _args: argparse.Namespace) -> int:
    """Serve the version promoted before the current one (or the plain base model)."""
    from training.versions import rollback  # noqa: PLC0415

    served = rollback(_database(settings), settings.model)
    print(f"chatwright: now serving {served.version}")
    return 0
