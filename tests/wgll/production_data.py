"""The data the production test signs in to, written through the real services into the database
of the environment it runs in: `python -m tests.wgll.production_data` with production settings.

Trust A's lead answers the small 2025/26 framework of the assessment tests at level 3, the
approver signs it off and submits it, it is scored and a board report is rendered, all in-process
(no broker). Prints, as JSON, how to sign in and where the assessment and its report are.
"""

import json
import os
import tempfile
from pathlib import Path


def main() -> dict[str, str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wgll.settings")
    django.setup()

    import datetime

    import yaml
    from django.urls import reverse

    from assessments.models import Assessment, Cycle
    from assessments.services.cycles import cycle_open
    from framework.models import FrameworkVersion
    from framework.services import framework_load
    from organisations.models import Role
    from reports.models import BoardReport
    from reports.services import report_request
    from tests import factories
    from tests.assessments.conftest import FIRST, SECOND, complete_everything
    from tests.reports.conftest import submit

    with tempfile.TemporaryDirectory() as folder:
        for name, document in (("2024-25.yaml", FIRST), ("2025-26.yaml", SECOND)):
            (Path(folder) / name).write_text(yaml.safe_dump(document, sort_keys=False))
        framework_load(path=Path(folder))
    world = factories.World.build()
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name="2025/26",
        framework=FrameworkVersion.objects.get(version="2025/26"),
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=60),
    )
    cycle_open(cycle=cycle)
    lead = factories.UserFactory(email="lead@trust-a.nhs.uk")
    factories.grant(lead, Role.ASSESSMENT_LEAD, world.trust_a)
    approver = factories.UserFactory(email="approver@trust-a.nhs.uk")
    factories.grant(approver, Role.APPROVER, world.trust_a)

    assessment = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    complete_everything(assessment, lead, level=3)
    submit(assessment, {"lead": lead, "approver": approver})  # scored in-process on commit
    assessment.refresh_from_db()
    report = report_request(assessment=assessment, actor=lead)  # rendered in-process on commit
    report.refresh_from_db()
    if report.status != BoardReport.Status.READY:
        raise SystemExit(f"the board report did not render: {report.status} {report.error}")
    where = {"cycle_slug": cycle.slug, "ods_code": world.trust_a.ods_code}
    return {
        "email": lead.email,
        "password": "correct-horse-battery",  # tests.factories.UserFactory's
        "overview": reverse("assessments:overview", kwargs=where),
        "report_status": reverse("reports:status", kwargs=where),
        "report_download": reverse("reports:download", kwargs={**where, "report_id": report.pk}),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
