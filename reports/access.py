"""Access rules for board reports, registered in the one access module (organisations.access).

A board report shows nothing its reader could not already see on the assessment, so anyone who
may see the assessment may download it; asking for one makes sense only once the answers are
submitted (and scored), because a draft has no scores to report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from assessments.models import Assessment
from organisations.access import rule, sees_organisation


class ReportAction(StrEnum):
    REQUEST_REPORT = "report_request"
    DOWNLOAD_REPORT = "report_download"


@rule(ReportAction.REQUEST_REPORT)
def _request(user: Any, assessment: Assessment) -> bool:
    return assessment.status in Assessment.SUBMITTED_OR_LATER and sees_organisation(user, assessment.organisation)


@rule(ReportAction.DOWNLOAD_REPORT)
def _download(user: Any, assessment: Assessment) -> bool:
    return sees_organisation(user, assessment.organisation)
