"""Caps on what an imported file (a catalog or a trainee list) may make the program read.

A small file must not cost gigabytes or minutes: a zip (an .xlsx is one) whose members unpack to
far more than they weigh, a cell reference past Excel's last column, a million rows. Each cap is
checked before the work it bounds (declared zip sizes before unpacking, the zip's directory
before it is parsed), and again while reading (the bytes a member actually gives, the rows a
sheet actually has), so a lying header gains nothing. A file beyond a cap is refused with a
Turkish message (`Refused`), which the readers turn into a located Problem; nothing is stored.

The caps sit well above real files: a 5,000-course catalog with 200,000 sessions is a 5.6 MB
workbook whose largest sheet unpacks to 45 MB of XML, a 22 MB YAML file, or 15 MB of CSV.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from storage.problems import Problem

if TYPE_CHECKING:
    from _csv import Reader

MB = 1 << 20
MAX_FILE_BYTES = 64 * MB  # a file as given (upload or path), and each CSV read from a zip
MAX_ZIP_MEMBERS = 1_000  # files inside a zip or .xlsx
MAX_ZIP_DIRECTORY = 1 * MB  # the zip's list of members, read before any member
MAX_ZIP_TOTAL = 256 * MB  # all members unpacked: declared, and actually read
MAX_SHEET_BYTES = 128 * MB  # one worksheet's XML, unpacked
MAX_STRINGS_BYTES = 64 * MB  # the workbook's shared strings XML, unpacked
MAX_PART_BYTES = 8 * MB  # any other XML part (workbook, relationships, styles), read whole
MAX_SHARED_STRINGS = 1_000_000  # distinct texts in a workbook
MAX_ROWS = 400_000  # filled rows of a catalog file, all sheets (CSV files, sections) together
MAX_TRAINEE_ROWS = 50_000  # filled rows of a trainee list
MAX_ITEM_EVENTS = 10_000  # YAML parser events in one record (keys, values, list items)
MAX_COLUMNS = 200  # columns read (A…GR); cells further right must be empty
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell; also a CSV field
MAX_SEPARATORS = 65_536  # delimiters in one CSV record, quoted ones included
MAX_LINE_CHARS = 1 * MB  # characters in one line of a CSV file
MAX_STALL_BYTES = 4 * MB  # sheet XML without a new element (one endless tag or comment)
EXCEL_ROWS = 1_048_576  # Excel's last row
EXCEL_COLUMNS = 16_384  # Excel's last column, XFD


class Refused(ValueError):
    """A file refused before it could cost too much, or a part of it that cannot be read.

    The message is Turkish, for staff; `file`, `sheet` and `row` locate it where known (the
    reader fills in the rest when it makes the Problem).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row

    def problem(self, file: str, sheet: str | None = None) -> Problem:
        return Problem(self.file or file, self.message, self.sheet or sheet, self.row)


def count(n: int) -> str:
    """A count as Turkish writes it: 300.000."""
    return f"{n:,}".replace(",", ".")


def size(n: int) -> str:
    """A byte count for people: 64 MB, 1,5 GB."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB".replace(".", ",")
    if n >= 10 * MB:
        return f"{n / MB:.0f} MB"
    return f"{n / MB:.1f} MB".replace(".", ",")


def column_letters(index: int) -> str:
    """The letters of a 0-based column: 0 → A, 199 → GR, 16383 → XFD."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_big(what: str, found: int, limit: int) -> Refused:
    return Refused(f"{what} {size(found)}; en fazla {size(limit)} okunur")


def check_bytes(data: bytes, limit: int = MAX_FILE_BYTES) -> None:
    """Refuses a file held in memory that is larger than `limit`."""
    if len(data) > limit:
        raise _too_big("dosya çok büyük:", len(data), limit)


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, never more than `limit` read (a FIFO or /dev/zero included)."""
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"dosya çok büyük: en fazla {size(limit)} okunur", file=path.name)
    return data


def check_file(path: Path, limit: int = MAX_FILE_BYTES) -> None:
    """Refuses a file on disk larger than `limit` (one opened as a zip, not read whole)."""
    found = path.stat().st_size
    if found > limit:
        raise Refused(f"dosya çok büyük: {size(found)}; en fazla {size(limit)} okunur")


# Zip archives -----------------------------------------------------------------------------------

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")


def _directory_size(file: IO[bytes]) -> int | None:
    """The size of the zip's central directory as zipfile will read it; None when there is no
    end record (zipfile then says the file is no zip). Mirrors zipfile's own search."""
    file.seek(0, 2)
    end = file.tell()
    at = None
    if end >= _EOCD.size:
        file.seek(end - _EOCD.size)
        tail = file.read()
        if tail[:4] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
            at = end - _EOCD.size
    if at is None:
        start = max(end - (1 << 16) - _EOCD.size, 0)
        file.seek(start)
        tail = file.read()
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < _EOCD.size:
            return None
        at = start + found
        tail = tail[found : found + _EOCD.size]
    directory: int = _EOCD.unpack(tail[: _EOCD.size])[5]
    locator_at = at - _EOCD64_LOCATOR.size
    if locator_at - _EOCD64.size >= 0:
        file.seek(locator_at - _EOCD64.size)
        record = file.read(_EOCD64.size + _EOCD64_LOCATOR.size)
        if record[_EOCD64.size : _EOCD64.size + 4] == b"PK\x06\x07" and record[:4] == b"PK\x06\x06":
            directory = _EOCD64.unpack(record[: _EOCD64.size])[8]
    return directory


class _Budget:
    """Unpacked bytes left for a whole archive."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.spent = 0

    def spend(self, n: int) -> None:
        self.spent += n
        if self.spent > self.total:
            raise Refused(
                f"dosyanın içi açıldıkça {size(self.total)} sınırını aştı; daha fazlası okunmaz"
            )


class ZipMember:
    """A member being unpacked, with a limit on the bytes it gives whatever its header says."""

    def __init__(self, raw: IO[bytes], name: str, limit: int, budget: _Budget) -> None:
        self.raw = raw
        self.name = name
        self.limit = limit
        self.budget = budget
        self.given = 0

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            whole = io.BytesIO()  # grows in place and hands its buffer over: no second copy
            while chunk := self.read(MB):
                whole.write(chunk)
            return whole.getvalue()
        data = self.raw.read(min(n, self.limit - self.given + 1))
        self.given += len(data)
        if self.given > self.limit:
            raise Refused(f"“{self.name}” açıldıkça {size(self.limit)} sınırını aştı")
        self.budget.spend(len(data))
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> ZipMember:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BoundedZip:
    """A zip archive (or .xlsx) opened within the caps: its directory is small, it has at most
    MAX_ZIP_MEMBERS members declaring at most MAX_ZIP_TOTAL bytes together, and each member is
    read through `open` with its own limit, counted against the same total."""

    def __init__(self, source: IO[bytes] | Path) -> None:
        if isinstance(source, Path):
            check_file(source)
            with source.open("rb") as file:
                directory = _directory_size(file)
        else:
            directory = _directory_size(source)
            source.seek(0)
        if directory is not None and directory > MAX_ZIP_DIRECTORY:
            raise Refused(
                f"arşivin içindekiler listesi çok büyük ({size(directory)}); en fazla "
                f"{count(MAX_ZIP_MEMBERS)} dosya içerebilir"
            )
        self.zip = zipfile.ZipFile(source)
        try:
            self._check_members()
        except BaseException:
            self.zip.close()
            raise
        self.budget = _Budget(MAX_ZIP_TOTAL)

    def _check_members(self) -> None:
        members = self.zip.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise Refused(
                f"arşivde {count(len(members))} dosya var; en fazla {count(MAX_ZIP_MEMBERS)}"
            )
        total = sum(m.file_size for m in members)
        if total > MAX_ZIP_TOTAL:
            largest = max(members, key=lambda m: m.file_size)
            raise Refused(
                f"dosyanın içi açıldığında {size(total)} tutuyor (en büyük parça "
                f"“{largest.filename}”, {size(largest.file_size)}); en fazla "
                f"{size(MAX_ZIP_TOTAL)} okunur"
            )

    def names(self) -> list[str]:
        return self.zip.namelist()

    def open(self, name: str, limit: int) -> ZipMember:
        """Member `name` (KeyError when absent), refused when it declares more than `limit`
        bytes, is encrypted or packed other than stored or deflated."""
        info = self.zip.getinfo(name)
        if info.flag_bits & 0x1:
            raise Refused(f"“{name}” şifreli; dosyayı şifresiz kaydedin")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(
                f"“{name}” desteklenmeyen bir yöntemle sıkıştırılmış; dosyayı Excel'de yeniden "
                "kaydedin ya da zip'i standart (Deflate) sıkıştırmayla oluşturun"
            )
        if info.file_size > limit:
            raise Refused(
                f"“{name}” açıldığında {size(info.file_size)} tutuyor; bir parça için en fazla "
                f"{size(limit)} okunur"
            )
        return ZipMember(self.zip.open(info), name, limit, self.budget)

    def read(self, name: str, limit: int) -> bytes:
        with self.open(name, limit) as member:
            return member.read()

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> BoundedZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Rows and CSV -----------------------------------------------------------------------------------


class RowBudget:
    """Filled rows (headers included) left for one file, over all its sheets, CSV files or YAML
    sections: a file repeating a sheet a thousand times gains nothing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, row: int | None) -> None:
        self.used += 1
        if self.used > self.limit:
            raise Refused(too_many_rows(self.limit), row=row)


class _Lines:
    """The lines of a CSV file for csv.reader, decoded as they are read, none longer than
    MAX_LINE_CHARS; counts the separators of the record being read, so that a record of
    millions of empty fields is refused before csv.reader builds it."""

    def __init__(self, data: bytes, encoding: str, delimiter: str) -> None:
        self.file = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        self.delimiter = delimiter
        self.separators = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.file.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_CHARS:
            raise Refused(f"bir satır {count(MAX_LINE_CHARS)} karakterden uzun")
        self.separators += line.count(self.delimiter)
        if self.separators > MAX_SEPARATORS:
            raise Refused(f"bir satırda {count(MAX_SEPARATORS)}'dan fazla ayırıcı var")
        return line


def _encoding(data: bytes) -> str | None:
    """UTF-8 (with or without BOM) or Excel's Turkish Windows-1254, checked without decoding
    the whole file at once; None when it is neither."""
    if data.isascii():
        return "utf-8"
    for encoding in ("utf-8-sig", "cp1254"):  # cp1254: Excel's "CSV" on Turkish Windows
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), MB):
                decoder.decode(data[start : start + MB])
            decoder.decode(b"", True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def csv_rows(
    data: bytes, *, file: str, budget: RowBudget, by_line: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """The filled rows of a CSV file as (number, fields): the record's number, or with
    `by_line` the line it ends on. The delimiter is the commonest of , ; and tab on the first
    line. Within the caps: at most EXCEL_ROWS records, filled rows taken from `budget`, fields
    right of MAX_COLUMNS empty (and dropped), none longer than MAX_CELL_CHARS; a file in another
    encoding, a broken or too long record is a Refused naming the row."""
    encoding = _encoding(data)
    if encoding is None:
        message = "metin dosyası okunamadı; UTF-8 ya da Windows-1254 (Türkçe) olarak kaydedin"
        raise Refused(message, file=file)
    end = data.find(b"\n", 0, MAX_LINE_CHARS)
    first = data[: end if end >= 0 else MAX_LINE_CHARS].decode(encoding, "replace")
    delimiter = max(",;\t", key=first.count)
    csv.field_size_limit(MAX_CELL_CHARS)  # process-wide; the same value every time
    lines = _Lines(data, encoding, delimiter)
    reader = csv.reader(lines, delimiter=delimiter)
    record = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field limit" in message:
                message = f"bir hücre {count(MAX_CELL_CHARS)} karakterden uzun"
            else:
                message = f"CSV okunamadı: {message}"
            raise Refused(message, file=file, row=_number(reader, record + 1, by_line)) from exc
        except Refused as exc:
            exc.file, exc.row = file, _number(reader, record + 1, by_line)
            raise
        lines.separators = 0
        record += 1
        n = _number(reader, record, by_line)
        if record > EXCEL_ROWS:
            raise Refused(f"dosyada {count(EXCEL_ROWS)} satırdan fazlası var", file=file, row=n)
        if len(row) > MAX_COLUMNS:
            extra = next((i for i in range(MAX_COLUMNS, len(row)) if row[i].strip()), None)
            if extra is not None:
                raise Refused(too_wide(extra), file=file, row=n)
            row = row[:MAX_COLUMNS]
        if any(cell.strip() for cell in row):
            try:
                budget.take(n)
            except Refused as exc:
                exc.file = file
                raise
            yield n, row


def _number(reader: Reader, record: int, by_line: bool) -> int:
    return reader.line_num if by_line else record


def too_wide(index: int) -> str:
    """The message for a value in 0-based column `index`, right of the columns read."""
    return (
        f"{index + 1}. sütunda ({column_letters(index)}) değer var; en fazla {MAX_COLUMNS} sütun "
        f"(A…{column_letters(MAX_COLUMNS - 1)}) okunur"
    )


def too_many_rows(limit: int) -> str:
    return f"dosyada en fazla {count(limit)} dolu satır (başlıklar dahil) okunur; dosyayı bölün"
