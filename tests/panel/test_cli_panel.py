"""The panel's commands as an operator uses them: real processes on a real database."""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.bot.test_cli import cli, workdir
from tests.processes import ROOT, child_env, free_port

__all__ = ["workdir"]  # the fixture, shared with the CLI tests

_OTP = re.compile(r"([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})")


def _otp(output: str) -> str:
    found = _OTP.search(output)
    assert found, output
    return found.group(1)


def test_staff_accounts_from_the_command_line(workdir: Path) -> None:
    added = cli(workdir, "staff", "add", "Ayse@MF.test", "--name", "Ayşe Yılmaz", "--role", "admin")
    assert added.returncode == 0, added.stderr
    assert "ayse@mf.test: hesap açıldı" in added.stdout
    first = _otp(added.stdout)
    again = cli(workdir, "staff", "add", "ayse@mf.test", "--name", "X", "--role", "admin")
    assert again.returncode == 1
    assert "zaten var" in again.stderr

    no_centre = cli(workdir, "staff", "add", "can@mf.test", "--name", "Can", "--role", "centre")
    assert no_centre.returncode == 2
    assert "--centre" in no_centre.stderr
    bad_centre = cli(
        workdir, "staff", "add", "can@mf.test", "--name", "Can", "--role", "centre",
        "--centre", "yok-boyle-merkez",
    )  # fmt: skip
    assert bad_centre.returncode == 2
    assert "yok-boyle-merkez" in bad_centre.stderr
    piped = cli(
        workdir, "staff", "add", "can@mf.test", "--name", "Can Öz", "--role", "centre",
        "--centre", "buca", "--password-stdin", stdin="uzun-ve-guclu-sifre\n",
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert "Geçici şifre" not in piped.stdout
    weak = cli(
        workdir, "staff", "add", "x@mf.test", "--name", "X", "--role", "admin",
        "--password-stdin", stdin="kisa\n",
    )  # fmt: skip
    assert weak.returncode == 2
    assert "en az 10" in weak.stderr

    listed = cli(workdir, "staff", "list").stdout
    assert re.search(r"ayse@mf\.test\s+admin\s+geçici şifre\s+tüm merkezler", listed)
    assert re.search(r"can@mf\.test\s+centre\s+açık\s+buca", listed)

    reset = cli(workdir, "staff", "reset-password", "ayse@mf.test")
    assert reset.returncode == 0
    assert _otp(reset.stdout) != first
    assert cli(workdir, "staff", "disable", "can@mf.test").returncode == 0
    assert re.search(r"can@mf\.test\s+centre\s+kapalı", cli(workdir, "staff", "list").stdout)
    missing = cli(workdir, "staff", "disable", "kimse@mf.test")
    assert missing.returncode == 1
    assert "böyle bir hesap yok" in missing.stderr

    exported = cli(workdir, "audit", "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    rows = json.loads(exported.stdout)
    assert [(r["actor"], r["action"], r["target"]) for r in rows] == [
        ("cli", "staff_added", "ayse@mf.test"),
        ("cli", "staff_added", "can@mf.test"),
        ("cli", "password_reset", "ayse@mf.test"),
        ("cli", "staff_disabled", "can@mf.test"),
    ]
    assert rows[1]["detail"] == {"centres": ["buca"], "role": "centre"}
    assert rows[0]["at"].endswith("+03:00")
    out = workdir / "audit.csv"
    assert cli(workdir, "audit", "export", "--output", str(out)).returncode == 0
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["action"] for r in table] == [r["action"] for r in rows]


def test_a_cli_decision_is_audited(workdir: Path) -> None:
    from tests.bot.test_cli import _store_hostile_applications

    _store_hostile_applications(workdir)
    number = json.loads(cli(workdir, "applications", "export", "--format", "json").stdout)[0][
        "number"
    ]
    done = cli(workdir, "applications", "reject", number, "--reason", "Kontenjan doldu")
    assert done.returncode == 0, done.stderr
    rows = json.loads(cli(workdir, "audit", "export", "--format", "json").stdout)
    assert [(r["actor"], r["action"], r["target"]) for r in rows] == [("cli", "decision", number)]
    assert rows[0]["detail"]["reason"] == "Kontenjan doldu"


def test_panel_command_serves_the_panel_until_sigterm(workdir: Path) -> None:
    port = free_port()
    env = child_env()
    env.update(MF_DATA_KEY="test-data-key-0123456789")
    env["MF_PANEL_PORT"] = str(port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "panel"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/signin", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.1)
        assert page is not None
        assert page.status_code == 200
        assert 'name="email"' in page.text
        assert 'name="password"' in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/static/panel.css").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_panel_refuses_a_port_in_use_with_one_line(workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = child_env()
        env.update(MF_DATA_KEY="test-data-key-0123456789")
        env["MF_PANEL_PORT"] = str(port)
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "panel"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "MF_PANEL_HOST/MF_PANEL_PORT" in done.stderr


@pytest.mark.parametrize("value", ["10.0.0.1,192.168.0.0/16", "::1"])
def test_trusted_proxies_accept_addresses_and_networks(value: str, tmp_path: Path) -> None:
    from tests.bot.conftest import make_settings

    settings = make_settings(tmp_path, panel_trusted_proxies=value)
    assert settings.trusted_proxies


def test_a_bad_trusted_proxy_stops_the_program(workdir: Path) -> None:
    env_line = {"MF_PANEL_TRUSTED_PROXIES": "proxy.local"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "list"],
        cwd=workdir,
        env={**child_env(),
             "PYTHONPATH": str(ROOT), **env_line},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "panel_trusted_proxies" in done.stderr.lower() or "proxy.local" in done.stderr
