"""The web chat surface: an ASGI app with a static page and a streaming API."""

from bots.web.app import create_app

__all__ = ["create_app"]
