import datetime as dt

import pytest

from chassis import thai
from chassis.auth import Principal
from chassis.config import substitute_env
from chassis.errors import Forbidden
from chassis.messaging import MAX_BACKOFF_SECONDS, backoff_seconds


@pytest.mark.parametrize("satang, text", [
    (0, "0.00 บาท"), (10000, "100.00 บาท"), (123450, "1,234.50 บาท"), (-500, "-5.00 บาท"),
    (100000000, "1,000,000.00 บาท"),
])
def test_amounts_read_as_thai_readers_expect(satang, text):
    assert thai.format_baht(satang) == text


def test_dates_are_in_the_buddhist_era_and_bangkok_time():
    assert thai.thai_date(dt.date(2023, 5, 30)) == "30 พฤษภาคม 2566"
    # 20:00 UTC on 29 May is already 30 May in Bangkok
    assert thai.thai_date(dt.datetime(2023, 5, 29, 20, 0, tzinfo=dt.timezone.utc)) == "30 พฤษภาคม 2566"
    assert thai.thai_month(2023, 5) == "พฤษภาคม 2566"


def test_config_substitutes_environment_variables_with_defaults():
    text = "a: ${A:1}\nb: ${B:pyamqp://g:g@h:5672/}\nc: ${C}"
    assert substitute_env(text, {"C": "x"}) == "a: 1\nb: pyamqp://g:g@h:5672/\nc: x"
    with pytest.raises(KeyError):
        substitute_env("${MISSING}", {})


def test_backoff_grows_and_is_capped():
    assert all(0 <= backoff_seconds(1) <= 0.2 for _ in range(50))
    assert all(0 <= backoff_seconds(30) <= MAX_BACKOFF_SECONDS for _ in range(50))


def test_principal_refuses_kinds_it_is_not():
    officer = Principal("officer", "x")
    assert officer.require("officer", "operator") is officer
    with pytest.raises(Forbidden):
        officer.require("operator")


def test_entrypoints_are_labelled_by_kind_including_subclasses():
    from nameko.timer import Timer

    from chassis.dependencies import entrypoint_kind
    from chassis.http import JsonHttpHandler
    from chassis.messaging import EventConsumer
    from contracts import marketplace

    from chassis.service import ConfiguredTimer

    class OwnTimer(Timer):
        pass

    assert entrypoint_kind(JsonHttpHandler("GET", "/x")) == "http"
    assert entrypoint_kind(EventConsumer(marketplace.ORDER_PAID)) == "event"
    assert entrypoint_kind(OwnTimer(interval=1)) == "timer"
    assert entrypoint_kind(ConfiguredTimer("retention_interval_s")) == "timer"


def test_a_configured_timer_takes_its_interval_from_the_settings_and_is_off_at_zero():
    from chassis.app import App
    from chassis.service import ConfiguredTimer
    from chassis.settings import PlatformSettings

    class Container:  # what a timer uses of nameko's (weak-referenceable)
        def __init__(self, config):
            self.config, self.spawned, self.shared_extensions = config, [], {}

            class Service:
                @staticmethod
                def bootstrap(config):
                    return App(PlatformSettings.from_config(config), None, {})
            self.service_cls = Service

        def spawn_managed_thread(self, run, **kwargs):
            self.spawned.append(run)

    off = Container({"RETENTION_INTERVAL_S": "0"})
    timer = ConfiguredTimer("retention_interval_s").bind(off, "method")
    timer.setup()
    timer.start()
    timer.stop()  # never started: nothing to stop
    assert timer.interval == 0 and off.spawned == []
    default = Container({"RETENTION_INTERVAL_S": ""})
    on = ConfiguredTimer("retention_interval_s").bind(default, "method")
    on.setup()
    assert on.interval == 3600


# -- HTTP input that PostgreSQL cannot store is a 400, not a 500 (found by schemathesis) -----------
def test_a_nul_character_anywhere_in_the_input_is_invalid_input():
    from marshmallow import fields

    from chassis.errors import InvalidInput
    from chassis.schemas import Strict, load

    class Body(Strict):
        name = fields.String()
        tags = fields.List(fields.String())

    with pytest.raises(InvalidInput) as refused:
        load(Body(), {"name": "ข้าว\x00", "tags": ["ok", "x\x00"]})
    assert set(refused.value.fields) == {"name", "tags.1"}
    assert load(Body(), {"name": "ข้าว"}) == {"name": "ข้าว"}


def test_a_timestamp_offset_beyond_any_time_zone_is_invalid_input():
    from marshmallow import Schema

    from chassis.errors import InvalidInput
    from chassis.schemas import Timestamp, load

    class Query(Schema):
        since = Timestamp()

    assert load(Query(), {"since": "2026-01-15T09:30:00+07:00"})["since"].utcoffset() == dt.timedelta(hours=7)
    for offset in ("+16:49", "-19:04"):
        with pytest.raises(InvalidInput):
            load(Query(), {"since": f"2026-01-15T09:30:00{offset}"})


def test_settings_take_typed_values_from_config_and_defaults_for_empty_ones():
    from dataclasses import dataclass

    from chassis.settings import PlatformSettings

    @dataclass(frozen=True)
    class Settings(PlatformSettings):
        repair: bool = False
        token: str | None = None
        name: str = "x"

    assert Settings.from_config({}) == Settings()
    given = Settings.from_config({"REPAIR": "true", "TOKEN": "", "NAME": 12345, "OUTBOX_BATCH": "50",
                                  "DB_POOL_SIZE": None, "UNRELATED": "kept out"})
    assert (given.repair, given.token, given.name, given.outbox_batch, given.db_pool_size) == (
        True, None, "12345", 50, None)
    for bad in ({"OUTBOX_BATCH": "1.5"}, {"REPAIR": "perhaps"}, {"OUTBOX_POLL_SECONDS": "soon"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Settings.from_config(bad)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_cached_principal_is_trusted_for_its_seconds_and_never_past_its_tokens_expiry():
    from chassis.auth import Principal, PrincipalCache
    clock, officer = Clock(), Principal("officer", "o-1")
    cache = PrincipalCache(5, clock=clock)
    cache.put("lasting", officer)
    cache.put("expiring", officer, seconds_left=2)
    clock.now += 1.9
    assert cache.get("lasting") == officer and cache.get("expiring") == officer
    clock.now += 0.2
    assert cache.get("expiring") is None and cache.get("lasting") == officer
    clock.now += 3
    assert cache.get("lasting") is None


def test_a_forgotten_token_is_read_again_and_a_cache_of_zero_seconds_keeps_nothing():
    from chassis.auth import Principal, PrincipalCache
    cache = PrincipalCache(5, clock=Clock())
    cache.put("token", Principal("operator"))
    cache.forget("token")
    assert cache.get("token") is None
    none = PrincipalCache(0, clock=Clock())
    none.put("token", Principal("operator"))
    assert none.get("token") is None


def test_the_principal_cache_is_bounded_and_drops_its_oldest_entry_first():
    from chassis.auth import Principal, PrincipalCache
    cache = PrincipalCache(5, capacity=2, clock=Clock())
    for name in ("first", "second", "third"):
        cache.put(name, Principal("operator"))
    assert cache.get("first") is None and cache.get("second") and cache.get("third")
