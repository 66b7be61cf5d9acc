from django.urls import path

from reports import publication_views as views

app_name = "publications"

version = "<str:cycle_slug>/v<int:version>/"
urlpatterns = [
    path("", views.publications_index, name="index"),
    path("<str:cycle_slug>/", views.publications_cycle, name="cycle"),
    path("<str:cycle_slug>/correction/", views.publications_correction, name="correction"),
    path(version + "data-quality/", views.publications_data_quality, name="data-quality"),
    path(version + "retry/", views.publications_retry, name="retry"),
    path(version + "<str:kind>/", views.publications_download, name="download"),
]
