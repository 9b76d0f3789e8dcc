"""The demo's site meter, its pure parts: the base load rises from 30 % to 90 % and falls back
every ten minutes, the cars' draw is added, a reading is published as IoT meters publish one,
and the broker is the local Mosquitto unless KILOWATT_MQTT_URL says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kilowatt.demo_meter import (
    DEMO_MQTT_URL,
    PERIOD_STEPS,
    base_share,
    demo_mqtt_url,
    drawn_w,
    payload,
)
from kilowatt.domain.load_readings import parse_reading
from kilowatt.domain.loads import SessionLoad, StartRule

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_the_base_load_rises_to_90_percent_and_falls_back_every_period() -> None:
    shares = [base_share(step) for step in range(PERIOD_STEPS + 1)]
    assert shares[0] == pytest.approx(0.30)
    assert shares[PERIOD_STEPS // 2] == pytest.approx(0.90)
    assert shares[PERIOD_STEPS] == pytest.approx(0.30)
    assert max(shares) == pytest.approx(0.90)
    assert min(shares) == pytest.approx(0.30)
    # Above 50 % and above 80 % for part of each period: both rules are seen.
    assert any(0.5 < s <= 0.8 for s in shares)
    assert any(s > 0.8 for s in shares)


def test_the_cars_draw_is_added_per_phase_at_the_site_s_voltage() -> None:
    def held(drawn: float | None, phases: int | None) -> SessionLoad:
        return SessionLoad(
            transaction_id=1, site_id=1, rule=StartRule.FULL, drawn_a=drawn, phases=phases,
            updated_at=NOW,
        )  # fmt: skip

    sessions = [held(16.0, 3), held(10.0, 1), held(None, 3), None, held(8.0, None)]
    assert drawn_w(sessions, 230) == (16 * 3 * 230 + 10 * 230 + 8 * 3 * 230)
    assert drawn_w([], 230) == 0


def test_a_reading_is_published_as_a_meter_publishes_one() -> None:
    assert parse_reading(payload(61_500)) == 61_500


def test_the_broker_is_the_local_mosquitto_unless_the_environment_names_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KILOWATT_MQTT_URL", raising=False)
    assert demo_mqtt_url() == DEMO_MQTT_URL == "mqtt://127.0.0.1:1883"
    monkeypatch.setenv("KILOWATT_MQTT_URL", "mqtt://broker.example:1884")
    assert demo_mqtt_url() == "mqtt://broker.example:1884"
    monkeypatch.setenv("KILOWATT_MQTT_URL", "")
    assert demo_mqtt_url() == ""
