from django.urls import path

from framework import knowledge_views

app_name = "knowledge"
urlpatterns = [
    path("", knowledge_views.search, name="search"),
    path("<slug:entry_key>/", knowledge_views.entry, name="entry"),
]
