from django.urls import path

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
]
