# plunger-test: both
# The watchdog is fed only while every critical task checks in on time.
from store.watchdog import WatchdogGate, reset_was_watchdog
from testkit import raises


class FakeWdt:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


DEADLINES = {"delivery": 1000, "stepper": 1000, "ui": 3000, "console": 3000}


def test_fed_while_all_tasks_check_in():
    wdt = FakeWdt()
    g = WatchdogGate(wdt, 0, DEADLINES)
    for t in range(0, 10000, 500):
        for name in DEADLINES:
            g.checkin(name, t)
        assert g.feed(t) == []
    assert wdt.feeds == 20


def test_one_late_task_starves_the_watchdog():
    wdt = FakeWdt()
    g = WatchdogGate(wdt, 0, DEADLINES)
    for t in range(0, 5000, 500):
        for name in ("delivery", "ui", "console"):
            g.checkin(name, t)
        late = g.feed(t)
    assert late == ["stepper"]
    assert wdt.feeds == 3  # 0, 500, 1000 ms: still inside the stepper's deadline


def test_development_flag_means_no_wdt_but_still_reports():
    g = WatchdogGate(None, 0, DEADLINES)
    assert g.feed(5000) == ["console", "delivery", "stepper", "ui"]


def test_unknown_task_is_a_bug():
    g = WatchdogGate(FakeWdt(), 0, DEADLINES)
    raises(ValueError, g.checkin, "blinker", 0)


def test_watchdog_reset_is_detected():
    assert reset_was_watchdog(3, 3) and not reset_was_watchdog(1, 3)
