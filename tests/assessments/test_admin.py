"""The service desk's read-only admin screens for validation flags and flag rates."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import FlagRate, ValidationFlag
from tests import factories
from tests.assessments import pattern_flags
from tests.assessments.flagging import stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def patterned(flagged, world):
    pattern_flags.copied_notes(flagged, world.trust_b)
    pattern_flags.peer_outlier(flagged, "smart_foundations")
    return flagged


def test_the_flag_list_shows_what_each_flag_is_about_and_filters(desk, patterned, world):
    changelist = reverse("admin:assessments_validationflag_changelist")

    page = desk.get(changelist).content.decode()

    assert "Notes copied between answers" in page and "Ensure smart foundations" in page
    assert "the whole assessment" in page and "Digital strategy" in page
    for query in ({"kind": "copied_notes"}, {"severity": "high"}, {"resolved": "no"}, {"resolved": "yes"},
                  {"assessment__cycle__id__exact": patterned.cycle.pk}, {"q": world.trust_a.ods_code},
                  {"q": "Trust A"}):  # fmt: skip
        assert desk.get(changelist, query).status_code == 200, query
    assert "0 validation flags" in desk.get(changelist, {"resolved": "yes"}).content.decode()
    assert "1 validation flag" in desk.get(changelist, {"kind": "copied_notes"}).content.decode()
    assert "0 validation flags" in desk.get(changelist, {"q": world.trust_b.ods_code}).content.decode()


def test_a_flag_is_read_not_changed(desk, patterned):
    flag = stored(patterned, ValidationFlag.Kind.COPIED_NOTES)[0]
    change = reverse("admin:assessments_validationflag_change", args=[flag.pk])

    page = desk.get(change)
    assert page.status_code == 200 and pattern_flags.OTHER_NOTE in page.content.decode()
    desk.post(change, {"severity": "low", "resolution_comment": "Edited"})
    assert desk.get(reverse("admin:assessments_validationflag_add")).status_code == 403
    assert (
        desk.post(reverse("admin:assessments_validationflag_delete", args=[flag.pk]), {"post": "yes"}).status_code
        == 403
    )

    flag.refresh_from_db()
    assert flag.severity == ValidationFlag.Severity.HIGH and flag.resolution_comment == ""


def test_staff_who_may_not_see_a_pattern_flags_evidence_do_not_find_it_in_the_admin(client, patterned, team):
    lead = team["lead"]
    lead.is_staff = True
    lead.save()
    client.force_login(lead)
    copied = stored(patterned, ValidationFlag.Kind.COPIED_NOTES)[0]

    page = client.get(reverse("admin:assessments_validationflag_changelist")).content.decode()

    answer_flags = len([flag for flag in stored(patterned) if not flag.is_pattern])
    assert f"{answer_flags} validation flags" in page
    assert f"/{copied.pk}/change/" not in page
    response = client.get(reverse("admin:assessments_validationflag_change", args=[copied.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_flag_rates_are_listed_read_only(desk, cycle, world):
    rate = FlagRate.objects.create(
        cycle=cycle, ics=world.ics_1, kind="", submitted=12, flagged=3, unresolved=2, computed_at=timezone.now()
    )
    page = desk.get(reverse("admin:assessments_flagrate_changelist")).content.decode()
    assert world.ics_1.short_name in page and ">12<" in page
    assert desk.get(reverse("admin:assessments_flagrate_change", args=[rate.pk])).status_code == 200
    assert desk.get(reverse("admin:assessments_flagrate_add")).status_code == 403


# Improvement plans and peer contact requests: read by the service desk, scoped as the pages are.


@pytest.fixture
def planned(assessment, team):
    import datetime

    from assessments.services.plans import plan_action_save, plan_target_save

    target = plan_target_save(
        assessment=assessment, domain_key="strategy", target_level=4,
        target_date=datetime.date.today() + datetime.timedelta(days=200), version=None, actor=team["lead"],
    )  # fmt: skip
    plan_action_save(
        target=target, description="Board session", owner=team["lead"], due_date=target.target_date,
        status="done", version=None, actor=team["lead"],
    )  # fmt: skip
    return target.plan


def test_plans_are_listed_with_their_targets_and_never_changed(desk, planned, world):
    from assessments.models import ImprovementPlan

    changelist = reverse("admin:assessments_improvementplan_changelist")
    assert "1 improvement plan" in desk.get(changelist, {"q": world.trust_a.ods_code}).content.decode()
    assert "0 improvement plans" in desk.get(changelist, {"q": world.trust_b.ods_code}).content.decode()
    change = reverse("admin:assessments_improvementplan_change", args=[planned.pk])
    page = desk.get(change).content.decode()
    assert "strategy" in page and "1 of 1 done" in page
    desk.post(change, {"status": "signed_off"})
    assert desk.get(reverse("admin:assessments_improvementplan_add")).status_code == 403
    delete = reverse("admin:assessments_improvementplan_delete", args=[planned.pk])
    assert desk.post(delete, {"post": "yes"}).status_code == 403
    assert ImprovementPlan.objects.get().status == ImprovementPlan.Status.DRAFT


def test_peer_requests_are_listed_for_the_organisations_on_either_side_only(client, desk, team, world):
    from assessments.models import PeerContactRequest

    PeerContactRequest.objects.create(
        from_organisation=world.trust_a, to_organisation=world.trust_c, domain_key="strategy",
        domain_name="Digital strategy", message="How did you do it?", requested_by=team["lead"],
    )  # fmt: skip
    changelist = reverse("admin:assessments_peercontactrequest_changelist")
    assert "1 peer contact request" in desk.get(changelist).content.decode()
    seen = {}
    for who in ("lead", "same_ics_lead", "other_lead"):
        team[who].is_staff = True
        team[who].save()
        client.force_login(team[who])
        seen[who] = "1 peer contact request" in client.get(changelist).content.decode()
    assert seen == {"lead": True, "same_ics_lead": True, "other_lead": False}
    request = PeerContactRequest.objects.get()
    change = reverse("admin:assessments_peercontactrequest_change", args=[request.pk])
    assert client.get(change).status_code == 302  # trust B's lead: not theirs to read
    desk.post(change, {"status": "accepted"})
    assert PeerContactRequest.objects.get().status == PeerContactRequest.Status.PENDING
