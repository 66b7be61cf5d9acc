from django.urls import path

from reports import pack_views
from reports import system_views as views

app_name = "systems"

cycle = "<str:icb_code>/<str:cycle_slug>/"
urlpatterns = [
    path("<str:icb_code>/", views.system_latest, name="latest"),
    path(cycle, views.system_dashboard, name="dashboard"),
    path(cycle + "charts/<slug:card_key>.csv", views.system_chart_csv, name="chart-csv"),
    path(cycle + "measures/<str:measure_key>/", views.system_measure, name="measure"),
    path(cycle + "measures/<str:measure_key>/domains.csv", views.system_measure_csv, name="measure-csv"),
    path(cycle + "domains/<str:domain_key>/", views.system_domain, name="domain"),
    path(cycle + "domains/<str:domain_key>/charts/<slug:card_key>.csv", views.system_domain_csv, name="domain-csv"),
    path(cycle + "pack/", pack_views.pack_status, name="pack"),
    path(cycle + "pack/request/", pack_views.pack_request, name="pack-request"),
    path(cycle + "pack/<int:pack_id>/retry/", pack_views.pack_retry, name="pack-retry"),
    path(cycle + "pack/<int:pack_id>/download/", pack_views.pack_download, name="pack-download"),
]
