"""YAML read with bounds: no alias of a list or mapping, limited alias repeats and nesting.

An alias (*name) repeats what its anchor (&name) marked. Aliases of lists and mappings can make a
few hundred bytes stand for gigabytes once anything walks or prints the value (the "billion
laughs"), so they are refused; an alias of a single value (older catalog exports repeat dates
that way) is allowed up to ALIAS_CHARS repeated characters per file. Nesting deeper than
MAX_DEPTH is refused before a recursive reader runs out of stack.

Every YAML the program reads goes through EventGuard: the catalog and trainee readers feed it
the parser events they stream, the locale files are loaded with BoundedSafeLoader.
"""

from __future__ import annotations

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    ScalarEvent,
)

ALIAS_CHARS = 1_000_000  # characters all aliases of a file may repeat, together
MAX_DEPTH = 50  # lists and mappings inside one another


class YamlBoundError(yaml.YAMLError):
    """A YAML file beyond a bound; the message is Turkish, `problem_mark` (a parser mark with
    `line`, or None) locates it."""

    def __init__(self, message: str, mark: object) -> None:
        super().__init__(message)
        self.problem = message
        self.problem_mark = mark

    def __str__(self) -> str:
        return self.problem


class EventGuard:
    """Checks parser events in order; raises YamlBoundError at the first one beyond a bound."""

    def __init__(self, alias_chars: int = ALIAS_CHARS, max_depth: int = MAX_DEPTH) -> None:
        self.alias_chars = alias_chars
        self.max_depth = max_depth
        self.depth = 0
        self.repeated = 0
        self.sizes: dict[str, int | None] = {}  # anchor → characters, None for a collection

    def check(self, event: Event) -> None:
        if isinstance(event, ScalarEvent):
            if event.anchor:
                self.sizes[event.anchor] = len(event.value)
        elif isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > self.max_depth:
                raise YamlBoundError(
                    f"liste ve eşlemeler en fazla {self.max_depth} düzey iç içe olabilir",
                    event.start_mark,
                )
            if event.anchor:
                self.sizes[event.anchor] = None
        elif isinstance(event, CollectionEndEvent):
            self.depth -= 1
        elif isinstance(event, AliasEvent):
            self._alias(event)

    def _alias(self, event: AliasEvent) -> None:
        name = event.anchor or ""
        if name not in self.sizes:
            raise YamlBoundError(f"takma ad *{name} tanımlanmamış (&{name} yok)", event.start_mark)
        size = self.sizes[name]
        if size is None:
            raise YamlBoundError(
                f"takma ad *{name} bir liste ya da eşlemenin yerine kullanılmış; takma adlar "
                "(&ad, *ad) yalnızca tek bir değeri tekrarlayabilir, listeyi açıkça yazın",
                event.start_mark,
            )
        self.repeated += size
        if self.repeated > self.alias_chars:
            limit = f"{self.alias_chars:,}".replace(",", ".")
            raise YamlBoundError(
                f"takma adlar (*ad) toplam {limit} karakterden fazlasını tekrarlıyor; değerleri "
                "açıkça yazın",
                event.start_mark,
            )


class BoundedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader whose every event passes EventGuard: `yaml.load(text, Loader=…)`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.guard = EventGuard()

    def get_event(self) -> Event:
        event: Event = super().get_event()  # type: ignore[no-untyped-call]
        self.guard.check(event)
        return event
