"""The fake order API and a bot with every installed skill (so this plugin's too), via chatwright.testing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from acme_status.fake_api import FakeOrderApi, running_order_api

from chatwright.testing import TestBot

ORDERS = {
    "123": {"status": "shipped", "updated": "2026-12-03"},
    "77": {"status": "being packed", "updated": "2026-12-04"},
}


@pytest.fixture
async def api() -> AsyncIterator[FakeOrderApi]:
    async with running_order_api(ORDERS) as running:
        yield running


@pytest.fixture
async def bot(tmp_path: Path, api: FakeOrderApi) -> AsyncIterator[TestBot]:
    config = {"status": {"api_url": api.url, "retry_after_s": "0.1"}}
    async with TestBot.start(tmp_path, config=config) as started:
        yield started
