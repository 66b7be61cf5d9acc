"""Access rules for board reports, registered in the one access module (organisations.access).

A board report shows nothing its reader could not already see on the assessment, so anyone who
may see the assessment may download it; asking for one makes sense only once the answers are
submitted (and scored), because a draft has no scores to report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from assessments.models import Assessment, Cycle
from organisations.access import Action, grants_for, holds_at_ics, holds_nationally, may, rule, sees_organisation
from organisations.models import NATIONAL_ROLES, IntegratedCareSystem, Organisation, Role
from reports.models import SystemPack


class ReportAction(StrEnum):
    REQUEST_REPORT = "report_request"
    DOWNLOAD_REPORT = "report_download"


@rule(ReportAction.REQUEST_REPORT)
def _request(user: Any, assessment: Assessment) -> bool:
    return assessment.status in Assessment.SUBMITTED_OR_LATER and sees_organisation(user, assessment.organisation)


@rule(ReportAction.DOWNLOAD_REPORT)
def _download(user: Any, assessment: Assessment) -> bool:
    return sees_organisation(user, assessment.organisation)


# ICS board packs (reports.packs). A pack shows what its audience sees on the ICS dashboard, so
# whoever may see the ICS (its reviewers and board viewers, national staff) may ask for and
# download the board pack. The reviewers' pack also shows members' work in progress and the
# pattern flags, which are for independent reviewers only (AssessmentAction.VIEW_FLAG_EVIDENCE):
# the ICS's own reviewers and national analysts, and not one who holds a role at a member trust
# (nobody sees how a pattern was seen in their own organisation's answers).


class PackAction(StrEnum):
    REQUEST_PACK = "pack_request"  # target: the ICS
    REQUEST_REVIEWERS_PACK = "pack_request_reviewers"  # target: the ICS
    DOWNLOAD_PACK = "pack_download"  # target: a SystemPack


def _sees_system(user: Any, ics: IntegratedCareSystem) -> bool:
    return may(user, Action.VIEW_SYSTEM, ics)


@rule(PackAction.REQUEST_PACK)
def _request_pack(user: Any, ics: IntegratedCareSystem) -> bool:
    return _sees_system(user, ics)


@rule(PackAction.REQUEST_REVIEWERS_PACK)
def _request_reviewers_pack(user: Any, ics: IntegratedCareSystem) -> bool:
    if not _sees_system(user, ics):
        return False
    if not (holds_nationally(user, Role.NATIONAL_ANALYST) or holds_at_ics(user, ics.pk, Role.ICS_REVIEWER)):
        return False
    own = list(grants_for(user).at_organisation)
    return not own or not Organisation.objects.filter(ics=ics, pk__in=own).exists()


@rule(PackAction.DOWNLOAD_PACK)
def _download_pack(user: Any, pack: SystemPack) -> bool:
    if pack.audience == SystemPack.Audience.REVIEWERS:
        return _request_reviewers_pack(user, pack.ics)
    return _sees_system(user, pack.ics)


def pack_audiences_for(user: Any, ics: IntegratedCareSystem) -> list[str]:
    """The audiences whose packs of `ics` the user may ask for and download (none: no access)."""
    if not _sees_system(user, ics):
        return []
    audiences = [SystemPack.Audience.BOARD.value]
    if _request_reviewers_pack(user, ics):
        audiences.append(SystemPack.Audience.REVIEWERS.value)
    return audiences


# The national dashboard (reports.national_views): England's figures, every region's and ICS's,
# and every organisation's progress, for the national analysts who publish them and the
# framework administrators who set the framework they measure. Anyone else (ICS and trust staff
# alike) gets a plain 404, as for an ICS dashboard they may not see.


class NationalAction(StrEnum):
    VIEW_DASHBOARD = "national_dashboard"  # no target


@rule(NationalAction.VIEW_DASHBOARD)
def _view_national_dashboard(user: Any, _target: Any) -> bool:
    return holds_nationally(user, *NATIONAL_ROLES)


# National files (reports.national_files). Before a cycle is published only national staff may
# know its files exist (they hold every organisation's figures); once it is published (release
# FINAL) every signed-in user may read them. Only national analysts publish a correction.


class PublicationAction(StrEnum):
    VIEW_PUBLICATIONS = "publications_view"  # target: a Cycle
    PUBLISH_CORRECTION = "publications_correct"  # target: a Cycle


@rule(PublicationAction.VIEW_PUBLICATIONS)
def _view_publications(user: Any, cycle: Cycle) -> bool:
    return holds_nationally(user, *NATIONAL_ROLES) or cycle.release == Cycle.Release.FINAL


@rule(PublicationAction.PUBLISH_CORRECTION)
def _publish_correction(user: Any, cycle: Cycle) -> bool:
    return holds_nationally(user, Role.NATIONAL_ANALYST)
