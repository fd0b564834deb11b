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
