"""Sharing what an organisation did in a domain with the knowledge base, and taking it back.

A shared entry is written by the organisation's assessment lead from a domain of its signed-off
assessment, with the organisation's consent recorded. It carries only what the lead typed and the
web links of the domain's evidence they chose: never an uploaded file, which may hold patient or
staff details the organisation never meant to publish. Shared entries are labelled as shared by
the organisation and not reviewed; editors can unpublish any of them in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import AssessmentAction
from assessments.models import Assessment, AuditEvent, DomainResponse, Evidence
from assessments.services import audit
from framework.knowledge_definition import EMAIL, is_public_web_address
from framework.models import Domain, KnowledgeEntry
from organisations.access import may

Status = KnowledgeEntry.Status


@dataclass(frozen=True)
class SharedEntry:
    title: str
    summary: str
    body: str
    outcome: str
    contact: str
    level_from: int
    cost_band: str = KnowledgeEntry.CostBand.UNKNOWN
    evidence_ids: list[int] = field(default_factory=list)


def shared_entry_key(response: DomainResponse) -> str:
    """One shared entry per organisation, domain and cycle: sharing again updates it."""
    assessment = response.assessment
    parts = ("shared", assessment.organisation.ods_code, response.domain.key, assessment.cycle.slug)
    return "-".join(part.lower().replace("_", "-").replace("/", "-") for part in parts)


def shared_entry_for(response: DomainResponse) -> KnowledgeEntry | None:
    return KnowledgeEntry.objects.filter(key=shared_entry_key(response)).first()


def shareable_links(response: DomainResponse) -> list[Evidence]:
    """The domain's evidence that may be shared: web links only, never uploaded files."""
    return [item for item in response.evidence.all() if item.kind == Evidence.Kind.LINK]


@transaction.atomic
def knowledge_share(*, response: DomainResponse, entry: SharedEntry, consent: bool, actor: Any) -> KnowledgeEntry:
    assessment = response.assessment
    if not may(actor, AssessmentAction.SHARE_KNOWLEDGE, assessment):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not consent:
        errors["consent"] = "Confirm that your organisation agrees to share this with other NHS organisations"
    if response.level < 2:
        errors["level_from"] = "This domain is at level " + str(response.level) + ": share once it reaches level 2"
    elif not 1 <= entry.level_from < response.level:
        errors["level_from"] = f"Select the level you started from, below level {response.level}"
    if EMAIL.search(entry.contact):
        errors["contact"] = "Enter a role or team for the contact, not an e-mail address"
    links = {item.pk: item for item in shareable_links(response)}
    unknown = [pk for pk in entry.evidence_ids if pk not in links]
    if unknown:
        errors["evidence_ids"] = "Select only web links of this domain's evidence"
    chosen = [links[pk] for pk in entry.evidence_ids if pk in links]
    if any(not is_public_web_address(item.url) for item in chosen):
        errors["evidence_ids"] = "Select only links that start with https://"
    if errors:
        raise ValidationError(errors)
    domain = response.domain
    organisation = assessment.organisation
    now = timezone.now()
    key = shared_entry_key(response)
    # An editor's unpublishing stands: the lead may still correct the text, but only an editor
    # puts it back (sharing again is not a way round their decision).
    unpublished = KnowledgeEntry.objects.filter(key=key, status=Status.UNPUBLISHED).exists()
    shared, _ = KnowledgeEntry.objects.update_or_create(
        key=key,
        defaults={
            "kind": KnowledgeEntry.Kind.SHARED,
            "title": entry.title,
            "summary": entry.summary,
            "body": entry.body,
            "outcome": entry.outcome,
            "contact": entry.contact,
            "organisation": organisation,
            "author_name": "",
            "care_settings": list(organisation.care_settings),
            "domain_keys": [domain.key],
            "measure_keys": [domain.measure.key],
            "level_from": entry.level_from,
            "level_to": response.level,
            "cost_band": entry.cost_band,
            "links": [{"title": item.title, "url": item.url} for item in chosen],
            "status": Status.UNPUBLISHED if unpublished else Status.PUBLISHED,
            "shared_by": actor,
            "consent_given_at": now,
            "shared_from_cycle": assessment.cycle.name,
        },
    )
    # What the organisation agreed to publish is part of its record: who shared it, when, and
    # exactly what (the entry can be edited or withdrawn later; the trail keeps each version).
    audit.record(
        assessment=assessment,
        actor=actor,
        kind=AuditEvent.Kind.KNOWLEDGE_SHARED,
        summary=f"Shared “{entry.title}” with the knowledge base, with the organisation's consent",
        domain=domain,
        after={
            "key": key,
            "title": entry.title,
            "level_from": entry.level_from,
            "level_to": response.level,
            "links": [item.url for item in chosen],
            "published": not unpublished,
        },
    )
    return shared


@transaction.atomic
def knowledge_withdraw(*, entry: KnowledgeEntry, actor: Any) -> KnowledgeEntry:
    locked = KnowledgeEntry.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=entry.pk)
    if not may(actor, AssessmentAction.WITHDRAW_KNOWLEDGE, locked):
        raise PermissionDenied
    if locked.status != Status.WITHDRAWN:
        before = locked.status
        locked.status = Status.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        assessment = Assessment.objects.filter(
            organisation_id=locked.organisation_id, cycle__name=locked.shared_from_cycle
        ).first()
        if assessment is not None:  # the assessment it was shared from (always kept: PROTECT)
            domains = Domain.objects.filter(framework_id=assessment.cycle.framework_id, key__in=locked.domain_keys)
            audit.record(
                assessment=assessment,
                actor=actor,
                kind=AuditEvent.Kind.KNOWLEDGE_WITHDRAWN,
                summary=f"Withdrew “{locked.title}” from the knowledge base",
                domain=domains.first(),  # a shared entry is about its one domain
                before={"key": locked.key, "status": before},
                after={"key": locked.key, "status": Status.WITHDRAWN},
            )
    return locked
