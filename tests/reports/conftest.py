"""Board report tests reuse the assessment tests' small two-year framework and trust A's team."""

import datetime
import io

import pytest
from pypdf import PdfReader

from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from tests.assessments import conftest as assessment_fixtures

# The assessment tests' fixtures, shared here.
frameworks = assessment_fixtures.frameworks
cycle = assessment_fixtures.cycle
assessment = assessment_fixtures.assessment
team = assessment_fixtures.team
complete_everything = assessment_fixtures.complete_everything


def submit(assessment, team, **sign_off):
    assessment_mark_ready(assessment=assessment, actor=team["lead"])
    details = {"name": "Grace Okafor", "role": "Chair", "minute_reference": "TB/1"} | sign_off
    return assessment_sign_off_and_submit(
        assessment=assessment, actor=team["approver"], meeting_date=datetime.date.today(), **details
    )


@pytest.fixture
def scored(assessment, team, django_capture_on_commit_callbacks):
    """Trust A's assessment answered at level 3 everywhere (no evidence, so flags are raised),
    submitted and scored through the real on-commit path."""
    complete_everything(assessment, team["lead"], level=3)
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)
    assessment.refresh_from_db()
    return assessment


PEER_LEVELS = [1, 2, 2, 3, 4, 4]


@pytest.fixture
def acute_peers(cycle, world, person):
    """Six more acute trusts, submitted and scored at these overall levels: with trust A's 3.0,
    a peer group of seven (big enough to show) that puts trust A in the second-highest quarter."""
    from assessments.services.cycles import cycle_open
    from tests import factories
    from tests.assessments.flagging import answer_submit_and_flag

    trusts = [factories.OrganisationFactory(ics=world.ics_2, care_settings=["acute"]) for _ in PEER_LEVELS]
    cycle_open(cycle=cycle)  # their assessments
    return [
        answer_submit_and_flag(trust, cycle, person, level) for trust, level in zip(trusts, PEER_LEVELS, strict=True)
    ]


def lower_one_domain(assessment) -> None:
    """Change what a re-scoring will find: one domain's answers drop to level 2 (written straight
    to the row, as a return for changes and resubmission would leave them), so its level, its
    measure's score and the report's figures change."""
    from assessments.models import DomainResponse

    response = assessment.responses.select_related("domain").order_by("pk").first()
    keys = [c.key for c in response.domain.criteria.filter(level__number__lte=2)]
    DomainResponse.objects.filter(pk=response.pk).update(met_criteria=keys)


def pdf_reader(report) -> PdfReader:
    with report.file.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def pdf_text(report) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(report).pages)


def squashed(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines where the layout wrapped them."""
    return "".join(text.split())
