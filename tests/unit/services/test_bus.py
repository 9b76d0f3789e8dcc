"""The in-process bus: subscribers by type, forwarding to other nodes, and services that
publish typed events only."""

from __future__ import annotations

import re
from pathlib import Path

from kilowatt.domain.commands import CommandStatus
from kilowatt.domain.firmware import CampaignStatus
from kilowatt.domain.live import (
    CommandFinished,
    FirmwareCampaignChanged,
    LiveEvent,
    MeterValuesReported,
    OrganizationLiveEvent,
    StationOnlineChanged,
    TransactionEnded,
    TransactionLifecycle,
    TransactionStarted,
)
from kilowatt.services.bus import InProcessBus

SERVICES = Path(__file__).resolve().parents[3] / "src" / "kilowatt" / "services"

ONLINE = StationOnlineChanged("CP-1", online=True)
METER = MeterValuesReported("CP-1", 1, 1, 7, 120, {"Power.Active.Import": 7400.0})
STARTED = TransactionStarted("CP-1", 7, 1, 1, "CARD", 0)
ENDED = TransactionEnded("CP-1", 7, 1, 1, "CARD", 9000)
FINISHED = CommandFinished("CP-1", 3, "reset", CommandStatus.ACCEPTED)
CAMPAIGN = FirmwareCampaignChanged(1, 4, CampaignStatus.ROLLOUT)
EVERY = [ONLINE, METER, STARTED, ENDED, FINISHED, CAMPAIGN]


def test_a_subscriber_gets_the_events_of_its_type_and_its_subtypes_only() -> None:
    bus = InProcessBus()
    meters: list[MeterValuesReported] = []
    sessions: list[TransactionLifecycle] = []
    organizations: list[OrganizationLiveEvent] = []
    everything: list[LiveEvent] = []
    bus.subscribe(MeterValuesReported, meters.append)
    bus.subscribe(TransactionLifecycle, sessions.append)
    bus.subscribe(OrganizationLiveEvent, organizations.append)
    bus.subscribe(LiveEvent, everything.append)

    for event in EVERY:
        bus.publish(event)

    assert meters == [METER]
    assert sessions == [STARTED, ENDED]
    assert organizations == [CAMPAIGN]
    assert everything == EVERY


def test_an_unsubscribed_handler_gets_nothing_more() -> None:
    bus = InProcessBus()
    seen: list[LiveEvent] = []
    other: list[LiveEvent] = []
    bus.subscribe(LiveEvent, seen.append)
    bus.subscribe(LiveEvent, other.append)
    bus.publish(ONLINE)
    bus.unsubscribe(LiveEvent, seen.append)
    bus.unsubscribe(MeterValuesReported, other.append)  # not how it subscribed: stays
    bus.publish(METER)
    assert seen == [ONLINE]
    assert other == [ONLINE, METER]


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus = InProcessBus()
    seen: list[LiveEvent] = []

    def broken(event: LiveEvent) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(LiveEvent, broken)
    bus.subscribe(LiveEvent, seen.append)
    bus.publish(ONLINE)
    assert seen == [ONLINE]


def test_published_events_are_forwarded_and_relayed_ones_are_not() -> None:
    bus = InProcessBus()
    local: list[LiveEvent] = []
    forwarded: list[LiveEvent] = []
    bus.subscribe(LiveEvent, local.append)
    bus.forward_to(forwarded.append)

    bus.publish(ONLINE)
    bus.deliver(METER)  # from another node

    assert local == [ONLINE, METER]
    assert forwarded == [ONLINE]


def test_a_failing_forwarder_does_not_stop_local_delivery() -> None:
    bus = InProcessBus()
    local: list[LiveEvent] = []

    def broken(event: LiveEvent) -> None:
        raise RuntimeError("redis is down")

    bus.forward_to(broken)
    bus.subscribe(LiveEvent, local.append)
    bus.publish(ONLINE)
    bus.stop_forwarding(broken)
    bus.publish(METER)
    assert local == [ONLINE, METER]


def test_services_publish_typed_events_never_a_topic_and_a_dict() -> None:
    # A topic (a string, or a name and a comma) or a dict as the first argument.
    literal = re.compile(r"\.publish\(\s*(f?[\"']|\{|\w+\s*,)")
    found = [
        f"{path.relative_to(SERVICES)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted(SERVICES.rglob("*.py"))
        for text in [path.read_text(encoding="utf-8")]
        for match in literal.finditer(text)
    ]
    assert found == []


def test_a_local_subscriber_gets_this_nodes_events_only() -> None:
    bus = InProcessBus()
    mine: list[LiveEvent] = []
    everyone: list[LiveEvent] = []
    bus.subscribe(LiveEvent, mine.append, local=True)
    bus.subscribe(LiveEvent, everyone.append)

    bus.publish(ONLINE)
    bus.deliver(METER)  # from another node: billed there, not here

    assert mine == [ONLINE]
    assert everyone == [ONLINE, METER]
    bus.unsubscribe(LiveEvent, mine.append)
    bus.publish(ONLINE)
    assert mine == [ONLINE]
