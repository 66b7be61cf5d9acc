"""A short, bounded load run in CI: gunicorn on the test's PostgreSQL database, 20 concurrent
signed-in clients per page kind for a few requests each, and the bare `/health/` view measured in
the same run. It asserts only that every response was a 200 with no error: the 95th percentiles
are printed in the run's summary (figures, not targets: `make bench` measures against them on a
quiet machine)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from assessments.models import Cycle
from assessments.services.cycles import cycle_open
from benchmarks import load
from framework.models import FrameworkVersion
from tests import factories
from tests.journal import FIGURES

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 20
REQUESTS = 2


def test_twenty_clients_get_every_kind_of_page_and_the_bare_view(world, person, tmp_path):
    call_command("load_framework", verbosity=0)
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26",
        framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=60),
    )
    cycle_open(cycle=cycle)
    lead = person("assessment_lead", world.trust_a)
    analyst = person("national_analyst")
    reviewer = person("ics_reviewer", world.ics_1)
    for number in range(30):
        factories.OrganisationFactory(ics=world.ics_1, name=f"Load Trust {number}")
    sessions = {"lead": load.session_for(lead), "analyst": load.session_for(analyst)}
    sessions["reviewer"] = load.session_for(reviewer)
    assessment = cycle.assessments.get(organisation=world.trust_a)
    domain = assessment.responses.order_by("domain__key").first().domain.key
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    kinds = [
        load.PageKind("home", "/", sessions["lead"]),
        load.PageKind("task list", base, sessions["lead"]),
        load.PageKind("domain page", f"{base}domains/{domain}/", sessions["lead"]),
        load.PageKind("check your answers", f"{base}check/", sessions["lead"]),
        load.PageKind("organisation list", "/organisations/", sessions["analyst"]),
        load.PageKind("national assessment list", "/assessments/", sessions["analyst"]),
        load.PageKind("flags list", "/assessments/flags/", sessions["analyst"]),
        load.PageKind("framework version", f"/framework/{cycle.slug}/", sessions["lead"]),
        load.PageKind("framework domain", f"/framework/{cycle.slug}/domains/{domain}/", sessions["lead"]),
        load.PageKind("ICS page", f"/organisations/systems/{world.ics_1.icb_ods_code}/", sessions["reviewer"]),
    ]
    log = tmp_path / "gunicorn.log"
    with load.gunicorn(load.database_url(connection.settings_dict), workers=2, log=log) as address:
        outcomes = load.load_run(address, kinds, clients=CLIENTS, requests=REQUESTS)

    bare = outcomes[0]
    for outcome in outcomes:
        FIGURES[f"Load ({CLIENTS} clients) p95 {outcome.name}"] = (
            f"{outcome.p95:.0f} ms ({outcome.p95 / bare.p95:.1f}x the bare view)"
        )
    failed = {o.name: (o.statuses, o.errors[:3]) for o in outcomes if not o.all_ok}
    assert not failed, f"{failed}\n{log.read_text()[-3000:]}"
    assert all(len(o.times_ms) == CLIENTS * REQUESTS for o in outcomes[1:])
    assert len(bare.times_ms) == 2 * CLIENTS * REQUESTS
