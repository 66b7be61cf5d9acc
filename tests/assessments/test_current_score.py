"""One rule for "the current score" (assessments.selectors.current_score_q): a score counts only
when it describes the latest submission and was produced by the scoring method in force. A score
from an older method is treated the same way everywhere: not shown, not compared, not reported,
and re-scored by the sweep."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import selectors
from assessments.models import AssessmentScore
from assessments.rules import flags as flag_rules
from assessments.rules.scoring import SCORING_METHOD_VERSION
from assessments.services.flags import cycle_flags_refresh
from assessments.services.scoring import assessment_score
from assessments.tasks import sweep_unscored_task
from reports.selectors import board_report_data
from reports.services import report_request
from tests import factories
from tests.assessments.flagging import PEER_LEVELS, answer_submit_and_flag, stored

pytestmark = pytest.mark.django_db

OLDER_METHOD = "2019.1"


@pytest.fixture
def peers(cycle, world, person):
    """Six acute trusts submitted and scored: a peer group big enough to judge trust A by."""
    from assessments.services.cycles import cycle_open

    trusts = [factories.OrganisationFactory(ics=world.ics_1 if n % 2 else world.ics_2) for n in range(6)]
    cycle_open(cycle=cycle)
    return [
        answer_submit_and_flag(trust, cycle, person, level) for trust, level in zip(trusts, PEER_LEVELS, strict=True)
    ]


def score_by_older_method(assessment):
    AssessmentScore.objects.filter(assessment=assessment).update(method_version=OLDER_METHOD)


def test_the_current_method_is_current_and_an_older_one_is_not(flagged):
    assert selectors.assessment_current_score(flagged).method_version == SCORING_METHOD_VERSION
    assert flagged not in selectors.assessments_needing_scores()

    score_by_older_method(flagged)

    assert selectors.assessment_current_score(flagged) is None
    assert not selectors.current_scores().filter(assessment=flagged).exists()
    assert flagged in selectors.assessments_needing_scores()


def test_pages_show_an_older_methods_score_as_pending(client, flagged, team):
    client.force_login(team["lead"])
    url = reverse("assessments:overview", args=[flagged.cycle.slug, flagged.organisation.ods_code])
    assert "Overall score:" in client.get(url).content.decode()

    score_by_older_method(flagged)

    page = client.get(url).content.decode()
    assert "Overall score:" not in page
    assert "Your submission is being scored" in page


def test_reports_refuse_and_leave_out_an_older_methods_score(flagged, team):
    assert board_report_data(flagged.pk) is not None
    score_by_older_method(flagged)

    assert board_report_data(flagged.pk) is None
    with pytest.raises(ValidationError):
        report_request(assessment=flagged, actor=team["lead"])


def test_peer_flags_do_not_compare_with_an_older_methods_scores(assessment, team, peers):
    from tests.assessments.conftest import complete_everything
    from tests.assessments.flagging import submit_and_flag

    complete_everything(assessment, team["lead"], level=5)
    submit_and_flag(assessment, team["lead"], team["approver"])
    assert stored(assessment, flag_rules.PEER_OUTLIER)  # far above six current peers

    for peer in peers[:2]:  # four current peers left: too few to judge by
        score_by_older_method(peer)
    cycle_flags_refresh(cycle_id=assessment.cycle_id)
    assert stored(assessment, flag_rules.PEER_OUTLIER) == []


def test_the_sweep_rescores_an_older_methods_score_with_the_current_method(flagged):
    score_by_older_method(flagged)
    assert sweep_unscored_task() == 1  # eager in tests: queued and scored at once
    assert selectors.assessment_current_score(flagged).method_version == SCORING_METHOD_VERSION
    assert sweep_unscored_task() == 0


def test_scoring_again_replaces_an_older_methods_score(flagged):
    score_by_older_method(flagged)
    assessment_score(assessment_id=flagged.pk)
    assert list(AssessmentScore.objects.filter(assessment=flagged).values_list("method_version", flat=True)) == [
        SCORING_METHOD_VERSION
    ]
