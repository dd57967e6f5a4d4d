"""The register versions, mounted at /facilities/register-versions/ (see cpdash/urls.py)."""

from django.urls import path

from facilities import views

app_name = "register"

urlpatterns = [
    path("", views.version_list, name="versions"),
    path("<int:number>/", views.version_detail, name="version"),
]
