"""Location ids of the alert regions, as the feeds, the importer and the readers all spell them.

No Django imports: feed adapters, services and selectors all use these, so they live below each.
"""

from __future__ import annotations

KYIV_CITY_UID = 31
CRIMEA_UID = 29
# api.ukrainealarm.com calls Crimea 9999 where alerts.in.ua (and this app) say 29.
UID_ALIASES = {9999: CRIMEA_UID}


def region_uid_canonical(uid: int) -> int:
    return UID_ALIASES.get(uid, uid)
