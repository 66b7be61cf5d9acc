"""Helpers of the national files tests: the small country's 2025/26 cycle published (its
validated assessments published, the cycle's release final) and files generated through the
real service and task (run in-process on commit)."""

from __future__ import annotations

import csv
import io

from assessments.models import Assessment, Cycle
from reports.models import NationalRelease
from reports.national_files import national_release_request


def publish(cycle: Cycle) -> Cycle:
    Assessment.objects.filter(cycle=cycle, status=Assessment.Status.VALIDATED).update(
        status=Assessment.Status.PUBLISHED
    )
    Cycle.objects.filter(pk=cycle.pk).update(release=Cycle.Release.FINAL)
    return Cycle.objects.select_related("framework").get(pk=cycle.pk)


def generate(capture, cycle: Cycle, *, actor=None, change_note: str = "First publication") -> NationalRelease:
    with capture(execute=True):
        release = national_release_request(cycle=cycle, actor=actor, change_note=change_note)
    release.refresh_from_db()
    return release


def read_csv(field) -> list[dict[str, str]]:
    with field.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))
