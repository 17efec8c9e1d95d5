"""The web chat surface: an ASGI app with a static page, a streaming API and signed sessions."""

from bots.web.app import create_app
from bots.web.sessions import WebAccess

__all__ = ["WebAccess", "create_app"]
