"""The CPython side of a simulator run: starts the firmware process
(tools/sim/launch.py under micropython or CPython) and owns its pipes.

Channels (all made here, before the child starts):
- console: the child's stdin is a pipe; the child's stdout is a pipe read here.
  A pseudo-terminal bridges both to any terminal program (`screen PATH`,
  `tools/pumpctl --port PATH`), exactly like a board's USB serial port.
- events: the child writes display frames (F), state (T), events (E) and
  screenshot requests (S), one per line.
- keys: lines written here are actions for the child (`press ok 150`,
  `fault occlusion`...; scenario.py syntax without the time).
"""
import errno
import os
import select
import signal
import subprocess
import sys
import threading
import time
import tty

from alarmtext import alarm_in

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

CONSOLE_KEEP_LINES = 200
EVENTS_KEEP = 50
CTRL_C = 0x03


def _die_with_parent():
    """In the child, before exec: Linux sends it SIGTERM if this process
    dies (even by SIGKILL), so the firmware never outlives the simulator."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def pty_has_client(pty_path):
    """True if something besides the simulator's own slave descriptor has
    the pty open (a terminal program or pumpctl: a board sees DTR). Linux
    /proc; assumes a client when it cannot tell, so output is kept rather
    than dropped."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return True
    opened = 0
    for pid in pids:
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == pty_path:
                    opened += 1
            except OSError:
                continue
    return opened > 1  # one is the simulator's own, which keeps the pty raw


def micropython_binary():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(exe):
        return exe
    exe = os.path.join(ROOT, ".venv", "bin", "micropython")
    return exe if os.path.exists(exe) else "micropython"


class SimLink:
    def __init__(self, runtime="micropython", headless=False, hours=None, speed=1.0,
                 flash=None, board=None, script=None, csv=None, pty=True, echo_stdout=False,
                 firmware=None, pty_link=None, wall=None, shot_at_ms=None):
        self.frame = None  # latest 1024-byte display frame
        self.state = {}
        self.events = []  # (t_ms, kind, detail), newest last
        self.alarms = []
        self.alarms_on_console = []  # alarm ids seen in any console output
        self.console_lines = [""]
        self.screenshot_requests = 0
        self.shots = []  # the frame at each screenshot request, in order
        self.dropped_bytes = 0  # console output no terminal was there to take
        self.exit_code = None
        self._echo = echo_stdout
        self._lock = threading.Lock()
        interp = micropython_binary() if runtime == "micropython" else sys.executable
        ci_r, self._ci_w = os.pipe()
        co_r, co_w = os.pipe()
        ev_r, ev_w = os.pipe()
        k_r, self._k_w = os.pipe()
        cmd = [interp, os.path.join(HERE, "launch.py"),
               "--flash", os.path.abspath(flash or os.path.join(ROOT, "build", "sim-flash")),
               "--console-feed", "/dev/fd/%d" % self._ci_w,
               "--events", "/dev/fd/%d" % ev_w, "--keys", "/dev/fd/%d" % k_r,
               "--speed", str(speed)]
        if headless:
            cmd.append("--headless")
        if pty and not headless:
            cmd.append("--repl")  # Ctrl-C on the pty leaves a REPL, as on a board
        if wall is not None:
            cmd += ["--wall", str(wall)]
        if shot_at_ms is not None:
            cmd += ["--shot-at", str(int(shot_at_ms))]
        for opt, val in (("--hours", hours), ("--board", board), ("--firmware", firmware), ("--script", script),
                         ("--csv", csv)):
            if val is not None:
                cmd += [opt, os.path.abspath(val) if opt != "--hours" else str(val)]
        # A session of its own: the terminal's Ctrl-C reaches only us, and we
        # stop the firmware deliberately (motor off first).
        self.proc = subprocess.Popen(cmd, stdin=ci_r, stdout=co_w, stderr=co_w,
                                     pass_fds=(self._ci_w, ev_w, k_r), start_new_session=True,
                                     preexec_fn=_die_with_parent)
        for fd in (ci_r, co_w, ev_w, k_r):
            os.close(fd)
        self.pty_path = None
        self._master = None
        if pty:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # bytes pass unchanged, like a USB CDC port
            self.pty_path = os.ttyname(self._slave)
            os.set_blocking(self._master, False)
        # A fixed name for the pty (build/sim.pty), where pumpctl looks first.
        self.pty_link = pty_link if pty else None
        if self.pty_link:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(self.pty_link)), exist_ok=True)
                if os.path.islink(self.pty_link):
                    os.unlink(self.pty_link)
                os.symlink(self.pty_path, self.pty_link)
            except OSError:
                self.pty_link = None
        self._threads = [threading.Thread(target=self._read_console, args=(co_r,), daemon=True),
                         threading.Thread(target=self._read_events, args=(ev_r,), daemon=True)]
        if pty:
            self._threads.append(threading.Thread(target=self._read_pty, daemon=True))
        for t in self._threads:
            t.start()

    # ---- readers ---------------------------------------------------------------
    def _read_console(self, fd):
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                return
            if self._echo:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            if self._master is not None:
                self._to_pty(data)
            text = data.decode(errors="replace").replace("\r", "")
            with self._lock:
                parts = text.split("\n")
                self.console_lines[-1] += parts[0]
                done_lines = [self.console_lines[-1]] + parts[1:-1] if len(parts) > 1 else []
                for done in done_lines:
                    a = alarm_in(done)
                    if a is not None:
                        self.alarms_on_console.append(a)
                self.console_lines.extend(parts[1:])
                del self.console_lines[:-CONSOLE_KEEP_LINES]

    def _to_pty(self, data):
        """Console output to the terminal on the pty, all of it. While the
        terminal reads late, this waits (and so stops reading the firmware's
        pipe, whose writes then block: a board's USB buffer does the same);
        output is dropped only when no terminal has the port open, as a board
        with nobody on its USB port drops it."""
        view = memoryview(data)
        while view:
            try:
                n = os.write(self._master, view)
                view = view[n:]
                continue
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EIO):
                    raise
            if not pty_has_client(self.pty_path):
                self.dropped_bytes += len(view)
                return
            select.select([], [self._master], [], 0.2)
            if self.proc.poll() is not None and not select.select([], [self._master], [], 0)[1]:
                return  # the firmware is gone and nobody reads: stop waiting

    def _read_events(self, fd):
        with os.fdopen(fd, "rb") as f:
            for raw in f:
                self._event_line(raw.decode(errors="replace").rstrip("\n"))

    def _event_line(self, line):
        kind, _, rest = line.partition(" ")
        with self._lock:
            if kind == "F" and len(rest) == 2048:
                self.frame = bytes.fromhex(rest)
            elif kind == "T":
                names = ("t_ms", "pos_steps", "travel_steps", "delivered_steps", "remaining_ul",
                         "force_g", "en", "battery_mv", "buzzer_hz")
                self.state = dict(zip(names, (int(v) for v in rest.split()), strict=False))
            elif kind == "E":
                t, _, rest2 = rest.partition(" ")
                ev, _, detail = rest2.partition(" ")
                self.events.append((int(t), ev, detail))
                del self.events[:-EVENTS_KEEP]
                if ev == "alarm":
                    self.alarms.append((int(t), detail))
            elif kind == "S":
                self.screenshot_requests += 1
                self.shots.append(self.frame)  # the frame sent just before, of this moment

    def _read_pty(self):
        while self.proc.poll() is None:
            r, _, _ = select.select([self._master], [], [], 0.2)
            if not r:
                continue
            try:
                data = os.read(self._master, 1024)
            except OSError:
                time.sleep(0.05)
                continue
            self._from_pty(data)

    def _from_pty(self, data):
        # Ctrl-C is the port's interrupt character: a board's USB driver takes
        # it out of the input and raises KeyboardInterrupt in whatever runs.
        # Here that is SIGINT to the firmware's process (MicroPython turns it
        # into KeyboardInterrupt at once, even inside a wait for OK).
        while data:
            i = data.find(bytes([CTRL_C]))
            if i < 0:
                self.type_bytes(data)
                return
            if i:
                self.type_bytes(data[:i])
            self.interrupt()
            data = data[i + 1:]

    def interrupt(self):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGINT)
            except OSError:
                pass

    # ---- commands ----------------------------------------------------------------
    def type_bytes(self, data):
        """Bytes into the firmware's console, as if typed on the serial port."""
        try:
            os.write(self._ci_w, data)
        except OSError:
            pass

    def action(self, line):
        """A scenario action without its time: `press ok 150`, `fault occlusion`."""
        try:
            os.write(self._k_w, (line.strip() + "\n").encode())
        except (OSError, TypeError):  # TypeError: stopped, the pipe is closed
            pass

    def snapshot(self):
        with self._lock:
            return {"frame": self.frame, "state": dict(self.state), "events": list(self.events),
                    "alarms": list(self.alarms), "console": list(self.console_lines)}

    def stop(self, timeout=10):
        """End the simulator: the key pipe closes (a REPL left by Ctrl-C
        ends with it), then Ctrl-C to the firmware (it turns the motor off),
        then wait; a firmware that does not stop is killed."""
        if self._k_w is not None:
            try:
                os.close(self._k_w)
            except OSError:
                pass
            self._k_w = None
            try:
                # A REPL ends with the pipe: let it exit on its own, or the
                # Ctrl-C below can land while the interpreter is tearing
                # down and kill it by the signal (exit -2) instead.
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGINT)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.wait()

    def wait(self, timeout=None):
        self.exit_code = self.proc.wait(timeout)
        if self.pty_link and os.path.islink(self.pty_link) and \
                os.readlink(self.pty_link) == self.pty_path:
            os.unlink(self.pty_link)
        for t in self._threads[:2]:
            t.join(5)
        return self.exit_code
