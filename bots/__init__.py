"""Adapters (Slack, Discord, web chat, console, JSON lines), the runner and the CLI."""
