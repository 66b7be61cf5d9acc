"""A framework version's content is kept per process under its state (checksum, load time); the
state is read once per request, and on every lookup outside one (workers, commands)."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection
from django.test.utils import CaptureQueriesContext

from framework.models import FrameworkVersion
from framework.selectors import framework_criteria, framework_crosswalks
from framework.services import framework_load
from tests.framework.test_load_framework import minimal, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(tmp_path):
    framework_load(path=write(tmp_path, minimal()))
    return FrameworkVersion.objects.get()


def state_reads(queries) -> int:
    return sum('"source_sha256"' in q["sql"] and '"loaded_at"' in q["sql"] for q in queries.captured_queries)


def test_within_a_request_the_state_is_read_once_for_every_lookup(version):
    framework_criteria(version.pk)  # built and kept
    request_started.send(sender=None)
    try:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                framework_criteria(version.pk)
                framework_crosswalks(version.pk)
    finally:
        request_finished.send(sender=None)
    assert state_reads(queries) == 1


def test_outside_a_request_every_lookup_reads_the_state(version):
    request_started.send(sender=None)
    framework_criteria(version.pk)
    request_finished.send(sender=None)
    with CaptureQueriesContext(connection) as queries:
        framework_criteria(version.pk)
        framework_criteria(version.pk)
    assert state_reads(queries) == 2


def test_a_version_loaded_again_between_requests_is_read_afresh(version, tmp_path):
    request_started.send(sender=None)
    before = framework_criteria(version.pk)
    request_finished.send(sender=None)
    document = minimal()
    level = document["measures"][0]["domains"][0]["levels"][1]
    level["criteria"].append({**level["criteria"][0], "key": "an_added_criterion", "text": "An added criterion."})
    framework_load(path=write(tmp_path, document))
    request_started.send(sender=None)
    try:
        after = framework_criteria(version.pk)
    finally:
        request_finished.send(sender=None)
    assert after != before
    assert any("an_added_criterion" in keys for levels in after.values() for keys in levels.values())
