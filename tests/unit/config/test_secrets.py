"""Secrets come from the environment only, are required only when used, and never leak into
`config show`, errors or reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config import render_config_show, require_secrets

from ._support import SECRET_ENV, errors, load, write


def test_secrets_are_read_from_the_environment() -> None:
    secrets = load("prod", env=SECRET_ENV).secrets
    assert secrets.api_key == SECRET_ENV["PERPS_API_KEY"]
    assert secrets.api_secret == SECRET_ENV["PERPS_API_SECRET"]
    assert secrets.api_password == SECRET_ENV["PERPS_API_PASSWORD"]
    assert secrets.present


@pytest.mark.parametrize("profile", ["canary", "prod"])
def test_loading_does_not_need_secrets_but_running_ccxt_does(profile: str) -> None:
    loaded = load(profile)
    with pytest.raises(ConfigError) as caught:
        require_secrets(loaded)
    assert caught.value.lines == [
        f"secrets: profile {profile} needs PERPS_API_KEY and PERPS_API_SECRET in the environment"
    ]


def test_key_without_secret_is_not_enough() -> None:
    with pytest.raises(ConfigError):
        require_secrets(load("canary", env={"PERPS_API_KEY": "k"}))


def test_secrets_present_pass() -> None:
    require_secrets(load("canary", env=SECRET_ENV))


def test_dev_with_the_simulator_needs_none() -> None:
    require_secrets(load("dev"))


def _assert_no_secret(text: str) -> None:
    for value in SECRET_ENV.values():
        assert value not in text


def test_config_show_says_set_but_never_shows_the_value() -> None:
    shown = render_config_show(load("prod", env=SECRET_ENV))
    _assert_no_secret(shown)
    assert '# api_key = "***"  # PERPS_API_KEY is set' in shown
    assert '# api_password = "***"  # PERPS_API_PASSWORD is set' in shown


def test_config_show_without_secrets() -> None:
    shown = render_config_show(load("prod"))
    assert "# api_key = (not set)  # PERPS_API_KEY" in shown


def test_repr_of_loaded_config_hides_secrets() -> None:
    loaded = load("prod", env=SECRET_ENV)
    _assert_no_secret(repr(loaded))
    _assert_no_secret(str(loaded.secrets))


def test_errors_never_contain_secrets(tmp_path: Path) -> None:
    """Secrets in the environment, and the same strings misplaced in every layer a user could try."""
    key, secret = SECRET_ENV["PERPS_API_KEY"], SECRET_ENV["PERPS_API_SECRET"]
    path = write(
        tmp_path,
        f'[broker]\napi_key = "{key}"\n[broker.ccxt_config]\napiKey = "{key}"\nsecret = "{secret}"\n'
        "[risk]\nmax_leverage = -1\n",
    )
    env = {**SECRET_ENV, "PERPS__BROKER__API_SECRET": secret, "PERPS__API_KEY": key}
    lines = errors(
        "canary",
        path,
        env=env,
        overrides=[f"broker.api_password={secret}", f"broker.ccxt_config.password={key}"],
    )
    assert len(lines) >= 6
    _assert_no_secret("\n".join(lines))


def test_a_secret_pasted_into_a_value_is_redacted_everywhere() -> None:
    key = SECRET_ENV["PERPS_API_KEY"]
    lines = errors("prod", env=SECRET_ENV, overrides=[f"risk.max_leverage={key}"])
    assert lines == ["config.risk.max_leverage: must be a number, got '***'"]
    shown = render_config_show(load("prod", env=SECRET_ENV, overrides=[f"bot.id={key}"]))
    assert 'id = "***"  # --set' in shown
    _assert_no_secret(shown)
