"""Adapters (web chat, console, JSON lines; Slack and Discord to come) and the CLI."""
