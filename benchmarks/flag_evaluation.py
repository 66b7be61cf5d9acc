"""How well the flags catch gaming, on synthetic cycles: recall per planted pattern, overall recall,
the false-flag rate among clean organisations and precision, over several seeds.

Pure and in memory (the detectors are pure functions on plain data): a national cycle of about
260 organisations in 42 systems is generated on the real 2025/26 framework (its domains, care
settings, criteria words and `depends_on`), twice (last year and this year), and every flag of
`assessments.rules.patterns.cycle_flags` is counted. An organisation counts as flagged when it has
any flag at all: that is what a reviewer sees.

Clean organisations move as real ones do: most domains stay where they were, some rise a level
(more in organisations that invest), a few fall with a reason written down; rises at level 3 and
above come with new documents of their own and a note in the domain's words; some trusts really
did improve a lot, with evidence; members attach their ICB's system strategy; small and mixed
systems are common. Planted patterns, each at three strengths:

* `quiet_drop`: a share of the domains one level down, nothing else changed;
* `leap`: a share of the domains up one or two levels with bland notes and no new evidence;
* `token_reuse`: several domains raised to level 4 or 5, all backed by one small or generic document;
* `copied_within`: the same note pasted into several domains that rose;
* `copied_across`: notes and a document taken from another organisation;
* `contradiction`: advanced domains claimed high while the domains they build on stay low;
* `icb_inflation`: an ICB's system assessment well above its members'.
"""

from __future__ import annotations

import hashlib
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from assessments.rules.flags import DomainAnswer, EvidenceItem, vocabulary_of
from assessments.rules.patterns import MeasureValue, Submission, cycle_flags
from assessments.rules.scoring import measure_score, overall_score

FRAMEWORK_FILE = Path(__file__).resolve().parent.parent / "framework" / "definitions" / "2025-26.yaml"
SEEDS = (1, 2, 3, 4, 5, 6, 7)
SYSTEMS = 42
GAMED_SHARE = 0.2
PATTERNS = ("quiet_drop", "leap", "token_reuse", "copied_within", "copied_across", "contradiction", "icb_inflation")
STRENGTHS = ("weak", "medium", "strong")
SETTINGS = (
    ("acute", 0.5),
    ("mental_health", 0.2),
    ("community", 0.14),
    ("acute_specialist", 0.09),
    ("ambulance", 0.07),
)
SETTING_LABELS = {
    "acute": "acute trusts",
    "mental_health": "mental health trusts",
    "community": "community trusts",
    "acute_specialist": "specialist acute trusts",
    "ambulance": "ambulance trusts",
    "icb": "ICBs",
}
BLAND = (
    "We have made significant progress in this area over the past year and continue to improve.",
    "Further work has been undertaken this year and we are now confident that we meet these criteria.",
    "The organisation has improved its position and the team believes the criteria are now met.",
)
MONTHS = ("January", "March", "April", "June", "September", "November")


@dataclass(frozen=True)
class DomainSpec:
    key: str
    name: str
    measure_key: str
    measure_name: str
    care_settings: tuple[str, ...]
    system: bool
    vocabulary: frozenset[str]
    words: tuple[str, ...]
    depends_on: tuple[str, ...]


def load_domains() -> list[DomainSpec]:
    document = yaml.safe_load(FRAMEWORK_FILE.read_text())
    domains = []
    for measure in document["measures"]:
        measure_name = measure["key"].replace("_", " ").capitalize()
        for domain in measure["domains"]:
            texts = [domain["name"]] + [c["text"] for level in domain["levels"].values() for c in level["criteria"]]
            vocabulary = vocabulary_of(*texts)
            domains.append(
                DomainSpec(
                    key=domain["key"],
                    name=domain["name"],
                    measure_key=measure["key"],
                    measure_name=measure_name,
                    care_settings=tuple(domain.get("care_settings", ())),
                    system=bool(domain.get("system_assessment")),
                    vocabulary=vocabulary,
                    words=tuple(sorted(vocabulary)),
                    depends_on=tuple(domain.get("depends_on", ())),
                )
            )
    return domains


@dataclass
class Org:
    ref: str
    ods_code: str
    name: str
    ics: str
    setting: str
    is_icb: bool
    domains: list[DomainSpec]
    maturity: float
    trend: float
    improver: bool = False
    terse: bool = False  # writes few notes, and blander ones
    pattern: str = ""
    strength: str = ""
    last: dict[str, int] = field(default_factory=dict)
    last_evidence: dict[str, list[EvidenceItem]] = field(default_factory=dict)
    last_notes: dict[str, str] = field(default_factory=dict)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


LAST_YEAR, THIS_YEAR = 1.72e9, 1.75e9  # when answers were written, as POSIX timestamps


def _document(rng: random.Random, title: str, when: float, *, size: int | None = None) -> EvidenceItem:
    size = size if size is not None else int(rng.lognormvariate(11.5, 1.0)) + 12_000
    return EvidenceItem(
        kind="file", title=title, digest=_digest("doc", rng.random()), size=size, added_at=when + rng.random() * 1e6
    )


def _link(rng: random.Random, org: Org, spec: DomainSpec) -> EvidenceItem:
    url = f"https://{org.ods_code.lower()}.nhs.uk/{spec.key.replace('_', '-')}/{rng.randrange(1000)}"
    return EvidenceItem(
        kind="link", title=f"{spec.name} page", digest=_digest("link", url), url=url, added_at=LAST_YEAR
    )


def _note(rng: random.Random, spec: DomainSpec, org: Org) -> str:
    """An honest note from a template, in the domain's words, with a date or figure."""
    a, b, c = rng.sample(spec.words, 3) if len(spec.words) >= 3 else ("service", "work", "change")
    templates = (
        f"Since {rng.choice(MONTHS)} {rng.choice((2024, 2025))} the {a} work has covered {rng.randrange(3, 40)} "
        f"wards; the {b} and {c} arrangements were reviewed by the digital board.",
        f"{org.name} completed the {a} programme in {rng.choice(MONTHS)}, with {rng.randrange(50, 99)}% of "
        f"teams now using {b}; {c} is next.",
        f"The {a} and {b} plan was agreed at committee ({rng.choice(MONTHS)} {rng.choice((2024, 2025))}) and "
        f"{c} is reported quarterly.",
    )
    return rng.choice(templates)


def _answers_applying(domains: list[DomainSpec], setting: str, is_icb: bool) -> list[DomainSpec]:
    return [d for d in domains if (d.system if is_icb else setting in d.care_settings)]


def _consistent(levels: dict[str, int], specs: list[DomainSpec]) -> None:
    """Honest organisations rarely run more than a level ahead of what a domain builds on."""
    for spec in specs:
        for key in spec.depends_on:
            if key in levels and spec.key in levels:
                levels[spec.key] = min(levels[spec.key], levels[key] + 1)


def _clip(level: float) -> int:
    return max(0, min(5, round(level)))


def make_orgs(rng: random.Random, domains: list[DomainSpec]) -> list[Org]:
    difficulty = {d.key: rng.gauss(0, 0.45) for d in domains}
    orgs = []
    for s in range(SYSTEMS):
        ics = f"Q{s:02d}"
        ics_effect = rng.gauss(0, 0.3)
        members = rng.choice((3, 4, 4, 5, 5, 6, 6, 7, 8, 9))
        maturities = [rng.gauss(2.6, 0.55) + ics_effect for _ in range(members)]
        # An ICB's view of its system follows its members', give or take.
        maturities.insert(0, statistics.mean(maturities) + rng.gauss(0, 0.3))
        for m in range(members + 1):
            is_icb = m == 0
            setting = "icb" if is_icb else rng.choices([s for s, _ in SETTINGS], [w for _, w in SETTINGS])[0]
            specs = _answers_applying(domains, setting, is_icb)
            code = f"{ics}{'ICB' if is_icb else f'T{m}'}"
            org = Org(
                ref=code, ods_code=code, name=f"{'ICB' if is_icb else 'Trust'} {code}", ics=ics, setting=setting,
                is_icb=is_icb, domains=specs, maturity=maturities[m],
                trend=max(0.0, rng.gauss(0.12, 0.07)),
            )  # fmt: skip
            org.improver = not is_icb and rng.random() < 0.08
            org.terse = rng.random() < 0.15
            levels = {d.key: _clip(org.maturity + difficulty[d.key] + rng.gauss(0, 0.6)) for d in specs}
            _consistent(levels, specs)
            org.last = levels
            for spec in specs:
                level = levels[spec.key]
                items = [
                    _document(rng, f"{spec.name} paper {i}", LAST_YEAR)
                    for i in range(max(0, level - 1) // 2 + (level >= 2))
                ]
                if level >= 3 and rng.random() < 0.4:
                    items.append(_link(rng, org, spec))
                org.last_evidence[spec.key] = items
                org.last_notes[spec.key] = _note(rng, spec, org) if level >= 2 and rng.random() < 0.8 else ""
            minutes = _document(rng, "Board minutes", LAST_YEAR, size=210_000)
            for spec in rng.sample(specs, min(rng.choice((0, 2, 3, 4)), len(specs))):
                org.last_evidence[spec.key].append(minutes)  # one set of minutes behind several answers
            orgs.append(org)
    # Members often attach their ICB's system strategy to a domain or two.
    for ics in sorted({o.ics for o in orgs}):
        shared = _document(rng, f"{ics} system digital strategy", LAST_YEAR, size=480_000)
        for org in (o for o in orgs if o.ics == ics):
            if org.is_icb or rng.random() < 0.5:
                for spec in rng.sample(org.domains, min(2, len(org.domains))):
                    org.last_evidence[spec.key].append(shared)
    return orgs


@dataclass
class Answer:
    spec: DomainSpec
    level: int
    notes: str
    evidence: list[EvidenceItem]
    written_at: float = LAST_YEAR


def honest_year(rng: random.Random, org: Org) -> dict[str, Answer]:
    answers = {}
    rise = min(0.6, 0.08 + org.trend + (0.25 if org.improver else 0))
    for spec in org.domains:
        before = org.last[spec.key]
        carried = [EvidenceItem(**{**item.__dict__, "carried_forward": True}) for item in org.last_evidence[spec.key]]
        notes = org.last_notes[spec.key]
        roll = rng.random()
        level = before
        if roll < rise and before < 5:
            level = before + (2 if rng.random() < 0.04 else 1)
        elif roll > 0.975 and before > 0:
            level = before - 1
        level = min(level, 5)
        evidence = list(carried)
        written_at = LAST_YEAR
        if level == before and roll > 0.97:
            # Answers re-read this year: a criterion ticked or unticked without a word.
            level = max(0, min(5, before + rng.choice((-1, 1))))
        elif level != before:
            notes, written_at = _note(rng, spec, org), THIS_YEAR + rng.random() * 1e6
            if org.terse and rng.random() < 0.3:
                notes = rng.choice(BLAND)
            if level < before and rng.random() < 0.5 and evidence:
                evidence.pop()  # what stopped took its evidence with it
            if level > before and (level >= 3 or rng.random() < 0.6) and rng.random() < 0.99:
                evidence.append(_document(rng, f"{spec.name} report", THIS_YEAR))
        elif rng.random() < 0.15:
            notes, written_at = _note(rng, spec, org), THIS_YEAR + rng.random() * 1e6  # brought up to date
        answers[spec.key] = Answer(spec, level, notes, evidence, written_at)
    levels = {k: a.level for k, a in answers.items()}
    _consistent(levels, org.domains)
    for key, level in levels.items():
        if level < answers[key].level:  # held back by what it builds on, and said so
            answers[key].notes, answers[key].written_at = _note(rng, answers[key].spec, org), THIS_YEAR
        answers[key].level = level
    return answers


def _strength(strength: str, weak: float, medium: float, strong: float) -> float:
    return {"weak": weak, "medium": medium, "strong": strong}[strength]


def plant(rng: random.Random, org: Org, answers: dict[str, Answer], orgs: list[Org], years: dict) -> None:
    pattern, strength = org.pattern, org.strength
    specs = [a.spec for a in answers.values()]
    if pattern == "quiet_drop":
        share = _strength(strength, 0.25, 0.4, 0.6)
        candidates = [a for a in answers.values() if a.level >= 1]
        for answer in rng.sample(candidates, round(share * len(candidates))):
            answer.level = org.last[answer.spec.key] - 1 if org.last[answer.spec.key] > 0 else 0
            answer.notes, answer.written_at = org.last_notes[answer.spec.key], LAST_YEAR
            answer.evidence = [
                EvidenceItem(**{**i.__dict__, "carried_forward": True}) for i in org.last_evidence[answer.spec.key]
            ]
    elif pattern == "leap":
        share = _strength(strength, 0.25, 0.4, 0.6)
        for answer in rng.sample(list(answers.values()), round(share * len(answers))):
            answer.level = min(5, org.last[answer.spec.key] + rng.choice((1, 1, 2)))
            answer.notes = rng.choice(BLAND) if rng.random() < 0.7 else answer.notes
            answer.written_at = THIS_YEAR + rng.random() * 1e6
    elif pattern == "token_reuse":
        count = int(_strength(strength, 4, 6, 9))
        token = _document(rng, "Digital update", THIS_YEAR, size=rng.choice((900, 2_200, 3_000, 65_000)))
        for answer in rng.sample(list(answers.values()), min(count, len(answers))):
            answer.level = max(answer.level, rng.choice((4, 5)))
            answer.evidence = [*answer.evidence, token]
            answer.notes = rng.choice(BLAND)
            answer.written_at = THIS_YEAR + rng.random() * 1e6
    elif pattern == "copied_within":
        count = int(_strength(strength, 3, 5, 8))
        pasted = rng.choice(BLAND) if rng.random() < 0.5 else _note(rng, rng.choice(specs), org)
        for answer in rng.sample(list(answers.values()), min(count, len(answers))):
            answer.level = min(5, max(answer.level, org.last[answer.spec.key] + 1))
            answer.notes = pasted if rng.random() < 0.6 else pasted.replace("the ", "our ", 1)
            answer.written_at = THIS_YEAR + rng.random() * 1e6
    elif pattern == "copied_across":
        count = int(_strength(strength, 1, 2, 4))
        donors = [o for o in orgs if o is not org and o.ref in years and o.setting == org.setting and not o.pattern]
        donor = rng.choice(donors or [o for o in orgs if o is not org and o.ref in years])
        donor_answers = years[donor.ref]
        shared_keys = [k for k in answers if k in donor_answers and donor_answers[k].notes]
        for key in rng.sample(shared_keys, min(count, len(shared_keys))):
            answers[key].notes = donor_answers[key].notes.replace(donor.name, org.name)
            answers[key].written_at = max(donor_answers[key].written_at, THIS_YEAR) + 1e6
            answers[key].level = max(answers[key].level, donor_answers[key].level)
            new_docs = [i for i in donor_answers[key].evidence if i.kind == "file" and not i.carried_forward]
            donor_docs = new_docs or [i for i in donor_answers[key].evidence if i.kind == "file"]
            if donor_docs:
                copy = {**donor_docs[0].__dict__, "carried_forward": False, "added_at": donor_docs[0].added_at + 2e6}
                answers[key].evidence = [*answers[key].evidence, EvidenceItem(**copy)]
    elif pattern == "contradiction":
        count = int(_strength(strength, 1, 2, 3))
        dependents = [a for a in answers.values() if any(k in answers for k in a.spec.depends_on)]
        for answer in rng.sample(dependents, min(count, len(dependents))):
            for key in answer.spec.depends_on:
                if key in answers:
                    answers[key].level = min(answers[key].level, rng.choice((1, 2)))
            lowest = min(answers[k].level for k in answer.spec.depends_on if k in answers)
            answer.level = max(answer.level, min(5, lowest + rng.choice((2, 3, 3))), 3)
            answer.notes = rng.choice(BLAND) if rng.random() < 0.5 else answer.notes
            answer.written_at = THIS_YEAR + rng.random() * 1e6
    elif pattern == "icb_inflation":
        target = _strength(strength, 0.8, 1.2, 1.6)
        members = [o for o in orgs if o.ics == org.ics and not o.is_icb]
        member_overall = [float(_overall(years[m.ref])) for m in members if m.ref in years]
        goal = (statistics.median(member_overall) if member_overall else 2.5) + target
        while float(_overall(answers)) < goal and any(a.level < 5 for a in answers.values()):
            answer = rng.choice([a for a in answers.values() if a.level < 5])
            answer.level += 1


def _measures(answers: dict[str, Answer]) -> list[MeasureValue]:
    by_measure: dict[str, list[int]] = defaultdict(list)
    names = {}
    for answer in answers.values():
        by_measure[answer.spec.measure_key].append(answer.level)
        names[answer.spec.measure_key] = answer.spec.measure_name
    return [MeasureValue(key, names[key], measure_score(levels)) for key, levels in by_measure.items()]


def _overall(answers: dict[str, Answer]) -> Decimal:
    return overall_score([m.value for m in _measures(answers)])


def _previous_measures(org: Org) -> dict[str, Decimal]:
    by_measure: dict[str, list[int]] = defaultdict(list)
    for spec in org.domains:
        by_measure[spec.measure_key].append(org.last[spec.key])
    return {key: measure_score(levels) for key, levels in by_measure.items()}


def submission(org: Org, answers: dict[str, Answer]) -> Submission:
    previous = _previous_measures(org)
    return Submission(
        ref=org.ref,
        name=org.name,
        ods_code=org.ods_code,
        ics=org.ics,
        peer_group=org.setting,
        peer_label=SETTING_LABELS[org.setting],
        is_icb=org.is_icb,
        answers=tuple(
            DomainAnswer(
                domain_key=a.spec.key,
                domain_name=a.spec.name,
                measure_key=a.spec.measure_key,
                level=a.level,
                notes=a.notes,
                evidence=tuple(a.evidence),
                previous_levels=(org.last[a.spec.key],),
                carried_notes=org.last_notes[a.spec.key],
                previous_evidence_count=len(org.last_evidence[a.spec.key]),
                vocabulary=a.spec.vocabulary,
                written_at=a.written_at,
            )
            for a in answers.values()
        ),
        measures=tuple(_measures(answers)),
        overall=_overall(answers),
        previous_measures=previous,
        previous_overall=overall_score(previous.values()),
    )


def generate(seed: int, domains: list[DomainSpec]) -> tuple[list[Submission], list[Org]]:
    rng = random.Random(seed)
    orgs = make_orgs(rng, domains)
    for org in orgs:
        if rng.random() < GAMED_SHARE:
            org.pattern = "icb_inflation" if org.is_icb and rng.random() < 0.6 else rng.choice(PATTERNS[:-1])
            org.strength = rng.choice(STRENGTHS)
    years = {org.ref: honest_year(rng, org) for org in orgs}
    # Planted after every honest year exists, so copying and inflation have something to go by.
    for org in sorted(orgs, key=lambda o: o.pattern == "icb_inflation"):
        if org.pattern:
            plant(rng, org, years[org.ref], orgs, years)
    return [submission(org, years[org.ref]) for org in orgs], orgs


def baseline_flagged(submissions: list[Submission]) -> set[str]:
    """Who the 2025.1 rules (before this evaluation) would have flagged, for the baseline: a jump
    of two levels without 40 characters of new notes, level 3 or more with no evidence at all, a
    measure score beyond a modified z-score of 3.5 on the plain scale, an ICB measure more than
    1.0 from its members' median."""
    flagged = set()
    for s in submissions:
        for a in s.answers:
            jump = a.previous_levels and abs(a.level - max(a.previous_levels)) >= 2
            explained = len(" ".join(a.notes.split())) >= 40 and a.notes.split() != a.carried_notes.split()
            if (jump and not explained) or (a.level >= 3 and not a.evidence):
                flagged.add(s.ref)
    by_group: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for s in submissions:
        if not s.is_icb:
            for m in s.measures:
                by_group[(s.peer_group, m.key)].append((s.ref, float(m.value)))
    for entries in by_group.values():
        for ref, value in entries:
            others = [v for r, v in entries if r != ref]
            if len(others) < 5:
                continue
            centre = statistics.median(others)
            mad = statistics.median([abs(v - centre) for v in others])
            if mad and abs(value - centre) / (1.4826 * mad) > 3.5:
                flagged.add(ref)
    for icb in (s for s in submissions if s.is_icb):
        members = [s for s in submissions if s.ics == icb.ics and not s.is_icb]
        for m in icb.measures:
            values = [float(x.value) for s in members for x in s.measures if x.key == m.key]
            if len(values) >= 3 and abs(float(m.value) - statistics.median(values)) > 1.0:
                flagged.add(icb.ref)
    return flagged


@dataclass
class Outcome:
    seed: int
    recall: float
    false_flag_rate: float
    precision: float
    baseline_recall: float
    baseline_false_flag_rate: float
    by_pattern: dict[tuple[str, str], tuple[int, int]]  # (pattern, strength) -> (caught, planted)
    false_by_kind: dict[str, int]
    clean: int
    gamed: int


def evaluate(seed: int, domains: list[DomainSpec]) -> Outcome:
    submissions, orgs = generate(seed, domains)
    flags = cycle_flags(submissions, {d.key: d.depends_on for d in domains if d.depends_on})
    before = baseline_flagged(submissions)
    by_pattern: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    false_by_kind: dict[str, int] = defaultdict(int)
    caught = false = gamed = 0
    for org in orgs:
        raised = flags[org.ref]
        if org.pattern:
            gamed += 1
            entry = by_pattern[(org.pattern, org.strength)]
            entry[1] += 1
            if raised:
                caught += 1
                entry[0] += 1
        elif raised:
            false += 1
            for kind in {f.kind for f in raised}:
                false_by_kind[kind] += 1
    clean = len(orgs) - gamed
    return Outcome(
        seed=seed,
        recall=caught / gamed if gamed else 1.0,
        false_flag_rate=false / clean if clean else 0.0,
        precision=caught / (caught + false) if caught + false else 1.0,
        baseline_recall=sum(1 for o in orgs if o.pattern and o.ref in before) / gamed if gamed else 1.0,
        baseline_false_flag_rate=sum(1 for o in orgs if not o.pattern and o.ref in before) / clean if clean else 0.0,
        by_pattern={k: (v[0], v[1]) for k, v in by_pattern.items()},
        false_by_kind=dict(false_by_kind),
        clean=clean,
        gamed=gamed,
    )


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


def run(seeds=SEEDS) -> list[Outcome]:
    domains = load_domains()
    outcomes = [evaluate(seed, domains) for seed in seeds]
    print(f"Flag evaluation: {len(seeds)} seeds, about {outcomes[0].clean + outcomes[0].gamed} organisations each")
    print(f"  recall          {_spread([o.recall for o in outcomes])}")
    print(f"  false flags     {_spread([o.false_flag_rate for o in outcomes])} of clean organisations")
    print(f"  precision       {_spread([o.precision for o in outcomes])}")
    print("  baseline: the 2025.1 flags on the same cycles")
    print(f"    recall        {_spread([o.baseline_recall for o in outcomes])}")
    print(f"    false flags   {_spread([o.baseline_false_flag_rate for o in outcomes])} of clean organisations")
    print("  recall per pattern and strength (caught/planted over all seeds):")
    for pattern in PATTERNS:
        cells = []
        for strength in STRENGTHS:
            caught = sum(o.by_pattern.get((pattern, strength), (0, 0))[0] for o in outcomes)
            planted = sum(o.by_pattern.get((pattern, strength), (0, 0))[1] for o in outcomes)
            cells.append(f"{strength} {caught}/{planted}")
        print(f"    {pattern:<15} " + "  ".join(f"{c:<14}" for c in cells))
    kinds: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        for kind, count in outcome.false_by_kind.items():
            kinds[kind] += count
    print("  clean organisations flagged, by kind (over all seeds): " + (
        ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])) or "none"
    ))  # fmt: skip
    return outcomes


if __name__ == "__main__":
    run()
