# plunger-test: both
# Alarms: priorities, escalation, acknowledgement, persistence across resets.
from fakes_flash import FakeFlash
from store.alarms import HIGH, LOW, MEDIUM, AlarmManager
from testkit import raises


def test_raise_ack_and_delivery_block():
    log = []
    am = AlarmManager(FakeFlash(), lambda k, d: log.append((k, d)))
    am.load(0)
    assert not am.delivery_blocked() and am.active() == []
    am.raise_alarm("low_reservoir", 0, "20 U left")
    assert not am.delivery_blocked()
    am.raise_alarm("occlusion", 5, "no progress")
    assert am.delivery_blocked()
    assert [a[0] for a in am.active()] == ["occlusion", "low_reservoir"]
    assert am.active()[0][1] == HIGH and am.active()[1][1] == MEDIUM
    assert am.acknowledge("occlusion", 9) and not am.acknowledge("occlusion", 9)
    assert not am.delivery_blocked()
    assert [k for k, _ in log] == ["alarm", "alarm", "ack"]


def test_every_stopping_alarm_blocks():
    for aid in ("occlusion", "empty", "motor_fault", "config_error", "uncertain_delivery",
                "watchdog_reset", "task_died"):
        am = AlarmManager(FakeFlash())
        am.load(0)
        am.raise_alarm(aid, 0)
        assert am.delivery_blocked(), aid
    for aid in ("low_reservoir", "low_battery", "no_time", "button_stuck"):
        am = AlarmManager(FakeFlash())
        am.load(0)
        am.raise_alarm(aid, 0)
        assert not am.delivery_blocked(), aid


def test_unacknowledged_alarms_survive_a_reset():
    flash = FakeFlash()
    am = AlarmManager(flash)
    am.load(0)
    am.raise_alarm("empty", 0, "syringe empty")
    am.raise_alarm("no_time", 0)
    am.acknowledge("no_time", 1)
    am2 = AlarmManager(flash.reboot())
    assert am2.load(0) == [("empty", HIGH, "syringe empty")]
    assert am2.delivery_blocked()


def test_raising_twice_is_one_alarm():
    am = AlarmManager(FakeFlash())
    am.load(0)
    assert am.raise_alarm("empty", 0)
    assert not am.raise_alarm("empty", 10, "again")
    assert len(am.active()) == 1 and am.active()[0][2] == "again"


def test_reminders_escalate_until_acknowledged():
    am = AlarmManager(FakeFlash())
    am.load(0)
    am.raise_alarm("occlusion", 0)
    times = []
    t = 0
    while t < 10 * 60000 and len(times) < 8:
        if am.due(t):
            times.append(t)
        t += 1000
    gaps = [times[i + 1] - times[i] for i in range(len(times) - 1)]
    assert times[0] == 0
    assert gaps[0] == 60000 and gaps[1] == 30000 and gaps[2] == 15000 and gaps[3] == 15000
    am.acknowledge("occlusion", t)
    assert am.due(t + 10 ** 6) == []


def test_priorities_order_the_announcements():
    am = AlarmManager(FakeFlash())
    am.load(0)
    am.raise_alarm("no_time", 0)
    am.raise_alarm("empty", 0)
    assert [d[1] for d in am.due(0)] == [HIGH, LOW]


def test_damaged_alarms_file_stops_delivery():
    for raw in (b"{", b'{"active": [["nope", ""]]}', b'{"active": 3}', b"\xff\xfe", b"[]",
                b'00000000 {"active": []}', b'zzzzzzzz {"active": []}'):
        am = AlarmManager(FakeFlash({"/alarms.json": raw}))
        am.load(0)
        assert am.delivery_blocked() and am.active()[0][0] == "storage_error", raw


def test_unknown_id_is_a_bug():
    am = AlarmManager(FakeFlash())
    am.load(0)
    raises(ValueError, am.raise_alarm, "fire", 0)
