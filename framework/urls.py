from django.urls import path

from framework import views

app_name = "framework"
urlpatterns = [
    path("", views.version_list, name="versions"),
    path("<str:slug>/", views.version_detail, name="version"),
    path("<str:slug>/domains/<str:key>/", views.domain_detail, name="domain"),
]
