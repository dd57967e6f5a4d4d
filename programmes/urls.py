"""Recording pages, mounted at /record/ (see cpdash/urls.py)."""

from django.urls import path

from programmes import views

app_name = "programmes"

urlpatterns = [
    path("facilities/search.json", views.facility_search, name="facility_search"),
    path("facilities/codes.json", views.facility_codes, name="facility_codes"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_edit, name="survey_edit"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_edit, name="activity_edit"),
    path("solutions/", views.solution_list, name="solution_list"),
    path("solutions/new/", views.solution_create, name="solution_create"),
    path("solutions/<int:pk>/", views.solution_edit, name="solution_edit"),
    path("specialists/", views.specialist_list, name="specialist_list"),
    path("specialists/new/", views.specialist_appoint, name="specialist_appoint"),
    path("specialists/<int:pk>/departure/", views.specialist_departure, name="specialist_departure"),
    path("specialists/<int:pk>/edit/", views.specialist_edit, name="specialist_edit"),
    path("demonstrations/", views.demonstration_list, name="demonstration_list"),
    path("demonstrations/new/", views.demonstration_create, name="demonstration_create"),
    path("demonstrations/<int:pk>/", views.demonstration_edit, name="demonstration_edit"),
    path("replications/", views.replication_list, name="replication_list"),
    path("replications/new/", views.replication_create, name="replication_create"),
    path("replications/<int:pk>/", views.replication_edit, name="replication_edit"),
    path("<slug:kind>/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("undo/", views.record_restore, name="record_restore"),
]
