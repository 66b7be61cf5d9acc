"""Reading and checking the NHS organisation reference extract (pure: no database).

The extract is four CSV files (see data/README.md). Every problem is collected with its file,
line and column before anything is written, so a malformed extract is reported in full at once
and never half-loaded. The loader also passes what is already loaded (plain data, see
LoadedOrganisation), so a row cannot silently turn an organisation into another kind or move it
into another ICS.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from organisations.models import CareSetting, IntegratedCareSystem, Organisation, Programme, ProgrammeMembership, Region

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
REGION_CODE = re.compile(r"^Y\d{2}$")
ONS_ICB_CODE = re.compile(r"^E54\d{6}$")
PROGRAMME_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # a NUL is refused by PostgreSQL
PROGRAMME_NAMES = {
    "global_digital_exemplar_acute_2016": "Global Digital Exemplar (acute, 2016)",
}

COLUMNS = {
    "regions.csv": ["region_code", "name"],
    "icbs.csv": ["ods_code", "ons_code", "name", "region_code"],
    "trusts.csv": [
        "ods_code",
        "ods_name",
        "name",
        "region_code",
        "icb_code",
        "postcode",
        "opened",
        "care_settings",
    ],
    "programmes.csv": ["programme", "ods_code", "note"],
}


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class ReferenceDataError(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass(frozen=True)
class RegionRow:
    ods_code: str
    name: str


@dataclass(frozen=True)
class IcbRow:
    ods_code: str
    ons_code: str
    name: str
    region_code: str
    line: int


@dataclass(frozen=True)
class TrustRow:
    ods_code: str
    official_name: str
    name: str
    icb_code: str
    postcode: str
    opened_on: datetime.date
    care_settings: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class ProgrammeRow:
    programme: str
    ods_code: str
    note: str


@dataclass(frozen=True)
class LoadedOrganisation:
    """An organisation already in the database, as the extract check needs it."""

    kind: str
    icb_code: str
    name: str


@dataclass(frozen=True)
class ReferenceData:
    regions: list[RegionRow]
    icbs: list[IcbRow]
    trusts: list[TrustRow]
    programmes: list[ProgrammeRow]


def _limit(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# The longest value the database keeps for each column: SQLite would store a longer one, and
# PostgreSQL would refuse it half-way through the load, so it is refused here with its line.
LIMITS = {
    "regions.csv": {"name": _limit(Region, "name")},
    "icbs.csv": {
        "ods_code": min(_limit(IntegratedCareSystem, "icb_ods_code"), _limit(Organisation, "ods_code")),
        "name": min(_limit(IntegratedCareSystem, "name"), _limit(Organisation, "name")),
    },
    "trusts.csv": {
        "ods_code": _limit(Organisation, "ods_code"),
        "ods_name": _limit(Organisation, "official_name"),
        "name": _limit(Organisation, "name"),
        "postcode": _limit(Organisation, "postcode"),
    },
    "programmes.csv": {"programme": _limit(Programme, "key"), "note": _limit(ProgrammeMembership, "note")},
}


class _FileReader:
    """Yields (line, row) and records errors against this file."""

    def __init__(self, path: Path, errors: list[RowError]):
        self.path = path
        self.name = path.name
        self.errors = errors

    def error(self, line: int, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.name, line, column, message))

    def rows(self):
        if not self.path.is_file():
            self.error(0, None, f"file not found in {self.path.parent}")
            return
        line = 1
        try:
            with self.path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                expected = COLUMNS[self.name]
                if header != expected:
                    self.error(1, None, f"header must be {','.join(expected)}; found {','.join(header or [])}")
                    return
                for values in reader:
                    line = reader.line_num
                    if not any(value.strip() for value in values):
                        continue
                    if len(values) != len(expected):
                        self.error(line, None, f"expected {len(expected)} columns, found {len(values)}")
                        continue
                    row = {key: value.strip() for key, value in zip(expected, values, strict=True)}
                    if self._within_limits(line, row):
                        yield line, row
        except UnicodeDecodeError as error:
            self.error(
                line,
                None,
                f"is not UTF-8 text (byte {error.object[error.start]:#04x} after line {line}); save it as UTF-8",
            )
        except csv.Error as error:
            self.error(line + 1, None, f"cannot be read as CSV: {error}")

    def _within_limits(self, line: int, row: dict[str, str]) -> bool:
        fits = True
        for column, value in row.items():
            bad = CONTROL.search(value)
            if bad:
                self.error(line, column, f"contains the control character U+{ord(bad.group()):04X}")
                fits = False
        for column, limit in LIMITS[self.name].items():
            if len(row[column]) > limit:
                self.error(line, column, f"is {len(row[column])} characters long; at most {limit} are allowed")
                fits = False
        return fits

    def required(self, line: int, row: dict[str, str], column: str) -> str | None:
        value = row[column]
        if not value:
            self.error(line, column, "is empty")
            return None
        return value

    def matching(self, line: int, row: dict[str, str], column: str, pattern: re.Pattern, what: str) -> str | None:
        value = self.required(line, row, column)
        if value is not None and not pattern.fullmatch(value):
            self.error(line, column, f"{value!r} is not {what}")
            return None
        return value


def read_reference_data(
    directory: Path = DEFAULT_DATA_DIR, loaded: Mapping[str, LoadedOrganisation] | None = None
) -> ReferenceData:
    """Parse and cross-check the extract; raise ReferenceDataError listing every problem.

    `loaded` maps the ODS code of every organisation already in the database to what it is.
    """
    errors: list[RowError] = []
    loaded = loaded or {}
    regions = _read_regions(_FileReader(directory / "regions.csv", errors))
    region_codes = {region.ods_code for region in regions}
    icbs = _read_icbs(_FileReader(directory / "icbs.csv", errors), region_codes)
    _check_loaded(errors, "icbs.csv", [(icb.line, icb.ods_code, icb.ods_code) for icb in icbs], loaded)
    icb_regions = {icb.ods_code: icb.region_code for icb in icbs}
    icb_lines = {icb.ods_code: icb.line for icb in icbs}
    trusts = _read_trusts(_FileReader(directory / "trusts.csv", errors), region_codes, icb_regions, icb_lines)
    _check_loaded(errors, "trusts.csv", [(trust.line, trust.ods_code, trust.icb_code) for trust in trusts], loaded)
    known_codes = {trust.ods_code for trust in trusts} | set(icb_regions)
    programmes = _read_programmes(_FileReader(directory / "programmes.csv", errors), known_codes)
    if errors:
        raise ReferenceDataError(errors)
    return ReferenceData(regions=regions, icbs=icbs, trusts=trusts, programmes=programmes)


def _unique(reader: _FileReader, seen: dict[str, int], line: int, column: str, value: str | None) -> bool:
    if value is None:
        return False
    if value in seen:
        reader.error(line, column, f"{value!r} already appears on line {seen[value]}")
        return False
    seen[value] = line
    return True


def _read_regions(reader: _FileReader) -> list[RegionRow]:
    rows, seen = [], {}
    for line, row in reader.rows():
        code = reader.matching(line, row, "region_code", REGION_CODE, "an NHS England region code such as Y56")
        name = reader.required(line, row, "name")
        if _unique(reader, seen, line, "region_code", code) and name:
            rows.append(RegionRow(code, name))
    return rows


def _read_icbs(reader: _FileReader, region_codes: set[str]) -> list[IcbRow]:
    rows, seen, seen_ons = [], {}, {}
    for line, row in reader.rows():
        code = reader.matching(line, row, "ods_code", ODS_CODE, "an ODS code (3 to 6 capital letters or digits)")
        ons = reader.matching(line, row, "ons_code", ONS_ICB_CODE, "an ICB ONS code such as E54000027")
        name = reader.required(line, row, "name")
        region = _known(reader, line, row, "region_code", region_codes, "regions.csv")
        unique = _unique(reader, seen, line, "ods_code", code) & _unique(reader, seen_ons, line, "ons_code", ons)
        if unique and name and region:
            rows.append(IcbRow(code, ons, name, region, line))
    return rows


def _read_trusts(
    reader: _FileReader, region_codes: set[str], icb_regions: dict[str, str], icb_lines: dict[str, int]
) -> list[TrustRow]:
    rows, seen = [], {}
    for line, row in reader.rows():
        code = reader.matching(line, row, "ods_code", ODS_CODE, "an ODS code (3 to 6 capital letters or digits)")
        if code in icb_lines:
            # The ICB's own organisation carries the system-level assessment of its ICS; a trust
            # row with its code would turn that organisation into a trust.
            reader.error(line, "ods_code", f"{code!r} is the code of the ICB on line {icb_lines[code]} of icbs.csv")
            code = None
        official_name = reader.required(line, row, "ods_name")
        name = reader.required(line, row, "name")
        region = _known(reader, line, row, "region_code", region_codes, "regions.csv")
        icb = _known(reader, line, row, "icb_code", set(icb_regions), "icbs.csv")
        if region and icb and icb_regions[icb] != region:
            reader.error(line, "region_code", f"{region!r} differs from the region of ICB {icb} ({icb_regions[icb]})")
            region = None
        opened = _date(reader, line, row, "opened")
        settings = _care_settings(reader, line, row)
        if _unique(reader, seen, line, "ods_code", code) and all(
            value is not None for value in (official_name, name, region, icb, opened, settings)
        ):
            rows.append(TrustRow(code, official_name, name, icb, row["postcode"], opened, settings, line))
    return rows


_KIND_LABELS = {Organisation.Kind.TRUST: "a trust", Organisation.Kind.ICB: "an ICB"}


def _check_loaded(
    errors: list[RowError],
    file: str,
    rows: list[tuple[int, str, str]],
    loaded: Mapping[str, LoadedOrganisation],
) -> None:
    """Refuse rows that would change what an already-loaded organisation is or where it sits.

    Upserting by ODS code would otherwise let one wrong row turn an ICB's organisation into a
    trust, or move a trust into another ICS, and that ICS's reviewers would then see its
    assessments. Organisations do move ICS, rarely; such a move is made deliberately by the
    service desk in the admin (where it is audited) before the extract that reflects it is loaded.
    """
    kind = Organisation.Kind.ICB if file == "icbs.csv" else Organisation.Kind.TRUST
    ics_column = "ods_code" if kind == Organisation.Kind.ICB else "icb_code"
    for line, code, icb_code in rows:
        existing = loaded.get(code)
        if existing is None:
            continue
        if existing.kind != kind:
            errors.append(
                RowError(
                    file,
                    line,
                    "ods_code",
                    f"{code!r} already belongs to {_KIND_LABELS.get(existing.kind, existing.kind)} "
                    f"({existing.name}), not {_KIND_LABELS[kind]}",
                )
            )
        elif existing.icb_code != icb_code:
            errors.append(
                RowError(
                    file,
                    line,
                    ics_column,
                    f"{icb_code!r} would move {existing.name} ({code}) out of the ICS of ICB {existing.icb_code}; "
                    "a real move is made in the admin before loading",
                )
            )


def _read_programmes(reader: _FileReader, known_codes: set[str]) -> list[ProgrammeRow]:
    rows, seen = [], {}
    for line, row in reader.rows():
        programme = reader.matching(line, row, "programme", PROGRAMME_KEY, "a programme key in snake_case")
        code = _known(reader, line, row, "ods_code", known_codes, "trusts.csv or icbs.csv")
        if programme and code and _unique(reader, seen, line, "ods_code", f"{programme}/{code}"):
            rows.append(ProgrammeRow(programme, code, row["note"]))
    return rows


def _known(reader: _FileReader, line: int, row: dict[str, str], column: str, known: set[str], source: str):
    value = reader.required(line, row, column)
    if value is not None and value not in known:
        reader.error(line, column, f"{value!r} is not in {source}")
        return None
    return value


def _date(reader: _FileReader, line: int, row: dict[str, str], column: str) -> datetime.date | None:
    value = reader.required(line, row, column)
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        reader.error(line, column, f"{value!r} is not a date in the form YYYY-MM-DD")
        return None


def _care_settings(reader: _FileReader, line: int, row: dict[str, str]) -> tuple[str, ...] | None:
    value = reader.required(line, row, "care_settings")
    if value is None:
        return None
    settings = tuple(value.split())
    unknown = [setting for setting in settings if setting not in CareSetting.values]
    if unknown:
        reader.error(
            line,
            "care_settings",
            f"unknown care setting {', '.join(map(repr, unknown))}; use {', '.join(CareSetting.values)}",
        )
        return None
    if len(set(settings)) != len(settings):
        reader.error(line, "care_settings", f"{value!r} names a care setting twice")
        return None
    return settings
