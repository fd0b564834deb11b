"""Third-party apps under names a staff member reads in their language on the admin's index.

The packages name their apps by label (`Otp_Totp`) or in English only; each config here is the
package's own, with a translated `verbose_name` (INSTALLED_APPS names these instead).
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts")


class OTPTOTPConfig(TOTPConfig):
    verbose_name = _("Authenticator apps")


class OTPStaticConfig(StaticConfig):
    verbose_name = _("Recovery codes")
