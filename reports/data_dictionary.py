"""The data dictionary of a cycle's national files: every column of the wide and the long file
(name, type, meaning, allowed values), generated from the same column definitions as the files'
headers (reports.national_rows), so the two can never disagree."""

from __future__ import annotations

from reports.national_rows import FileLayout

HEADER = ["file", "column", "type", "meaning", "allowed_values"]
WIDE, LONG = "wide (one row per organisation)", "long (one row per organisation and domain)"


def dictionary_rows(layout: FileLayout) -> list[list[str]]:
    return [
        [file, column.name, column.type, column.meaning, column.allowed]
        for file, columns in ((WIDE, layout.wide_columns), (LONG, layout.long_columns))
        for column in columns
    ]
