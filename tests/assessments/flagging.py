"""Helpers for the validation-flag tests: answer, submit, score and flag assessments through the
real services."""

import datetime

from django.urls import reverse

from assessments.models import Assessment, ValidationFlag
from assessments.services import evidence as evidence_services
from assessments.services import responses as answers
from assessments.services.flags import assessment_flags_refresh, cycle_flags_refresh
from assessments.services.scoring import assessment_score
from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
from tests.assessments.conftest import complete_everything

EXPLAINED = "We moved every clinical system to the cloud in May 2025; the board paper of that month is attached."

PEER_LEVELS = [1, 1, 2, 2, 2, 3]  # median 2, MAD 0.5: an outlier is more than 2.6 from 2


def url(name, assessment, *more):
    return reverse(f"assessments:{name}", args=[assessment.cycle.slug, assessment.organisation.ods_code, *more])


def set_level(assessment, domain_key, level, actor, notes=None):
    response = assessment.responses.get(domain__key=domain_key)
    keys = [c.key for c in response.domain.criteria.filter(level__number__lte=level)]
    answers.response_save(
        response_id=response.pk,
        expected_version=response.version,
        answer=answers.Answer(keys, response.notes if notes is None else notes, True),
        actor=actor,
    )


def add_evidence(assessment, domain_key, actor):
    response = assessment.responses.get(domain__key=domain_key)
    evidence_services.evidence_add_link(
        response_id=response.pk, url="https://example.nhs.uk/p", title="Paper", actor=actor
    )


def submit(assessment, lead, approver):
    assessment_mark_ready(assessment=assessment, actor=lead)
    return assessment_sign_off_and_submit(
        assessment=assessment, actor=approver, name="Grace Okafor", role="Chair",
        meeting_date=datetime.date.today(), minute_reference="TB/1",
    )  # fmt: skip


def submit_and_flag(assessment, lead, approver):
    """Submit, score and judge the whole cycle's flags, as the worker does after commit (a test's
    transaction never commits, so the queued refresh would not run by itself)."""
    submitted = submit(assessment, lead, approver)
    assessment_score(assessment_id=submitted.pk)
    assessment_flags_refresh(assessment_id=submitted.pk)
    cycle_flags_refresh(cycle_id=submitted.cycle_id)
    return submitted


def answer_submit_and_flag(organisation, cycle, person, level):
    """Another organisation answers every domain at `level`, submits, and is scored and flagged."""
    assessment = Assessment.objects.get(cycle=cycle, organisation=organisation)
    lead, approver = person("assessment_lead", organisation), person("approver", organisation)
    complete_everything(assessment, lead, level=level)
    return submit_and_flag(assessment, lead, approver)


def stored(assessment, kind=None):
    rows = ValidationFlag.objects.filter(assessment=assessment)
    return list(rows.filter(kind=kind) if kind else rows)


def resolved(flag):
    flag.refresh_from_db()
    return flag.resolved_at is not None
