"""Plain-text tables for people: aligned columns, cells that may span several lines."""

from __future__ import annotations

from collections.abc import Sequence

Cell = str | Sequence[str]


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """The rows under the headers, each column as wide as its widest line."""
    split_rows = [[_lines(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in split_rows:
        for index, lines in enumerate(row):
            widths[index] = max([widths[index], *(len(line) for line in lines)])

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    for row in split_rows:
        height = max((len(lines) for lines in row), default=1)
        for offset in range(height):
            out.append(line([lines[offset] if offset < len(lines) else "" for lines in row]))
    return "\n".join(out)


def _lines(cell: Cell) -> list[str]:
    if isinstance(cell, str):
        return cell.splitlines() or [""]
    return list(cell) or [""]
