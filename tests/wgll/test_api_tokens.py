"""Personal API tokens: made on a page and shown once, stored as a hash, acting with exactly
their owner's access, expiring, revocable at once, and telling their owner when last used."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import ApiToken
from organisations.services.team import team_remove
from organisations.services.tokens import TOKENS_PER_PERSON, api_token_create

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/api/v1/organisations/"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_is_made_on_the_page_and_shown_once(client, world, person):
    lead = person("assessment_lead", world.trust_a)
    client.force_login(lead)

    response = client.post(reverse("api-tokens"), {"name": "Power BI refresh", "days": "90"})

    page = response.content.decode()
    row = ApiToken.objects.get(user=lead)
    token = page.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("wgll_") and token.startswith(row.token_key)
    assert token not in row.digest  # only the hash is kept
    assert row.name == "Power BI refresh"
    assert datetime.timedelta(days=89) < row.expiry - timezone.now() <= datetime.timedelta(days=90)
    again = client.get(reverse("api-tokens")).content.decode()
    assert token not in again and "Power BI refresh" in again and "Not used yet" in again


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "days": "90"}, "Enter a name for the token"),
        ({"name": "x" * 101, "days": "90"}, "100 characters or fewer"),
        ({"name": "Job", "days": "7"}, "Choose when the token expires"),
        ({"name": "Job"}, "Choose when the token expires"),
    ],
)
def test_bad_token_requests_say_what_is_wrong_and_make_nothing(client, world, person, data, message):
    client.force_login(person("assessment_lead", world.trust_a))
    response = client.post(reverse("api-tokens"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_names_are_unique_per_person_and_the_number_is_limited(world, person):
    lead = person("assessment_lead", world.trust_a)
    api_token_create(user=lead, name="Nightly", days=30)
    with pytest.raises(Exception, match="already have a token"):
        api_token_create(user=lead, name="nightly", days=30)
    for number in range(TOKENS_PER_PERSON - 1):
        api_token_create(user=lead, name=f"Job {number}", days=30)
    with pytest.raises(Exception, match="revoke one"):
        api_token_create(user=lead, name="One too many", days=30)
    assert ApiToken.objects.filter(user=lead).count() == TOKENS_PER_PERSON


def test_a_token_acts_with_its_owners_access_only(client, world, person):
    _, token = api_token_create(user=person("assessment_lead", world.trust_a), name="Job", days=30)
    response = client.get(ORGANISATIONS, **bearer(token))
    assert response.status_code == 200
    assert [row["ods_code"] for row in response.json()["results"]] == [world.trust_a.ods_code]
    assert client.get(f"{ORGANISATIONS}{world.trust_b.ods_code}/", **bearer(token)).status_code == 404


def test_last_use_is_recorded_at_most_once_a_minute(client, world, person, django_assert_num_queries):
    _, token = api_token_create(user=person("assessment_lead", world.trust_a), name="Job", days=30)
    client.get(ORGANISATIONS, **bearer(token))
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get(ORGANISATIONS, **bearer(token))
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(ORGANISATIONS, **bearer(token))
    assert ApiToken.objects.get().last_used_at > first


def test_a_revoked_token_is_refused_at_once(client, world, person):
    lead = person("assessment_lead", world.trust_a)
    row, token = api_token_create(user=lead, name="Job", days=30)
    client.force_login(lead)
    client.post(reverse("api-token-revoke"), {"token": row.digest})
    client.logout()
    response = client.get(ORGANISATIONS, **bearer(token))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"


def test_nobody_revokes_another_persons_token(client, world, person):
    row, _ = api_token_create(user=person("assessment_lead", world.trust_a), name="Job", days=30)
    client.force_login(person("assessment_lead", world.trust_b))
    assert client.post(reverse("api-token-revoke"), {"token": row.digest}).status_code == 404
    assert "Job" not in client.get(reverse("api-tokens")).content.decode()
    assert ApiToken.objects.filter(digest=row.digest).exists()


def test_an_expired_token_is_refused(client, world, person):
    _, token = api_token_create(user=person("assessment_lead", world.trust_a), name="Job", days=30)
    ApiToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(ORGANISATIONS, **bearer(token)).status_code == 401


def test_a_token_of_someone_deactivated_is_refused(client, world, person):
    lead = person("assessment_lead", world.trust_a)
    _, token = api_token_create(user=lead, name="Job", days=30)
    lead.is_active = False
    lead.save()
    assert client.get(ORGANISATIONS, **bearer(token)).status_code == 401


def test_removed_from_the_team_their_token_sees_nothing_of_it(client, world, person):
    contributor = person("contributor", world.trust_a)
    _, token = api_token_create(user=contributor, name="Job", days=30)
    team_remove(organisation=world.trust_a, member=contributor, actor=person("assessment_lead", world.trust_a))
    response = client.get(ORGANISATIONS, **bearer(token))
    assert response.status_code == 200 and response.json()["results"] == []
    assert client.get(f"{ORGANISATIONS}{world.trust_a.ods_code}/", **bearer(token)).status_code == 404


def test_the_service_desk_revokes_a_token_in_the_admin_and_staff_cannot_see_tokens(client, world, person):
    from tests.factories import UserFactory

    row, token = api_token_create(user=person("assessment_lead", world.trust_a), name="Lost laptop", days=30)
    changelist = reverse("admin:organisations_apitoken_changelist")
    staff = person("ics_reviewer", world.ics_1)
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(changelist).status_code == 403
    refused = client.post(changelist, {"action": "revoke", "_selected_action": [row.pk]})
    assert refused.status_code == 403 and ApiToken.objects.filter(pk=row.pk).exists()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(changelist).content.decode()
    assert "Lost laptop" in page and row.token_key in page and token not in page
    client.post(changelist, {"action": "revoke", "_selected_action": [row.pk]})

    assert not ApiToken.objects.filter(pk=row.pk).exists()
    client.logout()
    assert client.get(ORGANISATIONS, **bearer(token)).status_code == 401
