"""The demo's knowledge base: the reviewed entries (framework/knowledge/), and one entry another
demo trust shared from its own signed-off assessment, through the real sharing service."""

from __future__ import annotations

from assessments.models import Assessment, DomainResponse
from assessments.services.knowledge import SharedEntry, knowledge_share, shareable_links
from demo.people import OTHER_DEMO_TRUST
from framework.knowledge_services import knowledge_load
from organisations.models import Role, RoleAssignment


def demo_knowledge_seed() -> list[str]:
    """Safe to run again: the files load idempotently and sharing again updates the one entry."""
    lines = [str(knowledge_load())]
    response = (
        DomainResponse.objects.filter(
            assessment__organisation__ods_code=OTHER_DEMO_TRUST,
            assessment__status__in=Assessment.SUBMITTED_OR_LATER,
            level__gte=2,
        )
        .select_related("assessment__organisation", "assessment__cycle", "domain__measure")
        .order_by("-assessment__cycle__name", "-level", "domain__key")
        .first()
    )
    lead = (
        RoleAssignment.objects.filter(
            role=Role.ASSESSMENT_LEAD, organisation__ods_code=OTHER_DEMO_TRUST, user__email="other-lead@demo.nhs.uk"
        )
        .select_related("user")
        .first()
    )
    if response is None or lead is None:
        return lines
    links = shareable_links(response)
    entry = knowledge_share(
        response=response,
        entry=SharedEntry(
            title=f"How we reached level {response.level} in {response.domain.name.lower()}",
            summary=(
                f"What {response.assessment.organisation.name} did to move up in {response.domain.name.lower()}, "
                "shared from its own assessment."
            ),
            body=(
                "1. Agreed an executive sponsor and a clinical lead.\n"
                "2. Baselined where we were against the What Good Looks Like criteria.\n"
                "3. Delivered in phases, measuring each against the baseline.\n"
                "4. Reported progress to the board's digital committee each quarter."
            ),
            outcome="The domain's level rose in the assessment the board signed off.",
            contact="Digital programme office",
            level_from=response.level - 1,
            evidence_ids=[item.pk for item in links[:2]],
        ),
        consent=True,
        actor=lead.user,
    )
    lines.append(f"Knowledge base: {entry.title!r} shared by {response.assessment.organisation.name}")
    return lines
