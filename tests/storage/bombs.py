"""Hostile import files, built small and fast: zips whose members unpack to hundreds of
megabytes, workbooks with impossible cells, YAML alias bombs.

`write_zip` streams each member as raw deflate blocks: a piece is compressed once, ending in a
full flush (so no block refers to the one before), and the block is written as many times as the
piece repeats. A 1.5 GB member costs one small compression and a CRC pass, never 1.5 GB of memory.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

Piece = tuple[bytes, int]  # bytes, times repeated

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01


def _block(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


def write_zip(
    path: Path,
    members: Sequence[tuple[str, Sequence[Piece]]],
    *,
    declared: dict[str, int] | None = None,
    flags: int = 0,
) -> Path:
    """A zip of deflated members made of repeated pieces; `declared` lies about the unpacked
    size of the members it names (in both headers); `flags` go in every header (1: encrypted)."""
    central = []
    with path.open("wb") as out:
        for name, pieces in members:
            blocks = [(_block(data), times) for data, times in pieces]
            final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
            crc = 0
            for data, times in pieces:
                for _ in range(times):
                    crc = zlib.crc32(data, crc)
            usize = sum(len(data) * times for data, times in pieces)
            usize = (declared or {}).get(name, usize)
            csize = sum(len(block) * times for block, times in blocks) + len(final)
            encoded = name.encode()
            offset = out.tell()
            out.write(
                _LOCAL.pack(
                    b"PK\x03\x04", 20, flags, 8, 0, _DATE, crc, csize, usize, len(encoded), 0
                )
            )
            out.write(encoded)
            for block, times in blocks:
                for _ in range(times):
                    out.write(block)
            out.write(final)
            central.append(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    20,
                    flags,
                    8,
                    0,
                    _DATE,
                    crc,
                    csize,
                    usize,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )  # fmt: skip
                + encoded
            )
        start = out.tell()
        for entry in central:
            out.write(entry)
        size = out.tell() - start
        out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
    return path


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet {_NS}>'


def xlsx_parts(sheet: str = "Kurslar") -> list[tuple[str, Sequence[Piece]]]:
    """Every part of a one-sheet workbook but the sheet (xl/worksheets/sheet1.xml)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships {_RELS}><Relationship '
            f'Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_DOC}"><sheets>'
            f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships {_RELS}><Relationship '
            f'Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
    }
    return [(name, [(text.encode(), 1)]) for name, text in parts.items()]


def write_xlsx(
    path: Path,
    sheet_pieces: Sequence[Piece],
    *,
    sheet: str = "Kurslar",
    declared: dict[str, int] | None = None,
) -> Path:
    """A workbook whose only sheet's XML is `sheet_pieces` (SHEET_HEAD … </worksheet>)."""
    members = [*xlsx_parts(sheet), ("xl/worksheets/sheet1.xml", sheet_pieces)]
    return write_zip(path, members, declared=declared)


def sheet_xml(body: str, dimension: str = "A1") -> list[Piece]:
    """A small sheet: its dimension and the XML of its rows."""
    text = f'{SHEET_HEAD}<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    return [(text.encode(), 1)]


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def alias_bomb(levels: int = 9, tail: str = "") -> str:
    """The billion laughs in YAML: each anchor is a list of nine aliases of the one before, so
    the last stands for 9**levels strings (9 levels: 387 million); `tail` follows it."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n" + tail.replace("LAST", f"*a{levels - 1}")
