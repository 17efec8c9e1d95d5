"""The user guide: the configuration reference covers every setting, the build is strict, pages load.

The strict build also runs as `make docs` inside `make test`; here it is checked to fail on a broken
link (so a quiet flag or a lax config cannot make it pass unseen) and its pages are opened in a
headless Chromium, as the web chat's browser tests do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.async_api import async_playwright, expect
from pydantic import Field

from bots.cli import _parser
from chatwright.testing import TestBot
from conversation.settings import Settings
from conversation.settings_reference import env_name, render_reference, rows
from tests.test_web_browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def build_site(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``config`` into ``site``, as `make docs` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide built once for the module, strictly."""
    folder = tmp_path_factory.mktemp("site")
    built = build_site(ROOT / "mkdocs.yml", folder)
    assert built.returncode == 0, built.stderr
    return folder


def test_every_setting_is_in_the_configuration_reference_with_its_variable() -> None:
    page = render_reference()

    missing = [
        key
        for key in Settings.model_fields
        if not re.search(
            rf"^\| <a id=\"{key}\"></a>`{key}` \|.*<br>`{env_name(key)}` \|$", page, re.MULTILINE
        )
    ]

    assert not missing, f"not in the configuration reference: {missing}"


def test_every_setting_has_a_type_a_default_and_a_meaning() -> None:
    undocumented = [key for key, kind, default, _, meaning in rows() if not (kind and default and meaning)]

    assert not undocumented, (
        f"settings without a meaning: {undocumented}; give each a docstring under its declaration "
        "in conversation/settings.py"
    )


def test_a_key_added_to_settings_is_listed_with_its_docstring_and_bounds() -> None:
    class Extended(Settings):
        greeting_delay_s: float = Field(1.5, gt=0)
        """How long the bot waits before it says hello."""

    page = render_reference(Extended)

    row = next(line for line in page.splitlines() if "`greeting_delay_s`" in line)
    assert "`CHATWRIGHT_GREETING_DELAY_S`" in row
    assert "number, > 0" in row
    assert "`1.5`" in row
    assert "How long the bot waits before it says hello." in row


def test_secrets_show_no_default_value_and_long_defaults_are_cut() -> None:
    by_key = {key: (kind, default) for key, kind, default, _, _ in rows()}

    assert by_key["slack_bot_token"] == ("secret", "empty")
    assert by_key["persona"][1].endswith("…”")
    assert by_key["docs_method"][0] == "one of `basic`, `sentence_window`, `auto_merging`"


@pytest.mark.slow
def test_the_strict_build_writes_every_page_and_the_generated_reference(site: Path) -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]

    pages = list(_nav_pages(nav))
    html = (site / "configuration.html").read_text()

    assert [page for page in pages if not (site / page.replace(".md", ".html")).is_file()] == []
    assert [key for key in Settings.model_fields if f'id="{key}"' not in html] == []


@pytest.mark.slow
def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [the missing page](nowhere.md).\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        (ROOT / "mkdocs.yml")
        .read_text()
        .replace("docs_dir: docs", f"docs_dir: {docs}")
        .replace("scripts/docs_hooks.py", str(ROOT / "scripts" / "docs_hooks.py"))
        .split("\nnav:")[0]
    )

    built = build_site(config, tmp_path / "site")

    assert built.returncode != 0
    assert "nowhere.md" in built.stderr


@pytest.mark.slow
async def test_the_built_home_page_loads_in_chromium_and_shows_the_title(site: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is not installed; browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page()

        await page.goto((site / "index.html").as_uri())

        await expect(page).to_have_title("chatwright")
        await expect(page.locator("article h1")).to_contain_text("chatwright")
        await expect(page.locator("article img")).to_have_js_property("complete", True)
        assert await page.locator("article img").evaluate("image => image.naturalWidth") > 0
        await page.get_by_role("link", name="Configuration reference").first.click()
        await expect(page.locator("article h1")).to_contain_text("Configuration reference")
        await page.screenshot(path=str(tmp_path / "site-home.png"))
        await browser.close()


def test_every_python_example_in_the_guide_compiles() -> None:
    blocks = [
        (page.relative_to(DOCS), block)
        for page in sorted(DOCS.rglob("*.md"))
        for block in PYTHON_BLOCK.findall(page.read_text())
    ]

    for page, block in blocks:
        compile(block, str(page), "exec")
    assert blocks


async def test_the_skills_written_in_the_extending_page_answer(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {}
    for example in PYTHON_BLOCK.findall((DOCS / "extending.md").read_text())[:2]:
        exec(compile(example, "docs/extending.md", "exec"), namespace)
    skills = {"haiku": namespace["HaikuSkill"], "words": namespace["words"]}

    async with TestBot.start(tmp_path, skills=skills) as bot:
        haiku = await bot.say("/haiku deploys on a Friday")
        words = await bot.say("how many words are in this sentence")
        (listing,) = await bot.say("/help")

    assert [(reply.skill, reply.text) for reply in haiku] == [("haiku", "echo: deploys on a Friday")]
    assert [reply.text for reply in words] == ["7 words."]
    assert "- /haiku: Write a haiku about a topic." in listing.text


def test_every_chatwright_command_the_guide_and_readme_name_exists() -> None:
    known = set(_command_paths(_parser()))
    texts = [page.read_text() for page in DOCS.rglob("*.md")] + [(ROOT / "README.md").read_text()]

    named = {
        match.strip()
        for text in texts
        for match in re.findall(r"(?:`|bin/)chatwright ((?:[a-z][a-z-]* ?)+)", text)
    }
    unknown = [
        name for name in named if not any(name == path or name.startswith(path + " ") for path in known)
    ]

    assert not unknown, f"commands the docs name that `chatwright` does not have: {unknown}"


def test_the_make_targets_the_readme_names_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()

    targets = set(re.findall(r"^([a-z]+):", makefile, re.MULTILINE))
    named = set(re.findall(r"make ([a-z]+)", readme))

    assert {"run", "test", "docs"} <= named
    assert named <= targets
    assert re.search(r"^test: .*\bdocs\b", makefile, re.MULTILINE)
    recipe = re.search(r"^docs:.*\n\t(.*)$", makefile, re.MULTILINE)
    assert recipe is not None
    assert "mkdocs build --strict" in recipe.group(1)
    assert "--quiet" not in recipe.group(1)  # it hides the warnings --strict counts


def _nav_pages(nav: Any) -> Any:
    """Every Markdown page named in the nav, depth first."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for entry in nav:
            yield from _nav_pages(entry)
    elif isinstance(nav, Mapping):
        for value in nav.values():
            yield from _nav_pages(value)


def _command_paths(parser: Any, prefix: str = "") -> Any:
    """Every command path of an argparse parser: "run", "eval skills", "models promote", ..."""
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                yield path
                yield from _command_paths(sub, path)
