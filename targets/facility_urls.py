"""The facility pages, mounted at /facilities/ (see cpdash/urls.py)."""

from django.urls import path

from targets import facility_views as views

app_name = "facilities"

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("reach-next/", views.reach_next, name="reach_next"),
    # Codes are registration or tax codes; "path" also accepts one with a slash.
    path("<path:code>/", views.facility_detail, name="detail"),
]
