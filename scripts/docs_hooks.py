"""MkDocs hooks for the user guide: the configuration page is generated from Settings at every build."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

from conversation.settings_reference import render_reference

CONFIGURATION_PAGE = "configuration.md"


def on_files(files: Files, config: Any) -> Files:
    """Add configuration.md, rendered from conversation.settings.Settings, to the site's files."""
    files.append(File.generated(config, CONFIGURATION_PAGE, content=render_reference()))
    return files
