"""Writing the audit trail. Always called inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from assessments.models import Assessment, AuditEvent, DomainResponse


def response_snapshot(response: DomainResponse) -> dict[str, Any]:
    return {
        "met_criteria": list(response.met_criteria),
        "level": response.level,
        "notes": response.notes,
        "status": response.status,
        "assignee": response.assignee.email if response.assignee_id else None,
    }


def record(
    *,
    assessment: Assessment,
    actor: Any,
    kind: str,
    summary: str,
    domain=None,
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
    response_version: int | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        assessment=assessment,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        summary=summary[:300],
        domain=domain,
        before=before,
        after=after,
        comment=comment,
        response_version=response_version,
    )
