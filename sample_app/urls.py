"""The sample app's URLs: the admin, where its books are imported."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
