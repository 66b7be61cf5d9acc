"""Assessments, their answers, scores and flags through the API: the same scoped selectors as the
pages (another organisation's assessment, or a draft a board viewer may not see, is a 404), and
scores only as the pages show them (the assessment's own page, the results page)."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import publication
from assessments.services.evidence import evidence_add_file, evidence_add_link
from tests.api.conftest import ANONYMOUS, ROLES, TRUST_A, refused, results, sign_in
from tests.factories import minimal_pdf_bytes

pytestmark = pytest.mark.django_db

SEES_DRAFT = {*TRUST_A, "reviewer", "analyst"}
SEES_SUBMITTED = SEES_DRAFT | {"board"}


def url(assessment, rest: str = "") -> str:
    return f"/api/v1/assessments/{assessment.cycle.slug}/{assessment.organisation.ods_code}/{rest}"


SUB_RESOURCES = ["", "answers/", "answers/strategy/", "flags/", "reports/"]


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_by_its_organisation_its_reviewers_and_national_staff(client, assessment, team, role):
    sign_in(client, team, role)
    for rest in SUB_RESOURCES:
        response = client.get(url(assessment, rest))
        if role == ANONYMOUS:
            assert refused(response.status_code), rest
        else:
            assert response.status_code == (200 if role in SEES_DRAFT else 404), (rest, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_a_submitted_assessment_is_seen_by_the_ics_board_too(client, scored, team, role):
    sign_in(client, team, role)
    for rest in SUB_RESOURCES:
        response = client.get(url(scored, rest))
        if role == ANONYMOUS:
            assert refused(response.status_code), rest
        else:
            assert response.status_code == (200 if role in SEES_SUBMITTED else 404), (rest, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_the_list_holds_what_the_caller_may_see(client, assessment, team, world, role):
    sign_in(client, team, role)
    response = client.get("/api/v1/assessments/?cycle=2025-26")
    if role == ANONYMOUS:
        assert refused(response.status_code)
        return
    codes = {row["organisation"] for row in results(response)}
    assert (world.trust_a.ods_code in codes) == (role in SEES_DRAFT)
    if role == "other_lead":
        assert codes == {world.trust_b.ods_code}


def test_an_assessment_is_keyed_on_codes_with_its_dates(client, scored, team, world):
    client.force_login(team["reviewer"])
    from assessments.services.workflow import assessment_validate

    assessment_validate(assessment=scored, actor=team["reviewer"], comment="Checked with the trust")

    body = client.get(url(scored)).json()

    assert body["cycle"] == "2025/26" and body["cycle_slug"] == "2025-26" and body["framework"] == "2025/26"
    assert body["organisation"] == world.trust_a.ods_code and body["ics"] == world.ics_1.icb_ods_code
    assert body["status"] == "validated" and body["submitted_at"] and body["validated_at"]
    assert body["sign_off"]["minute_reference"] == "TB/1"
    assert body["links"]["answers"].endswith(url(scored, "answers/"))
    assert set(body["links"]) == {"self", "answers", "scores", "flags", "reports"}


def test_assessments_filter_on_codes_status_and_care_setting(client, cycle, last_year_cycle, team, world):
    client.force_login(team["analyst"])

    def pairs(query: str) -> list[tuple[str, str]]:
        return [(row["cycle"], row["organisation"]) for row in results(client.get(f"/api/v1/assessments/?{query}"))]

    everything = pairs("")
    assert everything == sorted(everything, key=lambda pair: (-int(pair[0][:4]), pair[1]))  # newest cycle first
    assert pairs(f"cycle=2024-25&organisation={world.trust_a.ods_code}") == [("2024/25", world.trust_a.ods_code)]
    assert pairs("cycle=2024/25&care_setting=community") == [("2024/25", world.trust_a.ods_code)]
    assert {o for _, o in pairs(f"cycle=2025-26&ics={world.ics_2.icb_ods_code}")} == {world.trust_b.ods_code}
    assert {o for _, o in pairs(f"region={world.ics_1.region.ods_code}&cycle=2025-26")} >= {world.trust_a.ods_code}
    assert pairs("status=submitted") == []
    assert client.get("/api/v1/assessments/?status=nonsense").status_code == 400


def test_answers_carry_evidence_details_but_never_the_file(client, assessment, team):
    response = assessment.responses.get(domain__key="strategy")
    evidence_add_link(response_id=response.pk, url="https://example.org/plan", title="Plan", actor=team["lead"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("board-paper.pdf", minimal_pdf_bytes(), content_type="application/pdf")
    evidence_add_file(response_id=response.pk, upload=upload, title="board-paper.pdf", actor=team["lead"])
    client.force_login(team["viewer"])

    body = client.get(url(assessment, "answers/strategy/")).json()

    assert body["domain"] == "strategy" and body["measure"] == "well_led" and body["version"] == 0
    link, file = body["evidence"]
    assert link["kind"] == "link" and link["url"] == "https://example.org/plan"
    assert file["file_name"] == "board-paper.pdf" and file["content_type"] == "application/pdf"
    assert file["size"] == len(minimal_pdf_bytes()) and file["added_by"] == team["lead"].email and file["added_at"]
    assert set(file) == {
        "id", "kind", "file_name", "url", "content_type", "size", "carried_forward", "added_by", "added_at"
    }  # fmt: skip
    listing = client.get(url(assessment, "answers/")).json()
    in_framework_order = assessment.responses.order_by("domain__measure__position", "domain__position")
    assert [row["domain"] for row in listing] == list(in_framework_order.values_list("domain__key", flat=True))
    assert next(row for row in listing if row["domain"] == "strategy")["evidence"] == body["evidence"]
    assert client.get(url(assessment, "answers/no-such-domain/")).status_code == 404


def test_the_answers_list_takes_a_fixed_number_of_queries(client, assessment, team, django_assert_max_num_queries):
    client.force_login(team["lead"])
    client.get(url(assessment, "answers/"))  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get(url(assessment, "answers/")).status_code == 200


def _release_provisionally(scored, team):
    Assessment.objects.filter(pk=scored.pk).update(status=Assessment.Status.VALIDATED)
    today = timezone.localdate()
    publication.cycle_release_provisionally(
        cycle=scored.cycle, actor=team["analyst"], opens_on=today, closes_on=today + datetime.timedelta(days=7)
    )


SEES_PROVISIONAL = {*TRUST_A, "reviewer", "board", "analyst"}


@pytest.mark.parametrize("role", ROLES)
def test_scores_are_shown_as_the_pages_show_them(client, scored, team, role):
    sign_in(client, team, role)
    submitted = client.get(url(scored, "scores/"))
    _release_provisionally(scored, team)
    provisional = client.get(url(scored, "scores/"))
    Assessment.objects.filter(pk=scored.pk).update(status=Assessment.Status.PUBLISHED)
    published = client.get(url(scored, "scores/"))
    if role == ANONYMOUS:
        assert refused(submitted.status_code) and refused(provisional.status_code) and refused(published.status_code)
        return
    # Scored, not released: as the assessment's own page, which shows its score to those who see it.
    assert submitted.status_code == (200 if role in SEES_PROVISIONAL else 404)
    assert provisional.status_code == (200 if role in SEES_PROVISIONAL else 404)
    assert published.status_code == 200  # publication means everyone signed in


def test_scores_hold_overall_measures_levels_and_method(client, scored, team):
    _release_provisionally(scored, team)
    client.force_login(team["lead"])

    body = client.get(url(scored, "scores/")).json()

    assert body["overall"] == "3.0" and body["scoring_method"] and body["scored_at"]
    assert body["status"] == "provisionally_published"
    well_led = next(m for m in body["measures"] if m["key"] == "well_led")
    assert (
        well_led["value"] == "3.0"
        and {"key": "strategy", "name": "Digital strategy", "level": 3} in well_led["domains"]
    )


def test_an_assessments_flags_are_the_flag_lists_narrowed(client, scored, team):
    client.force_login(team["reviewer"])

    flags = results(client.get(url(scored, "flags/")))
    everywhere = results(client.get("/api/v1/flags/"))

    own = scored.organisation.ods_code
    assert flags and {f["id"] for f in flags} == {f["id"] for f in everywhere if f["organisation"] == own}
