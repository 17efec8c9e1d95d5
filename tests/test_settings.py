"""Configuration: chatwright.toml plus CHATWRIGHT_* variables, and one-line errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversation import ConfigError, load_settings


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CHATWRIGHT_MODEL", "CHATWRIGHT_PORT", "CHATWRIGHT_CONFIG", "CHATWRIGHT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_embedded_model_and_a_sqlite_file_in_the_data_dir() -> None:
    settings = load_settings()

    assert settings.model == "qwen2.5-1.5b"
    assert settings.resolved_database_url == "sqlite:///data/chatwright.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_toml_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "chatwright.toml").write_text('model = "smollm2-135m"\nport = 9000\n')
    monkeypatch.setenv("CHATWRIGHT_PORT", "9100")

    settings = load_settings()

    assert settings.model == "smollm2-135m"
    assert settings.port == 9100


def test_bad_value_names_the_key_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWRIGHT_PORT", "eighty")

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert str(error.value).startswith("port: ")
    assert "eighty" in str(error.value)
    assert "\n" not in str(error.value)


def test_unknown_key_in_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "chatwright.toml").write_text('modle = "smollm2-135m"\n')

    with pytest.raises(ConfigError, match=r"^modle: "):
        load_settings()


def test_unknown_variable_in_the_environment_is_refused_like_a_key_in_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHATWRIGHT_MODLE", "smollm2-135m")

    with pytest.raises(ConfigError, match=r"^CHATWRIGHT_MODLE: no such setting"):
        load_settings()


def test_the_test_suites_own_variables_are_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWRIGHT_TEST_POSTGRES_URL", "postgresql://nowhere")

    assert load_settings().model == "qwen2.5-1.5b"


def test_skill_sections_come_from_the_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "chatwright.toml").write_text('[skills.status]\napi_url = "http://a"\ntimeout_s = 3\n')
    monkeypatch.setenv("CHATWRIGHT_SKILLS__STATUS__API_URL", "http://b")
    monkeypatch.setenv("CHATWRIGHT_SKILLS_DISABLED", "docs, reply")

    settings = load_settings()

    assert settings.skills == {"status": {"api_url": "http://b", "timeout_s": 3}}
    assert settings.skills_disabled == ["docs", "reply"]


def test_a_bad_secret_is_named_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWRIGHT_CONFIG", "custom.toml")
    Path("custom.toml").write_text("openai_api_key = 12345\n")

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert str(error.value).startswith("openai_api_key: ")
    assert "12345" not in str(error.value)


def test_missing_config_file_named_by_the_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWRIGHT_CONFIG", "nowhere.toml")

    with pytest.raises(ConfigError, match=r"CHATWRIGHT_CONFIG: no such file nowhere\.toml"):
        load_settings()
