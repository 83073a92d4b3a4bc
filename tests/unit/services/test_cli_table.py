"""The CLI's plain-text tables line up, multi-line cells included."""

from __future__ import annotations

from bot.cli.table import render_table


def test_columns_align_and_multi_line_cells_continue_under_their_column() -> None:
    text = render_table(
        ["NAME", "NUMBERS", "EXT"],
        [["Acme HQ", ["(650) 555-0100", "(650) 555-0101"], "101"], ["Sales", [], "105"]],
    )

    assert text.splitlines() == [
        "NAME     NUMBERS         EXT",
        "-------  --------------  ---",
        "Acme HQ  (650) 555-0100  101",
        "         (650) 555-0101",
        "Sales                    105",
    ]
