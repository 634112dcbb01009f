# plunger-test: both
# Occlusion: how much is missed before the alarm. A simulated blocked line
# (BlockedLine: the force rises by grams_per_step for every step pushed into
# it) behind the real HX711 driver, the real Occlusion policy and the real
# soft stepper, all on virtual time. Missed = steps pushed after the line
# blocked until the motor stopped, in milliunits.
#
# grams_per_step comes from the line's compliance C: one microstep pushes
# 0.0226 uL (BD 3 mL, 57.89 mm^2, M8, 3200 steps/rev); the pressure rises
# 0.0226 / C kPa and the force that pressure x 57.89 mm^2. C = 0.05 uL/kPa
# (a short stiff line, no air) gives 2.67 g/step; C = 0.2 uL/kPa (long soft
# tubing or a small bubble) 0.67 g/step. Measure yours: block the line and
# watch force_g() per step.
import asyncio

from drivers import stepper
from drivers.hx711 import HX711
from drivers.occlusion import BOTH, FORCE, NONE, STALLGUARD, Occlusion
from fakes_hw import BlockedLine, FakeHX711, FakePin, StepperObserver, UsClock, stepper_cfg
from testkit import run_async
from vclock import VirtualClock

STEPS_PER_U = 442
# The app samples the HX711 at 10 Hz; at basal rates (under 0.7 steps/s)
# once a second changes the figures by under one step and keeps the
# MicroPython run short.
BOLUS_SAMPLE_MS = 100
BASAL_SAMPLE_MS = 1000


def measure(rate_mu_per_h=None, bolus_mu_per_min=None, grams_per_step=2.67,
            threshold_g=300, noise_g=20, pushed_before_ms=600000):
    """Missed milliunits between the line blocking and the motor stopping."""
    cfg = stepper_cfg()
    clock = VirtualClock()
    us = UsClock(clock)
    step, dirp, en = FakePin(), FakePin(), FakePin()
    st = stepper.SoftStepper(step, dirp, en, cfg, clock, delay_us=us.delay_us)
    obs = StepperObserver(step, dirp, en, cfg, us)
    line = BlockedLine(obs, grams_per_step, noise_g=noise_g)
    dout, sck = FakePin(), FakePin()
    FakeHX711(dout, sck, line.counts)
    occ = Occlusion(force=HX711(dout, sck), threshold_g=threshold_g, counts_per_g=line.counts_per_g)
    if bolus_mu_per_min is not None:
        rate_hz = bolus_mu_per_min * STEPS_PER_U / 60000
        pushed_before_ms = 2000  # bolus into a line that blocks 2 s in
    else:
        rate_hz = rate_mu_per_h * STEPS_PER_U / 3600000
    sample_ms = BOLUS_SAMPLE_MS if bolus_mu_per_min is not None else BASAL_SAMPLE_MS
    result = {}

    async def monitor():
        st.move(1, 10 ** 9, rate_hz)
        await clock.sleep_ms(sample_ms)
        assert occ.tare()
        t = sample_ms
        while True:
            await clock.sleep_ms(sample_ms)
            t += sample_ms
            if t == pushed_before_ms:
                line.occlude()
            if occ.sample(rate_hz):
                st.fault()
                result["missed_steps"] = obs.position - line.occluded_at
                result["after_ms"] = t - pushed_before_ms
                return

    async def main():
        task = asyncio.create_task(monitor())
        await clock.run_until(pushed_before_ms + 4 * 3600000)
        task.cancel()
    run_async(main())
    assert obs.errors == []
    assert st.end_reason() == stepper.FAULT and en.value() == 1
    return result["missed_steps"] * 1000 // STEPS_PER_U, result["after_ms"]


def table(threshold_g=300):
    rows = []
    for label, kw in (("0.5 U/h", {"rate_mu_per_h": 500}), ("1 U/h", {"rate_mu_per_h": 1000}),
                      ("5 U/h", {"rate_mu_per_h": 5000}),
                      ("bolus 1.5 U/min", {"bolus_mu_per_min": 1500}),
                      ("bolus 14 U/min", {"bolus_mu_per_min": 14000})):
        for gps in (2.67, 0.67):
            mu, ms = measure(grams_per_step=gps, threshold_g=threshold_g, **kw)
            rows.append((label, gps, mu, ms))
    return rows


def test_missed_before_alarm_under_half_a_unit_stiff_line():
    for kw in ({"rate_mu_per_h": 500}, {"rate_mu_per_h": 1000}, {"rate_mu_per_h": 5000},
               {"bolus_mu_per_min": 1500}):
        missed_mu, after_ms = measure(grams_per_step=2.67, **kw)
        assert 200 < missed_mu < 500, (kw, missed_mu)  # ~113 steps = 0.26 U


def test_soft_line_misses_more_and_the_figure_says_so():
    missed_mu, _ = measure(rate_mu_per_h=1000, grams_per_step=0.67)
    assert 900 < missed_mu < 1200  # ~450 steps: lower threshold_g for soft lines


def test_lower_threshold_catches_sooner():
    a, _ = measure(rate_mu_per_h=1000, grams_per_step=0.67, threshold_g=100)
    b, _ = measure(rate_mu_per_h=1000, grams_per_step=0.67, threshold_g=300)
    assert a < b and a < 500


def test_noise_alone_never_trips():
    # Friction wobbling +-250 g around the tare (150 g) stays under 300 g.
    n = [0]

    def counts():
        n[0] += 1
        wobble = 0 if n[0] == 1 else (250 if n[0] % 2 else -250)
        return 8000 + 400 * (150 + wobble)
    dout, sck = FakePin(), FakePin()
    FakeHX711(dout, sck, counts)
    occ = Occlusion(force=HX711(dout, sck), threshold_g=300, counts_per_g=400)
    assert occ.tare()
    seen = set()
    for _ in range(100):
        assert occ.sample(10) is None
        seen.add(occ.force_g())
    assert seen == {250, -250}


def test_modes_and_status_text():
    assert Occlusion().mode() == NONE
    assert Occlusion().status()["text"] == "no occlusion sensor"
    diag = FakePin()
    assert Occlusion(diag=diag).mode() == STALLGUARD
    dout, sck = FakePin(), FakePin()
    FakeHX711(dout, sck, lambda: 0)
    hx = HX711(dout, sck)
    assert Occlusion(force=hx).mode() == FORCE
    assert Occlusion(force=hx).status()["text"] == "force: not tared"
    assert Occlusion(force=hx, diag=diag).mode() == BOTH


def test_stallguard_only_trusted_at_speed():
    diag = FakePin()
    occ = Occlusion(diag=diag, sg_min_rate_hz=1000)
    diag.drive(1)  # DIAG high: stall
    assert occ.sample(10) is None  # basal speed: SG reads nothing useful
    assert occ.sample(0) is None
    assert occ.sample(2000) == STALLGUARD
    assert occ.sample(0) == STALLGUARD  # latched until reset
    diag.drive(0)
    occ.reset()
    assert occ.sample(2000) is None


def test_hx711_not_ready_returns_none_and_sign():
    dout, sck = FakePin(), FakePin()
    fake = FakeHX711(dout, sck, lambda: -5)
    hx = HX711(dout, sck)
    fake.set_ready(False)
    assert hx.read() is None
    fake.set_ready(True)
    assert hx.read() == -5
    assert fake.samples == 1
