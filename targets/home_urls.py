"""The home page's route, included by cpdash/urls.py by name (cpdash, the bottom layer,
imports no app above it); its name, "home", is global."""

from django.urls import path

from targets import views

urlpatterns = [path("", views.home, name="home")]
