# tools/trumpet.py: the maker's gravimetric analysis (CSV, serial lines, plot).
import json

import pytest
from PIL import Image

import trumpet


@pytest.mark.parametrize("line,grams", [
    ("  12.345 g\r\n", 12.345),
    ("ST,GS,+  12.345 g", 12.345),
    ("N     +12.3451 g", 12.3451),
    ("US,NT,-   0.012 g", -0.012),
    ("  512.5 mg", 0.5125),
    ("0.25kg", 250.0),
])
def test_balance_lines_are_parsed(line, grams):
    assert trumpet.parse_balance_line(line) == pytest.approx(grams)


@pytest.mark.parametrize("line", ["", "OL", "ST,GS,Overload", "battery 4.1 V"])
def test_lines_without_a_mass_are_ignored(line):
    assert trumpet.parse_balance_line(line) is None


def test_csv_with_header_comments_and_semicolons(tmp_path):
    p = tmp_path / "run.csv"
    p.write_text("time_s;mass_g\n# tare done\n0;1.5\n\n30;1.6\n")
    assert trumpet.read_csv(str(p)) == [(0.0, 1.5), (30.0, 1.6)]


def test_csv_with_garbage_in_the_middle_is_refused(tmp_path):
    p = tmp_path / "run.csv"
    p.write_text("0,1\nabc,def\n")
    with pytest.raises(ValueError, match=":2:"):
        trumpet.read_csv(str(p))


def test_serial_recording_stamps_readings_and_stops_on_time():
    ticks = iter(range(100, 200, 5))  # the clock advances 5 s per line read
    lines = ["ST,GS,+  1.000 g", "garbage", "ST,GS,+  1.010 g", "  1.020 g", " 1.030 g"]
    saved = []

    class Sink:
        def write(self, s):
            saved.append(s)

        def flush(self):
            pass

    got = trumpet.record_serial(lines, 12, lambda: next(ticks), Sink())
    assert got == [(5, 1.0), (15, 1.01)]
    assert saved == ["5.000,1.000000\n", "15.000,1.010000\n"]


def write_run(path, rate_ml_per_h, end_s=7230):
    with open(path, "w") as f:
        f.write("time_s,mass_g\n")
        for t in range(0, end_s + 1, 10):
            f.write("%d,%.9f\n" % (t, rate_ml_per_h * 0.998 * t / 3600))


def test_cli_figures_plot_and_json(tmp_path, capsys):
    csv_path, png, js = tmp_path / "run.csv", tmp_path / "t.png", tmp_path / "t.json"
    write_run(csv_path, 0.0105)  # 5 % over 1 U/h at U-100 (0.01 mL/h)
    code = trumpet.main(["--csv", str(csv_path), "--rate-u-per-h", "1",
                         "--plot", str(png), "--json", str(js)])
    assert code == 0
    out = capsys.readouterr().out
    assert "overall mean error (3600-7200 s): +5.00 %" in out
    figures = json.loads(js.read_text())
    assert figures["windows_min"]["31"]["min_pct"] == pytest.approx(5, abs=1e-3)
    with Image.open(png) as im:
        assert im.size == (800, 600)


def test_plot_draws_the_figures_it_was_given(tmp_path):
    import trumpet_lib

    csv_path = tmp_path / "run.csv"
    write_run(csv_path, 0.0103)
    grid = trumpet_lib.grid_from_readings(trumpet.read_csv(str(csv_path)))
    result = trumpet_lib.analyse(grid, 0.01, density_g_per_ml=0.998)
    plotted = trumpet.draw_plot(result, str(tmp_path / "t.svg"), "test")
    assert plotted["windows_min"] == [2, 5, 11, 19, 31] and plotted["band_pct"] == 5.0
    assert plotted["max_pct"] == [result["windows"][p]["max_pct"] for p in (2, 5, 11, 19, 31)]
    assert plotted["samples"] == 120  # the second hour in 30 s samples
    svg = (tmp_path / "t.svg").read_text()
    assert "<svg" in svg and "31 min" in svg and "+5 %" in svg


def test_cli_says_when_the_recording_is_too_short(tmp_path, capsys):
    csv_path = tmp_path / "run.csv"
    write_run(csv_path, 0.01, end_s=3000)
    assert trumpet.main(["--csv", str(csv_path), "--rate-ml-per-h", "0.01"]) == 2
    assert "the analysis needs" in capsys.readouterr().err


def test_help_documents_the_csv_format(capsys):
    with pytest.raises(SystemExit):
        trumpet.main(["--help"])
    assert "time_s,mass_g" in capsys.readouterr().out
