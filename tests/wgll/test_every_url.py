"""Every URL the portal serves, found by walking the URL configuration (so a new page or file is
covered the day it is added): anonymous people are sent to sign in, and people of another
organisation (another ICS's trust lead, reviewer and board viewer, a lead of a trust in the same
ICS) can neither see nor change trust A's data through it, before publication, by GET or POST.

The per-page access matrices (test_access.py and the others) say what each role may do; this one
says nobody outside is forgotten. A URL whose arguments this test cannot fill fails with the
argument's name: add a value for it below (an object of trust A's, or of its ICS).
"""

import datetime

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.models import Assessment, Evidence, PeerContactRequest, ProvisionalQuery, ValidationFlag
from assessments.services import publication
from assessments.services.evidence import evidence_add_link
from assessments.services.plans import plan_action_save, plan_target_save
from assessments.services.pulse import pulse_open
from organisations.models import Organisation
from organisations.services.team import team_invite
from reports.models import BoardReport, SystemPack
from tests.assessments import conftest as assessment_fixtures
from tests.assessments.conftest import complete_everything
from tests.oidc_provider import cis2_client_key, oidc_provider, oidc_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

frameworks = assessment_fixtures.frameworks
cycle = assessment_fixtures.cycle
assessment = assessment_fixtures.assessment
team = assessment_fixtures.team

SECRET_NAME = "Zanzibar Alpha Hospitals"
# login_not_required: nothing of anyone's in them (an invitation's page needs its secret link; a
# staff pulse's page only takes answers)
PUBLIC = {"login", "health", "session-timed-out", "organisations:invitation", "pulse-answer"}
PUBLIC |= {"poll-answer"}  # a colleague's view of one domain, through their secret link
# Single sign-on's steps, login_not_required too (the provider's server posts the logout, the
# browser arrives at the callback signed out); each answers 404 while its provider is not configured.
PUBLIC |= {"oidc-start", "oidc-callback", "oidc-link", "oidc-back-channel-logout", "oidc-jwks"}
SIGN_OUT = "sign-out"  # POSTing it ends the session the rest of the walk needs
# The caller's own session (time left, stay signed in), API tokens and e-mails: nobody else's data
ONESELF = {"session", "api-tokens", "api-token-revoke", "notifications"}
NOT_PAGES = {"api-schema"}  # the OpenAPI document: describes, holds no data
OUTSIDERS = ["other_lead", "other_reviewer", "other_board", "same_ics_lead"]


def url_patterns(patterns=None, namespace=""):
    """(name, pattern) of every route, admin left out (the service desk's, scoped by its own tests)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


@pytest.fixture
def trust_a_everything(cycle, assessment, team, world, person, django_capture_on_commit_callbacks):
    """Trust A with something behind every kind of URL: answers and evidence, a submitted and
    scored assessment with flags, a board report, an ICS pack, provisional results with a query."""
    from tests.reports.conftest import submit

    Organisation.objects.filter(pk=world.trust_a.pk).update(name=SECRET_NAME)
    complete_everything(assessment, team["lead"], level=3)
    response = assessment.responses.first()
    evidence_add_link(response_id=response.pk, url="https://example.org/plan", title="Plan", actor=team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(assessment, team)
    report = BoardReport.objects.create(assessment=assessment, status=BoardReport.Status.QUEUED)
    pack = SystemPack.objects.create(ics=world.ics_1, cycle=cycle, status=SystemPack.Status.QUEUED)
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.VALIDATED)
    today = timezone.localdate()
    publication.cycle_release_provisionally(
        cycle=cycle, actor=team["analyst"], opens_on=today, closes_on=today + datetime.timedelta(days=7)
    )
    query = publication.query_raise(assessment=assessment, actor=team["lead"], text="About our figures")
    target = plan_target_save(
        assessment=assessment, domain_key=response.domain.key, target_level=4, version=None, actor=team["lead"],
        target_date=today + datetime.timedelta(days=300),
    )  # fmt: skip
    action = plan_action_save(
        target=target, description="Plan the work", owner=team["lead"], status="not_started", version=None,
        due_date=today + datetime.timedelta(days=100), actor=team["lead"],
    )  # fmt: skip
    # A request between trust A and a trust of nobody walking the URLs (trust B's lead would be
    # its rightful reader).
    peer = Organisation.objects.create(
        ods_code="RPEER", name="Peer Trust", official_name="PEER TRUST", kind="trust", ics=world.ics_2
    )
    peer_request = PeerContactRequest.objects.create(
        from_organisation=peer,
        to_organisation=world.trust_a,
        domain_key=response.domain.key,
        domain_name=response.domain.name,
        message="About your answers",
        requested_by=team["lead"],
    )
    invitation, token = team_invite(
        organisation=world.trust_a, email="invited@trust-a.nhs.uk", role="viewer", actor=team["lead"]
    )
    people = {
        **{name: team[name] for name in ("other_lead", "other_reviewer", "same_ics_lead")},
        "other_board": person("ics_board_viewer", world.ics_2),
    }
    return {
        "cycle_slug": cycle.slug,
        "ods_code": world.trust_a.ods_code,
        "icb_code": world.ics_1.icb_ods_code,
        "domain_key": response.domain.key,
        "key": response.domain.key,
        "measure_key": response.domain.measure.key,
        "slug": cycle.slug,  # the framework version of the same name
        "version": cycle.slug,
        "card_key": "measures",
        "format": "json",
        "evidence_id": Evidence.objects.get(response__assessment=assessment).pk,
        "flag_id": ValidationFlag.objects.filter(assessment=assessment).first().pk,
        "pk": ValidationFlag.objects.filter(assessment=assessment).first().pk,
        "report_id": report.pk,
        "pack_id": pack.pk,
        "query_id": query.pk,
        "action_id": action.pk,
        "request_id": peer_request.pk,
        "user_id": team["contributor"].pk,
        "invitation_id": invitation.pk,
        "token": token,
        "code": pulse_open(assessment=assessment, actor=team["lead"]).code,
        "provider": "cis2",
        "release_version": 1,  # a version of the cycle's national files (the API's name for it)
        "kind": "csv",
        "entry_key": "no-such-entry",  # the knowledge base is everyone's: nothing of trust A's behind it
    }, people


# Arguments that mean something else under some URLs: a national file's version is a number.
BY_NAMESPACE = {"publications": {"version": 1, "kind": "csv"}}


def fill(name: str, pattern: URLPattern, values: dict) -> str:
    values = {**values, **BY_NAMESPACE.get(name.split(":")[0], {})}
    needed = list(pattern.pattern.converters) or list(pattern.pattern.regex.groupindex)
    missing = [arg for arg in needed if arg not in values]
    assert not missing, f"{name}: add a value for {missing} to trust_a_everything"
    return reverse(name, kwargs={arg: values[arg] for arg in needed})


def snapshot() -> dict[str, int]:
    """Row counts of every model (but signing in's own: sessions, axes' access log), and every
    assessment's status: what a refused POST must not move."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "axes")
    }
    counts["statuses"] = hash(tuple(Assessment.objects.order_by("pk").values_list("pk", "status", "updated_at")))
    return counts


def test_every_url_sends_anonymous_people_to_sign_in(client, trust_a_everything):
    values, _ = trust_a_everything
    for name, pattern in url_patterns():
        if name in PUBLIC or name in NOT_PAGES:
            continue
        url = fill(name, pattern, values)
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code in (401, 403), f"{name} {url}: {response.status_code}"
        else:
            assert response.status_code == 302 and response.url.startswith("/sign-in/"), f"{name} {url}"


def test_no_url_shows_or_changes_another_organisations_data(client, trust_a_everything):
    values, people = trust_a_everything
    urls = [
        (name, fill(name, pattern, values))
        for name, pattern in url_patterns()
        if name not in PUBLIC | ONESELF | {SIGN_OUT}
    ]
    before = snapshot()
    problems = []
    for role, user in people.items():
        client.force_login(user)
        for name, url in urls:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if response.status_code not in (403, 404, 405) and SECRET_NAME.encode() in body:
                problems.append(f"{role} GET {name} {url}: {response.status_code} shows trust A")
            if response.status_code in (200, 302) and name.split(":")[-1].endswith("download"):
                problems.append(f"{role} GET {name} {url}: {response.status_code}, a file of trust A's")
            # A refusal, or a page of nothing of trust A's; never a form checked (400) or done (302).
            response = client.post(url, {})
            shows = SECRET_NAME.encode() in response.content
            if response.status_code not in (403, 404, 405) and (response.status_code != 200 or shows):
                problems.append(f"{role} POST {name} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert snapshot() == before
    assert ProvisionalQuery.objects.count() == 1


INSIDERS = ["lead", "analyst"]


@pytest.fixture(params=["sso off", "sso on"])
def single_sign_on(request):
    """The walk with no single sign-on settings (its URLs 404) and with both providers configured
    against the test provider (its URLs answer: a redirect to the provider, a refusal page, keys)."""
    if request.param == "sso on":
        request.getfixturevalue("oidc_provider")
    return request.param


def test_every_page_and_file_carries_the_security_headers(client, trust_a_everything, team, single_sign_on):
    """Whatever each answers (a page, a file, a refusal), the headers are there; and a signed-in
    answer is never kept by a shared cache or the browser's history."""
    values, _ = trust_a_everything
    urls = [(name, fill(name, pattern, values)) for name, pattern in url_patterns() if name != SIGN_OUT]
    problems = []
    for role in INSIDERS:
        client.force_login(team[role])
        for name, url in urls:
            response = client.get(url)
            headers = response.headers
            expected = {
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
                "X-Frame-Options": "DENY",
            }
            for header, value in expected.items():
                if headers.get(header) != value:
                    problems.append(f"{role} {name}: {header} is {headers.get(header)!r}")
            policy = dict(
                [*part.split(" ", 1), ""][:2]
                for part in (p.strip() for p in headers.get("Content-Security-Policy", "").split(";"))
                if part
            )
            script = policy.get("script-src", "").split()
            if script[:1] != ["'self'"] or any(not (s == "'self'" or s.startswith("'nonce-")) for s in script):
                problems.append(f"{role} {name}: scripts are not limited to the portal's own and a nonce: {script}")
            for directive, value in (
                ("default-src", "'self'"),
                ("object-src", "'none'"),
                ("frame-ancestors", "'none'"),
            ):
                if policy.get(directive) != value:
                    problems.append(f"{role} {name}: {directive} is {policy.get(directive)!r}")
            if "camera=()" not in headers.get("Permissions-Policy", ""):
                problems.append(f"{role} {name}: no Permissions-Policy")
            if name not in PUBLIC and "no-store" not in headers.get("Cache-Control", ""):
                problems.append(f"{role} {name}: Cache-Control is {headers.get('Cache-Control')!r}")
    assert not problems, "\n".join(problems)
