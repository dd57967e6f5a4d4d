from django.urls import path

from targets import views

app_name = "targets"

urlpatterns = [
    path("indicators.json", views.indicators, name="indicators"),
    path("indicators/series.json", views.series, name="series"),
    path("targets/<int:pk>/behind.json", views.behind, name="behind"),
]
