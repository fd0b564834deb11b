"""Messages of third-party packages that ship no Ukrainian for them, translated in the project's catalogue.

Django looks a message up in LOCALE_PATHS (locale/) before the packages' own catalogues, so naming a
package's msgid here (unchanged, character for character) puts it in `makemessages`' output, where it
gets its Ukrainian like every other string. Nothing imports this module: it exists to be read by
`makemessages`. Where a package's message is missing from a screen in Ukrainian,
kyivguide/tests/test_admin_language.py or kyivguide/tests/test_api_language.py names it.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

# Django REST framework: the validation messages its Ukrainian catalogue lacks.
REST_FRAMEWORK = (
    gettext_noop("Datetime value out of range."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("This dictionary may not be empty."),
)

# Django's admin: messages newer than its Ukrainian catalogue.
DJANGO_ADMIN = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
)

# django-axes (the sign-in lockout's records): no Ukrainian catalogue.
AXES = (
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Logout Time"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)

# django-celery-beat: the names of its app and models, which the admin's index and the roles'
# permissions show (its screens themselves are not translated: kyivguide/tests/test_admin_language.py).
CELERY_BEAT = (
    gettext_noop("Periodic Tasks"),
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("interval"),
    gettext_noop("intervals"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
    gettext_noop("solar event"),
    gettext_noop("solar events"),
    gettext_noop("clocked"),
)
