"""Reading and validating framework definition files (pure: no database).

A file is checked whole before anything is written. Each problem is reported with the file,
the line, the path inside the document and what is wrong, because the people who write these
files review them as text and need to find the exact spot.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from framework.measures import LEVELS, SUCCESS_MEASURES
from organisations.models import CareSetting

# libyaml's loader when PyYAML was built with it: several times faster, same nodes and marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")

PathElement = str | int

# Limits that keep a hostile file from costing more than milliseconds: the published definitions
# are about 100 KB and 9 levels deep.
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 20
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"
PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _real_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class DefinitionProblem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path or '(document)'}: {self.message}"


class DefinitionError(Exception):
    def __init__(self, problems: list[DefinitionProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


# The document's shape. Strict, so a number where text belongs (or the reverse) is an error
# rather than silently converted; unknown fields are errors so a typo never drops content.


Validated = TypeVar("Validated", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CriterionDef(_Strict):
    key: str
    text: Annotated[str, Field(min_length=1)]
    # Keys of criteria of the domains this one continues (superseded version) that this criterion
    # asks the same as: renamed, reworded, merged or split. Their answers carry forward to it.
    replaces: list[str] = []


class LevelDef(_Strict):
    name: Annotated[str, Field(min_length=1)]
    criteria: list[CriterionDef]


class GuidanceDef(_Strict):
    what_good_looks_like: Annotated[str, Field(min_length=1)]
    evidence_expected: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class DomainDef(_Strict):
    key: str
    name: Annotated[str, Field(min_length=1)]
    care_settings: list[str]
    system_assessment: bool
    replaces: list[str] = []
    # The domains (own key or ones it replaces) whose evidence carries forward to it; by default
    # all of them. A domain split between several successors must say, so evidence for one half
    # never lands on the other.
    evidence_from: list[str] | None = None
    # The foundational domains of the same version this one builds on (closed-loop barcoding on
    # EPMA, EPMA on EPR coverage): answers far ahead of a prerequisite contradict each other.
    depends_on: list[str] = []
    guidance: GuidanceDef
    levels: dict[int, LevelDef]


class MeasureDef(_Strict):
    key: str
    summary: Annotated[str, Field(min_length=1)]
    domains: list[DomainDef]


class HeaderDef(_Strict):
    version: str
    title: Annotated[str, Field(min_length=1)]
    published_on: Annotated[datetime.date, Field(strict=False)]
    supersedes: str | None = None


class FrameworkDef(_Strict):
    framework: HeaderDef
    measures: list[MeasureDef]

    def domains(self) -> Iterable[tuple[int, int, DomainDef]]:
        for m, measure in enumerate(self.measures):
            for d, domain in enumerate(measure.domains):
                yield m, d, domain


@dataclass(frozen=True)
class ParsedDefinition:
    definition: FrameworkDef
    file: str
    sha256: str


# Each version already available (loaded, or earlier in the same batch): its domain keys, each
# with its criterion keys, so `supersedes` and both kinds of `replaces` are checked without a database.
KnownVersions = Mapping[str, Mapping[str, set[str]]]


def known_version(definition: FrameworkDef) -> dict[str, set[str]]:
    """What a parsed version contributes to KnownVersions."""
    return {
        domain.key: {criterion.key for level in domain.levels.values() for criterion in level.criteria}
        for _, _, domain in definition.domains()
    }


def parse_definition(path: Path, known_versions: KnownVersions) -> ParsedDefinition:
    """Parse and validate one file against the versions already available.

    The text is checked before YAML builds anything from it (its size, its encoding, control
    characters, then the parser's events: nesting depth, anchors and aliases), so a hostile file
    is refused with its line within milliseconds instead of hanging or crashing the loader."""
    report = Reporter(path.name)
    raw, root, definition = read_validated(path, FrameworkDef, report)
    _check_meaning(definition, known_versions, report, root)
    if report.problems:
        raise DefinitionError(report.problems)
    return ParsedDefinition(definition=definition, file=path.name, sha256=hashlib.sha256(raw).hexdigest())


def read_validated(path: Path, model: type[Validated], report: Reporter) -> tuple[bytes, yaml.Node, Validated]:
    """`read_safe_yaml`, then the document validated as `model`: every field problem is reported
    with its line (DefinitionError), for the framework and the knowledge base files alike."""
    raw, root, document = read_safe_yaml(path, report)
    try:
        return raw, root, model.model_validate(document)
    except ValidationError as error:
        for item in error.errors():
            report.from_pydantic(root, item)
        raise DefinitionError(report.problems) from None


def read_safe_yaml(path: Path, report: Reporter) -> tuple[bytes, yaml.Node, Any]:
    """The file's bytes, its root node (for lines) and the plain data it holds, read with the
    hardening every reviewed file gets (size, encoding, control characters, depth, no anchors or
    aliases, no duplicate keys or foreign tags); raises DefinitionError with every problem."""
    raw = path.read_bytes()
    text = report.read(raw)
    if text is None or not report.scan(text):
        raise DefinitionError(report.problems)
    root = report.compose(text)
    if root is None:
        raise DefinitionError(report.problems)
    report.check_nodes(root, ())
    if report.problems:
        raise DefinitionError(report.problems)
    try:
        document = _Loader(text).construct_document(root)
    except (yaml.YAMLError, ValueError, TypeError) as error:
        mark = getattr(error, "problem_mark", None)
        report.problems.append(
            DefinitionProblem(report.file, mark.line + 1 if mark else None, "", f"cannot be read: {error}")
        )
        raise DefinitionError(report.problems) from None
    return raw, root, document


def _check_meaning(definition: FrameworkDef, known_versions: KnownVersions, report: Reporter, root: yaml.Node) -> None:
    """The rules a schema cannot express: the seven measures, unique keys, five levels each
    with criteria, known care settings, replacements that point at real domains, and
    prerequisites that apply wherever their dependents do and never go round in a circle."""

    def problem(path: tuple[PathElement, ...], message: str) -> None:
        report.add(root, path, message)

    header = definition.framework
    match = VERSION_PATTERN.fullmatch(header.version)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        problem(("framework", "version"), f"{header.version!r} is not a version such as '2025/26'")
    previous: Mapping[str, set[str]] | None = None
    if header.supersedes is not None:
        if header.supersedes == header.version:
            problem(("framework", "supersedes"), "a version cannot supersede itself")
        elif header.supersedes >= header.version:
            problem(
                ("framework", "supersedes"),
                f"{header.version} cannot supersede {header.supersedes!r}, a later version: "
                "a version supersedes an earlier one",
            )
        elif header.supersedes not in known_versions:
            problem(
                ("framework", "supersedes"),
                f"version {header.supersedes!r} is not loaded; load the version it supersedes first",
            )
        else:
            previous = known_versions[header.supersedes]

    measure_keys = [measure.key for measure in definition.measures]
    for m, key in enumerate(measure_keys):
        if key not in SUCCESS_MEASURES:
            problem(
                ("measures", m, "key"),
                f"unknown measure {key!r}; the WGLL success measures are {', '.join(SUCCESS_MEASURES)}",
            )
        elif measure_keys.index(key) != m:
            problem(("measures", m, "key"), f"measure {key!r} appears twice")
    missing = [key for key in SUCCESS_MEASURES if key not in measure_keys]
    if missing:
        problem(("measures",), f"missing measure(s) {', '.join(missing)}")
    elif measure_keys == list(dict.fromkeys(measure_keys)) and measure_keys != list(SUCCESS_MEASURES):
        problem(("measures",), f"measures must be in the framework's order: {', '.join(SUCCESS_MEASURES)}")

    first_seen: dict[str, str] = {}
    for m, measure in enumerate(definition.measures):
        if not measure.domains:
            problem(("measures", m, "domains"), "a measure needs at least one domain")
        for d, domain in enumerate(measure.domains):
            here = ("measures", m, "domains", d)
            _check_domain(domain, here, problem, previous, header.supersedes)
            if domain.key in first_seen:
                problem((*here, "key"), f"duplicate domain key {domain.key!r} (first used at {first_seen[domain.key]})")
            else:
                first_seen[domain.key] = _format_path(here)
    if previous is not None:
        _check_splits(definition, previous, problem)
        _check_replacement_circles(definition, problem)
    _check_prerequisites(definition, problem, previous, header.supersedes)
    _check_lengths(definition, problem)


# What the database stores each text in: a longer value would be cut or refused by PostgreSQL
# half-way through a load, so it is refused here, with its place in the file.
LENGTHS = {
    "version": 7,
    "title": 200,
    "measure_key": 40,
    "domain_key": 60,
    "domain_name": 200,
    "level_name": 100,
    "criterion_key": 60,
}


def _check_lengths(definition: FrameworkDef, problem) -> None:
    def check(path: tuple, value: str, limit: str) -> None:
        if len(value) > LENGTHS[limit]:
            problem(path, f"is {len(value)} characters long; at most {LENGTHS[limit]} are allowed")

    check(("framework", "version"), definition.framework.version, "version")
    check(("framework", "title"), definition.framework.title, "title")
    for m, measure in enumerate(definition.measures):
        check(("measures", m, "key"), measure.key, "measure_key")
        for d, domain in enumerate(measure.domains):
            here = ("measures", m, "domains", d)
            check((*here, "key"), domain.key, "domain_key")
            check((*here, "name"), domain.name, "domain_name")
            for number, level in domain.levels.items():
                check((*here, "levels", number, "name"), level.name, "level_name")
                for c, criterion in enumerate(level.criteria):
                    check((*here, "levels", number, "criteria", c, "key"), criterion.key, "criterion_key")


def _check_replacement_circles(definition: FrameworkDef, problem) -> None:
    """`replaces` names what a domain or criterion continues from the superseded version. Naming
    its own key says nothing (the key carries forward by itself), and two that each replace the
    other (a domain or criterion swapping keys with another) would carry each one's answers onto
    both: both are refused."""
    domains = {domain.key: (m, d, domain) for m, d, domain in definition.domains()}
    for key, (m, d, domain) in domains.items():
        here = ("measures", m, "domains", d, "replaces")
        for r, replaced in enumerate(domain.replaces):
            if replaced == key:
                problem((*here, r), "a domain cannot replace itself: its own key already carries forward")
            elif replaced in domains and key in domains[replaced][2].replaces:
                problem((*here, r), f"replaces goes round in a circle: {key} -> {replaced} -> {key}")
        criteria = {
            criterion.key: ((number, c), criterion)
            for number, level in domain.levels.items()
            for c, criterion in enumerate(level.criteria)
        }
        for ckey, ((number, c), criterion) in criteria.items():
            at = ("measures", m, "domains", d, "levels", number, "criteria", c, "replaces")
            for r, replaced in enumerate(criterion.replaces):
                if replaced == ckey:
                    problem((*at, r), "a criterion cannot replace itself: its own key already carries forward")
                elif replaced in criteria and ckey in criteria[replaced][1].replaces:
                    problem((*at, r), f"replaces goes round in a circle: {ckey} -> {replaced} -> {ckey}")


def _predecessors(domain: DomainDef, previous: Mapping[str, set[str]]) -> list[str]:
    return [key for key in dict.fromkeys([domain.key, *domain.replaces]) if key in previous]


def _check_splits(definition: FrameworkDef, previous: Mapping[str, set[str]], problem) -> None:
    """A domain continued by several domains must say, in each, whether its evidence carries."""
    successors: dict[str, int] = {}
    for _, _, domain in definition.domains():
        for key in _predecessors(domain, previous):
            successors[key] = successors.get(key, 0) + 1
    for m, d, domain in definition.domains():
        split = [key for key in _predecessors(domain, previous) if successors[key] > 1]
        if split and domain.evidence_from is None:
            problem(
                ("measures", m, "domains", d, "replaces"),
                f"{', '.join(split)} is split between several domains: add evidence_from listing the domains "
                "whose evidence carries to this one (or [] for none)",
            )


def _check_prerequisites(
    definition: FrameworkDef, problem, previous: Mapping[str, set[str]] | None, supersedes: str | None
) -> None:
    """Prerequisites (`depends_on`) are other domains of this same file, asked of everyone
    their dependent is asked of, and never circular.

    A dependent's answers are cross-checked against its prerequisite's, so a trust in a care
    setting the prerequisite does not cover, or an ICB for a prerequisite outside the system
    assessment, would have no answer to check against. A circle would make each domain the
    other's foundation, which says nothing about which has to come first.
    """
    domains: dict[str, DomainDef] = {}
    for _, _, domain in definition.domains():
        domains.setdefault(domain.key, domain)
    at: dict[tuple[str, str], tuple] = {}  # (dependent, prerequisite) -> where it is declared
    for m, d, domain in definition.domains():
        here = ("measures", m, "domains", d, "depends_on")
        for i, key in enumerate(domain.depends_on):
            prerequisite = domains.get(key)
            if key == domain.key:
                problem((*here, i), "a domain cannot depend on itself")
            elif domain.depends_on.index(key) != i:
                problem((*here, i), f"{key!r} is listed twice")
            elif prerequisite is None:
                earlier = f" (it is a domain of {supersedes}, not of this version)" if key in (previous or {}) else ""
                problem((*here, i), f"depends on unknown domain {key!r}: it is not a domain of this file{earlier}")
            else:
                missing = [s for s in domain.care_settings if s not in prerequisite.care_settings]
                if missing:
                    problem(
                        (*here, i),
                        f"{key!r} does not apply to {', '.join(missing)}, where this domain applies: "
                        "a prerequisite must apply wherever the domain that depends on it does",
                    )
                if domain.system_assessment and not prerequisite.system_assessment:
                    problem(
                        (*here, i),
                        f"{key!r} is not part of the system assessment: a system_assessment domain may only "
                        "depend on system_assessment domains",
                    )
                at.setdefault((domain.key, key), (*here, i))
    graph = {key: [p for p in dict.fromkeys(domain.depends_on) if (key, p) in at] for key, domain in domains.items()}
    for cycle in _cycles(graph):
        problem(at[(cycle[0], cycle[1])], f"depends_on goes round in a circle: {' -> '.join(cycle)}")


def _cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Each circle a depth-first walk meets, once, starting from its earliest node in `graph`'s
    order and ending where it started ("a -> b -> a")."""
    order = {key: n for n, key in enumerate(graph)}
    done: set[str] = set()
    found: dict[tuple[str, ...], list[str]] = {}

    def walk(key: str, path: list[str]) -> None:
        path.append(key)
        for following in graph.get(key, []):
            if following in path:
                circle = path[path.index(following) :]
                start = min(range(len(circle)), key=lambda n: order[circle[n]])
                circle = circle[start:] + circle[:start]
                found.setdefault(tuple(circle), [*circle, circle[0]])
            elif following not in done:
                walk(following, path)
        path.pop()
        done.add(key)

    for key in graph:
        if key not in done:
            walk(key, [])
    return list(found.values())


def _check_domain(domain: DomainDef, here: tuple, problem, previous: Mapping[str, set[str]] | None, supersedes) -> None:
    if not KEY_PATTERN.fullmatch(domain.key):
        problem((*here, "key"), f"{domain.key!r} is not a key (lower-case letters, digits and _)")
    for s, setting in enumerate(domain.care_settings):
        if setting not in CareSetting.values:
            problem(
                (*here, "care_settings", s),
                f"unknown care setting {setting!r}; use {', '.join(CareSetting.values)}",
            )
    if len(set(domain.care_settings)) != len(domain.care_settings):
        problem((*here, "care_settings"), "a care setting is listed twice")
    if not domain.care_settings and not domain.system_assessment:
        problem(
            (*here, "care_settings"),
            "the domain applies to nobody: list care settings or set system_assessment: true",
        )
    for r, replaced in enumerate(domain.replaces):
        if supersedes is None:
            problem((*here, "replaces", r), "replaces needs framework.supersedes naming the earlier version")
        elif previous is not None and replaced not in previous:
            problem((*here, "replaces", r), f"replaces unknown domain {replaced!r}: it is not a domain of {supersedes}")
    continued = _predecessors(domain, previous) if previous is not None else []
    for e, key in enumerate(domain.evidence_from or []):
        if key not in continued:
            problem(
                (*here, "evidence_from", e),
                f"{key!r} is not a domain this one continues (its own key or one it replaces)",
            )
    earlier_criteria = {key: domain_key for domain_key in continued for key in previous[domain_key]}
    for number in LEVELS:
        if number not in domain.levels:
            problem((*here, "levels"), f"level {number} is missing; every domain has levels 1 to 5")
    seen_criteria: dict[str, str] = {}
    for number, level in domain.levels.items():
        if number not in LEVELS:
            problem((*here, "levels", number), f"level {number} is not a maturity level (1 to 5)")
            continue
        if not level.criteria:
            problem((*here, "levels", number, "criteria"), f"level {number} has no criteria; it needs at least one")
        for c, criterion in enumerate(level.criteria):
            at = (*here, "levels", number, "criteria", c)
            if not KEY_PATTERN.fullmatch(criterion.key):
                problem((*at, "key"), f"{criterion.key!r} is not a key (lower-case letters, digits and _)")
            elif criterion.key in seen_criteria:
                problem(
                    (*at, "key"),
                    f"duplicate criterion key {criterion.key!r} (first used at {seen_criteria[criterion.key]})",
                )
            else:
                seen_criteria[criterion.key] = _format_path(at)
            for r, replaced in enumerate(criterion.replaces):
                if supersedes is None:
                    problem((*at, "replaces", r), "replaces needs framework.supersedes naming the earlier version")
                elif previous is not None and replaced not in earlier_criteria:
                    where = ", ".join(continued) or "none: the domain continues no domain of " + str(supersedes)
                    problem(
                        (*at, "replaces", r),
                        f"replaces unknown criterion {replaced!r}: it is not a criterion of the domains this one "
                        f"continues ({where})",
                    )


def _format_path(path: Iterable[PathElement]) -> str:
    text = ""
    previous: PathElement | None = None
    for element in path:
        if isinstance(element, int) and previous != "levels":
            text += f"[{element}]"
        else:
            text += f".{element}" if text else str(element)
        previous = element
    return text


class Reporter:
    def __init__(self, file: str, shape: str = "the document must be a mapping with framework and measures"):
        self.file = file
        self.shape = shape
        self.problems: list[DefinitionProblem] = []

    def add(self, root: yaml.Node | None, path: tuple[PathElement, ...], message: str) -> None:
        self.problems.append(DefinitionProblem(self.file, _line_of(root, path), _format_path(path), message))

    def compose(self, text: str) -> yaml.Node | None:
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else None
            self.problems.append(DefinitionProblem(self.file, line, "", f"not valid YAML: {error.problem}"))
            return None
        if not isinstance(root, yaml.MappingNode):
            self.problems.append(DefinitionProblem(self.file, 1, "", self.shape))
            return None
        return root

    def read(self, raw: bytes) -> str | None:
        """The file as text: UTF-8, no bigger than MAX_BYTES, without control characters."""
        if len(raw) > MAX_BYTES:
            self.problems.append(
                DefinitionProblem(self.file, None, "", f"is {len(raw):,} bytes; a definition is at most {MAX_BYTES:,}")
            )
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self.problems.append(
                DefinitionProblem(
                    self.file, line, "", f"is not UTF-8 text (byte {raw[error.start]:#04x}); save it as UTF-8"
                )
            )
            return None
        text = text.removeprefix("\ufeff")
        bad = CONTROL.search(text)
        if bad:
            line = text[: bad.start()].count("\n") + 1
            self.problems.append(
                DefinitionProblem(self.file, line, "", f"contains the control character U+{ord(bad.group()):04X}")
            )
            return None
        return text

    def scan(self, text: str) -> bool:
        """Walk the parser's events (linear, builds nothing): refuse nesting deeper than
        MAX_DEPTH and any anchor or alias. Definitions need neither, and aliases are how a small
        file expands into billions of nodes (or overrides what a reviewer read, with a merge key)."""
        depth = 0
        try:
            for event in yaml.parse(text, Loader=_Loader):
                line = event.start_mark.line + 1 if event.start_mark else None
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    self.problems.append(
                        DefinitionProblem(self.file, line, "", "anchors and aliases (& and *) are not allowed")
                    )
                    return False
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        self.problems.append(
                            DefinitionProblem(self.file, line, "", f"nests deeper than {MAX_DEPTH} levels")
                        )
                        return False
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            problem = getattr(error, "problem", None) or str(error)
            self.problems.append(
                DefinitionProblem(self.file, mark.line + 1 if mark else None, "", f"not valid YAML: {problem}")
            )
            return False
        return True

    def check_nodes(self, node: yaml.Node, path: tuple[PathElement, ...]) -> None:
        """YAML keeps the last of two equal keys without a word; in a reviewed definition that
        would silently drop content, so it is an error. So are keys that are not plain text (a
        list as a key, a merge key) and tags YAML's plain types do not have (e.g. !!python/...),
        and a date that is not a real date, each with its line."""
        line = node.start_mark.line + 1
        if node.tag not in PLAIN_TAGS:
            self.problems.append(
                DefinitionProblem(self.file, line, _format_path(path), f"the tag {node.tag!r} is not allowed")
            )
            return
        if node.tag == TIMESTAMP and not _real_date(node.value):
            self.problems.append(
                DefinitionProblem(
                    self.file, line, _format_path(path), f"{node.value!r} is not a real date (YYYY-MM-DD)"
                )
            )
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE:
                    self.problems.append(
                        DefinitionProblem(
                            self.file, key_node.start_mark.line + 1, _format_path(path), "a key must be plain text"
                        )
                    )
                    continue
                key = key_node.value
                if key in seen:
                    self.problems.append(
                        DefinitionProblem(
                            self.file,
                            key_node.start_mark.line + 1,
                            _format_path((*path, key)),
                            f"duplicate key {key!r} (first on line {seen[key]})",
                        )
                    )
                else:
                    seen[key] = key_node.start_mark.line + 1
                self.check_nodes(value_node, (*path, _path_key(key, path)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.check_nodes(item, (*path, index))

    def from_pydantic(self, root: yaml.Node, item: Mapping[str, Any]) -> None:
        loc = tuple(element for element in item["loc"] if element != "[key]")
        kind = item["type"]
        if kind == "missing":
            self.add(root, loc[:-1], f"missing required field {loc[-1]!r}")
        elif kind == "extra_forbidden":
            self.add(root, loc, f"unknown field {loc[-1]!r}")
        else:
            got = item.get("input")
            shown = f" (found {got!r})" if isinstance(got, str | int | float | bool) or got is None else ""
            self.add(root, loc, f"{item['msg'].rstrip('.')}{shown}")


def _path_key(key: str, path: tuple[PathElement, ...]) -> PathElement:
    if path and path[-1] == "levels" and key.isdigit():
        return int(key)
    return key


def _line_of(root: yaml.Node | None, path: tuple[PathElement, ...]) -> int | None:
    """The line of the deepest node the path reaches, so even a missing field points at its parent."""
    node = root
    if node is None:
        return None
    line = node.start_mark.line + 1
    for element in path:
        if isinstance(node, yaml.MappingNode):
            match = next((pair for pair in node.value if pair[0].value == str(element)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(element, int) and element < len(node.value):
            node = node.value[element]
            line = node.start_mark.line + 1
        else:
            break
    return line
