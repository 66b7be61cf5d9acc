from django.urls import path

from assessments.views import (
    answering,
    checking,
    cycles,
    evidence,
    flags,
    history,
    knowledge,
    peers,
    plans,
    polls,
    publication,
    pulse,
    team,
    workflow,
)

app_name = "assessments"

one = "<str:cycle_slug>/<str:ods_code>/"
urlpatterns = [
    path("", cycles.assessment_list, name="list"),
    # Publication (national analysts)
    path("cycles/<str:cycle_slug>/publish/", publication.publication_overview, name="publish"),
    path("cycles/<str:cycle_slug>/publish/provisional/", publication.provisional_release, name="publish-provisional"),
    path("cycles/<str:cycle_slug>/publish/date/", publication.publication_date, name="publish-date"),
    path("cycles/<str:cycle_slug>/publish/queries/", publication.query_list, name="publish-queries"),
    path("cycles/<str:cycle_slug>/publish/queries/<int:query_id>/", publication.query_respond, name="publish-query"),
    path("cycles/<str:cycle_slug>/publish/pre-release/", publication.pre_release_access, name="publish-pre-release"),
    path("flags/", flags.flag_list, name="flags"),
    path("flags/rates/", flags.flag_rates, name="flag-rates"),
    # Answering
    path(one, answering.overview, name="overview"),
    path(one + "domains/<str:domain_key>/", answering.domain, name="domain"),
    path(one + "domains/<str:domain_key>/evidence/", answering.evidence_add, name="evidence-add"),
    path(one + "domains/<str:domain_key>/poll/", polls.poll, name="poll"),
    path(one + "domains/<str:domain_key>/share/", knowledge.share, name="knowledge-share"),
    path(one + "domains/<str:domain_key>/share/withdraw/", knowledge.withdraw, name="knowledge-withdraw"),
    path(one + "confirm-carried-forward/", answering.confirm_carried_forward, name="confirm-carried-forward"),
    path(one + "evidence/<int:evidence_id>/", evidence.evidence_download, name="evidence-download"),
    path(one + "evidence/<int:evidence_id>/remove/", evidence.evidence_remove, name="evidence-remove"),
    # Checking
    path(one + "check/", checking.check_answers, name="check"),
    path(one + "changes/", checking.changes, name="changes"),
    # Team working
    path(one + "assign/", team.assign, name="assign"),
    path(one + "pulse/", pulse.pulse, name="pulse"),
    path(one + "peers/", peers.peers, name="peers"),
    path(one + "peers/ask/", peers.peer_ask, name="peer-ask"),
    # Workflow
    path(one + "ready/", workflow.mark_ready, name="ready"),
    path(one + "reopen/", workflow.reopen, name="reopen"),
    path(one + "sign-off/", workflow.sign_off, name="sign-off"),
    path(one + "submitted/", workflow.submitted, name="submitted"),
    path(one + "review/", workflow.review, name="review"),
    path(one + "extension/", workflow.extension, name="extension"),
    path(one + "history/", history.history, name="history"),
    path(one + "results/", publication.results, name="results"),
    path(one + "flags/<int:flag_id>/", flags.flag_detail, name="flag-detail"),
    # Improvement plan
    path(one + "plan/", plans.plan, name="plan"),
    path(one + "plan/targets/add/", plans.target, name="plan-target-add"),
    path(one + "plan/targets/<str:domain_key>/", plans.target, name="plan-target"),
    path(one + "plan/targets/<str:domain_key>/actions/add/", plans.action, name="plan-action-add"),
    path(one + "plan/targets/<str:domain_key>/actions/<int:action_id>/", plans.action, name="plan-action"),
    path(one + "plan/sign-off/", plans.sign_off, name="plan-sign-off"),
    path(one + "plan/reopen/", plans.reopen, name="plan-reopen"),
]
