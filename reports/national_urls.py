from django.urls import path

from reports import national_views as views

app_name = "national"

cycle = "<str:cycle_slug>/"
measure = cycle + "measures/<str:measure_key>/"
domain = cycle + "domains/<str:domain_key>/"
urlpatterns = [
    path("", views.national_latest, name="latest"),
    path(cycle, views.national_dashboard_page, name="dashboard"),
    path(cycle + "charts/<slug:card_key>.csv", views.national_chart_csv, name="chart-csv"),
    path(measure, views.national_measure, name="measure"),
    path(measure + "charts/<slug:card_key>.csv", views.national_measure_csv, name="measure-csv"),
    path(domain, views.national_domain, name="domain"),
    path(domain + "charts/<slug:card_key>.csv", views.national_domain_csv, name="domain-csv"),
]
