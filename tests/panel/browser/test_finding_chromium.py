"""Which Chromium the browser tests drive, and the message when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.panel.browser.served import NoBrowser, chromium_path, skipping


def test_chromium_on_the_path_is_used() -> None:
    assert chromium_path({}, lambda name: f"/usr/bin/{name}") == "/usr/bin/chromium"


def test_mf_chromium_names_another_binary(tmp_path: Path) -> None:
    binary = tmp_path / "chrome"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert chromium_path({"MF_CHROMIUM": str(binary)}, lambda _: None) == str(binary)
    with pytest.raises(NoBrowser, match="MF_CHROMIUM=/nowhere/chrome is not an executable"):
        chromium_path({"MF_CHROMIUM": "/nowhere/chrome"}, lambda _: "/usr/bin/chromium")


def test_without_chromium_the_message_says_how_to_install_or_skip() -> None:
    with pytest.raises(NoBrowser) as missing:
        chromium_path({}, lambda _: None)
    assert "sudo apt-get install chromium" in str(missing.value)
    assert "MF_SKIP_BROWSER=1" in str(missing.value)


def test_only_mf_skip_browser_1_skips() -> None:
    assert skipping({"MF_SKIP_BROWSER": "1"})
    assert not skipping({"MF_SKIP_BROWSER": "0"})
    assert not skipping({})
