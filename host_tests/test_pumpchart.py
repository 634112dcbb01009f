# The delivery chart's data (tools/pumprecord.py) and drawing
# (tools/pumpchart.py), on records made here and on a journal written by the
# firmware's own store code; `pumpctl chart` errors over a pty. CPython only
# (matplotlib). The chart from the real firmware in the simulator is in
# test_pumpctl_chart_sim.py.
import csv
import io
import json
import math
import os

import chart_cmd
import pumpchart
import pumpctl_lib
import pumprecord
import pytest
from test_pumpctl import PtyPump, run

T0 = 1780272000  # 2026-06-01T00:00:00Z


def rec(seq, t_s, rkind, **data):
    """A journal record at wall time t_s, one boot starting at T0."""
    return (seq, t_s, (t_s - T0) * 1000, rkind, data)


def day_records():
    return [
        rec(0, T0, "boot"),
        rec(1, T0 + 3600, "basal", mu=800),  # 0.8 U/h for an hour
        rec(2, T0 + 5400, "basal", mu=400),
        rec(3, T0 + 5400, "suspend"),
        rec(4, T0 + 7200, "resume"),
        rec(5, T0 + 9000, "basal", mu=400),  # over 1 h, half of it suspended: 0.8 U/h
        rec(6, T0 + 9000, "bolus_start", kind="normal", now_mu=2000, extended_mu=0,
            duration_min=0),
        rec(7, T0 + 9080, "bolus_end", kind="normal", delivered_mu=1999, cancelled=False),
        rec(8, T0 + 10800, "basal", mu=400),
        rec(8, T0 + 10800, "temp_start", percent=150, duration_min=60),
        rec(9, T0 + 10800, "bolus_start", kind="combo", now_mu=1000, extended_mu=1000,
            duration_min=60),
        rec(10, T0 + 14400, "basal", mu=1350),
        rec(11, T0 + 14400, "temp_end", why="done"),
        rec(12, T0 + 14400, "bolus_end", kind="combo", delivered_mu=2000, cancelled=False),
        rec(13, T0 + 15000, "alarm", id="occlusion", detail="blocked"),
        rec(14, T0 + 15000, "stop", reason="occlusion"),
    ]


PROFILES = {"default": [[0, 800], [180, 1000]]}


def test_basal_intervals_and_rates_leave_out_suspended_time():
    day = pumprecord.build_day(day_records(), T0, T0 + 6 * 3600, profiles=PROFILES,
                               active_profile="default")
    rates = [(t0 - T0, t1 - T0, round(r), mu) for t0, t1, r, mu in day.delivered]
    assert rates == [(0, 3600, 800, 800), (3600, 5400, 800, 400), (5400, 9000, 800, 400),
                     (9000, 10800, 800, 400), (10800, 14400, 1350, 1350)]
    assert day.off == [(T0 + 5400, T0 + 7200, "suspended"),
                       (T0 + 15000, T0 + 6 * 3600, "stopped: occlusion")]
    assert day.temps == [(T0 + 10800, T0 + 14400, "150 %")]
    assert day.alarms == [(T0 + 15000, "occlusion", "blocked")]
    t = day.totals
    assert t["basal_mu"] == 3350 and t["bolus_mu"] == 3999 and t["total_mu"] == 7349
    assert t["bolus_by_kind_mu"] == {"normal": 1999, "extended": 0, "combo": 2000}
    assert t["temp_min"] == 60 and t["off_min"] == 30 + 110 and t["alarms"] == 1


def test_a_basal_interval_across_the_span_start_counts_its_share():
    day = pumprecord.build_day(day_records(), T0 + 1800, T0 + 5400)
    assert [(t0 - T0, t1 - T0, mu) for t0, t1, _, mu in day.delivered] == \
        [(1800, 3600, 400), (3600, 5400, 400)]
    assert day.totals["basal_mu"] == 800


def test_an_interval_across_the_span_end_is_shared_by_the_schedule():
    # 23:30 to 00:30 at 0.6 then 0.8 U/h: 300 + 400 mU, of which 300 fall
    # before midnight (time alone would say 350).
    recs = [rec(0, T0, "boot"), rec(1, T0 + 23 * 3600 + 1800, "basal", mu=500),
            rec(2, T0 + 24 * 3600 + 1800, "basal", mu=700)]
    day = pumprecord.build_day(recs, T0 + 12 * 3600, T0 + 24 * 3600,
                               profiles={"default": [[0, 800], [60, 600]]},
                               active_profile="default")
    last = day.delivered[-1]
    assert (last[0] - T0, last[1] - T0, last[3]) == (23 * 3600 + 1800, 24 * 3600, 300)
    assert round(last[2]) == 600
    assert day.scheduled[-1] == (T0 + 24 * 3600, 600)  # the line ends, no step at its end


def test_estimated_basal_at_boot_is_a_point_in_the_totals():
    recs = [rec(0, T0, "boot"), rec(1, T0, "basal", estimate=1, mu=134),
            rec(2, T0 + 3600, "basal", mu=800)]
    day = pumprecord.build_day(recs, T0, T0 + 3600)
    assert day.estimates == [(T0, 134)]
    assert day.delivered == [(T0, T0 + 3600, 800.0, 800)]
    assert day.totals["basal_mu"] == 934 and day.totals["basal_estimated_mu"] == 134


def test_scheduled_line_follows_segments_selections_and_edits():
    recs = [rec(0, T0, "boot"),
            rec(1, T0 + 3600, "profile", name="night", segments=[[0, 300]]),
            rec(2, T0 + 7200, "profile", name="night"),
            rec(3, T0 + 10800, "profile", name="default", segments=[[0, 700]]),
            rec(4, T0 + 14400, "profile", name="default")]
    day = pumprecord.build_day(recs, T0, T0 + 18000, profiles={"default": [[0, 900], [60, 1100]],
                                                             "night": [[0, 300]]})
    # default's shape before its edit at 3:00 is unknown: no line (None) from
    # the start; "night" selected at 2:00; default again (edited) at 4:00.
    assert [(t - T0, r) for t, r in day.scheduled] == [(0, None), (7200, 300), (14400, 700),
                                                       (18000, 700)]
    assert day.profile_marks == [(T0 + 7200, "night"), (T0 + 14400, "default")]


def test_scheduled_line_in_local_time():
    day = pumprecord.build_day([rec(0, T0, "boot"), rec(1, T0 + 7200, "basal", mu=1)],
                               T0, T0 + 7200, profiles={"default": [[0, 500], [60, 900]]},
                               active_profile="default", utc_offset_min=60)
    # 01:00 local is 00:00 UTC: the 60-minute segment starts at T0 itself.
    assert [(t - T0, r) for t, r in day.scheduled] == [(0, 900), (7200, 900)]


def test_iob_uses_the_firmwares_curve():
    from delivery.iob import Curve

    day = pumprecord.build_day(day_records(), T0, T0 + 6 * 3600, dia_min=360, peak_min=75)
    at = dict(day.iob)
    t = T0 + 9000 + 3600  # an hour after the normal bolus, the combo half-way
    combo_ext = sum(1000 / 12 * Curve(360, 75).remaining((t - (T0 + 10800 + (i + 1) * 300)) * 1000)
                    for i in range(12) if T0 + 10800 + (i + 1) * 300 <= t)
    want = (1999 * Curve(360, 75).remaining(3600 * 1000) +
            1000 * Curve(360, 75).remaining(1800 * 1000) + combo_ext)
    assert math.isclose(at[t], want, rel_tol=1e-9)


def test_empty_spans_are_clear_errors():
    with pytest.raises(pumprecord.RecordError, match="no delivery records between"):
        pumprecord.build_day(day_records(), T0 + 86400, T0 + 2 * 86400)
    with pytest.raises(pumprecord.RecordError, match="span is empty"):
        pumprecord.build_day(day_records(), T0 + 3600, T0)
    with pytest.raises(pumprecord.RecordError, match="no records"):
        pumprecord.build_day([])


def _csv(tmp_path, records, drop=None, name="log.csv"):
    buf = io.StringIO()
    pumpctl_lib.write_history_csv([pumprecord.normalize(r) for r in records], buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    if drop:
        i = rows[0].index(drop)
        rows = [r[:i] + r[i + 1:] for r in rows]
    path = tmp_path / name
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def test_csv_round_trip_gives_the_same_day(tmp_path):
    path = _csv(tmp_path, day_records())
    a = pumprecord.build_day(pumprecord.read_csv(path), T0, T0 + 6 * 3600)
    b = pumprecord.build_day(day_records(), T0, T0 + 6 * 3600)
    assert a.totals == b.totals and a.delivered == b.delivered


def test_csv_missing_column_and_bad_row_are_named(tmp_path):
    path = _csv(tmp_path, day_records(), drop="kind")
    with pytest.raises(pumprecord.RecordError, match="missing column kind"):
        pumprecord.read_csv(path)
    good = _csv(tmp_path, day_records())
    with open(good) as f:
        lines = f.read().splitlines()
    lines[3] = lines[3].replace('"{', '"[{')
    with open(good, "w") as f:
        f.write("\n".join(lines) + "\n")
    with pytest.raises(pumprecord.RecordError, match=r"log.csv:4: bad record"):
        pumprecord.read_csv(good)


def test_drawn_bars_are_the_totals(tmp_path):
    day = pumprecord.build_day(day_records(), T0, T0 + 6 * 3600, profiles=PROFILES,
                               active_profile="default")
    plotted = pumpchart.draw(day, str(tmp_path / "c.png"))
    # Heights read back from matplotlib's own bar artists, in U.
    assert math.isclose(sum(plotted["bar_heights_u"]), day.totals["bolus_mu"] / 1000.0)
    assert [(k, n, e) for k, _, n, e in plotted["bars"]] == [("normal", 1999, 0),
                                                              ("combo", 1000, 1000)]
    assert sum(mu for _, _, _, mu in plotted["delivered"]) == day.totals["basal_measured_mu"]
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pumpchart.draw(day, str(tmp_path / "c.svg"))
    assert b"<svg" in (tmp_path / "c.svg").read_bytes()[:400]
    with pytest.raises(pumprecord.RecordError, match="png or svg"):
        pumpchart.draw(day, str(tmp_path / "c.gif"))


def test_chart_from_a_journal_the_firmware_wrote(tmp_path):
    from store.fs import DeviceFs
    from store.journal import Journal

    j = Journal(DeviceFs(str(tmp_path)))
    j.read()
    for r in day_records():
        j.append(r[1], r[2], r[3], r[4])
    (tmp_path / "config.json").write_text(json.dumps({
        "profiles": PROFILES, "active_profile": "default",
        "insulin": {"dia_min": 300, "peak_min": 60}, "ui": {"utc_offset_min": 0}}))
    day, plotted = pumpchart.chart_flash(str(tmp_path), str(tmp_path / "sim.png"))
    assert day.totals["total_mu"] == 7349 and (tmp_path / "sim.png").exists()
    assert day.scheduled[0] == (T0, 800)


def test_cli_chart_from_csv_and_its_errors(tmp_path):
    path = _csv(tmp_path, day_records())
    code, out, err = run(["chart", "--csv", path, "-o", str(tmp_path / "c.png"), "--json"])
    assert code == 0, err
    assert json.loads(out)["totals"]["total_mu"] == 7349
    code, out, err = run(["chart", "--csv", path, "--since", "2026-07-01", "--hours", "2",
                          "-o", str(tmp_path / "d.png")])
    assert code == 2 and "no delivery records between" in err
    assert not (tmp_path / "d.png").exists()
    code, out, err = run(["chart", "--csv", path, "--hours", "0"])
    assert code == 2 and "span is empty" in err
    code, out, err = run(["chart", "--csv", _csv(tmp_path, day_records(), drop="data",
                                                   name="nodata.csv")])
    assert code == 2 and "missing column data" in err
    code, out, err = run(["chart", "--csv", str(tmp_path / "none.csv")])
    assert code == 2 and "cannot read" in err
    code, out, err = run(["chart", "--csv", path, "--since", "yesterday"])
    assert code == 2 and "--since 'yesterday'" in err
    assert run(["chart", "--hours", "1", "--days", "1", "--csv", path])[0] == 2


def test_cli_chart_over_the_console(tmp_path):
    with PtyPump() as pump:
        pump.facade.records = [(i, r[1], r[2], r[3], r[4]) for i, r in enumerate(day_records())]
        pump.facade.wall = T0 + 6 * 3600
        code, out, err = run(["--port", pump.path, "--keep-clock", "--json", "chart", "--hours",
                              "6", "-o", str(tmp_path / "c.png")])
        assert code == 0, err
        assert ("history", None, T0) in pump.facade.calls
        assert json.loads(out)["totals"]["total_mu"] == 7349
        pump.facade.wall = None
        code, out, err = run(["--port", pump.path, "--keep-clock", "chart"])
        assert code == 2 and "no wall time" in err


def test_cli_chart_from_a_pump_that_does_not_answer(tmp_path):
    master, slave = os.openpty()
    import tty

    tty.setraw(slave)
    try:
        code, out, err = run(["--timeout", "0.3", "--port", os.ttyname(slave), "chart",
                              "-o", str(tmp_path / "c.png")])
    finally:
        os.close(slave)
        os.close(master)
    assert code == 3 and "no reply" in err
    assert not (tmp_path / "c.png").exists()


def test_span_options():
    class A:
        hours = days = since = None

    a = A()
    assert chart_cmd.span(a, T0, 24) == (T0 - 86400, T0)
    a.days = 3
    assert chart_cmd.span(a, T0, 24) == (T0 - 3 * 86400, T0)
    a.days, a.since, a.hours = None, "2026-06-01T06:00", 2
    assert chart_cmd.span(a, T0 + 86400, 24) == (T0 + 6 * 3600, T0 + 8 * 3600)
    a.hours = None
    assert chart_cmd.span(a, T0 + 86400, 24) == (T0 + 6 * 3600, T0 + 86400)


def test_simulator_headless_run_writes_the_chart_of_its_record(tmp_path):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (tmp_path / "s.txt").write_text("00:10:00 console bolus 0.5\n00:10:01 press ok 2000\n")
    res = subprocess.run([sys.executable, os.path.join(root, "tools", "sim", "sim.py"),
                          "--headless", "--hours", "1.1", "--script", str(tmp_path / "s.txt"),
                          "--chart", str(tmp_path / "run.svg")], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    line = [x for x in res.stdout.splitlines() if x.startswith("sim: chart")]
    assert line and ("bolus 0.499 U" in line[0] or "bolus 0.500 U" in line[0]), res.stdout[-1500:]
    assert b"<svg" in (tmp_path / "run.svg").read_bytes()[:400]
