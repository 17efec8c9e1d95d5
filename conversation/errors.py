"""The error hierarchy: each error carries one sentence a user can read."""


class ChatwrightError(Exception):
    """Base of every error chatwright raises on purpose."""


class ConfigError(ChatwrightError):
    """A configuration value is missing or invalid; the message names the key."""


class BadInput(ChatwrightError):
    """A message cannot be accepted as it is (empty, too long, not text)."""


class BackendUnavailable(ChatwrightError):
    """The language model backend failed, timed out or cannot be reached."""


class SkillError(ChatwrightError):
    """A skill could not complete a request: the person sees ``text``, the skill's own sentence.

    With ``retry_after_s`` the message is tried again after that many seconds (as when the model
    backend is down), up to the engine's ``max_attempts``.
    """

    def __init__(self, text: str, retry_after_s: float | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.retry_after_s = retry_after_s
