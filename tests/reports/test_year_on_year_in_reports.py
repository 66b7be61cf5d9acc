"""The board report says when the question set changed and compares like for like, so a
framework change is never presented to a board as the organisation's decline."""

import pytest

from assessments.models import Assessment
from assessments.services.scoring import assessment_score
from reports.render import report_html
from reports.selectors import board_report_data
from tests.assessments import conftest as assessment_fixtures
from tests.reports.conftest import complete_everything, submit

pytestmark = pytest.mark.django_db

frameworks = assessment_fixtures.frameworks
team = assessment_fixtures.team
last_year_cycle = assessment_fixtures.last_year_cycle


@pytest.fixture
def two_years(last_year_cycle, frameworks, world, team):
    """Trust A submitted and scored at level 2 in 2024/25; its 2025/26, carried forward and
    submitted unchanged, is scored lower only where the small framework added criteria."""
    last_year = Assessment.objects.get(cycle=last_year_cycle, organisation=world.trust_a)
    complete_everything(last_year, team["lead"], level=2)
    assessment_score(assessment_id=submit(last_year, team).pk)
    this_year = assessment_fixtures.open_next_year(world.trust_a)
    for response in this_year.responses.all():  # confirm last year's answers as they are
        response.status = response.Status.COMPLETED
        response.save(update_fields=["status"])
    assessment_score(assessment_id=submit(this_year, team).pk)
    return this_year


def test_the_report_notes_the_framework_change_and_compares_like_for_like(two_years):
    data = board_report_data(two_years.pk)
    html = report_html(data)

    assert data.year_on_year.question_set_changed
    assert "The questions changed between 2024/25 (framework 2024/25) and this year (framework 2025/26)" in html
    assert 'id="trend-question-set"' in html
    lfl = data.year_on_year.like_for_like
    assert lfl.last_year == lfl.this_year  # nothing the organisation changed
    assert f"{lfl.last_year} last year, {lfl.this_year} this year (no change)" in html
    cloud = next(d for m in data.measures for d in m.domains if d.key == "cloud")
    assert cloud.cause.startswith("This year's framework changed")
    assert "The organisation changed its answer" not in html
