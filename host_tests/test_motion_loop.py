# plunger-test: both
# Motion as the hardware makes it (issue 14): the real motor task, facade
# and engine driving the real PIO program on the interpreter. A bolus is one
# hardware-timed move at its rate, EN is held once per bolus, a command
# wakes the motor at once, and suspend, cancel and alarms stop it before
# they return, with the record matching the steps that really went out.
from motion_rig import MotionRig

BOLUS_MU = 500  # 0.5 U: about 221 steps, 20 s at the default 1.5 U/min


def _start_bolus(r, at_ms, mu=BOLUS_MU, marks=None):
    async def script():
        await r.clock.sleep_ms(at_ms)
        r.pump.bolus(r.clock.now_ms(), mu)
        if marks is not None:
            marks["bolus"] = r.clock.now_ms()
    return script


def _bolus_end(r):
    recs = r.pump.journal.read().records
    return [x[4] for x in recs if x[3] == "bolus_end"][-1]


def test_bolus_is_one_hardware_timed_move_at_its_rate():
    r = MotionRig()
    moves = []
    real = r.st.move_segments

    def spy(d, segs):
        moves.append(sum(c for c, _hz in segs))
        return real(d, segs)
    r.st.move_segments = spy  # move() goes through it too
    r.run_until(60000, _start_bolus(r, 5000))
    steps = r.eng.units.mu_to_steps(BOLUS_MU)
    fwd = [n for n in moves if n > 2]
    assert len(fwd) == 1 and fwd[0] >= steps - 1  # the whole bolus in one move
    per = r.periods_us(5000, 60000)
    want_us = 1e6 / r.bolus_hz()
    steady = sorted(per)[len(per) // 2]
    assert abs(steady - want_us) <= 1  # the PIO's period, to the microsecond
    assert steady >= want_us  # never faster than the stream the engine counts
    assert r.obs.errors == []
    assert _bolus_end(r)["steps"] == steps
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps


def test_enable_is_held_once_per_bolus():
    r = MotionRig()
    r.run_until(60000, _start_bolus(r, 5000))
    end_ms = [x[2] for x in r.pump.journal.read().records if x[3] == "bolus_end"][-1]
    # One enable at the first step, one release after the last (basal steps
    # that fell due in between are issued with EN still held).
    assert r.en_toggles_between(5000, end_ms + 100) == 2
    assert [v for t, v in r.en_changes if 5000 <= t <= end_ms + 100] == [0, 1]


def test_command_wakes_the_motor_first_step_when_due():
    r = MotionRig()
    marks = {}
    r.run_until(30000, _start_bolus(r, 7777, marks=marks))
    first = [t for t in r.obs.step_times_us if t >= marks["bolus"] * 1000][0]
    due_ms = 1000.0 / r.bolus_hz()  # the engine's first bolus step falls due here
    late_ms = (first - marks["bolus"] * 1000) / 1000 - due_ms
    assert late_ms <= 4  # the driver's 2 ms wake-up plus the ms the step falls in


def test_no_step_after_suspend_returns_and_record_matches():
    r = MotionRig()
    marks = {}

    async def script():
        await r.clock.sleep_ms(3000)
        r.pump.bolus(r.clock.now_ms(), BOLUS_MU)
        await r.clock.sleep_ms(6543)
        r.pump.suspend(r.clock.now_ms())
        marks["t"] = r.clock.now_ms()
        marks["steps"] = r.obs.steps
        marks["edges"] = len(r.obs.step_times_us)
    r.run_until(60000, script)
    assert r.obs.steps == marks["steps"]  # nothing after the call returned
    assert r.step.value() == 0 and r.en.value() == 1
    end = _bolus_end(r)
    assert end["cancelled"] is True
    assert end["steps"] + r.eng.basal_out == r.obs.steps
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps
    assert r.obs.errors == []


def test_cancel_bolus_stops_at_once_and_basal_goes_on():
    r = MotionRig()
    marks = {}

    async def script():
        await r.clock.sleep_ms(2000)
        r.pump.bolus(r.clock.now_ms(), BOLUS_MU)
        await r.clock.sleep_ms(4321)
        d = r.pump.cancel_bolus(r.clock.now_ms())
        marks["steps"] = r.obs.steps
        marks["d"] = d
    r.run_until(120000, script)
    end = _bolus_end(r)
    assert end["steps"] < r.eng.units.mu_to_steps(BOLUS_MU)
    # After the cancel only basal steps (0.8 U/h: one every ~10 s).
    assert r.obs.steps - marks["steps"] <= 13
    assert end["steps"] + r.eng.basal_out == r.obs.steps
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps


def test_alarm_from_another_task_stops_the_bolus_at_once():
    r = MotionRig()
    marks = {}

    async def script():
        await r.clock.sleep_ms(1000)
        r.pump.bolus(r.clock.now_ms(), BOLUS_MU)
        await r.clock.sleep_ms(5555)
        eng = r.pump.engine
        # What pump.journal_events does when flash fails, from the console's task.
        r.loop.halt("alarm")
        eng.stop_delivery(r.clock.now_ms(), "storage")
        r.pump.journal_events(r.clock.now_ms())
        r.pump.raise_alarm("storage_error", r.clock.now_ms(), "test")
        marks["steps"] = r.obs.steps
    r.run_until(30000, script)
    assert r.obs.steps - marks["steps"] == 0
    assert r.en.value() == 1
    end = _bolus_end(r)
    assert end["steps"] + r.eng.basal_out == r.obs.steps
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps


def test_raised_alarm_alone_halts_the_motion():
    r = MotionRig()
    marks = {}

    async def script():
        await r.clock.sleep_ms(1000)
        r.pump.bolus(r.clock.now_ms(), BOLUS_MU)
        await r.clock.sleep_ms(3000)
        r.pump.raise_alarm("motor_fault", r.clock.now_ms(), "driver overheated")
        marks["steps"] = r.obs.steps
    r.run_until(30000, script)
    assert r.obs.steps == marks["steps"]
    assert r.eng.steps_confirmed == r.obs.steps


def test_prime_is_streamed_with_enable_held():
    r = MotionRig()

    async def script():
        await r.clock.sleep_ms(1000)
        r.pump.suspend(r.clock.now_ms())
        await r.clock.sleep_ms(1000)
        r.pump.prime(r.clock.now_ms(), 300)
    r.run_until(30000, script)
    steps = r.eng.units.mu_to_steps(300)
    assert r.obs.steps == steps + r.eng.basal_out
    end_ms = r.obs.step_times_us[-1] // 1000
    assert r.en_toggles_between(2000, end_ms + 500) == 2
    assert r.obs.errors == []


def _never_ahead(r, t0_ms, bolus_mu):
    """Every STEP edge after t0_ms, counted, is at most what the engine can
    have handed out by then: the bolus stream's due steps plus a generous
    bound on basal ones (0.8 U/h)."""
    u = r.eng.units
    rate = r.pump.cfg["delivery"]["bolus_rate_mu_per_min"]
    total = u.mu_to_steps(bolus_mu)
    k = 0
    for t in r.obs.step_times_us:
        if t < t0_ms * 1000:
            continue
        k += 1
        m = t // 1000 - t0_ms
        due = m * rate * u.num // (60000 * u.den)
        basal = 2 + m * 800 * u.num // (3600000 * u.den)
        if k > (due if due < total else total) + basal:
            return "edge %d at %d ms is ahead of the engine (due %d)" % (k, m, due)
    return None


def test_late_start_catches_up_then_runs_phase_locked():
    # Without the wake-up the motor task finds the bolus up to 2 s late:
    # the steps already due go out at the catch-up pace, the wait for the
    # next one is timed by the PIO too, then the stream at its own period.
    r = MotionRig()
    r.pump.motor = None
    r.run_until(60000, _start_bolus(r, 1000))
    assert _never_ahead(r, 1000, BOLUS_MU) is None
    per = r.periods_us(1000, 60000)
    want = 1e6 / r.bolus_hz()
    steady = [p for p in per if abs(p - want) <= 1]
    assert len(steady) > 150  # the stream part, at its exact period
    assert min(per) >= 10000 - 1  # the catch-up never faster than 100 Hz
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps
    assert _bolus_end(r)["steps"] == r.eng.units.mu_to_steps(BOLUS_MU)


def test_config_change_mid_bolus_keeps_the_record_exact():
    r = MotionRig()

    async def script():
        await r.clock.sleep_ms(1000)
        r.pump.bolus(r.clock.now_ms(), BOLUS_MU)
        await r.clock.sleep_ms(5000)
        r.pump.config_set("reservoir.low_alert_mu", 15000)  # any change halts first
    r.run_until(60000, script)
    assert _never_ahead(r, 1000, BOLUS_MU) is None
    assert _bolus_end(r)["steps"] == r.eng.units.mu_to_steps(BOLUS_MU)  # it went on
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps
    assert [a["id"] for a in r.pump.alarms()] == []


def test_bolus_cut_by_the_hourly_limit_never_overruns_it():
    # A slow bolus that fills the hour's room exactly: the basal falling due
    # meanwhile takes room first, so the engine cuts the bolus. The stepper
    # was given only what surely fits, so nothing goes past the limit and
    # no step is issued that the engine did not hand out.
    from delivery import settings

    cfg = settings.validate(settings.DEFAULTS)
    cfg["limits"].update(max_per_hour_mu=1000, max_bolus_mu=1000, max_basal_mu_per_h=1000,
                         max_temp_basal_mu_per_h=1000)
    cfg["delivery"].update(bolus_increment_mu=10, bolus_rate_mu_per_min=100)
    r = MotionRig(config=cfg, keep=False)
    u = r.eng.units
    hour = 3600000
    moves = []
    real = r.st.move_segments

    def spy(d, segs):
        moves.append(sum(c for c, _hz in segs))
        return real(d, segs)
    r.st.move_segments = spy

    async def script():
        await r.clock.sleep_ms(2 * hour)  # the boot estimate has left the window
        now = r.clock.now_ms()
        room, _code = r.eng.room_now(now)
        r.pump.bolus(now, u.steps_to_mu(room) // 10 * 10)
    r.run_until(2 * hour + 900000, script)
    end = _bolus_end(r)
    assert end.get("why") == "max_per_hour"  # the cut did happen
    # The bolus's hardware move never held more than the engine gave it
    # (the rest of the total then matches only by counting bolus as basal).
    assert max(moves) <= end["steps"]
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps
    assert r.eng.record.sum_total(r.clock.now_ms(), hour) <= u.mu_to_steps(1000)
    assert [a["id"] for a in r.pump.alarms()] == []  # no motor fault
    assert r.obs.errors == []


def test_empty_stop_mid_bolus_counts_every_step_once():
    # The end stop ends the hardware move; the motor task raises "empty",
    # whose halt must not count the move a second time.
    r = MotionRig(empty_at=120)
    r.run_until(60000, _start_bolus(r, 2000))
    assert r.obs.position == 120 and r.obs.errors == []
    assert "empty" in [a["id"] for a in r.pump.alarms()]
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps
    assert _bolus_end(r)["steps"] + r.eng.basal_out == r.obs.steps
    assert r.en.value() == 1


def test_a_bolus_longer_than_a_record_interval_drops_no_basal():
    # 8 U at 1.5 U/min: 5 min 20 s in one hardware move. The engine takes a
    # motor task silent for 5 min for a held one and drops the basal owed,
    # so the task still asks it for what fell due during the move.
    r = MotionRig(keep=False)
    r.run_until(900000, _start_bolus(r, 10000, mu=8000))
    kinds = [x[3] for x in r.pump.journal.read().records]
    assert "basal_missed" not in kinds
    assert _bolus_end(r)["steps"] == r.eng.units.mu_to_steps(8000)
    assert r.eng.steps_confirmed == r.eng.steps_commanded == r.obs.steps
    # Basal went on through the bolus: ~0.8 U/h for 15 min, within a step.
    want = r.eng.units.mu_to_steps(800 * 900000 // 3600000)
    assert abs(r.eng.basal_out - want) <= 2
