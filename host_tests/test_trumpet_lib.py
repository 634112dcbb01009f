# Trumpet-curve math (tools/trumpet_lib.py) against hand-computed examples.
import pytest

import trumpet_lib as tl


def linear_readings(rate_ml_per_h, end_s=7200, step_s=30):
    return [(t, rate_ml_per_h * t / 3600.0) for t in range(0, end_s + 1, step_s)]


def test_perfect_linear_delivery_has_zero_error():
    grid = tl.grid_from_readings(linear_readings(0.6))
    r = tl.analyse(grid, 0.6)
    assert r["overall_mean_error_pct"] == pytest.approx(0, abs=1e-9)
    for p in tl.WINDOWS_MIN:
        assert r["windows"][p]["max_pct"] == pytest.approx(0, abs=1e-9)
        assert r["windows"][p]["min_pct"] == pytest.approx(0, abs=1e-9)
    assert len(r["flows"]) == 120


def test_constant_over_delivery_is_the_overall_error():
    # The pump delivers 10 % more than set, evenly: every figure is +10 %.
    r = tl.analyse(tl.grid_from_readings(linear_readings(1.1)), 1.0)
    assert r["overall_mean_error_pct"] == pytest.approx(10)
    assert r["windows"][31]["min_pct"] == pytest.approx(10)
    assert r["windows"][2]["max_pct"] == pytest.approx(10)


def pulse_pair_readings():
    # Nominal 0.06 mL/h = 0.0005 g per 30 s, except that the sample ending at
    # 5400 s gets a double share and the one ending at 5430 s gets nothing.
    readings, mass = [(0, 0.0)], 0.0
    for t in range(30, 7201, 30):
        mass += {5400: 0.001, 5430: 0.0}.get(t, 0.0005)
        readings.append((t, mass))
    return readings


def test_known_pulse_pattern_gives_hand_computed_window_errors():
    r = tl.analyse(tl.grid_from_readings(pulse_pair_readings()), 0.06)
    # Overall the two samples cancel out.
    assert r["overall_mean_error_pct"] == pytest.approx(0, abs=1e-9)
    # A 2-minute window is 4 samples: one that holds only the double sample
    # errs by +100 % / 4; only the empty one, -100 % / 4.
    assert r["windows"][2]["max_pct"] == pytest.approx(25)
    assert r["windows"][2]["min_pct"] == pytest.approx(-25)
    assert r["windows"][2]["count"] == 117
    # 19 minutes = 38 samples; the pair are samples 60 and 61 of 120, so a
    # window ending at 60 or starting at 61 still fits in the hour.
    assert r["windows"][19]["max_pct"] == pytest.approx(100 / 38)
    assert r["windows"][19]["min_pct"] == pytest.approx(-100 / 38)
    # 31 minutes = 62 samples: every such window in the hour holds both
    # samples (it would have to end at 60 or start at 61), so no error shows.
    assert r["windows"][31]["max_pct"] == pytest.approx(0, abs=1e-9)
    assert r["windows"][31]["min_pct"] == pytest.approx(0, abs=1e-9)
    assert r["windows"][31]["count"] == 59


def test_a_step_timeline_with_even_steps_has_zero_error():
    # One step every 10 s, 3 per sample: the flow is exactly 360 steps/h.
    mlps = tl.ml_per_step(57.89, 1.25, 200, 16)
    steps = [10 * k for k in range(1, 721)]
    r = tl.analyse(tl.grid_from_steps(steps, mlps), mlps * 360)
    assert r["overall_mean_error_pct"] == pytest.approx(0, abs=1e-9)
    assert r["windows"][2]["max_pct"] == pytest.approx(0, abs=1e-9)


def test_a_step_landing_on_a_sample_time_counts_in_that_sample():
    grid = tl.grid_from_steps([30, 31], 0.5, end_s=60)
    assert grid == [(0, 0.0), (30, 0.5), (60, 1.0)]


def test_irregular_readings_are_interpolated():
    readings = [(t * 7.3, 0.3 * t * 7.3 / 3600) for t in range(0, 1000)]
    r = tl.analyse(tl.grid_from_readings(readings), 0.3)
    assert r["windows"][5]["max_pct"] == pytest.approx(0, abs=1e-6)


def test_density_converts_mass_to_volume():
    # 0.998 g/mL water: 0.998 g per hour is 1 mL/h.
    r = tl.analyse(tl.grid_from_readings(linear_readings(0.998)), 1.0, density_g_per_ml=0.998)
    assert r["overall_mean_error_pct"] == pytest.approx(0, abs=1e-9)


def test_readings_that_stop_early_are_refused():
    with pytest.raises(ValueError, match="cover"):
        tl.grid_from_readings(linear_readings(1.0, end_s=6000))


def test_a_window_longer_than_the_period_is_refused():
    with pytest.raises(ValueError, match="window"):
        tl.analyse(tl.grid_from_readings(linear_readings(1.0)), 1.0, windows_min=(61,))


def test_zero_rate_is_refused():
    with pytest.raises(ValueError):
        tl.analyse(tl.grid_from_readings(linear_readings(1.0)), 0)


def test_default_mechanics_volume_per_step():
    # BD 3 mL (57.89 mm^2), M8 (1.25 mm), 200 x 16: 0.0226 uL per microstep,
    # about 442 microsteps per U-100 unit (10 uL).
    v = tl.ml_per_step(57.89, 1.25, 200, 16)
    assert v == pytest.approx(57.89 * 1.25 / 3200 / 1000)
    assert 0.010 / v == pytest.approx(442.2, abs=0.1)


def test_summary_is_rounded_and_has_every_window():
    s = tl.summary(tl.analyse(tl.grid_from_readings(pulse_pair_readings()), 0.06))
    assert set(s["windows_min"]) == {"2", "5", "11", "19", "31"}
    assert s["windows_min"]["2"] == {"max_pct": 25.0, "min_pct": -25.0}
