from django.urls import path

from assessments.views import flags, questionnaire, team, workflow

app_name = "assessments"

one = "<str:cycle_slug>/<str:ods_code>/"
urlpatterns = [
    path("", workflow.assessment_list, name="list"),
    path("cycles/<str:cycle_slug>/publish/", workflow.cycle_publish_view, name="publish"),
    # Answering (questionnaire.py)
    path(one, questionnaire.overview, name="overview"),
    path(one + "domains/<str:domain_key>/", questionnaire.domain, name="domain"),
    path(one + "domains/<str:domain_key>/evidence/", questionnaire.evidence_add, name="evidence-add"),
    path(one + "evidence/<int:evidence_id>/", questionnaire.evidence_download, name="evidence-download"),
    path(one + "evidence/<int:evidence_id>/remove/", questionnaire.evidence_remove, name="evidence-remove"),
    path(one + "check/", questionnaire.check_answers, name="check"),
    path(one + "changes/", questionnaire.changes, name="changes"),
    path(one + "confirm-carried-forward/", questionnaire.confirm_carried_forward, name="confirm-carried-forward"),
    # Team working (team.py)
    path(one + "assign/", team.assign, name="assign"),
    # Workflow (workflow.py)
    path(one + "ready/", workflow.mark_ready, name="ready"),
    path(one + "reopen/", workflow.reopen, name="reopen"),
    path(one + "sign-off/", workflow.sign_off, name="sign-off"),
    path(one + "submitted/", workflow.submitted, name="submitted"),
    path(one + "review/", workflow.review, name="review"),
    path(one + "history/", workflow.history, name="history"),
    path(one + "extension/", workflow.extension, name="extension"),
    path(one + "flags/<int:flag_id>/resolve/", flags.flag_resolve, name="flag-resolve"),
]
