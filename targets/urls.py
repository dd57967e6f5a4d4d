from django.urls import path

from targets import views

app_name = "targets"

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/export.<str:fmt>", views.dashboard_export, name="dashboard_export"),
    path("reports/<int:year>/", views.report_page, name="report"),
    path("reports/<int:year>.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/<int:year>.pdf", views.report_pdf, name="report_pdf"),
    path("reports/<int:year>/publish/", views.report_publish, name="report_publish"),
    path("reports/<int:year>/changes/", views.report_changes, name="report_changes"),
    path("api/indicators.json", views.indicators, name="indicators"),
    path("api/indicators/series.json", views.series, name="series"),
    path("api/targets/<int:pk>/behind.json", views.behind, name="behind"),
]
