"""Two people of one organisation asking the same peer about the same domain at the same moment,
on real PostgreSQL row locks: one request is made, the other is refused with why."""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import PeerContactRequest
from assessments.services.peers import peer_request_send
from tests.assessments.services.test_concurrent_edits import run_together

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_requests_make_one_and_refuse_the_other(world, team):
    def ask(actor):
        return lambda: peer_request_send(
            from_organisation=world.trust_a,
            to_organisation=world.trust_b,
            domain_key="strategy",
            domain_name="Digital strategy",
            message="Could we talk?",
            actor=actor,
        )

    for _ in range(5):  # the lock must decide the race every time, not luck
        PeerContactRequest.objects.all().delete()
        results = run_together(ask(team["lead"]), ask(team["contributor"]))
        made = [r for r in results if isinstance(r, PeerContactRequest)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(made) == 1 and len(refused) == 1, results
        assert "already asked Trust B about Digital strategy" in refused[0].messages[0]
        assert PeerContactRequest.objects.count() == 1
