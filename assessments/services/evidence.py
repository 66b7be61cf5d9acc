"""Evidence for a domain's answer: files checked by their content, web links, and removal.
Every change is one transaction with its audit event."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assessments.access import AssessmentAction
from assessments.models import AuditEvent, DomainResponse, Evidence
from assessments.rules.evidence import NOT_A_WEB_LINK, check_upload, content_digest, is_web_link, link_digest
from assessments.services.audit import record
from assessments.services.responses import response_lock
from organisations.access import may


@transaction.atomic
def evidence_add_file(*, response_id: int, upload: Any, title: str, actor: Any) -> Evidence:
    response = response_lock(response_id)
    if not may(actor, AssessmentAction.EDIT_RESPONSE, response):
        raise PermissionDenied("You cannot add evidence to this domain.")
    # The whole file is opened and looked inside, not only its first bytes; evidence is at most
    # EVIDENCE_MAX_BYTES, so a larger file is refused on its size without being read.
    content = upload.read() if upload.size <= settings.EVIDENCE_MAX_BYTES else b""
    upload.seek(0)
    verdict = check_upload(upload.name, content, upload.size, settings.EVIDENCE_MAX_BYTES)
    if verdict.error:
        raise ValidationError({"evidence_file": verdict.error})
    evidence = Evidence(
        response=response,
        kind=Evidence.Kind.FILE,
        title=(title.strip() or upload.name)[:200],
        content_type=verdict.content_type,
        size=upload.size,
        digest=content_digest(content),
        added_by=actor,
    )
    evidence.file.save("upload", upload, save=False)
    evidence.save()
    _record_evidence(response, actor, evidence, added=True)
    return evidence


@transaction.atomic
def evidence_add_link(*, response_id: int, url: str, title: str, actor: Any) -> Evidence:
    response = response_lock(response_id)
    if not may(actor, AssessmentAction.EDIT_RESPONSE, response):
        raise PermissionDenied("You cannot add evidence to this domain.")
    if not is_web_link(url):
        raise ValidationError({"url": NOT_A_WEB_LINK})
    evidence = Evidence(
        response=response,
        kind=Evidence.Kind.LINK,
        url=url,
        title=(title.strip() or url)[:200],
        digest=link_digest(url),
        added_by=actor,
    )
    evidence.full_clean(exclude=["file", "response"])
    evidence.save()
    _record_evidence(response, actor, evidence, added=True)
    return evidence


@transaction.atomic
def evidence_remove(*, evidence_id: int, actor: Any) -> None:
    evidence = Evidence.objects.select_related("response").get(pk=evidence_id)
    response = response_lock(evidence.response_id)
    if not may(actor, AssessmentAction.EDIT_RESPONSE, response):
        raise PermissionDenied("You cannot remove evidence from this domain.")
    _record_evidence(response, actor, evidence, added=False)
    # The file stays on disk: last year's carried-forward copies and the audit trail refer to it.
    evidence.delete()


def _record_evidence(response: DomainResponse, actor: Any, evidence: Evidence, *, added: bool) -> None:
    details = {
        "title": evidence.title,
        "kind": evidence.kind,
        "url": evidence.url,
        "file": evidence.file.name,
        "size": evidence.size,
    }
    record(
        assessment=response.assessment,
        actor=actor,
        kind=AuditEvent.Kind.EVIDENCE_ADDED if added else AuditEvent.Kind.EVIDENCE_REMOVED,
        summary=f"{response.domain.name}: evidence {'added' if added else 'removed'}: {evidence.title}",
        domain=response.domain,
        before=None if added else details,
        after=details if added else None,
    )
