from django.urls import path

from organisations import team_views, views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("systems/<str:icb_code>/", views.system_detail, name="system"),
    path("invitations/<str:token>/", team_views.invitation, name="invitation"),
    path("<str:ods_code>/", views.organisation_detail, name="detail"),
    path("<str:ods_code>/care-settings/", views.organisation_care_settings, name="care-settings"),
    path("<str:ods_code>/peer-settings/", views.organisation_peer_settings, name="peer-settings"),
    path("<str:ods_code>/team/", team_views.team, name="team"),
    path("<str:ods_code>/team/invite/", team_views.team_invitation_new, name="team-invite"),
    path(
        "<str:ods_code>/team/invitations/<int:invitation_id>/withdraw/",
        team_views.team_invitation_withdraw,
        name="team-invitation-withdraw",
    ),
    path("<str:ods_code>/team/<int:user_id>/", team_views.team_member_role, name="team-member"),
    path("<str:ods_code>/team/<int:user_id>/remove/", team_views.team_member_remove, name="team-member-remove"),
]
