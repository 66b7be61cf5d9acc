from django.urls import path

from organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("systems/<str:icb_code>/", views.system_detail, name="system"),
    path("<str:ods_code>/", views.organisation_detail, name="detail"),
    path("<str:ods_code>/care-settings/", views.organisation_care_settings, name="care-settings"),
]
