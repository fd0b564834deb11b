"""Django's admin, with the staff sign-in's site (kyivguide/staff_auth.py) as its default site.

A module of its own: INSTALLED_APPS loads it before the models are ready, and staff_auth needs them.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "kyivguide.staff_auth.StaffAdminSite"
