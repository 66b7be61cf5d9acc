"""The access matrix for the flag pages, the triage list, the national rates and the flags API:
every actor of tests/organisations/test_access_matrix.py against trust A's flags."""

import pytest
from django.urls import reverse

from assessments.models import ValidationFlag
from tests.assessments import pattern_flags
from tests.organisations.test_access_matrix import ACTORS, SEES_A, expected, sign_in

pytestmark = pytest.mark.django_db

# The evidence behind a pattern flag is for trust A's independent reviewers only.
SEES_EVIDENCE_OF_A = {"reviewer of ICS 1", "national analyst"}
TRIAGES = {"reviewer of ICS 1", "reviewer of ICS 2", "national analyst"}
NATIONAL = {"national analyst", "framework admin"}


@pytest.fixture
def flags_of_a(flagged, world):
    return {
        "answer": ValidationFlag.objects.filter(assessment=flagged).first(),
        "pattern": pattern_flags.copied_notes(flagged, world.trust_b),
    }


def page(flag):
    assessment = flag.assessment
    return reverse("assessments:flag-detail", args=[assessment.cycle.slug, assessment.organisation.ods_code, flag.pk])


@pytest.mark.parametrize("actor", ACTORS)
def test_a_flag_page(client, world, flags_of_a, actor):
    sign_in(client, world, actor)
    assert client.get(page(flags_of_a["answer"])).status_code == expected(actor, SEES_A)
    assert client.get(page(flags_of_a["pattern"])).status_code == expected(actor, SEES_EVIDENCE_OF_A)


@pytest.mark.parametrize("actor", ACTORS)
def test_resolving_a_pattern_flag_is_for_its_reviewers_and_a_refusal_changes_nothing(client, world, flags_of_a, actor):
    sign_in(client, world, actor)
    flag = flags_of_a["pattern"]
    client.post(page(flag), {"comment": "Checked with the trust."})
    flag.refresh_from_db()
    assert flag.is_resolved == (actor in SEES_EVIDENCE_OF_A)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_triage_list_and_the_national_rates(client, world, flags_of_a, actor):
    sign_in(client, world, actor)
    assert client.get(reverse("assessments:flags")).status_code == expected(actor, TRIAGES, 403)
    assert client.get(reverse("assessments:flag-rates")).status_code == expected(actor, NATIONAL, 403)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_flags_api(client, world, flags_of_a, actor):
    sign_in(client, world, actor)
    for flag, allowed in ((flags_of_a["answer"], SEES_A), (flags_of_a["pattern"], SEES_EVIDENCE_OF_A)):
        status = client.get(f"/api/v1/flags/{flag.pk}/").status_code
        assert status == (401 if actor == "anonymous" else 200 if actor in allowed else 404)
    if actor != "anonymous":
        assert client.delete(f"/api/v1/flags/{flags_of_a['pattern'].pk}/").status_code in (401, 403, 404, 405)
        assert ValidationFlag.objects.filter(pk=flags_of_a["pattern"].pk).exists()
