from django.urls import path

from reports import views

app_name = "reports"

one = "<str:cycle_slug>/<str:ods_code>/"
urlpatterns = [
    path(one, views.status, name="status"),
    path(one + "request/", views.request_report, name="request"),
    path(one + "<int:report_id>/download/", views.download, name="download"),
    path(one + "<int:report_id>/retry/", views.retry, name="retry"),
]
