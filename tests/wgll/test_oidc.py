"""Single sign-on against a real OpenID Connect provider on 127.0.0.1 (tests/oidc_provider.py):
the portal fetches discovery, keys, tokens and user info from it over HTTP, and the browser's side
(the redirects) is the Django test client. Every refusal signs nobody in and creates nobody."""

import datetime
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from joserfc.jwk import RSAKey

from organisations.models import Identity, ProviderSession, RoleAssignment, User
from tests import oidc_provider as provider_fixtures
from tests.factories import OrganisationFactory, UserFactory
from tests.oidc_provider import CIS2_CLIENT_ID, OIDC_CLIENT_ID

pytestmark = pytest.mark.django_db

oidc_server = provider_fixtures.oidc_server
cis2_client_key = provider_fixtures.cis2_client_key
oidc_provider = provider_fixtures.oidc_provider

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def to_provider(client: Client, provider: str, next_path: str = ""):
    """Start signing in and follow the provider's automatic approval: the provider's redirect
    back to the portal (its callback address, with code and state)."""
    query = {"next": next_path} if next_path else {}
    start = client.get(reverse("oidc-start", args=[provider]), query)
    assert start.status_code == 302, start.content
    approved = requests.get(start.url, allow_redirects=False, timeout=10)
    assert approved.status_code == 302, approved.text
    return urlsplit(approved.headers["Location"])


def sign_in(client: Client, provider: str = "cis2", next_path: str = ""):
    back = to_provider(client, provider, next_path)
    return client.get(f"{back.path}?{back.query}")


def signed_in_user(client: Client):
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def assert_refused(response, status: int, *texts: str):
    assert response.status_code == status
    page = response.content.decode()
    assert "You have not been signed in." in page
    for text in texts:
        assert text in page
    assert SESSION_KEY not in response.client.session


# Signing in


def test_cis2_newcomer_gets_an_account_without_password_or_roles_and_sees_their_claimed_organisations(
    client, oidc_provider
):
    OrganisationFactory(ods_code="RAL", name="Royal Free London")

    response = sign_in(client, "cis2")

    assert response.status_code == 302 and response.url == reverse("home")
    user = signed_in_user(client)
    assert user.email == "ada.lovelace@nhs.net" and user.get_full_name() == "Ada Lovelace"
    assert not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()
    identity = Identity.objects.get(user=user)
    assert (identity.provider, identity.subject) == ("cis2", "cis2-user-0001")
    assert identity.claimed_ods_codes == ["RAL"]
    assert (identity.id_assurance_level, identity.authentication_assurance_level) == (3, 3)
    home = client.get(reverse("home")).content.decode()
    assert "You do not have access to any organisation yet." in home
    assert "Royal Free London (ODS code RAL)" in home
    # What the provider saw: PKCE S256, the ACR values and scopes asked for, and a client assertion
    # it verified against the portal's public key (it refuses the token request otherwise).
    asked = oidc_provider.authorisation_requests[-1]
    assert asked["code_challenge_method"] == "S256"
    assert asked["acr_values"] == "AAL2_OR_AAL3_ANY"
    assert asked["scope"] == "openid profile email nhsperson associatedorgs"
    token_request = oidc_provider.token_requests[-1]
    assert token_request["client"] == CIS2_CLIENT_ID
    assert "client_secret" not in token_request["form"]
    assert token_request["form"]["client_assertion_type"].endswith("jwt-bearer")


def test_a_second_cis2_sign_in_is_the_same_account_with_its_latest_claims(client, oidc_provider):
    sign_in(client, "cis2")
    first = Identity.objects.get()
    client.post(reverse("sign-out"))
    oidc_provider.user.orgs = [{"org_code": "RRV", "org_name": "UCLH"}]
    oidc_provider.user.roles = []

    response = sign_in(Client(), "cis2")

    assert response.status_code == 302
    assert User.objects.count() == 1
    again = Identity.objects.get()
    assert again.pk == first.pk and again.claimed_ods_codes == ["RRV"]
    assert again.last_signed_in_at > first.last_signed_in_at


def test_generic_provider_signs_in_with_a_client_secret(client, oidc_provider):
    oidc_provider.user.sub = "entra-object-id-42"
    oidc_provider.user.email = "grace.hopper@nhs.net"

    response = sign_in(client, "oidc", next_path="/framework/")

    assert response.status_code == 302 and response.url == "/framework/"
    identity = Identity.objects.get(user=signed_in_user(client))
    assert (identity.provider, identity.subject) == ("oidc", "entra-object-id-42")
    assert identity.email == "grace.hopper@nhs.net"
    assert oidc_provider.authorisation_requests[-1]["scope"] == "openid profile email"
    assert "acr_values" not in oidc_provider.authorisation_requests[-1]
    assert oidc_provider.token_requests[-1]["form"]["client_secret"] == provider_fixtures.OIDC_CLIENT_SECRET


def test_the_sign_in_page_offers_each_configured_provider_above_the_password_form(client, oidc_provider):
    page = client.get(reverse("login"), {"next": "/framework/"}).content.decode()

    assert "Sign in with NHS Care Identity" in page and "Sign in with NHSmail" in page
    assert page.index("Sign in with NHS Care Identity") < page.index('name="password"')
    assert f"{reverse('oidc-start', args=['cis2'])}?next=%2Fframework%2F" in page


def test_an_already_signed_in_person_starting_again_is_sent_on(client, oidc_provider):
    client.force_login(UserFactory())
    response = client.get(reverse("oidc-start", args=["cis2"]))
    assert response.status_code == 302 and response.url == reverse("home")


def test_the_portal_publishes_only_the_public_half_of_its_cis2_key(client, oidc_provider, cis2_client_key):
    key, _ = cis2_client_key
    body = client.get(reverse("oidc-jwks", args=["cis2"])).json()

    assert [entry["kid"] for entry in body["keys"]] == [key.kid]
    assert "d" not in body["keys"][0] and body["keys"][0]["n"] == key.as_dict(private=False)["n"]
    assert client.get(reverse("oidc-jwks", args=["oidc"])).status_code == 404


# Refusals


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"aud": "someone-elses-client"}, "'azp'"),  # issued to another client, which it names nowhere
        ({"aud": "someone-elses-client", "azp": "someone-elses-client"}, "Invalid claim"),
        ({"aud": ["someone-elses-client", CIS2_CLIENT_ID], "azp": "someone-elses-client"}, "'azp'"),
    ],
)
def test_an_id_token_for_another_audience_is_refused(client, oidc_provider, caplog, claims, reason):
    oidc_provider.id_token_claims = claims
    assert_refused(sign_in(client), 400, "We could not check your sign-in with NHS Care Identity")
    assert reason in caplog.text
    assert not User.objects.exists()


def test_an_expired_id_token_is_refused(client, oidc_provider, caplog):
    oidc_provider.id_token_claims = {"exp": 1_700_000_000, "iat": 1_699_999_000}
    assert_refused(sign_in(client), 400, "We could not check your sign-in")
    assert "ExpiredTokenError" in caplog.text
    assert not User.objects.exists()


def test_an_id_token_signed_by_another_key_is_refused(client, oidc_provider):
    stranger = RSAKey.generate_key(2048, parameters={"kid": oidc_provider.key.kid})
    original = oidc_provider.key
    oidc_provider.key = stranger
    try:
        response = sign_in(client)
    finally:
        oidc_provider.key = original
    assert_refused(response, 400, "We could not check your sign-in")


def test_a_used_state_is_refused_in_this_browser_and_any_other(client, oidc_provider):
    back = to_provider(client, "cis2")
    callback = f"{back.path}?{back.query}"
    assert client.get(callback).status_code == 302
    client.post(reverse("sign-out"))

    assert_refused(client.get(callback), 400, "This sign-in has expired or was already used")
    assert_refused(Client().get(callback), 400, "This sign-in has expired or was already used")


def test_a_callback_whose_state_this_browser_never_started_is_refused(client, oidc_provider):
    victim = Client()
    back = to_provider(victim, "cis2")
    # An attacker's own code and state, fed to someone else's browser (login CSRF).
    assert_refused(client.get(f"{back.path}?{back.query}"), 400, "This sign-in has expired")
    assert not User.objects.exists()


def test_a_replayed_id_token_with_an_earlier_nonce_is_refused(client, oidc_provider, caplog):
    sign_in(Client(), "cis2")
    oidc_provider.replay_id_token = oidc_provider.issued_id_tokens[-1]

    assert_refused(sign_in(client), 400, "We could not check your sign-in")
    assert "'nonce'" in caplog.text


def test_identity_assurance_below_3_is_refused(client, oidc_provider):
    oidc_provider.user.id_assurance_level = "2"
    assert_refused(sign_in(client), 403, "Registration Authority", "identity assurance level 3")
    assert not User.objects.exists()


def test_authentication_below_the_configured_minimum_is_refused(client, oidc_provider, settings):
    settings.CIS2_MINIMUM_AUTHENTICATION_LEVEL = 3
    oidc_provider.user.authentication_assurance_level = "2"
    assert_refused(sign_in(client), 403, "assurance level 3 or above")
    assert not User.objects.exists()


def test_aal2_is_accepted_by_default(client, oidc_provider):
    oidc_provider.user.authentication_assurance_level = "2"
    assert sign_in(client).status_code == 302


def test_user_info_about_another_subject_is_refused(client, oidc_provider):
    oidc_provider.userinfo_claims = {"sub": "someone-else", "email": "someone.else@nhs.net"}
    assert_refused(sign_in(client), 400, "We could not confirm who you are")
    assert not User.objects.exists()


def test_the_provider_refusing_is_explained(client, oidc_provider):
    oidc_provider.authorisation_error = "access_denied"
    assert_refused(sign_in(client), 400, "NHS Care Identity did not sign you in")


def test_a_closed_account_cannot_sign_in_through_its_identity(client, oidc_provider):
    sign_in(Client())
    User.objects.update(is_active=False)
    assert_refused(sign_in(client), 403, "Your account in the portal has been closed.")


# Linking an existing account


def test_an_existing_accounts_address_needs_its_password_once_to_link(client, oidc_provider):
    existing = UserFactory(email="ada.lovelace@nhs.net")

    response = sign_in(client)

    assert response.status_code == 302 and response.url == reverse("oidc-link", args=["cis2"])
    assert SESSION_KEY not in client.session and not Identity.objects.exists()
    page = client.get(response.url).content.decode()
    assert "There is already an account in the portal for <strong>ada.lovelace@nhs.net</strong>" in page

    wrong = client.post(response.url, {"password": "not-the-password", "username": "someone@else.nhs.uk"})
    assert wrong.status_code == 200 and "Enter a correct email address and password." in wrong.content.decode()
    assert SESSION_KEY not in client.session and not Identity.objects.exists()

    linked = client.post(response.url, {"password": PASSWORD})
    assert linked.status_code == 302 and linked.url == reverse("home")
    assert signed_in_user(client) == existing
    assert Identity.objects.get().user == existing
    client.post(reverse("sign-out"))

    # From now on the identity signs straight in to that account.
    other = Client()
    assert sign_in(other).url == reverse("home")
    assert signed_in_user(other) == existing
    assert User.objects.count() == 1


def test_the_link_page_without_a_verified_identity_is_refused(client, oidc_provider):
    UserFactory(email="ada.lovelace@nhs.net")
    response = client.post(reverse("oidc-link", args=["cis2"]), {"password": PASSWORD})
    assert_refused(response, 400)


def test_linking_counts_failed_passwords_towards_the_lockout(client, oidc_provider, settings):
    UserFactory(email="ada.lovelace@nhs.net")
    link = sign_in(client).url
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(link, {"password": "guess"})
    assert client.post(link, {"password": PASSWORD}).status_code == 429
    assert not Identity.objects.exists()


# Back-channel logout


def _logout(client: Client, provider: str, token: str):
    return client.post(reverse("oidc-back-channel-logout", args=[provider]), {"logout_token": token})


def _still_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_back_channel_logout_ends_every_session_of_that_person(oidc_provider):
    laptop, phone, colleague = Client(), Client(), Client()
    sign_in(laptop)
    sign_in(phone)
    colleague.force_login(UserFactory())
    assert _still_signed_in(laptop) and _still_signed_in(phone)

    token = oidc_provider.logout_token(client_id=CIS2_CLIENT_ID)
    response = _logout(Client(), "cis2", token)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert not _still_signed_in(laptop)
    assert not _still_signed_in(phone)
    assert _still_signed_in(colleague)
    # The same token again is a replay.
    again = _logout(Client(), "cis2", token)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"


def test_back_channel_logout_of_someone_never_seen_here_succeeds_and_changes_nothing(oidc_provider):
    sign_in(browser := Client())
    token = oidc_provider.logout_token(client_id=CIS2_CLIENT_ID, sub="nobody-we-know")
    assert _logout(Client(), "cis2", token).status_code == 200
    assert _still_signed_in(browser)


def test_a_logout_naming_only_the_providers_session_ends_the_sessions_of_who_signed_in_with_it(oidc_provider):
    laptop, colleague = Client(), Client()
    sign_in(laptop)
    colleague.force_login(UserFactory())
    session_id = oidc_provider.session_ids[-1]
    assert ProviderSession.objects.filter(session_id=session_id).count() == 1

    unknown = oidc_provider.logout_token(client_id=CIS2_CLIENT_ID, sub=None, sid="op-session-never-seen")
    assert _logout(Client(), "cis2", unknown).status_code == 200
    assert _still_signed_in(laptop)

    token = oidc_provider.logout_token(client_id=CIS2_CLIENT_ID, sub=None, sid=session_id)
    assert _logout(Client(), "cis2", token).status_code == 200
    assert not _still_signed_in(laptop)
    assert _still_signed_in(colleague)


def test_a_providers_session_is_kept_only_as_long_as_a_portal_session_can_last(oidc_provider, settings):
    sign_in(Client())
    first = ProviderSession.objects.get()
    ProviderSession.objects.filter(pk=first.pk).update(
        signed_in_at=first.signed_in_at - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    )
    sign_in(Client())
    assert list(ProviderSession.objects.values_list("session_id", flat=True)) == [oidc_provider.session_ids[-1]]


BAD_LOGOUT_TOKENS = {
    # problem: (changes to a good token, what the refusal says)
    "wrong issuer": ({"iss": "https://attacker.example"}, "'iss'"),
    "wrong audience": ({"aud": OIDC_CLIENT_ID}, "'aud'"),
    "issued too long ago": ({"iat": "STALE"}, "issued too long ago"),
    "issued in the future": ({"iat": "FUTURE"}, "issued in the future"),
    "expired": ({"exp": 1_700_000_000}, "expired"),
    "no logout event": ({"events": {"http://schemas.openid.net/event/something-else": {}}}, "not a back-channel"),
    "carries a nonce": ({"nonce": "an-id-token-in-disguise"}, "nonce"),
    "no jti": ({"jti": None}, "'jti'"),
    "names no one (no sub, no sid)": ({"sub": None}, "names no one"),
    "another key": ({"key": "STRANGER"}, "BadSignatureError"),
    "not a token": ({"raw": "not.a.token"}, "not a valid signed token"),
}


@pytest.mark.parametrize("problem", list(BAD_LOGOUT_TOKENS))
def test_a_bad_logout_token_is_400_and_ends_no_session(oidc_provider, problem):
    import time

    browser = Client()
    sign_in(browser)
    generation = User.objects.get().session_generation
    changes, says = BAD_LOGOUT_TOKENS[problem]
    changes = dict(changes)
    if changes.get("iat") == "STALE":
        changes["iat"] = int(time.time()) - 3600
    if changes.get("iat") == "FUTURE":
        changes["iat"] = int(time.time()) + 3600
    if changes.pop("key", None):
        changes["key"] = RSAKey.generate_key(2048, parameters={"kid": oidc_provider.key.kid})
    raw = changes.pop("raw", None)
    token = raw or oidc_provider.logout_token(client_id=CIS2_CLIENT_ID, **changes)

    response = _logout(Client(), "cis2", token)

    assert response.status_code == 400, problem
    assert response.json()["error"] == "invalid_request" and says in response.json()["error_description"]
    assert User.objects.get().session_generation == generation
    assert _still_signed_in(browser)


def test_a_logout_token_for_one_provider_does_not_work_at_the_other(oidc_provider):
    browser = Client()
    sign_in(browser)
    token = oidc_provider.logout_token(client_id=CIS2_CLIENT_ID)
    # Same issuer and keys here, but the audience is the CIS2 client: the other profile refuses it.
    assert _logout(Client(), "oidc", token).status_code == 400
    assert _still_signed_in(browser)


def test_back_channel_logout_takes_no_get_and_needs_no_csrf_token(oidc_provider):
    enforcing = Client(enforce_csrf_checks=True)
    url = reverse("oidc-back-channel-logout", args=["cis2"])
    assert enforcing.get(url).status_code == 405
    assert enforcing.post(url, {"logout_token": "x"}).status_code == 400  # refused as a token, not for CSRF


# Off by default


SSO_URLS = ["oidc-start", "oidc-callback", "oidc-link", "oidc-back-channel-logout", "oidc-jwks"]


@pytest.mark.parametrize("name", SSO_URLS)
@pytest.mark.parametrize("provider", ["cis2", "oidc", "unknown"])
def test_without_single_sign_on_settings_its_urls_answer_404(client, name, provider):
    url = reverse(name, args=[provider])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)
    if name in ("oidc-start", "oidc-callback", "oidc-jwks"):
        assert client.get(url).status_code == 404
    if name == "oidc-back-channel-logout":
        assert client.post(url).status_code == 404


def test_without_single_sign_on_settings_the_sign_in_page_has_no_provider_button(client):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page
    assert "Or sign in with your email address" not in page
    assert "/sign-in/cis2/" not in page and "/sign-in/oidc/" not in page
    # The password form's button stays the page's one primary button.
    assert page.count("nhsuk-button--secondary") == page.count("nhsuk-password-input__toggle")


def test_an_unknown_provider_is_404_even_with_single_sign_on_on(client, oidc_provider):
    assert client.get(reverse("oidc-start", args=["facebook"])).status_code == 404


def test_the_callback_keeps_the_next_page_only_on_this_site(client, oidc_provider):
    response = sign_in(client, "cis2", next_path="https://attacker.example/")
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_provider_that_is_down_is_explained(client, oidc_provider, settings):
    settings.CIS2_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    response = client.get(reverse("oidc-start", args=["cis2"]))
    assert_refused(response, 400, "NHS Care Identity is not answering")


def test_the_service_desk_sees_the_claimed_organisations_on_the_persons_admin_page(client, oidc_provider):
    sign_in(Client())
    person = User.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:organisations_user_change", args=[person.pk])).content.decode()

    assert "cis2-user-0001" in page and "RAL" in page
    assert "identities-0-subject" not in page  # shown, not an editable field


def test_only_the_service_desk_sees_identities_in_the_admin(client, oidc_provider):
    sign_in(Client())
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:organisations_identity_changelist")).status_code == 403
