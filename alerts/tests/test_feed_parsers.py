"""The feed parsers against every recorded payload in ../shared/data/alerts, and our own edge cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alerts.feeds import alerts_in_ua, ukrainealarm
from alerts.feeds.base import AlertRecord, FeedParseError, parse_retry_after

NOW = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def recorded(seed_data_dir: Path, name: str) -> bytes:
    return (seed_data_dir / "alerts" / name).read_bytes()


# --- alerts.in.ua: recorded payloads -----------------------------------------------------------------------


def test_alerts_in_ua_captured_payload(seed_data_dir: Path) -> None:
    active, finished, warnings = alerts_in_ua.parse_active(
        recorded(seed_data_dir, "alerts_in_ua/active_alerts_captured_ralertsinua.json")
    )

    assert active == [
        AlertRecord(16, "air_raid", None, t("2022-04-04T16:45:39Z"), "8757"),
        AlertRecord(29, "air_raid", None, t("2022-12-10T22:22:00Z"), "28288"),
    ]
    assert finished == []
    # The capture's third alert (a hromada) is cut short: no type, no location_uid. It is skipped.
    assert warnings == ["alert 71710: unknown alert_type None; skipped"]


def test_alerts_in_ua_docs_example_with_string_ids(seed_data_dir: Path) -> None:
    active, finished, warnings = alerts_in_ua.parse_active(
        recorded(seed_data_dir, "alerts_in_ua/active_alerts_docs_example.json")
    )

    assert active == [AlertRecord(16, "air_raid", None, t("2022-04-04T16:45:39Z"), "10")]
    assert (finished, warnings) == ([], [])


def test_alerts_in_ua_empty_payload_with_meta(seed_data_dir: Path) -> None:
    assert alerts_in_ua.parse_active(recorded(seed_data_dir, "alerts_in_ua/active_alerts_empty_with_meta.json")) == (
        [],
        [],
        [],
    )


def test_alerts_in_ua_levels_and_threats(seed_data_dir: Path) -> None:
    # SYNTHETIC: no real alerts.in.ua payload with levels and threats was recorded; this file has the field
    # names the official client (alerts-in-ua 0.4.0) reads, with invented values.
    active, _, warnings = alerts_in_ua.parse_active(
        recorded(seed_data_dir, "alerts_in_ua/SYNTHETIC_levels_and_threats_client_0.4_fields.json")
    )

    assert [(r.region_uid, r.level, r.source_key) for r in active] == [(31, "red", "1001"), (75, "yellow", "1002")]
    assert [r.threats for r in active] == [("missiles", "drones"), ("drones",)]
    assert active[0].started_at == t("2026-11-20T03:12:45Z")
    assert warnings == []


def alert_with(**fields: Any) -> bytes:
    alert = {"id": 7, "location_uid": "31", "alert_type": "air_raid", "started_at": "2026-11-20T03:00:00Z"}
    return json.dumps({"alerts": [{**alert, **fields}]}).encode()


@pytest.mark.parametrize(
    ("fields", "level", "threats"),
    [
        ({}, None, ()),
        ({"alert_level": "red"}, "red", ("missiles",)),
        ({"alert_level": "yellow", "threats": []}, "yellow", ("drones",)),
        (
            {"threats": [{"threat_type": "drones", "level": "yellow"}, {"threat_type": "ballistic_missiles"}]},
            "yellow",
            ("ballistic_missiles", "drones"),
        ),
        (
            {"threats": [{"threat_type": "cruise_missiles"}, {"threat_type": "guided_aerial_bombs"}]},
            None,
            ("cruise_missiles", "guided_bombs"),
        ),
        ({"threats": [{"threat_type": "mig31k_departure", "level": "red"}]}, "red", ("aviation",)),
        # Types this app does not know are kept, as unspecified, never dropped.
        ({"threats": [{"threat_type": "hypersonic_glider"}, {"level": "red"}, "drones"]}, "red", ("unspecified",)),
        ({"threats": [{"threat_type": "DRONES"}, {"threat_type": 5}]}, None, ("drones", "unspecified")),
    ],
)
def test_alerts_in_ua_threat_types(fields: dict[str, Any], level: str | None, threats: tuple[str, ...]) -> None:
    active, _, warnings = alerts_in_ua.parse_active(alert_with(**fields))

    assert [(r.level, r.threats) for r in active] == [(level, threats)]
    assert warnings == []


def test_alerts_in_ua_integer_ids_and_city_location_type(seed_data_dir: Path) -> None:
    active, _, _ = alerts_in_ua.parse_active(
        recorded(seed_data_dir, "alerts_in_ua/SYNTHETIC_php_fixture_active_alerts.json")
    )

    assert [(r.region_uid, r.kind, r.source_key) for r in active] == [
        (22, "air_raid", "12345"),
        (1293, "air_raid", "12346"),
    ]


def test_alerts_in_ua_history_payloads(seed_data_dir: Path) -> None:
    active, finished, _ = alerts_in_ua.parse_active(
        recorded(seed_data_dir, "alerts_in_ua/SYNTHETIC_php_fixture_alerts_history.json")
    )
    docs_active, docs_finished, _ = alerts_in_ua.parse_active(
        recorded(seed_data_dir, "alerts_in_ua/history_month_ago_docs_example.json")
    )

    assert finished == [AlertRecord(22, "air_raid", None, t("2023-04-14T10:00Z"), "12340", t("2023-04-14T11:30Z"))]
    assert [r.source_key for r in active] == ["12341"]
    assert [r.source_key for r in docs_active] == ["10", "9"]
    assert docs_finished == []


@pytest.mark.parametrize(
    "name",
    [
        "alerts_in_ua/iot_active_air_raid_alerts_16_docs_example.json",
        "alerts_in_ua/iot_active_air_raid_alerts_by_oblast_docs_example.json",
        "alerts_in_ua/iot_active_air_raid_alerts_by_oblast_ralertsinua_test.json",
        "alerts_in_ua/iot_by_oblast_position_order.json",
    ],
)
def test_alerts_in_ua_other_endpoints_bodies_are_not_mistaken_for_an_empty_list(seed_data_dir: Path, name: str) -> None:
    with pytest.raises(FeedParseError, match="expected an object with a list 'alerts'"):
        alerts_in_ua.parse_active(recorded(seed_data_dir, name))


# --- alerts.in.ua: edge cases -----------------------------------------------------------------------------


def alerts_body(*alerts: object) -> bytes:
    return json.dumps({"alerts": list(alerts), "meta": {"last_updated_at": "2026/11/20 03:20:01 +0000"}}).encode()


def test_alerts_in_ua_edge_cases() -> None:
    body = alerts_body(
        {"id": "5", "location_uid": " 75 ", "location_type": "raion", "alert_type": "air_raid",
         "started_at": "2026-11-20T02:40:00.000Z", "finished_at": None, "new_field": {"x": 1}},
        {"id": 6, "location_uid": 706, "location_type": "hromada", "alert_type": "artillery_shelling",
         "started_at": "2026-11-20T02:41:00+02:00", "alert_level": None, "threats": None},
        {"id": 7, "location_uid": "31", "alert_type": "air_raid", "started_at": "2026-11-20T02:42:00Z",
         "alert_level": "YELLOW", "threats": [{"threat_type": "missiles", "level": "red"}]},
        {"id": 8, "location_uid": "14", "alert_type": "tornado", "started_at": "2026-11-20T02:43:00Z"},
        {"id": 9, "location_uid": None, "alert_type": "air_raid", "started_at": "2026-11-20T02:44:00Z"},
        {"id": 10, "location_uid": "22", "alert_type": "air_raid", "started_at": "yesterday"},
        "not an alert",
        {"location_uid": "9999", "alert_type": "chemical", "started_at": "2026-11-20T02:45:00Z"},
    )  # fmt: skip

    active, finished, warnings = alerts_in_ua.parse_active(body)

    assert active == [
        AlertRecord(75, "air_raid", None, t("2026-11-20T02:40:00Z"), "5"),
        AlertRecord(706, "artillery_shelling", None, t("2026-11-20T00:41:00Z"), "6"),
        AlertRecord(31, "air_raid", "red", t("2026-11-20T02:42:00Z"), "7", threats=("missiles",)),
        # No id: a stable key from what identifies it; Crimea's other id becomes 29.
        AlertRecord(29, "chemical", None, t("2026-11-20T02:45:00Z"), "29:chemical:2026-11-20T02:45:00+00:00"),
    ]
    assert finished == []
    assert warnings == [
        "alert 8: unknown alert_type 'tornado'; skipped",
        "alert 9: no usable location_uid (None); skipped",
        "alert 10 started_at: not an ISO 8601 timestamp: 'yesterday'; skipped",
        "alert 6: not an object; skipped",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>502 Bad Gateway</html>", "body is not JSON"),
        (b"", "body is not JSON"),
        (b'{"alerts": {"id": 1}}', "expected an object with a list 'alerts'"),
        (b"[]", "expected an object with a list 'alerts'"),
        (b"\xff\xfe", "body is not JSON"),
    ],
)
def test_alerts_in_ua_garbage_fails_the_whole_poll(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        alerts_in_ua.parse_active(body)


# --- ukrainealarm: recorded payloads -------------------------------------------------------------------------


def test_ukrainealarm_status_counter(seed_data_dir: Path) -> None:
    assert ukrainealarm.parse_status(recorded(seed_data_dir, "ukrainealarm/alerts_status_openapi_example.json")) == 0


def test_ukrainealarm_alerts_with_levels(seed_data_dir: Path) -> None:
    records, warnings = ukrainealarm.parse_alerts(
        recorded(seed_data_dir, "ukrainealarm/alerts_v3_all_with_alert_levels.json")
    )

    assert [(r.region_uid, r.kind, r.level, r.started_at) for r in records] == [
        (16, "air_raid", "red", t("2022-04-04T16:45:00Z")),
        (56, "air_raid", "yellow", t("2026-09-07T14:57:51.26383Z")),
        # Yellow, then red: the more severe level; the alert began with its first level.
        (1293, "air_raid", "red", t("2026-09-08T05:51:37.453397Z")),
    ]
    assert records[2].source_key == "1293:air_raid:2026-09-08T05:51:37.453397+00:00"
    # Red is the missile threat, Yellow the drone threat: Kharkiv has both.
    assert [r.threats for r in records] == [("missiles",), ("drones",), ("missiles", "drones")]
    assert warnings == []


def test_ukrainealarm_map_payload_is_the_same_list(seed_data_dir: Path) -> None:
    records, _ = ukrainealarm.parse_alerts(recorded(seed_data_dir, "ukrainealarm/map_ws_updateMap_payload.json"))
    expected, _ = ukrainealarm.parse_alerts(
        recorded(seed_data_dir, "ukrainealarm/alerts_v3_all_with_alert_levels.json")
    )

    assert records == expected


def test_ukrainealarm_kyiv_city_yellow(seed_data_dir: Path) -> None:
    records, _ = ukrainealarm.parse_alerts(
        recorded(seed_data_dir, "ukrainealarm/alerts_v3_kyiv_city_yellow_2026-09-25.json")
    )

    assert [(r.region_uid, r.kind, r.level, r.started_at) for r in records] == [
        (31, "air_raid", "yellow", t("2026-09-25T08:57:50.062515Z"))
    ]


def test_ukrainealarm_region_lists_are_not_alerts(seed_data_dir: Path) -> None:
    records, _ = ukrainealarm.parse_alerts(recorded(seed_data_dir, "ukrainealarm/state_region_ids_jaam_updater.json"))

    assert records == []
    with pytest.raises(FeedParseError, match="expected a list of regions"):
        ukrainealarm.parse_alerts(recorded(seed_data_dir, "ukrainealarm/regions_v3_states_only_children_stripped.json"))


# --- ukrainealarm: edge cases ----------------------------------------------------------------------------------


def region_entry(region_id: str, *alerts: dict[str, Any], region_type: str = "State") -> dict[str, Any]:
    return {"regionId": region_id, "regionType": region_type, "regionName": "x", "activeAlerts": list(alerts)}


def test_ukrainealarm_edge_cases() -> None:
    oblast_alert: dict[str, Any] = {
        "regionId": "14",
        "type": "AIR",
        "lastUpdate": "2026-11-20T02:00:00Z",
        "activeAlertLevels": [],
    }
    body = json.dumps(
        [
            region_entry("14", oblast_alert),
            # A raion entry repeating its oblast's alert: the same alert, not a second one.
            region_entry("75", dict(oblast_alert), region_type="District"),
            # A raion-only alert (the oblast record above is for another type of threat here).
            region_entry(
                "79",
                {
                    "regionId": 79,
                    "type": "ARTILLERY",
                    "lastUpdate": "2026-11-20T02:10:00Z",
                    "activeAlertLevels": [{"alertLevel": "Yellow", "createdAt": "2026-11-20T02:05:00Z"}],
                },
                region_type="District",
            ),
            region_entry("9999", {"regionId": "9999", "type": "AIR", "lastUpdate": "2022-12-10T22:22:00Z"}),
            region_entry("31", {"regionId": "31", "type": "INFO", "lastUpdate": "2026-11-20T02:00:00Z"}),
            region_entry("22", {"regionId": "22", "type": "SOMETHING_NEW", "lastUpdate": "2026-11-20T02:00:00Z"}),
            region_entry("28", {"regionId": "28", "type": "URBAN_FIGHTS", "lastUpdate": None}),
            {"regionId": "20", "activeAlerts": None, "unknownKey": True},
        ]
    ).encode()

    records, warnings = ukrainealarm.parse_alerts(body)

    assert [(r.region_uid, r.kind, r.level, r.started_at) for r in records] == [
        (14, "air_raid", None, t("2026-11-20T02:00:00Z")),
        (29, "air_raid", None, t("2022-12-10T22:22:00Z")),
        (79, "artillery_shelling", "yellow", t("2026-11-20T02:05:00Z")),
    ]
    assert warnings == [
        "region 22: unknown alert type 'SOMETHING_NEW'; skipped",
        "region 28: lastUpdate: expected a timestamp, got None; skipped",
    ]


@pytest.mark.parametrize("body", [b'{"lastActionIndex": "7"}', b"{}", b"[]", b'{"lastActionIndex": true}', b"nope"])
def test_ukrainealarm_bad_status_body(body: bytes) -> None:
    with pytest.raises(FeedParseError):
        ukrainealarm.parse_status(body)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("120", now=NOW) == 120.0
    assert parse_retry_after("Fri, 20 Nov 2026 03:31:30 GMT", now=NOW) == 90.0
    assert parse_retry_after(None, now=NOW) == 60.0
    assert parse_retry_after("soon", now=NOW) == 60.0
    assert parse_retry_after("999999", now=NOW) == 3600.0


def test_alerts_in_ua_an_end_before_the_start_is_not_an_end_time() -> None:
    body = alerts_body(
        {"id": 11, "location_uid": "31", "alert_type": "air_raid", "started_at": "2026-11-20T03:00:00Z",
         "finished_at": "2026-11-20T02:00:00Z"},
        {"id": 12, "location_uid": "75", "alert_type": "air_raid", "started_at": "2026-11-20T03:00:00Z",
         "finished_at": "2026-11-20T03:10:00Z"},
    )  # fmt: skip

    active, finished, warnings = alerts_in_ua.parse_active(body)

    # Finished either way, but only a possible end time is kept: the first ends when seen ended.
    assert active == []
    assert finished == [AlertRecord(75, "air_raid", None, t("2026-11-20T03:00Z"), "12", t("2026-11-20T03:10Z"))]
    assert warnings == ["alert 11: finished_at '2026-11-20T02:00:00Z' is before started_at; end time ignored"]


def test_ukrainealarm_an_unknown_alert_level_is_an_unspecified_threat() -> None:
    alert = {
        "regionId": "31",
        "type": "AIR",
        "lastUpdate": "2026-11-20T02:00:00Z",
        "activeAlertLevels": [
            {"alertLevel": "Orange", "createdAt": "2026-11-20T02:00:00Z"},
            {"alertLevel": "Yellow", "createdAt": "2026-11-20T02:01:00Z"},
        ],
    }

    records, warnings = ukrainealarm.parse_alerts(json.dumps([region_entry("31", alert)]).encode())

    assert [(r.level, r.threats) for r in records] == [("yellow", ("drones", "unspecified"))]
    assert warnings == []
