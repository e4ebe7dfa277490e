"""core.recent.Recent: per-user memory follows the users active lately, not every user ever."""

from __future__ import annotations

from core.recent import Recent


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_unused_for_the_idle_time_is_gone() -> None:
    clock = Clock()
    kept: Recent[str, int] = Recent(capacity=100, idle=60.0, clock=clock)
    kept.put("a", 1)
    clock.now = 59.0
    assert kept.get("a") == 1  # used: its minute starts again
    clock.now = 118.0
    assert "a" in kept
    assert kept.get("a") == 1
    clock.now = 179.0
    assert "a" not in kept
    assert kept.get("a") is None


def test_size_follows_the_users_of_the_last_idle_seconds() -> None:
    # A new user every second for an hour, each writing once: only the last minute's are kept.
    clock = Clock()
    kept: Recent[int, str] = Recent(capacity=10_000, idle=60.0, clock=clock)
    sizes = []
    for user in range(3600):
        clock.now = float(user)
        kept.put(user, "conversation")
        sizes.append(len(kept))
    assert max(sizes[120:]) == 61  # flat after the first minute
    assert kept.get(3599) == "conversation"
    assert kept.get(0) is None


def test_beyond_capacity_the_least_recently_used_goes() -> None:
    clock = Clock()
    kept: Recent[str, int] = Recent(capacity=2, idle=1e9, clock=clock)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "b" is now the least recently used
    kept.put("c", 3)
    assert "b" not in kept
    assert kept.get("a") == 1
    assert kept.get("c") == 3
    assert kept.pop("a") == 1
    assert kept.pop("a") is None
    assert len(kept) == 1
    kept.clear()
    assert len(kept) == 0
