"""The assistant's metrics, kept by prometheus_client in a registry of their own per app."""

from __future__ import annotations

from collections.abc import Sequence

import prometheus_client
from prometheus_client import CollectorRegistry, generate_latest

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# prometheus_client adds a `<name>_created` series beside every counter and histogram: names
# /metrics never had, and Prometheus finds counter resets without them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream


class Counter:
    """A count per label set (the labels named when it was registered)."""

    def __init__(
        self, name: str, help_text: str, labels: Sequence[str], registry: Registry
    ) -> None:
        self.name = name if name.endswith("_total") else f"{name}_total"
        self._registry = registry.collectors
        self._metric = prometheus_client.Counter(
            name, help_text, labelnames=labels, registry=registry.collectors
        )
        # `labels()` checks and sorts its arguments on every call: a few series, looked up once.
        self._series: dict[tuple[tuple[str, str], ...], prometheus_client.Counter] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Adds `amount` to the series with these labels."""
        key = tuple(labels.items())
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._metric.labels(**labels)
        series.inc(amount)

    def value(self, **labels: str) -> float:
        """The current value of one series (0 when never touched)."""
        return self._registry.get_sample_value(self.name, labels) or 0.0


class Histogram:
    """Observations (e.g. seconds) counted into cumulative buckets, with their sum and count."""

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str],
        registry: Registry,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> None:
        self.name = name
        self._registry = registry.collectors
        self._metric = prometheus_client.Histogram(
            name, help_text, labelnames=labels, registry=registry.collectors, buckets=buckets
        )
        self._series: dict[tuple[tuple[str, str], ...], prometheus_client.Histogram] = {}

    def observe(self, value: float, **labels: str) -> None:
        """Records one observation in the series with these labels."""
        key = tuple(labels.items())
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._metric.labels(**labels)
        series.observe(value)

    def count(self, **labels: str) -> int:
        """How many observations one series holds."""
        return int(self._registry.get_sample_value(f"{self.name}_count", labels) or 0)


class Registry:
    """Named metrics, each registered once, in one app's own prometheus_client registry."""

    def __init__(self) -> None:
        # Not prometheus_client's global registry: tests and benches build several apps.
        self.collectors = CollectorRegistry()
        self._metrics: dict[str, Counter | Histogram] = {}

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ("channel",)) -> Counter:
        """The counter with this name, created on first use."""
        metric = self._metrics.get(name)
        if metric is None:
            metric = self._metrics[name] = Counter(name, help_text, labels, self)
        if not isinstance(metric, Counter):
            raise TypeError(f"{name} is already registered as a histogram")
        return metric

    def histogram(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = ("channel",),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        """The histogram with this name, created on first use."""
        metric = self._metrics.get(name)
        if metric is None:
            metric = self._metrics[name] = Histogram(name, help_text, labels, self, buckets)
        if not isinstance(metric, Histogram):
            raise TypeError(f"{name} is already registered as a counter")
        return metric

    def render(self) -> str:
        """All metrics in the Prometheus text exposition format (version 0.0.4)."""
        return generate_latest(self.collectors).decode()


class Metrics(Registry):
    """The assistant's metrics; channels label every series with their name."""

    def __init__(self) -> None:
        super().__init__()
        self.messages_in = self.counter("messages_in_total", "Messages received from users.")
        self.messages_out = self.counter("messages_out_total", "Messages sent or edited.")
        self.handling = self.histogram(
            "handling_seconds", "Time from receiving a message to its last reply sent."
        )
        self.errors = self.counter(
            "errors_total", "Errors, by channel and kind.", labels=("channel", "kind")
        )
