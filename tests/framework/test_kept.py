"""A framework version's content is kept per process under its state (checksum, load time); the
state is read once per request, and on every lookup outside one (workers, commands)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from framework.models import Domain, FrameworkVersion
from framework.selectors import (
    domain_outline,
    forget_states_after_this_request,
    framework_criteria,
    framework_crosswalks,
    remember_states_for_this_request,
    version_read_with_page,
)
from framework.services import framework_load
from tests.framework.test_load_framework import minimal, write

pytestmark = pytest.mark.django_db

# What the framework app connects to Django's request_started and request_finished (FrameworkConfig);
# the signals themselves are not sent here, since Django's own receivers of them close connections.
# The page tests (tests/assessments/views/test_answering.py) see them wired through real requests.
request_started = remember_states_for_this_request
request_finished = forget_states_after_this_request


@pytest.fixture
def version(tmp_path):
    framework_load(path=write(tmp_path, minimal()))
    return FrameworkVersion.objects.get()


# The one-row read of a version's state (framework.selectors._state), not any query that happens
# to select the version's columns.
STATE_READ = 'SELECT "framework_frameworkversion"."source_sha256"'


def state_reads(queries) -> int:
    return sum(q["sql"].startswith(STATE_READ) for q in queries.captured_queries)


def test_within_a_request_the_state_is_read_once_for_every_lookup(version):
    framework_criteria(version.pk)  # built and kept
    request_started()
    try:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                framework_criteria(version.pk)
                framework_crosswalks(version.pk)
    finally:
        request_finished()
    assert state_reads(queries) == 1


def test_outside_a_request_every_lookup_reads_the_state(version):
    request_started()
    framework_criteria(version.pk)
    request_finished()
    with CaptureQueriesContext(connection) as queries:
        framework_criteria(version.pk)
        framework_criteria(version.pk)
    assert state_reads(queries) == 2


def test_a_version_loaded_again_between_requests_is_read_afresh(version, tmp_path):
    request_started()
    before = framework_criteria(version.pk)
    request_finished()
    document = minimal()
    level = document["measures"][0]["domains"][0]["levels"][1]
    level["criteria"].append({**level["criteria"][0], "key": "an_added_criterion", "text": "An added criterion."})
    framework_load(path=write(tmp_path, document))
    request_started()
    try:
        after = framework_criteria(version.pk)
    finally:
        request_finished()
    assert after != before
    assert any("an_added_criterion" in keys for levels in after.values() for keys in levels.values())


def test_a_version_row_the_page_has_read_stands_for_its_state_in_that_request(version):
    framework_criteria(version.pk)  # built and kept
    request_started()
    try:
        version_read_with_page(FrameworkVersion.objects.get(pk=version.pk))
        with CaptureQueriesContext(connection) as queries:
            framework_criteria(version.pk)
            framework_crosswalks(version.pk)
    finally:
        request_finished()
    assert state_reads(queries) == 0


def test_a_domains_outline_is_its_levels_and_criteria_in_order_and_follows_a_new_load(version, tmp_path):
    domain = Domain.objects.select_related("framework").first()
    outline = domain_outline(domain)
    assert [level.number for level in outline] == list(
        domain.levels.order_by("number").values_list("number", flat=True)
    )
    assert [c.key for level in outline for c in level.criteria] == list(
        domain.criteria.order_by("level__number", "position").values_list("key", flat=True)
    )
    with CaptureQueriesContext(connection) as queries:
        assert domain_outline(domain) == outline  # the row read with the domain: no query at all
    assert len(queries) == 0
    document = minimal()
    level = document["measures"][0]["domains"][0]["levels"][1]
    level["criteria"].append({**level["criteria"][0], "key": "an_added_criterion", "text": "An added criterion."})
    framework_load(path=write(tmp_path, document))
    reloaded = Domain.objects.select_related("framework").get(key=domain.key)
    assert "an_added_criterion" in [c.key for level in domain_outline(reloaded) for c in level.criteria]
