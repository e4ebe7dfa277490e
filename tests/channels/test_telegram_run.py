"""`run()`: the web server and the Telegram channel together, and their clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import httpx
import pytest

from bot.run import run
from tests.bot.conftest import make_settings
from tests.doubles.telegram_api import TelegramDouble
from tests.processes import free_port

USER = 777001


async def test_without_a_channel_run_says_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(make_settings(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "MF_TELEGRAM_TOKEN" in err
    assert "MF_WHATSAPP_TOKEN" in err
    assert "meslek-bot chat" in err
    assert not (tmp_path / "data").exists()  # nothing was created


async def test_a_busy_port_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings = make_settings(tmp_path, telegram_token="1:x", http_port=str(port))
        assert await run(settings) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "MF_HTTP_PORT" in err


async def test_a_rejected_token_is_one_clear_line_without_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with TelegramDouble() as tg:
        settings = make_settings(
            tmp_path,
            telegram_token="999:not-the-token",
            telegram_api_url=tg.api_url,
            http_port=str(free_port()),
        )
        assert await run(settings) == 1
    err = capsys.readouterr().err
    assert "MF_TELEGRAM_TOKEN" in err
    assert "not-the-token" not in err


async def test_run_serves_health_metrics_and_telegram_then_stops_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()
    async with TelegramDouble() as tg:
        settings = make_settings(
            tmp_path,
            telegram_token=tg.token,
            telegram_api_url=tg.api_url,
            http_port=str(port),
        )
        stop = asyncio.Event()
        running = asyncio.create_task(run(settings, stop=stop))
        await tg.wait_for(lambda: tg.calls_to("getUpdates") or running.done())
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            tg.send_text(USER, "merhaba")
            await tg.wait_for(lambda: tg.calls_to("sendMessage", USER))
            metrics = (await client.get("/metrics")).text
        assert 'messages_out_total{channel="telegram"}' in metrics
        stop.set()
        assert await asyncio.wait_for(running, 15) == 0
        # polling stopped: nothing more reaches the API
        seen = len(tg.calls)
        await asyncio.sleep(0.3)
        assert len(tg.calls) == seen
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/healthz")
    assert tg.token not in caplog.text
    assert tg.token.split(":")[1] not in caplog.text
