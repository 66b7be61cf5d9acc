"""The API under /api/v1/: keyed on ODS codes, cycle slugs (2025-26) and domain keys, never on
row ids except a flag's, report's or pack's own number. Collections without a natural key of
their own hang off the thing they belong to (an assessment's answers, an ICS's packs)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.api import answers, assessments, cycles, flags, plans, scores
from framework.api import FrameworkVersionViewSet
from organisations.api import OrganisationViewSet, SystemViewSet
from reports.api import board_reports, figures, packs, publications

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("systems", SystemViewSet, basename="system")
router.register("frameworks", FrameworkVersionViewSet, basename="framework-version")
router.register("cycles", cycles.CycleViewSet, basename="cycle")
router.register("flags", flags.FlagViewSet, basename="flag")

one = "assessments/<str:cycle_slug>/<str:ods_code>/"
system = "systems/<str:icb_code>/"
pack = system + "packs/<str:cycle_slug>/"
release = "publications/<str:cycle_slug>/"

urlpatterns = [
    path("assessments/", assessments.AssessmentList.as_view(), name="api-assessments"),
    path(one, assessments.AssessmentDetail.as_view(), name="api-assessment"),
    path(one + "answers/", answers.AnswerList.as_view(), name="api-answers"),
    path(one + "answers/<str:domain_key>/", answers.AnswerDetail.as_view(), name="api-answer"),
    path(one + "assignments/", answers.Assignments.as_view(), name="api-assignments"),
    path(one + "scores/", scores.Scores.as_view(), name="api-scores"),
    path(one + "plan/", plans.Plan.as_view(), name="api-plan"),
    path(one + "flags/", flags.AssessmentFlagList.as_view(), name="api-assessment-flags"),
    path(one + "reports/", board_reports.BoardReports.as_view(), name="api-board-reports"),
    path(one + "reports/<int:report_id>/", board_reports.BoardReportDetail.as_view(), name="api-board-report"),
    path(
        one + "reports/<int:report_id>/file/",
        board_reports.BoardReportDownload.as_view(),
        name="api-board-report-download",
    ),
    path(system + "figures/", figures.SystemFigures.as_view(), name="api-system-figures"),
    path(pack, packs.Packs.as_view(), name="api-packs"),
    path(pack + "<int:pack_id>/", packs.PackDetail.as_view(), name="api-pack"),
    path(pack + "<int:pack_id>/file/", packs.PackDownload.as_view(), name="api-pack-download"),
    path("national/<str:cycle_slug>/figures/", figures.NationalFigures.as_view(), name="api-national-figures"),
    path("national/<str:cycle_slug>/counts/", figures.NationalCounts.as_view(), name="api-national-counts"),
    path(release, publications.Publication.as_view(), name="api-publication"),
    path(
        release + "<int:release_version>/<str:kind>/",
        publications.PublicationDownload.as_view(),
        name="api-publication-download",
    ),
    *router.urls,
]
