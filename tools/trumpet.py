"""Gravimetric accuracy of a real pump: the IEC 60601-2-24 trumpet curve.

Weigh the water the pump delivers into a cup on a scale for at least two hours
at a fixed basal rate, then:

  python tools/trumpet.py --csv run.csv --rate-u-per-h 1 --plot trumpet.png

CSV format: one reading per line, `time_s,mass_g` (seconds since the pump
started, cumulative mass on the scale in grams). A header line, blank lines
and lines starting with # are skipped; `;` or tabs also work as separators.
Readings may be irregular (they are interpolated onto a 30 s grid) but must
cover 0 s to the end of the analysis period (7200 s by default).

Or read a lab balance directly over serial (pyserial) and save the CSV:

  python tools/trumpet.py --port /dev/ttyUSB0 --baud 9600 --record run.csv \
      --rate-u-per-h 1 --plot trumpet.png

Any line containing a number followed by g, mg or kg (`  12.345 g`,
`ST,GS,+  12.345 g`, `N     +12.3451 g`) is a reading; other lines are
ignored. Set the balance to stream continuously (or print every few seconds).
See docs/calibration.md for the whole procedure.
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trumpet_lib as tl  # noqa: E402

_READING = re.compile(r"([-+]?)\s*(\d+(?:\.\d*)?|\.\d+)\s*(mg|kg|g)\b")
_UNIT_G = {"g": 1.0, "mg": 0.001, "kg": 1000.0}


# ---- input

def parse_balance_line(line):
    """Mass in g from one line a balance printed, or None if it holds none."""
    m = _READING.search(line)
    if not m:
        return None
    value = float(m.group(2)) * _UNIT_G[m.group(3)]
    return -value if m.group(1) == "-" else value


def read_csv(path):
    """[(time_s, mass_g), ...] from a CSV file (format in the module doc)."""
    readings = []
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in re.split(r"[,;\t]", line) if p.strip()]
            if len(parts) < 2:
                raise ValueError("%s:%d: expected time_s,mass_g, got %r" % (path, lineno, line))
            try:
                readings.append((float(parts[0]), float(parts[1])))
            except ValueError:
                if not readings and lineno == 1:
                    continue  # a header line
                raise ValueError("%s:%d: not numbers: %r" % (path, lineno, line))
    if not readings:
        raise ValueError("%s: no readings" % path)
    return readings


def record_serial(lines, seconds, clock, out_csv=None, echo=None):
    """Collect (time_s, mass_g) from an iterable of balance lines until
    `seconds` have passed on `clock` (a zero-argument function returning
    seconds). Each reading is appended to out_csv at once, so a long run
    interrupted by Ctrl-C still leaves its data behind."""
    t0 = clock()
    readings = []
    for line in lines:
        t = clock() - t0
        mass = parse_balance_line(line)
        if mass is not None:
            readings.append((t, mass))
            if out_csv is not None:
                out_csv.write("%.3f,%.6f\n" % (t, mass))
                out_csv.flush()
            if echo is not None and len(readings) % 20 == 1:
                echo("%7.0f s  %10.4f g" % (t, mass))
        if t >= seconds:
            break
    return readings


def serial_lines(port, baud):
    import serial  # pyserial, only needed for a live balance

    ser = serial.Serial(port, baud, timeout=1)
    while True:
        raw = ser.readline()
        if raw:
            yield raw.decode("ascii", "replace")


# ---- output

def format_table(summary):
    rows = ["overall mean error (%d-%d s): %+.2f %%" % (
        summary["period_s"][0], summary["period_s"][1], summary["overall_mean_error_pct"])]
    rows.append("window  max error   min error")
    for p, w in summary["windows_min"].items():
        rows.append("%3s min  %+8.2f %%  %+8.2f %%" % (p, w["max_pct"], w["min_pct"]))
    return "\n".join(rows)


def draw_plot(result, path, title="Trumpet curve"):
    """Write the trumpet plot (tools/trumpet_plot.py, matplotlib): window
    max/min errors with the overall mean and the +-5 % band on top, every
    30 s sample below. -> the numbers plotted."""
    import trumpet_plot

    return trumpet_plot.draw(result, path, title)


# ---- command line

def rate_ml_per_h(args):
    if args.rate_ml_per_h is not None:
        return args.rate_ml_per_h
    return args.rate_u_per_h * args.ul_per_u / 1000.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv", help="readings file: time_s,mass_g per line")
    src.add_argument("--port", help="serial port of a balance (needs pyserial)")
    rate = ap.add_mutually_exclusive_group(required=True)
    rate.add_argument("--rate-u-per-h", type=float, help="basal rate set on the pump")
    rate.add_argument("--rate-ml-per-h", type=float, help="set rate in mL/h instead")
    ap.add_argument("--ul-per-u", type=float, default=10.0,
                    help="microlitres per unit (U-100: 10, the default)")
    ap.add_argument("--density", type=float, default=0.998,
                    help="g/mL of the liquid (water at 20 C: 0.998, the default)")
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--minutes", type=float, default=None,
                    help="with --port: how long to record (default: to the period end)")
    ap.add_argument("--record", help="with --port: save readings to this CSV")
    ap.add_argument("--period-start-s", type=float, default=tl.PERIOD_START_S)
    ap.add_argument("--period-end-s", type=float, default=tl.PERIOD_END_S)
    ap.add_argument("--plot", help="write the trumpet plot to this PNG (or .svg)")
    ap.add_argument("--json", help="write the figures to this JSON file")
    args = ap.parse_args(argv)
    rate = rate_ml_per_h(args)

    if args.csv:
        readings = read_csv(args.csv)
    else:
        seconds = args.minutes * 60 if args.minutes else args.period_end_s + tl.SAMPLE_S
        out = open(args.record, "w") if args.record else None
        if out is not None:
            out.write("time_s,mass_g\n")
        print("recording %.0f s from %s; start the pump now" % (seconds, args.port))
        try:
            readings = record_serial(serial_lines(args.port, args.baud), seconds,
                                     time.monotonic, out, print)
        finally:
            if out is not None:
                out.close()
    try:
        grid = tl.grid_from_readings(readings, start_s=0, end_s=args.period_end_s)
        result = tl.analyse(grid, rate, density_g_per_ml=args.density,
                            period_start_s=args.period_start_s, period_end_s=args.period_end_s)
    except ValueError as e:
        print("trumpet: %s" % e, file=sys.stderr)
        return 2
    summary = tl.summary(result)
    print("set rate %.4f mL/h, %d readings" % (rate, len(readings)))
    print(format_table(summary))
    if args.plot:
        draw_plot(result, args.plot, "Trumpet curve at %.4f mL/h" % rate)
        print("plot written to %s" % args.plot)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
