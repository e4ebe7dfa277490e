"""A small, fast .xlsx writer: shared strings, a bold frozen header, date and time cells."""

# openpyxl's write-only mode takes about a minute for 100,000 rows without lxml, and the
# inline strings it writes are slow to read back; this writes the same workbook in seconds.

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entry times, so equal catalogs give equal bytes
_EPOCH = date(1899, 12, 30)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# cellXfs: 0 plain, 1 bold header, 2 date, 3 time, 4 date and time
_STYLES = f"""{_HEAD}<styleSheet {_NS}>
<numFmts count="3"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>\
<numFmt numFmtId="165" formatCode="hh:mm"/><numFmt numFmtId="166" formatCode="dd.mm.yyyy hh:mm"/>\
</numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: its name, header row, column widths and data rows (plain values)."""

    name: str
    header: Sequence[str]
    widths: Sequence[float]
    rows: Iterable[Sequence[Any]]
    row_count: int


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def get(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> str:
        items = "".join(
            f'<si><t xml:space="preserve">{escape(_ILLEGAL.sub("", s))}</t></si>'
            for s in self.index
        )
        count = len(self.index)
        return f'{_HEAD}<sst {_NS} count="{count}" uniqueCount="{count}">{items}</sst>'


def _cell(ref: str, value: Any, strings: _Strings) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        serial = (value.date() - _EPOCH).days + seconds / 86400
        return f'<c r="{ref}" s="4"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, time):
        fraction = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return f'<c r="{ref}" s="3"><v>{fraction!r}</v></c>'
    return f'<c r="{ref}" t="s"><v>{strings.get(str(value))}</v></c>'


def _sheet_xml(sheet: Sheet, strings: _Strings, out: IO[bytes]) -> None:
    letters = [get_column_letter(i) for i in range(1, len(sheet.header) + 1)]
    last = f"{letters[-1]}{sheet.row_count + 1}"
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(sheet.widths, start=1)
    )
    out.write(
        f'{_HEAD}<worksheet {_NS} {_NS_R}><dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'.encode()
    )
    head = "".join(
        f'<c r="{c}1" t="s" s="1"><v>{strings.get(h)}</v></c>'
        for c, h in zip(letters, sheet.header, strict=True)
    )
    chunk = [f'<row r="1">{head}</row>']
    for n, row in enumerate(sheet.rows, start=2):
        cells = "".join(_cell(f"{c}{n}", v, strings) for c, v in zip(letters, row, strict=True))
        chunk.append(f'<row r="{n}">{cells}</row>')
        if len(chunk) >= 1000:
            out.write("".join(chunk).encode())
            chunk.clear()
    chunk.append("</sheetData></worksheet>")
    out.write("".join(chunk).encode())


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_workbook(out: IO[bytes], sheets: Sequence[Sheet]) -> None:
    """Writes an .xlsx package with `sheets` to the binary stream `out`."""
    strings = _Strings()
    n = len(sheets)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for i, sheet in enumerate(sheets, start=1):
            with book.open(_entry(f"xl/worksheets/sheet{i}.xml"), "w") as part:
                _sheet_xml(sheet, strings, part)
        book.writestr(_entry("xl/sharedStrings.xml"), strings.xml())
        book.writestr(_entry("xl/styles.xml"), _STYLES)
        listed = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(sheets, start=1)
        )
        book.writestr(
            _entry("xl/workbook.xml"),
            f"{_HEAD}<workbook {_NS} {_NS_R}><sheets>{listed}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        rels += (
            f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
        book.writestr(
            _entry("xl/_rels/workbook.xml.rels"),
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>',
        )
        book.writestr(
            _entry("_rels/.rels"),
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        book.writestr(
            _entry("[Content_Types].xml"),
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
            f"{overrides}</Types>",
        )
