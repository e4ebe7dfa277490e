"""Reads a YAML catalog as a stream of parser events: little memory, line numbers kept."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode

from core.yaml_bounds import EventGuard
from storage.catalog_columns import Entity, entity_named, fold
from storage.catalog_rows import RawTable
from storage.catalog_validate import CatalogError, Problem, Where
from storage.limits import MAX_ITEM_EVENTS, MAX_ROWS, Refused, RowBudget, count

log = logging.getLogger(__name__)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_STR = "tag:yaml.org,2002:str"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]  # the C loader has no stubs
    """YAML 1.2-like scalars: "18:30" stays a string, "no" and "on" are not booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


class _Events:
    """Builds plain values from the parser's events, one at a time, within the bounds of
    core.yaml_bounds (no alias of a list or mapping, limited nesting)."""

    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        self.anchors: dict[str, Any] = {}
        self.guard = EventGuard()
        self.section: str | None = None
        self.left: int | None = None  # events the record being read may still take

    def next(self) -> Event:
        try:
            event: Event = self.loader.get_event()
            self.guard.check(event)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            row = mark.line + 1 if mark is not None else None
            raise CatalogError([Problem(self.file, f"YAML okunamadı: {exc}", row=row)]) from exc
        if self.left is not None:
            self.left -= 1
            if self.left < 0:
                message = f"bir kayıt {count(MAX_ITEM_EVENTS)} YAML öğesinden büyük"
                raise CatalogError([Problem(self.file, message, self.section, _line(event))])
        return event

    def skip(self, event: Event) -> None:
        """Reads past the value that starts with `event`, building nothing but the anchors of
        single values (an alias may repeat them)."""
        depth = 1 if isinstance(event, CollectionStartEvent) else 0
        while True:
            if isinstance(event, ScalarEvent) and event.anchor:
                self.anchors[event.anchor] = self.scalar(event)
            if depth == 0:
                return
            event = self.next()
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1

    def scalar(self, event: ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
        construct = self.loader.yaml_constructors.get(tag)
        if construct is None or tag == _STR:
            return event.value
        try:
            return construct(self.loader, ScalarNode(tag, event.value, style=event.style))
        except ValueError:  # 2026-02-30 looks like a date but is none: the cell check says so
            return event.value

    def value(self, event: Event) -> Any:
        """The whole value that starts with `event`."""
        if isinstance(event, ScalarEvent):
            result = self.scalar(event)
        elif isinstance(event, AliasEvent):
            return self.anchors.get(event.anchor or "")
        elif isinstance(event, SequenceStartEvent):
            items = []
            while not isinstance(nxt := self.next(), SequenceEndEvent):
                items.append(self.value(nxt))
            result = items
        elif isinstance(event, MappingStartEvent):
            mapping = {}
            while not isinstance(key := self.next(), MappingEndEvent):
                name = self.value(key)
                mapping[name if isinstance(name, str | int) else str(name)] = self.value(
                    self.next()
                )
            result = mapping
        else:
            raise CatalogError([Problem(self.file, f"beklenmeyen YAML öğesi: {event}")])
        anchor = getattr(event, "anchor", None)
        if anchor:
            self.anchors[anchor] = result
        return result


def _line(event: Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def _empty(events: _Events, event: Event) -> bool:
    """Whether the value that starts with `event` is empty (~ or nothing); read past it."""
    if isinstance(event, ScalarEvent | AliasEvent):
        return events.value(event) is None
    events.skip(event)
    return False


def _rows(
    events: _Events, entity: Entity, where: Where, problems: list[Problem], budget: RowBudget
) -> Iterator[tuple[int, dict[str, object]]]:
    lookup = entity.lookup()
    while not isinstance(first := events.next(), SequenceEndEvent):
        line = _line(first)
        try:
            budget.take(line)
        except Refused as exc:
            raise CatalogError([exc.problem(where.file, where.sheet)]) from exc
        events.left = MAX_ITEM_EVENTS
        item = events.value(first)
        events.left = None
        if not isinstance(item, dict):
            message = "her kayıt “anahtar: değer” biçiminde olmalı"
            problems.append(Problem(where.file, message, where.sheet, line))
            continue
        values: dict[str, object] = {}
        for name, value in item.items():
            col = lookup.get(fold(str(name)))
            if col is not None and col.key not in values:
                values[col.key] = value
                where.headers.setdefault(col.key, str(name))
        yield line, values


def read_yaml(name: str, data: bytes, problems: list[Problem]) -> Iterator[RawTable]:
    """One table per known top-level section (fields, branches… or Alanlar, Branşlar…)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"YAML dosyası UTF-8 olarak okunamadı ({exc.start}. baytta)"
        raise CatalogError([Problem(name, message)]) from exc
    loader = _Loader(text)
    events = _Events(loader, name)
    budget = RowBudget(MAX_ROWS)  # for all the sections together
    try:
        while isinstance(top := events.next(), StreamStartEvent | DocumentStartEvent):
            pass
        if isinstance(top, DocumentEndEvent | StreamEndEvent):
            return
        if not isinstance(top, MappingStartEvent):
            if not _empty(events, top):
                message = "en üstte fields, branches, centers, courses, sessions bölümleri olmalı"
                problems.append(Problem(name, message, row=1))
            return
        while not isinstance(key_event := events.next(), MappingEndEvent):
            key = ""
            if isinstance(key_event, ScalarEvent | AliasEvent):
                key = str(events.value(key_event))
            else:
                events.skip(key_event)
            start = events.next()
            line = _line(start)
            entity = entity_named(key)
            if entity is None:
                log.info("ignoring section %r of %s", key, name)
                events.skip(start)  # never built: it may be anything, of any size
                continue
            if not isinstance(start, SequenceStartEvent):
                if not _empty(events, start):
                    problems.append(Problem(name, "bir liste olmalı", key, line))
                continue
            where = Where(name, key, {})
            events.section = key
            rows = _rows(events, entity, where, problems, budget)
            yield RawTable(entity, where, rows, tabular=False)
            for _unread in rows:  # the reader stopped early: skip the rest of the section
                pass
    finally:
        loader.dispose()
