"""The staff pulse: statements answered anonymously through one shared link, results shown only
once 10 people have answered (the disclosure module's rule for percentages about people), beside
the assessment's measure scores, on the pulse page and in the board report."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import PulseResponse, StaffPulse
from assessments.rules.pulse import STATEMENTS, clean_answers, pulse_result
from assessments.services.pulse import pulse_close, pulse_open
from reports.render import report_html
from reports.selectors import board_report_data
from tests.reports.conftest import scored  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

MEASURES = ["well_led", "smart_foundations", "improve_care"]


def answers(value="agree", **overrides):
    return {statement.key: overrides.get(statement.key, value) for statement in STATEMENTS}


def test_nothing_is_shown_until_ten_have_answered():
    nine = pulse_result([answers()] * 9, MEASURES)
    assert not nine.shown and all(m.agree_percent is None for m in nine.measures)
    assert "at least 10 people" in nine.suppression_reason and "fewer than 8" not in nine.suppression_reason
    assert nine.respondents_text == "fewer than 10"
    assert pulse_result([answers()] * 12, MEASURES).respondents_text == "10"  # rounded, as every count of people
    ten = pulse_result([answers()] * 7 + [answers("disagree")] * 3, MEASURES)
    assert ten.shown and ten.suppression_reason is None
    assert [m.agree_percent for m in ten.measures] == [70, 70, 70]


def test_agreement_is_pooled_over_a_measures_statements_leaving_out_dont_know():
    responses = [answers("agree", enter_once="disagree", information_shared="dont_know")] * 10
    improve_care = next(m for m in pulse_result(responses, MEASURES).measures if m.measure_key == "improve_care")
    # better_care agree, enter_once disagree, information_shared not counted: 1 of 2 views.
    assert improve_care.agree_percent == 50


def test_every_statement_needs_an_answer():
    with pytest.raises(ValueError, match="trained"):
        clean_answers(answers(trained=""))
    with pytest.raises(ValueError, match="trained"):
        clean_answers(answers(trained="sort of"))


def answer_through_the_link(pulse, count, value="agree"):
    for _ in range(count):
        browser = Client()  # a different person each time: no account, no cookie
        response = browser.post(reverse("pulse-answer", args=[pulse.code]), answers(value))
        assert response.status_code == 200 and b"Thank you" in response.content


def test_the_lead_opens_it_staff_answer_and_the_results_appear_at_ten(client, assessment, team):
    client.force_login(team["lead"])
    page = reverse("assessments:pulse", args=[assessment.cycle.slug, assessment.organisation.ods_code])
    client.post(page, {"action": "open"})
    pulse = StaffPulse.objects.get(assessment=assessment)
    shown = client.get(page).content.decode()
    assert reverse("pulse-answer", args=[pulse.code]) in shown

    answer_through_the_link(pulse, 9)
    nine = client.get(page).content.decode()
    assert "not shown until at least 10 people have answered" in nine and "Staff agree" not in nine

    answer_through_the_link(pulse, 3, value="disagree")
    twelve = client.get(page).content.decode()
    assert "Staff agree" in twelve and "75%" in twelve  # 9 of 12 agree, for every measure
    assert "Not scored yet" in twelve  # the draft has no measure scores to compare with


def test_answering_twice_from_one_browser_and_bad_answers(assessment, team):
    pulse = pulse_open(assessment=assessment, actor=team["lead"])
    browser = Client()
    url = reverse("pulse-answer", args=[pulse.code])
    bad = browser.post(url, answers(trained=""))
    assert bad.status_code == 400 and "Choose an answer for “I have had the training" in bad.content.decode()
    assert not PulseResponse.objects.exists()
    assert browser.post(url, answers()).status_code == 200
    again = browser.get(url).content.decode()
    assert "already answered" in again
    browser.post(url, answers())
    assert PulseResponse.objects.count() == 1


def test_a_closed_pulse_takes_no_answers(assessment, team):
    pulse = pulse_open(assessment=assessment, actor=team["lead"])
    pulse_close(pulse=pulse, actor=team["lead"])
    response = Client().post(reverse("pulse-answer", args=[pulse.code]), answers())
    assert response.status_code == 410 and not PulseResponse.objects.exists()
    assert Client().get(reverse("pulse-answer", args=["no-such-code"])).status_code == 404


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("lead", 200, 302),
        ("contributor", 200, 403),
        ("approver", 200, 403),
        ("reviewer", 200, 403),
        ("analyst", 200, 403),
        ("board", 404, 404),  # an ICS board viewer sees no draft
        ("other_lead", 404, 404),
        ("same_ics_lead", 404, 404),
        ("other_reviewer", 404, 404),
    ],
)
def test_who_sees_and_runs_the_pulse(client, assessment, team, who, get, post):
    client.force_login(team[who])
    page = reverse("assessments:pulse", args=[assessment.cycle.slug, assessment.organisation.ods_code])
    assert client.get(page).status_code == get
    assert client.post(page, {"action": "open"}).status_code == post
    assert StaffPulse.objects.exists() == (who == "lead")


def test_the_board_report_has_its_own_pulse_section(scored, team):  # noqa: F811
    pulse = pulse_open(assessment=scored, actor=team["lead"])
    PulseResponse.objects.bulk_create(
        PulseResponse(pulse=pulse, answers=answers("agree" if n < 6 else "disagree"), answered_on="2026-01-05")
        for n in range(12)
    )
    html = report_html(board_report_data(scored.pk))
    assert "What staff say: the staff pulse" in html and "50%" in html
    PulseResponse.objects.filter(pk__in=PulseResponse.objects.values_list("pk", flat=True)[:3]).delete()
    fewer = report_html(board_report_data(scored.pk))
    assert "not shown until at least 10 people have answered" in fewer and "50%" not in fewer
