"""The one configuration object.

Read from the environment (``TRIALSCOUT_*``) and, if present, ``$TRIALSCOUT_HOME/config.toml``;
the environment wins. No other module reads ``os.environ``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting to fix."""


@dataclass(frozen=True)
class Settings:
    """Where trialscout keeps its data and how it reaches the outside world."""

    home: Path = field(default_factory=lambda: Path.home() / ".trialscout")
    database_url: str | None = None
    registry_url: str = "https://clinicaltrials.gov"
    registry_requests_per_minute: float = 50.0
    registry_page_size: int = 1000
    load_demo: bool = True
    secret_key: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "trialscout <no-reply@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    interest_retention_days: int = 90
    #: Seconds a sender holds a message it is sending; after that another sender may retry it
    #: (with the same Message-ID) because the first one is presumed dead.
    notify_lease_seconds: int = 300
    #: Processes that parse eligibility criteria and generate plain-language pages in a large derive run
    #: (1: this one only).
    derive_workers: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: the configured one, or one SQLite file under ``home``."""
        return self.database_url or f"sqlite:///{self.home / 'trialscout.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def checkpoint_dir(self) -> Path:
        return self.home / "checkpoints"

    def ensure_home(self) -> Path:
        """Create ``home`` (private to this user) and return it."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.home


_ENV_PREFIX = "TRIALSCOUT_"


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    text = str(raw).strip()
    if kind in (bool, "bool"):
        if text.lower() in {"1", "true", "yes", "on"}:
            return True
        if text.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{_ENV_PREFIX}{name.upper()} must be true or false, not {text!r}")
    if kind in (int, "int"):
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{_ENV_PREFIX}{name.upper()} must be a whole number, not {text!r}") from None
    if kind in (float, "float"):
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{_ENV_PREFIX}{name.upper()} must be a number, not {text!r}") from None
    if name == "home":
        return Path(text).expanduser()
    return text or None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from the environment, the config file and ``overrides``."""
    env = os.environ if environ is None else environ
    settings = Settings()
    home = env.get(f"{_ENV_PREFIX}HOME")
    if home:
        settings = replace(settings, home=Path(home).expanduser())
    values: dict[str, Any] = {}
    config_file = settings.home / "config.toml"
    if config_file.is_file():
        try:
            values.update(tomllib.loads(config_file.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: not valid TOML ({exc}); fix or remove the file") from None
    known = {f.name: f.type for f in fields(Settings)}
    for name in known:
        key = f"{_ENV_PREFIX}{name.upper()}"
        if key in env:
            values[name] = env[key]
    if "llm_api_key" not in values and env.get("OPENAI_API_KEY"):
        values["llm_api_key"] = env["OPENAI_API_KEY"]
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"{config_file}: unknown settings {sorted(unknown)}")
    typed = {
        name: _coerce(name, value, known[name].split(" | ")[0] if isinstance(known[name], str) else known[name])
        for name, value in values.items()
        if name != "home"
    }
    typed.update(overrides)
    for name, least in _AT_LEAST.items():
        if name in typed and typed[name] < least:
            raise ConfigError(f"{_ENV_PREFIX}{name.upper()} must be {least} or more, not {typed[name]}")
    return replace(settings, **typed)


#: Settings with a smallest sensible value, checked when the settings are read (so every command says so).
_AT_LEAST: dict[str, int] = {"derive_workers": 1}
