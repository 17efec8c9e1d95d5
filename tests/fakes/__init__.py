"""Local stand-ins for the external services chatwright talks to, for tests."""
