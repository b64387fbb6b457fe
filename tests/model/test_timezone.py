"""spec.timezone: an IANA zone as ``zoneinfo.available_timezones()`` lists it, checked one
name at a time (the list opens every file of the zoneinfo tree); not the host's own zone
(``localtime``) or ``Factory``, which the list may hold and Kubernetes' tzdata does not."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest

from compiler.model.cluster import _NOT_ZONE_NAMES, _is_zone

NOT_LISTED = [
    "",
    "Europe",
    "europe/zurich",
    "Europe/Zurich ",
    "posixrules",
    "posix/UTC",
    "right/UTC",
    "../etc/passwd",
    "/etc/localtime",
    "UTC/",
    "Europe//Zurich",
    "zone.tab",
    "a\x00b",
    "a" * 5_000,
]


def test_every_listed_zone_is_a_zone() -> None:
    listed = sorted(available_timezones() - _NOT_ZONE_NAMES)
    assert len(listed) > 300  # the machine has its zone data
    assert [zone for zone in listed if not _is_zone(zone)] == []


@pytest.mark.parametrize("value", ["localtime", "Factory"])
def test_the_hosts_own_zone_and_factory_are_no_zones(value: str) -> None:
    """Debian's zoneinfo links localtime to /etc/localtime, and the list takes it for a
    zone; a CronJob's timeZone is looked up in the tzdata Kubernetes embeds."""
    assert not _is_zone(value)


@pytest.mark.parametrize("value", NOT_LISTED)
def test_what_the_list_leaves_out_is_not_a_zone(value: str) -> None:
    assert value not in available_timezones()
    assert not _is_zone(value)
