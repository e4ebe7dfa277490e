"""A tiny metrics registry (counters, latency histograms) rendered in Prometheus text format."""

from __future__ import annotations

import math
from collections.abc import Iterable

Labels = tuple[tuple[str, str], ...]

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(values: dict[str, str]) -> Labels:
    return tuple(sorted(values.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _format_labels(labels: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}" if inner else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if value != int(value) else str(int(value))


class Counter:
    """A monotonically increasing count per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help = help_text
        self._values: dict[Labels, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Adds `amount` to the series with these labels."""
        key = _labels(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        """The current value of one series (0 when never touched)."""
        return self._values.get(_labels(labels), 0.0)

    def samples(self) -> list[str]:
        return [
            f"{self.name}{_format_labels(key)} {_number(value)}"
            for key, value in sorted(self._values.items())
        ]


class Histogram:
    """Observations counted into cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(
        self, name: str, help_text: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS
    ) -> None:
        self.name = name
        self.help = help_text
        self.buckets = tuple(sorted(buckets))
        self._series: dict[Labels, tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels: str) -> None:
        """Records one observation (e.g. seconds) in the series with these labels."""
        key = _labels(labels)
        counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                counts[i] += 1
        counts[-1] += 1  # +Inf, also the total count
        total[0] += value

    def count(self, **labels: str) -> int:
        """How many observations one series holds."""
        series = self._series.get(_labels(labels))
        return series[0][-1] if series else 0

    def samples(self) -> list[str]:
        lines: list[str] = []
        for key, (counts, total) in sorted(self._series.items()):
            for bound, n in zip((*self.buckets, math.inf), counts, strict=True):
                le = _format_labels((*key, ("le", _number(bound))))
                lines.append(f"{self.name}_bucket{le} {n}")
            lines.append(f"{self.name}_sum{_format_labels(key)} {_number(total[0])}")
            lines.append(f"{self.name}_count{_format_labels(key)} {counts[-1]}")
        return lines


class Registry:
    """Named metrics, each registered once, rendered together."""

    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Histogram] = {}

    def counter(self, name: str, help_text: str) -> Counter:
        """The counter with this name, created on first use."""
        metric = self._metrics.setdefault(name, Counter(name, help_text))
        if not isinstance(metric, Counter):
            raise TypeError(f"{name} is already registered as a {metric.kind}")
        return metric

    def histogram(
        self, name: str, help_text: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS
    ) -> Histogram:
        """The histogram with this name, created on first use."""
        metric = self._metrics.setdefault(name, Histogram(name, help_text, buckets))
        if not isinstance(metric, Histogram):
            raise TypeError(f"{name} is already registered as a {metric.kind}")
        return metric

    def render(self) -> str:
        """All metrics in the Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        for name, metric in sorted(self._metrics.items()):
            lines.append(f"# HELP {name} {metric.help}")
            lines.append(f"# TYPE {name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"


class Metrics(Registry):
    """The assistant's metrics; channels label every series with their name."""

    def __init__(self) -> None:
        super().__init__()
        self.messages_in = self.counter("messages_in_total", "Messages received from users.")
        self.messages_out = self.counter("messages_out_total", "Messages sent or edited.")
        self.handling = self.histogram(
            "handling_seconds", "Time from receiving a message to its last reply sent."
        )
        self.errors = self.counter("errors_total", "Errors, by channel and kind.")
