"""The queue's own table (django-tasks-db's DBTaskResult) stays out of the admin: what
people need of a job is its page (jobs.views); old jobs go with `manage.py prune_jobs`."""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
