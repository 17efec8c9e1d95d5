"""One typed settings object, read once at start-up from chatwright.toml and CHATWRIGHT_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, StringConstraints, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from conversation.errors import ConfigError

_USER_REF = r"^[a-z][a-z0-9_-]*:\S+$"

DEFAULT_PERSONA = (
    "You are chatwright, a friendly and concise assistant bot in a team chat, made by the chatwright "
    "open-source project team. Answer helpfully and briefly. Remember what the person told you earlier "
    "in this conversation (their name, team, numbers) and use it when asked."
)


class Settings(BaseSettings):
    """Everything configurable. Environment variables win over the TOML file.

    An unknown key is an error naming it, in the file and in the environment alike (a
    ``CHATWRIGHT_*`` variable that is no setting stops the bot as a typo in the file does); only
    ``CHATWRIGHT_CONFIG`` and ``CHATWRIGHT_TEST_*`` (the test suite's) are not settings. Skills
    read their own section: ``[skills.<name>]`` or ``CHATWRIGHT_SKILLS__<NAME>__<KEY>``.
    """

    model_config = SettingsConfigDict(env_prefix="CHATWRIGHT_", extra="forbid", env_nested_delimiter="__")

    data_dir: Path = Path("data")
    """Where the SQLite database, document indexes, exports and model versions live."""
    cache_dir: Path = Path("~/.cache/chatwright")
    """The joined model file, the built llama.cpp wheel and converted training models."""
    database_url: str = ""
    """Empty means a SQLite file in the data dir."""

    model: str = "qwen2.5-1.5b"
    """qwen2.5-1.5b | smollm2-135m | /path/to/model.gguf | openai:<model> | fake"""
    openai_base_url: str | None = None
    """Base URL of an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI); used with model =
    openai:<name>."""
    openai_api_key: SecretStr = SecretStr("")
    """The key for that server; local servers need none."""
    llm_timeout_s: float = Field(120.0, gt=0)
    """A model call slower than this fails with a clear notice; the message is kept and retried."""
    llm_threads: int = Field(0, ge=0)
    """0 means one thread per core."""
    context_window: int = Field(4096, ge=256)
    """The embedded model's context size in tokens."""
    kv_cache_mb: int = Field(512, ge=0)
    """RAM for saved conversation KV states (prompt-prefix reuse between turns)."""
    max_reply_tokens: int = Field(512, ge=1)
    """The longest answer, in tokens."""

    history_tokens: int = Field(1500, ge=64)
    """Token budget for past turns in a prompt; the oldest turns are dropped first."""
    persona: str = DEFAULT_PERSONA
    """The chat skill's system prompt."""
    order_menu: Path | None = None
    """A TOML menu for the order skill; None means the course's pizzeria."""
    detect_languages: list[str] | None = None
    """ISO 639-1 codes the translate skill's detector chooses from; None means all 75 lingua knows."""
    team_languages: list[str] = Field(default_factory=lambda: ["en"])
    """What the translate skill translates into when no target is given."""
    check_drafts: bool = True
    """Translate and proofread check the model's first draft before sending it (invariants and
    back-translation; a spelling pass, confusion sets and a second pass). False sends the first
    draft unchecked: faster, and the baseline that ``chatwright eval skills --baseline`` compares."""
    translate_candidates: int = Field(3, ge=1, le=8)
    """How many translations the translate skill may make of one text before keeping the best."""
    reply_temperature: float = Field(0.7, ge=0, le=2)
    """Sampling temperature of /reply drafts (variety is wanted there)."""
    customer_service_contact: str = "our customer service team"
    """Who an apology in a /reply draft points the customer to."""
    reply_allowed_commitments: list[str] = Field(default_factory=list)
    """What a reply may promise (refund, reimbursement, replacement, compensation, credit, discount,
    voucher, free); sentences promising any other kind are removed from every draft."""
    # -- skills: routing of free text and the order sink --
    intent_classifier: bool = True
    """Route free text no skill recognised by the intent classifier (MiniLM examples); off: chat."""
    intent_model_fallback: bool = False
    """When the examples are unsure, let the model pick a skill (off: chat answers). Measured on the
    dev set, the 1.5B sent small talk that mentions a task's topic to that task more often than it
    rescued a request, so precision wins by default."""
    order_webhook_url: SecretStr = SecretStr("")
    """Confirmed orders are POSTed here as JSON (retried until accepted); empty: the orders table only."""
    order_webhook_retry_s: float = Field(1.0, gt=0)
    """The first wait after a refused delivery; it doubles up to five minutes."""
    max_message_chars: int = Field(20_000, ge=1)
    """Longer messages are refused with one clear sentence."""
    retry_after_s: float = Field(30.0, gt=0)
    """How long a message whose backend failed waits before the next attempt."""
    max_attempts: int = Field(5, ge=1)
    """A message whose model call keeps failing is given up after this many attempts."""
    # -- scale-out: several processes on one database (PostgreSQL), Discord shards --
    scope_lease_s: float = Field(10.0, gt=0)
    """A scope stays this long with a process that stopped renewing its lease (it died)."""
    poll_s: float = Field(0.25, gt=0)
    """How often a process looks for messages others accepted for its scopes, due retries, dead scopes."""
    discord_shard_count: int | None = Field(None, ge=1)
    """Discord shards across all processes; unset: one gateway connection, no sharding."""
    discord_shard_ids: list[int] | None = None
    """The shards this process connects (each below discord_shard_count); unset: all of them."""

    @field_validator("discord_shard_ids")
    @classmethod
    def _shards_within_count(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        count = info.data.get("discord_shard_count")
        if value is None:
            return value
        if count is None:
            raise ValueError("needs discord_shard_count")
        outside = [shard for shard in value if not 0 <= shard < count]
        if outside:
            raise ValueError(f"shard ids run from 0 to {count - 1}, not {outside}")
        return value

    host: str = "127.0.0.1"
    """The address `chatwright run` listens on."""
    port: int = Field(8000, ge=0, le=65535)
    """The port `chatwright run` listens on (0: any free port)."""
    # -- public deployments: web chat access, per-user limits (bots/web, conversation/limits.py) --
    web_chat_enabled: bool = True
    """Off: the server publishes only /healthz and the platforms' endpoints (e.g. /slack/events)."""
    web_session_secret: SecretStr = SecretStr("")
    """Signs the web chat's session cookies; empty: one generated once and kept in data_dir."""
    web_access_token: SecretStr = SecretStr("")
    """When set, the page opens only as /?access=<token> (then the session cookie carries it)."""
    web_trusted_user_header: str = ""
    """A header (e.g. X-Forwarded-User) set by an authenticating reverse proxy, taken as the web
    user; requests without it are refused. Only safe when nothing reaches the app but that proxy."""
    web_allowed_origins: list[str] = Field(default_factory=list)
    """Origins besides the app's own that may post to the web API (e.g. https://chat.example.org)."""
    web_public_url: str = ""
    """The address people open the web chat at, for the links `chatwright admin web-login` prints;
    empty: http://host:port."""
    user_max_queued: int = Field(5, ge=1)
    """Messages of one user accepted and not yet answered, across all their conversations."""
    scope_max_queued: int = Field(20, ge=1)
    """Messages of one conversation (scope) accepted and not yet answered."""
    user_rate_per_minute: float = Field(30.0, gt=0)
    """The token bucket's refill: messages a user may send per minute, sustained."""
    user_burst: int = Field(10, ge=1)
    """The token bucket's size: messages a user may send at once after a quiet spell."""

    slack_bot_token: SecretStr = SecretStr("")
    """xoxb-… token; Slack is enabled when this is set."""
    slack_signing_secret: SecretStr = SecretStr("")
    """Verifies Events API requests (HTTP mode)."""
    slack_app_token: SecretStr = SecretStr("")
    """xapp-… token; setting it selects Socket Mode instead of HTTP."""
    slack_api_url: str = "https://slack.com/api/"
    """Slack's Web API base URL (the tests point it at a local fake)."""
    slack_client_id: str = ""
    """The app's client ID ("Basic Information"); with slack_client_secret it selects installing
    into many workspaces over OAuth (/slack/install), each with its own bot token, instead of
    slack_bot_token."""
    slack_client_secret: SecretStr = SecretStr("")
    """The app's client secret, for OAuth installs (and refreshing rotated tokens)."""
    discord_token: SecretStr = SecretStr("")
    """Bot token; Discord is enabled when this is set."""
    discord_bot_channels: list[str] = Field(default_factory=list)
    """Guild channel ids where the bot answers every message, not only mentions."""
    discord_api_url: str = ""
    """Discord's REST API base URL, e.g. http://127.0.0.1:9000/api/v10; empty: discord.py's own
    (https://discord.com/api/v10). discord.py keeps it per process, so all clients share it."""
    discord_gateway_url: str = ""
    """Discord's gateway websocket URL; empty: discord.py's own (wss://gateway.discord.gg/)."""
    # -- training: nightly LoRA fine-tune, evaluation and promotion (training/) --
    training_schedule: str = Field("03:00", pattern=r"^(off|([01]\d|2[0-3]):[0-5]\d)$")
    """Local time of the nightly run in `chatwright run` (HH:MM), or "off"."""
    training_min_new_pairs: int = Field(50, ge=0)
    """The nightly run is skipped with fewer new pairs than this since the last run."""
    training_max_steps: int = Field(300, ge=1)
    """Upper bound on optimizer steps of one fine-tuning run."""
    training_epochs: float = Field(2.0, gt=0)
    """Passes over the training split (the run stops at training_max_steps first)."""
    training_learning_rate: float = Field(2e-4, gt=0)
    """The LoRA optimizer's learning rate."""
    training_batch_size: int = Field(4, ge=1)
    """Examples per training step."""
    training_max_length: int = Field(512, ge=16)
    """Tokens per example; longer examples are truncated."""
    training_padding_side: str = Field("right", pattern="^(left|right)$")
    """Which side of a short example is padded (left or right)."""
    training_truncation_side: str = Field("left", pattern="^(left|right)$")
    """Which side of a long example is cut (left keeps the answer's end)."""
    training_lora_rank: int = Field(8, ge=1)
    """The LoRA rank r."""
    training_lora_alpha: int = Field(16, ge=1)
    """The LoRA scaling alpha."""
    training_test_fraction: float = Field(0.1, gt=0, lt=1)
    """Share of each skill's pairs held out for evaluation."""
    training_near_duplicate_threshold: float = Field(0.8, gt=0, le=1)
    """Character-shingle Jaccard similarity from which two pairs of a skill count as duplicates."""
    training_promote_margin: float = Field(0.02, ge=0, lt=1)
    """The candidate's held-out loss must be this fraction below the serving version's."""
    training_skill_tolerance: float = Field(0.0, ge=0)
    """How much a skill's loss (relative) or similarity (absolute) may worsen and still pass."""
    training_skill_eval: bool = True
    """Before promoting, run the skill harness (``eval skills``) on the serving version and on the
    candidate; a skill whose pass rate drops refuses the candidate."""
    training_skill_cases: Path | None = None
    """The harness's cases for that check; None: the shipped ones."""
    training_eval_limit: int = Field(50, ge=1)
    """Held-out pairs answered by each version for exact match and similarity."""
    training_nice: int = Field(10, ge=0, le=19)
    """The `nice` level of the training process, so the bot keeps answering."""
    training_timeout_s: float = Field(36_000.0, gt=0)
    """A run (and its lease) ends after this; a crashed run's lease expires then."""
    training_poll_s: float = Field(30.0, gt=0)
    """How often `chatwright run` checks which version is promoted (to switch without restart)."""
    training_sources: list[str] = Field(default_factory=lambda: ["web", "console", "jsonl"])
    """Platforms whose transcripts feed fine-tuning. Slack's API terms and Discord's developer
    policy restrict training models on message content, so those join only when an admin enables
    them (`/admin training-sources enable slack`) for a workspace whose agreement allows it."""
    # -- docs (RAG): collections and retrieval for /ask --
    docs_collection: str = "default"
    """The collection of channels no admin bound to another one."""
    docs_guide: Path | None = None
    """A folder indexed in the background as docs_collection at start while that collection has no
    documents, so /ask works on a fresh install (`make run` sets it to the project's user guide, docs/)."""
    docs_method: Literal["basic", "sentence_window", "auto_merging"] = "sentence_window"
    """The retrieval method of /ask: basic, sentence_window or auto_merging."""
    docs_collection_methods: dict[str, Literal["basic", "sentence_window", "auto_merging"]] = Field(
        default_factory=dict
    )
    """Per-collection retrieval method, overriding docs_method."""
    docs_top_k: int = Field(6, ge=1)
    """Passages retrieved per question."""
    docs_chunk_size: int = Field(512, ge=32)
    """Tokens per chunk of the basic method."""
    docs_window_size: int = Field(3, ge=0)
    """Sentences either side of a hit that the sentence_window method answers with."""
    docs_chunk_sizes: list[int] = Field(default_factory=lambda: [2048, 512, 128], min_length=1)
    """Chunk sizes of the auto_merging hierarchy, largest first."""
    docs_rerank_top_n: int = Field(0, ge=0)
    """0: no re-ranking."""
    docs_min_similarity: float = Field(0.25, ge=-1, le=1)
    """Below this best similarity /ask says it does not know, without calling the model."""
    docs_context_tokens: int = Field(1500, ge=64)
    """Token budget for the passages put into the prompt."""
    # -- skills: which of the installed ones run, and their own sections --
    skills_enabled: Annotated[list[str] | None, NoDecode] = None
    """Only these skills (by name) run; None: every installed one (entry points ``chatwright.skills``)."""
    skills_disabled: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Installed skills that do not run (by name; e.g. "ask,reply" in the environment)."""
    skills: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Each skill's own settings, checked against the model the skill declares."""
    adapters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Each installed adapter's own settings (``[adapters.<name>]``), checked by the adapter."""
    # -- admin: roles given by configuration --
    admins: Annotated[list[Annotated[str, StringConstraints(pattern=_USER_REF)]], NoDecode] = Field(
        default_factory=list
    )
    """Admins as platform:user, e.g. "slack:U123,discord:456,web:alice"; /admin roles grants more."""

    @field_validator("admins", "skills_enabled", "skills_disabled", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """In the environment these lists are comma-separated; the TOML file gives a list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read, in order of precedence: arguments, CHATWRIGHT_* variables, chatwright.toml."""
        toml_path = Path(os.environ.get("CHATWRIGHT_CONFIG", "chatwright.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_path))

    @property
    def resolved_cache_dir(self) -> Path:
        """The cache dir with ``~`` expanded."""
        return self.cache_dir.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/chatwright.db``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'chatwright.db'}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a bad value raises ConfigError naming the key in one line."""
    if "CHATWRIGHT_CONFIG" in os.environ and not Path(os.environ["CHATWRIGHT_CONFIG"]).is_file():
        raise ConfigError(f"CHATWRIGHT_CONFIG: no such file {os.environ['CHATWRIGHT_CONFIG']}")
    if unknown := _unknown_variables(os.environ):
        raise ConfigError(f"{unknown[0]}: no such setting (see the Settings reference)")
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "settings"
        shown = "hidden" if _is_secret(key) else repr(first.get("input"))
        raise ConfigError(f"{key}: {first['msg']} (got {shown})") from None


def _unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``CHATWRIGHT_*`` variables naming no setting (nested ones by their first part)."""
    prefix = Settings.model_config.get("env_prefix", "")
    return sorted(
        name
        for name in environ
        if name.upper().startswith(prefix)
        and not name.upper().startswith(_NOT_SETTINGS)
        and name[len(prefix) :].lower().split("__")[0] not in Settings.model_fields
    )


_NOT_SETTINGS = ("CHATWRIGHT_CONFIG", "CHATWRIGHT_TEST_")


def _is_secret(key: str) -> bool:
    return any(word in key.lower() for word in ("key", "token", "secret", "password"))
