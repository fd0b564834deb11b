"""Create the configured database and its PostGIS extension when they are missing (idempotent)."""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the database named by DATABASE_URL and the postgis extension if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        params: dict[str, Any] = {
            "host": db["HOST"] or None,
            "port": db["PORT"] or None,
            "user": db["USER"] or None,
            "password": db["PASSWORD"] or None,
            "connect_timeout": 5,
            "autocommit": True,
        }
        name = db["NAME"]
        try:
            with psycopg.connect(dbname="postgres", **params) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.stdout.write(f"Created database {name}.")
            with psycopg.connect(dbname=name, **params) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise CommandError(f"Cannot prepare database {name!r}: {exc}".strip()) from exc
        self.stdout.write(f"Database {name} with PostGIS is ready.")
