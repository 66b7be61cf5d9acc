"""Peers a level ahead: what the selector reads (published results only), the pages, asking a
peer to get in touch and its answer, and who may do each."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import peers as peer_selectors
from assessments.models import Assessment, Cycle, Notification, PeerContactRequest
from assessments.services.peers import peer_request_answer, peer_request_send, peer_request_withdraw
from organisations.models import Organisation
from tests import factories
from tests.assessments.peer_data import past_cycle, scored
from tests.wgll.test_every_url import snapshot

pytestmark = pytest.mark.django_db

OWN = {
    "strategy": 1,
    "infra": 3,
    "safe_practice_basics": 2,
    "support_people_basics": 4,
    "empower_citizens_basics": 2,
    "improve_care_basics": 5,
    "healthy_populations_basics": 3,
}


@pytest.fixture
def peers_world(cycle, world, team):
    """Trust A (acute and community, ICS 1) published 2024/25 at OWN; around it, in Digital
    strategy: trust B (acute, ICS 2) published level 3 in both past cycles, trust C (mental
    health, ICS 1) level 2 in 2024/25; and four who are never suggested: an acute trust of ICS 1
    that opted out (level 5), one whose 2024/25 result is validated but not published (5), the
    ICB (5), and a trust whose level 5 is only in a provisionally released cycle."""
    earlier, last = past_cycle("2023/24"), past_cycle("2024/25")
    provisional = past_cycle("2022/23", release=Cycle.Release.PROVISIONAL)
    scored(world.trust_a, last, OWN)
    scored(world.trust_b, earlier, {"strategy": 3})
    scored(world.trust_b, last, {"strategy": 3, "infra": 4})
    scored(world.trust_c, last, {"strategy": 2})
    opted_out = factories.OrganisationFactory(ics=world.ics_1, name="Opted Out Trust", peer_suggestions=False)
    scored(opted_out, last, {"strategy": 5})
    unpublished = factories.OrganisationFactory(ics=world.ics_1, name="Unpublished Trust")
    scored(unpublished, last, {"strategy": 5}, status=Assessment.Status.VALIDATED)
    scored(world.icb_1, last, {"strategy": 5})
    provisional_only = factories.OrganisationFactory(ics=world.ics_1, name="Provisional Trust")
    scored(provisional_only, provisional, {"strategy": 5}, status=Assessment.Status.PROVISIONAL)
    Organisation.objects.filter(pk__in=[world.trust_a.pk, world.trust_b.pk]).update(epr_supplier="epic")
    return Assessment.objects.select_related("organisation__ics", "cycle").get(cycle=cycle, organisation=world.trust_a)


NEVER = {"Opted Out Trust", "Unpublished Trust", "ICB 1", "Provisional Trust"}


def names(peers):
    return [peer.organisation.name for peer in peers]


def test_weakest_domains_of_the_latest_scored_assessment_with_their_peers_ranked(peers_world):
    page = peer_selectors.peers_page(peers_world)

    assert page.cycle == "2024/25"
    assert page.cycles == ["2024/25", "2023/24"]
    assert [d.key for d in page.domains] == [
        "strategy",
        "safe_practice_basics",
        "empower_citizens_basics",
        "infra",
        "healthy_populations_basics",
    ]
    strategy = page.domains[0]
    assert names(strategy.peers) == ["Trust B", "Trust C"]
    assert strategy.peers[0].sentence == (
        "level 3 in Digital strategy since 2023/24; same care setting; similar services; same EPR supplier: Epic"
    )
    assert strategy.peers[1].sentence == "level 2 in Digital strategy since 2024/25; same ICS"
    assert names(page.domains[3].peers) == ["Trust B"]  # infra: level 4 above trust A's 3


def test_unpublished_results_opted_out_organisations_and_other_kinds_are_never_suggested(peers_world):
    page = peer_selectors.peers_page(peers_world)
    suggested = {name for domain in page.domains for name in names(domain.peers)}
    assert not suggested & NEVER
    assert "Trust A" not in suggested


def test_opting_out_takes_effect_at_once(peers_world, world):
    Organisation.objects.filter(pk=world.trust_b.pk).update(peer_suggestions=False)
    assert names(peer_selectors.peers_page(peers_world).domains[0].peers) == ["Trust C"]


def test_a_return_for_changes_takes_a_published_result_out_at_once(peers_world, world):
    Assessment.objects.filter(organisation=world.trust_c, cycle__name="2024/25").update(
        status=Assessment.Status.RETURNED
    )
    assert names(peer_selectors.peers_page(peers_world).domains[0].peers) == ["Trust B"]


def test_only_the_last_three_published_cycles_are_looked_at(peers_world, world):
    for name in ("2019/20", "2020/21", "2021/22"):
        scored(world.trust_c, past_cycle(name), {"strategy": 4})
    page = peer_selectors.peers_page(peers_world)
    assert page.cycles == ["2024/25", "2023/24", "2021/22"]
    assert page.domains[0].peers[1].since == "2024/25"


def test_the_peers_page_reads_in_three_queries_however_many_peers(peers_world, world, django_assert_num_queries):
    with django_assert_num_queries(3):
        peer_selectors.peers_page(peers_world)
    last = Cycle.objects.get(name="2024/25")
    for number in range(15):
        scored(factories.OrganisationFactory(ics=world.ics_2, name=f"More {number}"), last, dict.fromkeys(OWN, 4))
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        page = peer_selectors.peers_page(peers_world)
    assert len(queries) == 3
    assert all(len(domain.peers) == 3 for domain in page.domains)


def test_without_a_scored_assessment_there_are_no_weak_domains(cycle, world):
    assessment = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    page = peer_selectors.peers_page(assessment)
    assert (page.cycle, page.domains) == (None, [])


# The pages.


def peers_url(assessment):
    return reverse("assessments:peers", args=[assessment.cycle.slug, assessment.organisation.ods_code])


def ask_url(assessment, to="T01", domain="strategy"):
    base = reverse("assessments:peer-ask", args=[assessment.cycle.slug, assessment.organisation.ods_code])
    return f"{base}?to={to}&domain={domain}"


def test_the_lead_sees_each_weak_domain_with_its_peers_reasons_and_a_button_to_ask(client, peers_world, team, world):
    client.force_login(team["lead"])
    page = client.get(peers_url(peers_world)).content.decode()
    assert "Level 3 in Digital strategy since 2023/24; same care setting; similar services" in page
    assert "Level 2 in Digital strategy since 2024/25; same ICS" in page
    assert f"to={world.trust_b.ods_code}&amp;domain=strategy" in page
    for never in NEVER:
        assert never not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 200),
        ("contributor", 200),
        ("approver", 200),
        ("viewer", 200),
        ("reviewer", 403),  # sees the draft, but the peers page is the organisation's own
        ("board", 404),  # sees no draft at all
        ("analyst", 403),
        ("other_lead", 404),
        ("same_ics_lead", 404),
        ("nobody", 404),
    ],
)
def test_peers_page_access(client, peers_world, team, who, status):
    client.force_login(team[who])
    assert client.get(peers_url(peers_world)).status_code == status


def test_anonymous_people_are_sent_to_sign_in_from_every_peers_page(client, peers_world, world):
    for url in (
        peers_url(peers_world),
        ask_url(peers_world),
        reverse("peer-requests", args=[world.trust_a.ods_code]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/sign-in/")


def test_the_domain_page_lists_peers_a_level_ahead_of_the_saved_answer(client, peers_world, team, world):
    client.force_login(team["lead"])
    url = reverse("assessments:domain", args=[peers_world.cycle.slug, world.trust_a.ods_code, "strategy"])
    page = client.get(url).content.decode()
    assert "Peers a level ahead" in page
    assert page.index("Trust B") < page.index("Trust C")
    assert "since 2023/24; same care setting" in page
    for never in NEVER:
        assert never not in page


def test_the_domain_page_shows_no_peers_to_people_outside_the_organisation(client, peers_world, team, world):
    client.force_login(team["reviewer"])
    url = reverse("assessments:domain", args=[peers_world.cycle.slug, world.trust_a.ods_code, "strategy"])
    page = client.get(url).content.decode()
    assert "Peers a level ahead" not in page


# Asking.


def test_the_lead_asks_a_peer_and_its_leads_are_told_without_anyones_contact_details(client, peers_world, team, world):
    trust_b_lead = factories.UserFactory(email="lead@trust-b.nhs.uk")
    factories.grant(trust_b_lead, "assessment_lead", world.trust_b)
    client.force_login(team["lead"])
    assert client.get(ask_url(peers_world, world.trust_b.ods_code)).status_code == 200

    response = client.post(
        reverse("assessments:peer-ask", args=[peers_world.cycle.slug, world.trust_a.ods_code]),
        {"to": world.trust_b.ods_code, "domain": "strategy", "message": "How did you fund it?"},
    )

    assert response.status_code == 302 and response.url == reverse("peer-requests", args=[world.trust_a.ods_code])
    request = PeerContactRequest.objects.get()
    assert (request.from_organisation, request.to_organisation, request.domain_key, request.status) == (
        world.trust_a,
        world.trust_b,
        "strategy",
        "pending",
    )
    assert request.domain_name == "Digital strategy"
    assert request.history.first().history_user == team["lead"]
    (told,) = Notification.objects.filter(recipient=trust_b_lead)
    assert "Trust A" in told.subject and "How did you fund it?" in told.body
    assert team["lead"].email not in told.body


def test_a_contributor_may_ask_too(peers_world, team, world):
    request = peer_request_send(
        from_organisation=world.trust_a,
        to_organisation=world.trust_b,
        domain_key="strategy",
        domain_name="Digital strategy",
        message="Hello",
        actor=team["contributor"],
    )
    assert request.requested_by == team["contributor"]


@pytest.mark.parametrize("who", ["approver", "viewer", "reviewer", "analyst"])
def test_people_who_do_not_do_the_work_cannot_ask_and_nothing_changes(client, peers_world, team, world, who):
    client.force_login(team[who])
    before = snapshot()
    url = reverse("assessments:peer-ask", args=[peers_world.cycle.slug, world.trust_a.ods_code])
    response = client.post(url, {"to": world.trust_b.ods_code, "domain": "strategy", "message": "Hi"})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["other_lead", "same_ics_lead", "board", "nobody"])
def test_outsiders_cannot_ask_for_another_organisation_it_is_a_404(client, peers_world, team, world, who):
    client.force_login(team[who])
    before = snapshot()
    url = reverse("assessments:peer-ask", args=[peers_world.cycle.slug, world.trust_a.ods_code])
    response = client.post(url, {"to": world.trust_c.ods_code, "domain": "strategy", "message": "Hi"})
    assert response.status_code == 404
    assert snapshot() == before


def test_an_empty_message_is_named_in_the_error_summary_and_nothing_is_sent(client, peers_world, team, world):
    client.force_login(team["lead"])
    url = reverse("assessments:peer-ask", args=[peers_world.cycle.slug, world.trust_a.ods_code])
    response = client.post(url, {"to": world.trust_b.ods_code, "domain": "strategy", "message": "  "})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_message"' in page and "Enter a message saying what you would like to ask them" in page
    assert 'id="id_message"' in page
    assert not PeerContactRequest.objects.exists()


@pytest.mark.parametrize(
    "params",
    [{"to": "NOPE", "domain": "strategy"}, {"to": "T01", "domain": "no_such_domain"}, {"domain": "strategy"}],
)
def test_an_unknown_peer_or_domain_is_a_404(client, peers_world, team, world, params):
    client.force_login(team["lead"])
    params = {k: (world.trust_b.ods_code if v == "T01" else v) for k, v in params.items()}
    url = reverse("assessments:peer-ask", args=[peers_world.cycle.slug, world.trust_a.ods_code])
    assert client.post(url, {**params, "message": "Hi"}).status_code == 404


def test_nobody_can_be_asked_about_a_domain_they_have_not_published(client, peers_world, team, world):
    client.force_login(team["lead"])
    # Trust C published Digital strategy only; the unpublished trust's level 5 is not shown.
    assert client.get(ask_url(peers_world, world.trust_c.ods_code, "infra")).status_code == 404
    unpublished = Organisation.objects.get(name="Unpublished Trust")
    assert client.get(ask_url(peers_world, unpublished.ods_code)).status_code == 404
    assert client.get(ask_url(peers_world, world.trust_c.ods_code)).status_code == 200


def test_an_organisation_that_opted_out_cannot_be_asked(client, peers_world, team, world):
    Organisation.objects.filter(pk=world.trust_b.pk).update(peer_suggestions=False)
    client.force_login(team["lead"])
    assert client.get(ask_url(peers_world, world.trust_b.ods_code)).status_code == 404
    world.trust_b.refresh_from_db()
    with pytest.raises(ValidationError, match="has chosen not to be contacted"):
        peer_request_send(
            from_organisation=world.trust_a,
            to_organisation=world.trust_b,
            domain_key="strategy",
            domain_name="Digital strategy",
            message="Hello",
            actor=team["lead"],
        )
    assert not PeerContactRequest.objects.exists()


def _ask(world, team, to=None, domain="strategy"):
    return peer_request_send(
        from_organisation=world.trust_a,
        to_organisation=to or world.trust_b,
        domain_key=domain,
        domain_name="Digital strategy",
        message="How did you do it?",
        actor=team["lead"],
    )


def test_one_request_waits_per_pair_and_domain(peers_world, team, world):
    _ask(world, team)
    with pytest.raises(ValidationError, match="already asked Trust B about Digital strategy"):
        _ask(world, team)
    _ask(world, team, domain="infra")  # another domain is another question
    assert PeerContactRequest.objects.count() == 2


def test_after_an_answer_the_same_question_may_be_asked_again(peers_world, team, world):
    first = _ask(world, team)
    peer_request_withdraw(request=first, actor=team["lead"])
    assert _ask(world, team).status == "pending"


def test_the_database_holds_one_pending_request_per_pair_and_domain(peers_world, team, world):
    first = _ask(world, team)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerContactRequest.objects.create(
            from_organisation=world.trust_a,
            to_organisation=world.trust_b,
            domain_key="strategy",
            domain_name="Digital strategy",
            message="Again",
            requested_by=first.requested_by,
        )


# Answering, and what each side then sees.


@pytest.fixture
def asked(peers_world, team, world):
    trust_b_lead = factories.UserFactory(
        email="kofi.lead@trust-b.nhs.uk", first_name="Kofi", last_name="Mensah", job_title="Chief Digital Officer"
    )
    factories.grant(trust_b_lead, "assessment_lead", world.trust_b)
    trust_b_contributor = factories.UserFactory(email="helper@trust-b.nhs.uk")
    factories.grant(trust_b_contributor, "contributor", world.trust_b)
    return {"request": _ask(world, team), "lead": trust_b_lead, "contributor": trust_b_contributor}


def requests_url(organisation):
    return reverse("peer-requests", args=[organisation.ods_code])


def decide_url(organisation, request):
    return reverse("peer-request-decide", args=[organisation.ods_code, request.pk])


def test_no_contact_details_are_shown_before_acceptance(client, asked, team, world):
    client.force_login(asked["lead"])
    page = client.get(requests_url(world.trust_b)).content.decode()
    assert "Trust A about Digital strategy" in page and "How did you do it?" in page
    assert team["lead"].email not in page
    client.force_login(team["lead"])
    page = client.get(requests_url(world.trust_a)).content.decode()
    assert "Trust B about Digital strategy" in page
    assert asked["lead"].email not in page


def test_once_accepted_each_side_sees_the_others_named_person(client, asked, team, world):
    client.force_login(asked["lead"])
    response = client.post(decide_url(world.trust_b, asked["request"]), {"decision": "accept"})
    assert response.status_code == 302

    request = PeerContactRequest.objects.get()
    assert (request.status, request.responded_by) == ("accepted", asked["lead"])
    assert request.history.first().history_user == asked["lead"]
    page = client.get(requests_url(world.trust_b)).content.decode()
    assert team["lead"].email in page
    client.force_login(team["lead"])
    page = client.get(requests_url(world.trust_a)).content.decode()
    assert "kofi.lead@trust-b.nhs.uk" in page and "Kofi Mensah" in page and "Chief Digital Officer" in page
    assert Notification.objects.filter(recipient=team["lead"], subject__contains="accepted").exists()


def test_once_declined_nobodys_contact_details_are_shown(client, asked, team, world):
    client.force_login(asked["lead"])
    client.post(decide_url(world.trust_b, asked["request"]), {"decision": "decline"})
    assert PeerContactRequest.objects.get().status == "declined"
    client.force_login(team["lead"])
    page = client.get(requests_url(world.trust_a)).content.decode()
    assert asked["lead"].email not in page and "Declined" in page
    assert Notification.objects.filter(recipient=team["lead"], subject__contains="declined").exists()


def test_only_the_asked_organisations_lead_answers_and_a_refusal_changes_nothing(client, asked, team, world):
    before = snapshot()
    client.force_login(asked["contributor"])
    assert client.post(decide_url(world.trust_b, asked["request"]), {"decision": "accept"}).status_code == 403
    client.force_login(team["lead"])  # the asker cannot accept their own request
    assert client.post(decide_url(world.trust_a, asked["request"]), {"decision": "accept"}).status_code == 403
    assert snapshot() == before
    assert PeerContactRequest.objects.get().status == "pending"


def test_the_asker_withdraws_and_the_asked_lead_can_then_not_accept(client, asked, team, world):
    client.force_login(team["lead"])
    client.post(decide_url(world.trust_a, asked["request"]), {"decision": "withdraw"})
    assert PeerContactRequest.objects.get().status == "withdrawn"
    with pytest.raises(ValidationError, match="already been withdrawn"):
        peer_request_answer(request=asked["request"], accept=True, actor=asked["lead"])


def test_the_asked_side_cannot_withdraw(client, asked, world):
    client.force_login(asked["lead"])
    assert client.post(decide_url(world.trust_b, asked["request"]), {"decision": "withdraw"}).status_code == 403
    assert PeerContactRequest.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 200),
        ("contributor", 200),
        ("approver", 403),
        ("viewer", 403),
        ("reviewer", 403),
        ("board", 403),
        ("analyst", 403),
        ("other_lead", 404),
        ("same_ics_lead", 404),
        ("nobody", 404),
    ],
)
def test_peer_requests_page_access(client, asked, team, world, who, status):
    client.force_login(team[who])
    assert client.get(requests_url(world.trust_a)).status_code == status


@pytest.mark.parametrize("who", ["same_ics_lead", "nobody", "reviewer", "analyst", "approver"])
def test_denied_decisions_change_nothing(client, asked, team, world, who):
    before = snapshot()
    client.force_login(team[who])
    for decision in ("accept", "decline", "withdraw"):
        response = client.post(decide_url(world.trust_a, asked["request"]), {"decision": decision})
        assert response.status_code in (403, 404)
    assert snapshot() == before


def test_another_organisations_request_is_a_404_under_ones_own_code(client, asked, team, world):
    """Trust C's lead, looking for trust A and B's request under trust C's own address."""
    client.force_login(team["same_ics_lead"])
    response = client.post(decide_url(world.trust_c, asked["request"]), {"decision": "accept"})
    assert response.status_code == 404
    assert PeerContactRequest.objects.get().status == "pending"


def test_the_peers_page_says_who_has_been_asked_already(client, asked, peers_world, team, world):
    client.force_login(team["lead"])
    page = client.get(peers_url(peers_world)).content.decode()
    assert f"to={world.trust_b.ods_code}&amp;domain=strategy" not in page
    assert f"to={world.trust_b.ods_code}&amp;domain=infra" in page
    assert "You have asked them to get in touch about this" in page


def test_requests_are_listed_in_one_query_however_many(asked, team, world, django_assert_num_queries):
    for number in range(5):
        other = factories.OrganisationFactory(ics=world.ics_2, name=f"Other {number}")
        _ask(world, team, to=other)
    with django_assert_num_queries(1):
        incoming, outgoing = peer_selectors.peer_requests_of(world.trust_a)
        [(r.to_organisation.name, r.requested_by.email) for r in outgoing]
    assert (len(incoming), len(outgoing)) == (0, 6)
    assert not PeerContactRequest.objects.filter(~Q(from_organisation=world.trust_a)).exists()


@pytest.mark.parametrize("who", ["approver", "viewer"])
def test_people_who_only_read_see_the_peers_without_a_button_to_ask(client, peers_world, team, who):
    client.force_login(team[who])
    page = client.get(peers_url(peers_world)).content.decode()
    assert "Trust B" in page and "same care setting" in page
    assert "Ask to get in touch" not in page
