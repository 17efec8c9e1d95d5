"""The training package's error: a clear sentence for the operator."""

from __future__ import annotations

from conversation.errors import ChatwrightError


class TrainingError(ChatwrightError):
    """A training run, a promotion or a rollback could not be done as asked."""
