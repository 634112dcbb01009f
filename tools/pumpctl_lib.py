"""pumpctl: drive a Plunger pump from a host script over USB serial.

Talks to the console in JSON mode (`json on`), one JSON object per reply,
so scripts get data, not screen text. Exit codes:
  0 ok, 1 the pump refused (reason printed), 2 usage error (or .venv
  could not be built), 3 no connection or no reply in time.
"""
import argparse
import csv
import json
import os
import sys
import time

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NO_LINK = 0, 1, 2, 3

# USB vendor ids that are almost surely a Plunger board: Raspberry Pi (Pico),
# Espressif native USB, and the USB-serial chips on ESP32 DevKits.
BOARD_VIDS = {
    0x2E8A: "Raspberry Pi (Pico)",
    0x303A: "Espressif",
    0x10C4: "Silicon Labs CP210x",
    0x1A86: "WCH CH340/CH9102",
    0x0403: "FTDI",
}
# `make sim` links its pseudo-terminal here; the link dangles once it stops.
SIM_PORT_LINK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "build", "sim.pty")
# The pump's clock is set from this computer when it is further off than this.
CLOCK_SLACK_S = 5
KILL_LINE = b"\x15"  # Ctrl-U: clear anything half-typed; never Ctrl-C (stops the pump app)
USAGE_CODES = ("usage", "unknown_command", "bad_line")


class LinkError(Exception):
    """No port, port gone, or no reply in time (exit 3)."""


class Refused(Exception):
    """The pump answered ok: false."""

    def __init__(self, reply):
        Exception.__init__(self, reply.get("error"))
        self.reply = reply
        self.code = reply.get("code")


def pick_port(ports):
    """ports: objects with .device and .vid (serial.tools.list_ports). The first
    known board, by preference order of BOARD_VIDS; None if there is none."""
    order = list(BOARD_VIDS)
    known = [p for p in ports if getattr(p, "vid", None) in BOARD_VIDS]
    known.sort(key=lambda p: (order.index(p.vid), p.device))
    return known[0].device if known else None


NO_PUMP = ("no pump found: no Pico or ESP32 on USB, $PLUNGER_PORT unset and no simulator "
           "running (build/sim.pty); plug one in, start `make sim`, or give --port")


def find_port(sim_link=None):
    """-> the port to open. Raises LinkError saying why there is none."""
    env = os.environ.get("PLUNGER_PORT")
    if env:
        return env
    try:
        from serial.tools import list_ports

        dev = pick_port(list_ports.comports())
    except ImportError:
        dev = None
    if dev:
        return dev
    link = sim_link or SIM_PORT_LINK
    # The link itself is the port: opening it opens the pty it points to.
    # (Never read it as a file: reading a pty waits for a typed line.)
    if os.path.exists(link):
        return link
    if os.path.islink(link):
        raise LinkError("%s points to %s, which is gone: the simulator is not running "
                        "(start `make sim`)" % (link, os.readlink(link)))
    raise LinkError(NO_PUMP)


class Pump:
    """One JSON-mode conversation with the console over a serial-like object
    (pyserial Serial: write(bytes), read(n) honouring its timeout)."""

    def __init__(self, port, timeout_s=5.0, on_event=None):
        self.port = port
        self.timeout_s = timeout_s
        self.on_event = on_event or (lambda obj: None)
        self._buf = b""
        self._seen = None  # bytes read while start() looks for the echo
        self.was_text = False

    def _readline(self, deadline):
        while b"\n" not in self._buf:
            if time.monotonic() > deadline:
                raise LinkError("no reply from the pump on %s within %.1f s (is it running? "
                                "a board at the REPL answers nothing; --timeout waits longer)"
                                % (getattr(self.port, "name", "the port"), self.timeout_s))
            try:
                chunk = self.port.read(256)
            except OSError as e:  # unplugged
                raise LinkError("serial port error: %s" % e)
            if chunk:
                self._buf += chunk
                if self._seen is not None:
                    self._seen += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line.decode("utf-8", "replace").strip("\r")

    def request(self, line):
        """Send one console line; return the reply's data or raise Refused.
        Tagged events (log, alarm, confirm) go to on_event meanwhile."""
        name = line.split()[0].lstrip("!").lower()
        self.port.write(line.encode() + b"\r\n")
        deadline = time.monotonic() + self.timeout_s
        while True:
            text = self._readline(deadline)
            start = text.find("{")
            if start < 0:
                continue  # a prompt, an echo, a boot message
            try:
                obj = json.loads(text[start:])
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            if "event" in obj:
                if obj["event"] == "confirm":
                    # The pump waits for its OK button: wait as long as it does.
                    wait = obj.get("data", {}).get("timeout_s", 30)
                    deadline = max(deadline, time.monotonic() + wait + self.timeout_s)
                self.on_event(obj)
                continue
            if "ok" not in obj or obj.get("cmd") != name:
                continue  # a stale reply to an earlier command
            if obj["ok"]:
                return obj.get("data")
            raise Refused(obj)

    def start(self):
        """JSON mode for this conversation. The console echoes typed lines
        only in text mode, so the echo of our own line tells which mode a
        person (or another script) left it in; finish() puts that back."""
        self.port.write(KILL_LINE)
        self._seen = b""
        self.request("!json on")  # "!": this reply is JSON already
        self.was_text = b"json on" in self._seen
        self._seen = None

    def finish(self):
        """Leave the console in the mode start() found it in. Best effort:
        a pump that stopped answering is already reported."""
        if getattr(self, "was_text", False):
            self.was_text = False
            try:
                self.request("!json off")
            except (LinkError, Refused):
                pass


def open_serial(path, timeout_s):
    import serial

    try:
        return serial.Serial(path, 115200, timeout=min(0.1, timeout_s))
    except (serial.SerialException, OSError, ValueError) as e:
        raise LinkError("cannot open %s: %s" % (path, e))


# ---- output ---------------------------------------------------------------

def fmt_mu(mu):
    if mu is None:
        return "-"
    return "%s%d.%03d" % ("-" if mu < 0 else "", abs(mu) // 1000, abs(mu) % 1000)


def fmt_wall(s):
    if s is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s))


def status_line(d):
    parts = ["state=%s" % d.get("state"), "basal=%s U/h" % fmt_mu(d.get("basal_mu_per_h")),
             "iob=%s U" % fmt_mu(d.get("iob_mu")), "reservoir=%s U" % fmt_mu(d.get("reservoir_mu"))]
    if d.get("temp"):
        parts.append("temp=%s" % d["temp"])
    if d.get("bolus"):
        b = d["bolus"]
        parts.append("bolus=%s/%s U" % (fmt_mu(b.get("delivered_mu")), fmt_mu(b.get("requested_mu"))))
    if d.get("confirm_required") is False:
        parts.append("confirm=OFF")
    return "  ".join(parts)


def status_text(d):
    lines = ["%-18s %s" % (k, json.dumps(d[k])) for k in sorted(d)]
    return "\n".join(lines)


def write_history_csv(records, out):
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["seq", "wall_s", "time_utc", "now_ms", "kind", "data"])
    for r in records:
        w.writerow([r.get("seq"), r.get("wall_s"), fmt_wall(r.get("wall_s")), r.get("now_ms"),
                    r.get("kind"), json.dumps(r.get("data"), sort_keys=True)])


# ---- command line -----------------------------------------------------------

def _link_options(ap, defaults):
    kw = {} if defaults else {"default": argparse.SUPPRESS}
    ap.add_argument("--port", help="serial port or pty path (default: auto-detect, "
                    "$PLUNGER_PORT, or the simulator's build/sim.pty)", **kw)
    ap.add_argument("--timeout", type=float, help="seconds to wait for a reply (default 5)",
                    **(kw or {"default": 5.0}))
    ap.add_argument("--json", action="store_true", help="print the reply data as JSON", **kw)
    ap.add_argument("--keep-clock", action="store_true",
                    help="do not set the pump's clock from this computer (a simulator run "
                         "faster than real time, a bench log on its own clock)", **kw)


def build_parser():
    ap = argparse.ArgumentParser(prog="pumpctl", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    _link_options(ap, True)
    # The same options after the subcommand too: `pumpctl status --port X`.
    common = argparse.ArgumentParser(add_help=False)
    _link_options(common, False)
    sub = ap.add_subparsers(dest="cmd", required=True)
    _add = sub.add_parser

    def add_parser(name, **kw):
        return _add(name, parents=[common], **kw)

    sub.add_parser = add_parser
    sub.add_parser("status", help="what the pump is doing")
    b = sub.add_parser("bolus", help="deliver a bolus (the pump asks for its OK button)")
    b.add_argument("units", help="units now, e.g. 1.5")
    b.add_argument("--ext", help="extended units, e.g. 2.0")
    b.add_argument("--over", help="extended duration, e.g. 2h or 90")
    h = sub.add_parser("history", help="the delivery record")
    h.add_argument("n", nargs="?", type=int, default=10)
    h.add_argument("--since", help="YYYY-MM-DD[THH:MM] (UTC) or 2h")
    h.add_argument("--csv", action="store_true", help="CSV on stdout")
    w = sub.add_parser("watch", help="live status, one line per interval (Ctrl-C ends)")
    w.add_argument("--interval", type=float, default=2.0)
    w.add_argument("--count", type=int, default=0, help="stop after N lines (0 = forever)")
    for name in ("cancel", "suspend", "resume", "rewind", "alarms", "version", "board"):
        sub.add_parser(name)
    a = sub.add_parser("ack", help="acknowledge an alarm")
    a.add_argument("alarm_id")
    sub.add_parser("time-sync", help="set the pump clock from this computer (UTC)")
    import chart_cmd  # argparse only; it loads matplotlib when a chart is drawn

    chart_cmd.add_parser(sub)
    r = sub.add_parser("send", help="send any console line, e.g. 'temp 150%% 1h'")
    r.add_argument("line", nargs="+")
    return ap


def console_line(args):
    c = args.cmd
    if c == "bolus":
        if (args.ext is None) != (args.over is None):
            raise ValueError("--ext and --over go together")
        return "bolus %s" % args.units if args.ext is None else "bolus %s %s over %s" % (
            args.units, args.ext, args.over)
    if c == "history":
        return "history since %s" % args.since.replace("T", " ") if args.since else "history %d" % args.n
    if c == "ack":
        return "ack %s" % args.alarm_id
    if c == "time-sync":
        return "time set %d" % int(time.time())
    if c == "chart":
        return None  # several requests: chart_cmd.from_pump
    if c == "send":
        if not args.line:
            raise ValueError("send needs a console line")
        return " ".join(args.line)
    return c


def main(argv=None, stdout=None, stderr=None, port_opener=open_serial):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    ap = build_parser()
    try:
        args = ap.parse_args(argv)
        line = console_line(args)
    except SystemExit as e:  # argparse already printed why
        return EXIT_OK if e.code == 0 else EXIT_USAGE
    except ValueError as e:
        stderr.write("pumpctl: %s\n" % e)
        return EXIT_USAGE
    if args.cmd == "chart" and args.csv:
        return _chart(lambda: chart_cmd_mod().from_csv(args, stdout), stderr)
    def on_event(obj):
        if obj.get("event") == "confirm":
            d = obj.get("data", {})
            stderr.write("pump waits for OK: %s -- press OK on the pump within %s s\n" % (
                d.get("prompt"), d.get("timeout_s")))
        elif obj.get("event") == "alarm":
            stderr.write("ALARM %s\n" % json.dumps(obj.get("data")))

    try:
        path = args.port or find_port()
        port = port_opener(path, args.timeout)
        try:
            pump = Pump(port, args.timeout, on_event)
            pump.start()
            try:
                if args.cmd != "time-sync" and not args.keep_clock:
                    sync_clock(pump, stderr)
                if args.cmd == "watch":
                    return _watch(pump, args, stdout)
                if args.cmd == "chart":
                    return _chart(lambda: chart_cmd_mod().from_pump(pump, args, stdout, stderr),
                                  stderr)
                data = pump.request(line)
            finally:
                pump.finish()
        finally:
            port.close()
    except LinkError as e:
        stderr.write("pumpctl: %s\n" % e)
        return EXIT_NO_LINK
    except Refused as e:
        stderr.write("pump refused: %s (%s)\n" % (e, e.code))
        return EXIT_USAGE if e.code in USAGE_CODES else EXIT_REFUSED
    except KeyboardInterrupt:
        return EXIT_OK
    _print(args, data, stdout)
    return EXIT_OK


def sync_clock(pump, stderr, host_s=None):
    """Set the pump's clock from this computer (UTC) when it is unset or
    more than CLOCK_SLACK_S off: a board loses its RTC on power loss, and
    without the time no scheduled basal runs. Says so on stderr.
    -> the pump's old reading (None if unset), or False when nothing changed."""
    host = int(time.time()) if host_s is None else int(host_s)
    try:
        was = (pump.request("time") or {}).get("wall_s")
    except Refused as e:
        stderr.write("pumpctl: cannot read the pump's clock: %s\n" % e)
        return False
    if was is not None and abs(was - host) <= CLOCK_SLACK_S:
        return False
    try:
        pump.request("time set %d" % host)
    except Refused as e:
        stderr.write("pumpctl: the pump refused the time from this computer: %s (%s)\n"
                     % (e, e.code))
        return False
    if was is None:
        stderr.write("pumpctl: the pump's clock was unset; set it to %s UTC from this computer\n"
                     % fmt_wall(host))
    else:
        stderr.write("pumpctl: the pump's clock was %+d s off (%s UTC); set it to %s UTC from "
                     "this computer\n" % (was - host, fmt_wall(was), fmt_wall(host)))
    return was


def chart_cmd_mod():
    import chart_cmd

    return chart_cmd


def _chart(run, stderr):
    """Bad input for a chart (an empty span, a CSV missing a column, a pump
    with no time) is exit 2 with the reason; link errors pass through."""
    try:
        run()
    except chart_cmd_mod().ChartError as e:
        stderr.write("pumpctl chart: %s\n" % e)
        return EXIT_USAGE
    return EXIT_OK


def _watch(pump, args, stdout):
    n = 0
    while True:
        d = pump.request("status")
        stdout.write("%s  %s\n" % (time.strftime("%H:%M:%S"), status_line(d)))
        stdout.flush()
        n += 1
        if args.count and n >= args.count:
            return EXIT_OK
        time.sleep(args.interval)


def _print(args, data, stdout):
    if args.json:
        stdout.write(json.dumps(data, sort_keys=True) + "\n")
    elif args.cmd == "history" and args.csv:
        write_history_csv(data or [], stdout)
    elif args.cmd == "history":
        for r in data or []:
            stdout.write("#%s %s %s %s\n" % (r.get("seq"), fmt_wall(r.get("wall_s")), r.get("kind"),
                                             json.dumps(r.get("data"), sort_keys=True)))
    elif args.cmd == "status":
        stdout.write(status_text(data) + "\n")
    elif args.cmd == "bolus":
        stdout.write("bolus started: %s\n" % json.dumps(data, sort_keys=True))
    else:
        stdout.write(json.dumps(data, sort_keys=True) + "\n")
