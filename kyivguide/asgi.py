from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from kyivguide.env import check_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyivguide.settings")
check_settings_or_exit()
application = get_asgi_application()
