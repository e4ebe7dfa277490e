"""One typed settings object, read from the environment, then `.env`, then defaults."""

from __future__ import annotations

import ipaddress
import re
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/meslek.db"
_REMINDER_ITEM = re.compile(r"^(?:eve@(?P<hh>\d{1,2}):(?P<mm>\d{2})|(?P<min>\d{1,5})m)$")
_QUIET = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
MAX_REMINDERS = 6
_TEMPLATE_KINDS = {"reminder", "decision", "announcement", "alert", "handoff"}


class ConfigError(Exception):
    """A configuration value is unusable; the message names the variable."""


def _hhmm(hh: str, mm: str) -> time:
    return time(int(hh), int(mm))


class Settings(BaseSettings):
    """Everything the program can be told from outside (see CONTRACT.md)."""

    model_config = SettingsConfigDict(
        env_prefix="MF_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Europe/Istanbul"
    default_locale: str = "tr"
    data_key: SecretStr | None = None

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v22.0"
    whatsapp_templates: str = ""

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)

    # The staff panel: its own listener, so webhooks can face the internet while it stays inside.
    panel_host: str = "127.0.0.1"
    panel_port: int = Field(default=8081, ge=1, le=65535)
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For/-Proto the panel believes.
    panel_trusted_proxies: str = ""
    # A signed-in staff member is signed out after this many idle minutes.
    panel_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Signs the panel's cookies; when unset it is derived from the data key.
    panel_secret: SecretStr | None = None

    reminders: str = "eve@18:00,120m"
    quiet_hours: str = "21:30-08:30"
    telegram_max_rate: float = Field(default=30.0, gt=0, le=1000)
    whatsapp_max_rate: float = Field(default=50.0, gt=0, le=1000)

    # Redis for what several instances share (the platforms' rate budget); without it, on
    # PostgreSQL, the database keeps it. Its URL may carry a password.
    redis_url: SecretStr | None = None

    max_active_applications: int = Field(default=2, ge=1, le=20)

    # Several instances on one PostgreSQL: this one's name in leases (default: host, process
    # and a random part), and how long a lease lasts without renewal — how long the work of an
    # instance that died waits before another takes it over.
    instance_id: str = Field(default="", max_length=80)
    lease_seconds: float = Field(default=30.0, ge=1, le=3600)

    @field_validator("panel_trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for item in _items(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r}: bir IP adresi ya da ağı olmalı") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"bilinmeyen saat dilimi: {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _check_db(cls, value: str) -> str:
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("sqlite+aiosqlite:///... ya da postgresql+asyncpg://... olmalı")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("redis://host:6379/0 (ya da rediss://, unix://) olmalı")
        return value

    @field_validator("reminders")
    @classmethod
    def _check_reminders(cls, value: str) -> str:
        items = [p.strip() for p in value.split(",") if p.strip()]
        if len(set(items)) > MAX_REMINDERS:  # a trainee's choice of them must fit users.reminders
            raise ValueError(f"en fazla {MAX_REMINDERS} hatırlatma tanımlanabilir")
        for item in items:
            m = _REMINDER_ITEM.match(item)
            if not m or (m["hh"] is not None and (int(m["hh"]) > 23 or int(m["mm"]) > 59)):
                raise ValueError(f"anlaşılmayan öğe {item!r}; örnek: eve@18:00,120m")
            if m["min"] is not None and int(m["min"]) == 0:
                raise ValueError("0m dersin başladığı an olur; en az 1m önce olmalı")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: str) -> str:
        if value.strip() and _parse_quiet(value) is None:
            raise ValueError(f"{value!r} SS:DD-SS:DD biçiminde olmalı, ör. 21:30-08:30")
        return value

    @field_validator("whatsapp_templates")
    @classmethod
    def _check_templates(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",") if p.strip()):
            kind, _, rest = item.partition("=")
            name, _, lang = rest.partition(":")
            if kind not in _TEMPLATE_KINDS or not name or not lang:
                raise ValueError(f"{item!r}: tür=ad:dil olmalı (türler: {sorted(_TEMPLATE_KINDS)})")
        return value

    @model_validator(mode="after")
    def _check_pairs(self) -> Settings:
        if self.data_key is None and self.database_url.startswith("postgresql"):
            # Several instances share one PostgreSQL: a key file per machine would split them.
            raise ValueError(
                "MF_DATA_KEY is required with PostgreSQL (every instance must share the key)"
            )
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("MF_TELEGRAM_WEBHOOK_SECRET is required with MF_TELEGRAM_WEBHOOK_URL")
        if self.whatsapp_token:
            for name in ("phone_number_id", "app_secret", "verify_token"):
                if not getattr(self, f"whatsapp_{name}"):
                    raise ValueError(
                        f"MF_WHATSAPP_{name.upper()} is required with MF_WHATSAPP_TOKEN"
                    )
        return self

    # Derived views -------------------------------------------------------------

    @property
    def trusted_proxies(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(i, strict=False) for i in _items(self.panel_trusted_proxies)
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def reminder_offsets(self) -> list[tuple[str, int | time]]:
        """Parsed MF_REMINDERS: ("eve", time) or ("before", minutes)."""
        out: list[tuple[str, int | time]] = []
        for item in (p.strip() for p in self.reminders.split(",") if p.strip()):
            m = _REMINDER_ITEM.match(item)
            assert m is not None  # validated above
            if m["min"] is not None:
                out.append(("before", int(m["min"])))
            else:
                out.append(("eve", _hhmm(m["hh"], m["mm"])))
        return out

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        return _parse_quiet(self.quiet_hours) if self.quiet_hours.strip() else None

    @property
    def templates(self) -> dict[str, tuple[str, str]]:
        """Each kind's first template (name, language)."""
        out: dict[str, tuple[str, str]] = {}
        for kind, name, lang in self._template_items():
            out.setdefault(kind, (name, lang))
        return out

    def template_for(self, kind: str, locale: str = "") -> tuple[str, str] | None:
        """The template of `kind` in `locale` ("tr" also matches "tr_TR"), else the kind's
        first one: a kind may repeat with another language
        (`reminder=hatirlatma:tr,reminder=reminder_en:en`)."""
        for k, name, lang in self._template_items():
            if k == kind and locale and lang.replace("-", "_").split("_")[0] == locale:
                return name, lang
        return self.templates.get(kind)

    def _template_items(self) -> list[tuple[str, str, str]]:
        items = []
        for item in (p.strip() for p in self.whatsapp_templates.split(",") if p.strip()):
            kind, _, rest = item.partition("=")
            name, _, lang = rest.partition(":")
            items.append((kind, name, lang))
        return items

    @property
    def is_postgres(self) -> bool:
        """Several instances may share this database (what only one may do takes a lock)."""
        return self.database_url.startswith("postgresql")

    @property
    def sqlite_path(self) -> Path | None:
        """The database file for SQLite URLs, else None."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        rest = self.database_url[len(prefix) :].split("?", 1)[0]
        if rest in ("", ":memory:"):
            return None
        return Path(rest)


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_quiet(value: str) -> tuple[time, time] | None:
    m = _QUIET.match(value.strip())
    if not m:
        return None
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    return time(h1, m1), time(h2, m2)


def load_settings(**overrides: object) -> Settings:
    """Builds the settings or raises ConfigError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic accepts field kwargs
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        var = f"MF_{loc.upper()}" if loc else "configuration"
        msg = str(err.get("msg", "geçersiz değer")).removeprefix("Value error, ")
        raise ConfigError(f"{var}: {msg}") from None
