"""The staff pulse: ten statements staff agree or disagree with, one or two for each of the seven
What Good Looks Like measures, and what may be shown of the answers.

Leaders answer the assessment; the pulse asks the people who use the systems whether they see
the same (Scotland's staff survey found gaps between the two). Results are counts of people, so
they follow the disclosure module's small-number rules: nothing is shown until
MIN_PEOPLE_FOR_PERCENTAGES people have answered, and the count itself is rounded. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.rules.disclosure import MIN_PEOPLE_FOR_PERCENTAGES, people_count_text, percentages_shown


@dataclass(frozen=True)
class Statement:
    key: str
    measure_key: str
    text: str


STATEMENTS = (
    Statement("leaders_explain", "well_led", "Our leaders explain how digital technology will improve care here."),
    Statement("systems_reliable", "smart_foundations", "The computers and systems I use are quick and reliable."),
    Statement("support_any_time", "smart_foundations", "I can get digital support at any time of day."),
    Statement("report_cyber", "safe_practice", "I know how to report a cyber security concern, and I would."),
    Statement("trained", "support_people", "I have had the training I need to use our digital systems well."),
    Statement("patients_online", "empower_citizens", "Patients can see their records and manage appointments online."),
    Statement("better_care", "improve_care", "Digital tools help me give safer, better care."),
    Statement("enter_once", "improve_care", "I rarely have to enter the same information twice."),
    Statement("information_shared", "improve_care", "I can see the information I need from other services."),
    Statement("population_data", "healthy_populations", "We use data to improve the health of our local population."),
)
STATEMENT_KEYS = frozenset(statement.key for statement in STATEMENTS)

AGREE = ("strongly_agree", "agree")
ANSWERS = (
    ("strongly_agree", "Strongly agree"),
    ("agree", "Agree"),
    ("neither", "Neither agree nor disagree"),
    ("disagree", "Disagree"),
    ("strongly_disagree", "Strongly disagree"),
    ("dont_know", "Don't know"),
)
ANSWER_VALUES = frozenset(value for value, _ in ANSWERS)


def clean_answers(answers: Mapping[str, str]) -> dict[str, str]:
    """The statements answered, or ValueError naming the first thing wrong: every statement needs
    an answer from the scale (a respondent who does not know says so)."""
    cleaned = {}
    for statement in STATEMENTS:
        value = answers.get(statement.key, "")
        if value not in ANSWER_VALUES:
            raise ValueError(statement.key)
        cleaned[statement.key] = value
    return cleaned


@dataclass(frozen=True)
class MeasureResult:
    measure_key: str
    statements: tuple[Statement, ...]
    agree_percent: int | None  # of those who gave a view ("don't know" left out)


@dataclass(frozen=True)
class PulseResult:
    respondents: int
    measures: tuple[MeasureResult, ...]

    @property
    def shown(self) -> bool:
        return percentages_shown(self.respondents)

    @property
    def respondents_text(self) -> str:
        # Below the threshold even a rounded count ("10" for 9) would read as enough answers.
        if not self.shown:
            return f"fewer than {MIN_PEOPLE_FOR_PERCENTAGES}"
        return people_count_text(self.respondents)

    @property
    def suppression_reason(self) -> str | None:
        if self.shown:
            return None
        return (
            f"The results are not shown until at least {MIN_PEOPLE_FOR_PERCENTAGES} people have answered (fewer have "
            "so far): with fewer, an answer could be traced to the person who gave it."
        )


def pulse_result(responses: Iterable[Mapping[str, str]], measure_order: Iterable[str]) -> PulseResult:
    """Per measure, the share of staff who agree with its statements (pooled), or None for every
    measure while too few have answered."""
    responses = list(responses)
    shown = percentages_shown(len(responses))
    measures = []
    for measure_key in measure_order:
        statements = tuple(s for s in STATEMENTS if s.measure_key == measure_key)
        if not statements:
            continue
        views = [r.get(s.key) for r in responses for s in statements if r.get(s.key) not in (None, "dont_know")]
        agree = sum(view in AGREE for view in views)
        percent = round(100 * agree / len(views)) if shown and views else None
        measures.append(MeasureResult(measure_key=measure_key, statements=statements, agree_percent=percent))
    return PulseResult(respondents=len(responses), measures=tuple(measures))
