"""Settings: names as CONTRACT.md gives them, one clear line on bad values, secrets hidden."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    import os

    for key in list(os.environ):
        if key.startswith("MF_"):
            monkeypatch.delenv(key)


def test_defaults_match_the_contract() -> None:
    s = load_settings()
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.timezone == "Europe/Istanbul"
    assert s.default_locale == "tr"
    assert s.http_host == "127.0.0.1"
    assert s.http_port == 8080
    assert s.reminder_offsets == [("eve", time(18, 0)), ("before", 120)]
    assert s.quiet_window == (time(21, 30), time(8, 30))
    assert s.telegram_max_rate == 30
    assert s.whatsapp_max_rate == 50
    assert s.telegram_api_url == "https://api.telegram.org/bot"
    assert s.whatsapp_api_version == "v22.0"
    assert s.sqlite_path == Path("data/meslek.db")


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MF_TIMEZONE=Europe/Berlin\nMF_HTTP_PORT=9000\n")
    monkeypatch.setenv("MF_HTTP_PORT", "9100")
    monkeypatch.setenv("MF_QUIET_HOURS", "")
    monkeypatch.setenv(
        "MF_WHATSAPP_TEMPLATES", "reminder=ders_hatirlatma:tr,decision=karar:tr,handoff=yetkili:tr"
    )
    s = load_settings()
    assert s.timezone == "Europe/Berlin"
    assert s.http_port == 9100  # the environment wins over .env
    assert s.quiet_window is None
    assert s.templates["reminder"] == ("ders_hatirlatma", "tr")
    assert s.templates["handoff"] == ("yetkili", "tr")  # a staff answer from the inbox


def test_a_template_kind_may_repeat_in_another_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_WHATSAPP_TEMPLATES", "reminder=hatirlatma:tr,reminder=reminder_en:en_US")
    s = load_settings()
    assert s.templates["reminder"] == ("hatirlatma", "tr")  # the first, for any other language
    assert s.template_for("reminder", "en") == ("reminder_en", "en_US")
    assert s.template_for("reminder", "ar") == ("hatirlatma", "tr")
    assert s.template_for("decision", "en") is None


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("MF_TIMEZONE", "Mars/Olympus"),
        ("MF_HTTP_PORT", "99999"),
        ("MF_REMINDERS", "eve@25:00"),
        ("MF_REMINDERS", "yarın"),
        ("MF_REMINDERS", "eve@18:00,0m"),
        ("MF_REMINDERS", "eve@18:00,eve@19:00,10m,20m,30m,60m,120m"),
        ("MF_QUIET_HOURS", "22-08"),
        ("MF_DATABASE_URL", "mysql://x"),
        ("MF_TELEGRAM_MAX_RATE", "0"),
        ("MF_WHATSAPP_TEMPLATES", "reminder=x"),
    ],
)
def test_an_unusable_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(var + ":")
    assert "\n" not in message


def test_webhook_needs_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_TELEGRAM_WEBHOOK_URL", "https://example.org/webhooks/telegram")
    with pytest.raises(ConfigError, match="MF_TELEGRAM_WEBHOOK_SECRET"):
        load_settings()


def test_whatsapp_needs_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_WHATSAPP_TOKEN", "tok")
    with pytest.raises(ConfigError, match="MF_WHATSAPP_PHONE_NUMBER_ID"):
        load_settings()


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_TELEGRAM_TOKEN", "123456:SECRET-TOKEN-VALUE")
    monkeypatch.setenv("MF_DATA_KEY", "very-secret-key")
    monkeypatch.setenv("MF_WHATSAPP_TOKEN", "wa-secret")
    monkeypatch.setenv("MF_WHATSAPP_PHONE_NUMBER_ID", "1")
    monkeypatch.setenv("MF_WHATSAPP_APP_SECRET", "app-secret")
    monkeypatch.setenv("MF_WHATSAPP_VERIFY_TOKEN", "verify-secret")
    s = load_settings()
    shown = repr(s) + str(s) + str(s.model_dump())
    for secret in ("SECRET-TOKEN-VALUE", "very-secret-key", "wa-secret", "app-secret"):
        assert secret not in shown
    assert s.telegram_token is not None
    assert s.telegram_token.get_secret_value() == "123456:SECRET-TOKEN-VALUE"


def test_the_old_staff_list_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    # MF_ADMIN_IDS never did anything (staff act in the panel). A value left in an old .env,
    # even one its old check refused, must not stop the program nor change anything.
    without = load_settings().model_dump()
    monkeypatch.setenv("MF_ADMIN_IDS", "12345, telegram:1")
    Path(".env").write_text("MF_ADMIN_IDS=whatsapp:905321234567\n")
    s = load_settings()
    assert s.model_dump() == without
    assert not any("admin" in name for name in s.model_dump())


def test_postgresql_needs_the_shared_data_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Instances sharing one PostgreSQL must share the key: no key file per machine there."""
    monkeypatch.setenv("MF_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/mf")
    with pytest.raises(ConfigError, match="MF_DATA_KEY"):
        load_settings()
    monkeypatch.setenv("MF_DATA_KEY", "a-shared-key-of-enough-length")
    assert load_settings().data_key is not None


def test_sqlite_still_makes_its_own_key_file(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().data_key is None  # the key file beside the database is the default


async def test_the_rate_budget_is_kept_where_every_instance_sees_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.app import make_budget
    from bot.budget import LocalBudget
    from bot.budget_shared import SharedBudget

    assert isinstance(make_budget(load_settings()), LocalBudget)  # SQLite: one instance
    monkeypatch.setenv("MF_DATABASE_URL", "postgresql+asyncpg://u@db.example/meslek")
    monkeypatch.setenv("MF_DATA_KEY", "shared-key-0123456789")
    assert load_settings().redis_url is None
    in_postgres = make_budget(load_settings())
    assert isinstance(in_postgres, SharedBudget)
    await in_postgres.close()
    monkeypatch.setenv("MF_REDIS_URL", "redis://:pw-9f8e7d@cache.example:6379/2")
    settings = load_settings()
    assert "pw-9f8e7d" not in repr(settings)
    in_redis = make_budget(settings)
    assert isinstance(in_redis, SharedBudget)
    await in_redis.close()
    monkeypatch.setenv("MF_REDIS_URL", "cache.example:6379")
    with pytest.raises(ConfigError, match="^MF_REDIS_URL: redis://"):
        load_settings()
