"""One thing wrong in an uploaded file (catalog or trainee list), located as the user sees it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PureWindowsPath


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem at file › sheet › row › column; each part None (or "") where it does not apply.

    `sheet` is the workbook sheet (or the YAML section of a catalog), None for a CSV file;
    `row` the spreadsheet row or CSV/YAML line; `column` the header as written in the file.
    """

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            label = "sayfa" if self.file.lower().endswith((".xlsx", ".xlsm")) else "bölüm"
            where.append(f"{label} “{self.sheet}”")
        if self.row is not None:
            where.append(f"satır {self.row}")
        if self.column:
            where.append(f"sütun “{self.column}”")
        return f"{', '.join(where)}: {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        """Plain data for a table or JSON: file, sheet, row, column, message."""
        return {
            "file": self.file,
            "sheet": self.sheet or None,
            "row": self.row,
            "column": self.column or None,
            "message": self.message,
        }


def upload_name(filename: str) -> str:
    """The bare file name of an upload ("C:\\x\\kurslar.xlsx" → "kurslar.xlsx"), never empty."""
    return PureWindowsPath(filename.strip()).name or "dosya"
