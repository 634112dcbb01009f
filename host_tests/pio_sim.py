# A cycle-level interpreter for RP2040 PIO programs, and an rp2.StateMachine
# stand-in built on it, so the tests run the very instruction words that
# stepper_rp2.py assembles (pio_asm.py builds them as MicroPython does).
#
# What it models (RP2040 datasheet 3.2-3.5): one instruction per cycle plus
# its delay cycles; side-set applied on the instruction's first cycle, even
# when it stalls; a stalled instruction (blocking PULL on an empty TX FIFO,
# blocking PUSH on a full RX FIFO) re-runs every cycle and its delay starts
# only once it completes; JMP conditions including X--/Y-- (jump when the
# register was non-zero, decrement always, 32-bit wrap); MOV with invert and
# bit-reverse; IN/OUT shift counts; SET; IRQ flags; wrap; 4-word FIFOs; the
# clock divider from `freq` (16.8 fixed point of the 125 MHz system clock,
# the same rounding the SDK uses). Not modelled (this project does not use
# them): autopush/autopull, WAIT on pins, OUT/SET/IN on pins, FIFO join.
#
# Speed: a jump to itself on X--/Y-- (a delay loop) is run as one block of
# iterations, and a stalled machine skips to the deadline; both are exact,
# so a 2 s basal period costs a few hundred Python steps, not 2 million.
# Runs on CPython and MicroPython.

import pio_asm

SYS_HZ = 125000000
FIFO_DEPTH = 4
_MASK = 0xFFFFFFFF


class PioError(AssertionError):
    pass


def clock_div256(freq):
    """The divider the SM runs with, in 1/256ths (16.8 fixed point)."""
    if freq is None:
        return 256
    div = SYS_HZ * 256 // freq
    if not 256 <= div <= 65536 * 256:
        raise ValueError("freq %s out of range" % freq)
    return div


def _bitrev(v):
    r = 0
    for _ in range(32):
        r = (r << 1) | (v & 1)
        v >>= 1
    return r


class PioCore:
    """One state machine's registers, FIFOs and program. run(cycles) runs
    that many cycles; on_side(value, cycle) is called when the side-set
    value changes (cycle: the cycle it took effect on)."""

    def __init__(self, prog, on_side=None):
        self.words = list(prog[0])
        if not self.words or len(self.words) > 32:
            raise PioError("a PIO program has 1..32 instructions")
        self.side_bits, self.side_opt = pio_asm.sideset_count(prog)
        self.delay_bits = 5 - self.side_bits
        self.wrap_bottom, self.wrap_top = pio_asm.wrap_bounds(prog)
        self.on_side = on_side
        self.tx = []
        self.rx = []
        self.irq_flags = 0
        self.x = self.y = self.isr = self.osr = 0
        self.side = 0
        self.cycle = 0  # cycles run since construction
        self.executed = 0  # instructions completed (delay loops counted one by one)
        self.restart()

    def restart(self):
        # Shift counters, ISR, delay and stall are cleared; the PC goes to
        # the program start (MicroPython's restart() jumps there too).
        self.pc = 0
        self.isr = 0
        self.isr_count = 0
        self.osr_count = 32  # empty: a PULL is needed before OUT
        self.delay = 0
        self.stalled = False

    # ---- decode helpers ----
    def _fields(self, w):
        ds = (w >> 8) & 31
        side = None
        if self.side_bits:
            if self.side_opt:
                if ds & 16:
                    side = (ds >> (5 - self.side_bits)) & ((1 << (self.side_bits - 1)) - 1)
            else:
                side = ds >> (5 - self.side_bits)
        delay = ds & ((1 << self.delay_bits) - 1)
        return side, delay

    def _set_side(self, value):
        if value is not None and value != self.side:
            self.side = value
            if self.on_side is not None:
                self.on_side(value, self.cycle)

    def _next_pc(self):
        return self.wrap_bottom if self.pc == self.wrap_top else (self.pc + 1) & 31

    # ---- execution ----
    def run(self, cycles):
        """Run up to `cycles` cycles; returns the number actually run (less
        only when on_side stopped the machine by setting self.halt)."""
        end = self.cycle + cycles
        self.halt = False
        while self.cycle < end and not self.halt:
            if self.delay:
                n = min(self.delay, end - self.cycle)
                self.delay -= n
                self.cycle += n
                continue
            w = self.words[self.pc]
            op = w >> 13
            side, delay = self._fields(w)
            if op == 0 and not self.stalled:
                cond = (w >> 5) & 7
                addr = w & 31
                if addr == self.pc and cond in (2, 4):
                    # A delay loop: run as many whole iterations as fit.
                    reg = self.x if cond == 2 else self.y
                    per = 1 + delay
                    n = min(reg + 1, (end - self.cycle) // per)
                    if n > 1:
                        self._set_side(side)
                        n -= 1  # leave the last one to the general path
                        reg = (reg - n) & _MASK
                        if cond == 2:
                            self.x = reg
                        else:
                            self.y = reg
                        self.cycle += n * per
                        self.executed += n
                        if self.halt:
                            break
                        continue
            # The side-set and the instruction share this cycle: even when a
            # pin handler stops the machine on the edge, the instruction
            # (say the X-- of a counted pulse) has happened.
            self._set_side(side)
            done = self.execute(w)
            self.cycle += 1
            if done:
                self.executed += 1
                self.delay = delay
        return cycles - (end - self.cycle)

    def execute(self, w, forced=False):
        """Execute one instruction word; False if it stalls (PC unchanged)."""
        op = w >> 13
        nxt = self._next_pc()
        if op == 0:  # JMP
            cond = (w >> 5) & 7
            addr = w & 31
            take = self._jmp_cond(cond)
            self.pc = addr if take else nxt
        elif op == 1:  # WAIT: only IRQ waits are modelled
            src = (w >> 5) & 3
            pol = (w >> 7) & 1
            idx = w & 7
            if src != 2:
                raise PioError("WAIT on pins is not modelled")
            flag = (self.irq_flags >> idx) & 1
            if flag != pol:
                self.stalled = True
                return False
            if pol:
                self.irq_flags &= ~(1 << idx)
            self.pc = nxt
        elif op == 2:  # IN
            src = (w >> 5) & 7
            n = (w & 31) or 32
            val = {1: self.x, 2: self.y, 3: 0, 6: self.isr, 7: self.osr}.get(src)
            if val is None:
                raise PioError("IN source %d is not modelled" % src)
            mask = _MASK if n == 32 else (1 << n) - 1
            # Shift left (the default in_shiftdir): new bits come in at the bottom.
            self.isr = ((self.isr << n) | (val & mask)) & _MASK if n < 32 else val & mask
            self.isr_count = min(32, self.isr_count + n)
            self.pc = nxt
        elif op == 3:  # OUT
            dest = (w >> 5) & 7
            n = (w & 31) or 32
            if n == 32:
                val = self.osr
                self.osr = 0
            else:
                val = self.osr >> (32 - n)  # shift left: MSBs out first
                self.osr = (self.osr << n) & _MASK
            self.osr_count = min(32, self.osr_count + n)
            if dest == 1:
                self.x = val
            elif dest == 2:
                self.y = val
            elif dest == 3:
                pass
            elif dest == 6:
                self.isr = val
                self.isr_count = n
            elif dest == 5:
                self.pc = val & 31
                return True
            else:
                raise PioError("OUT destination %d is not modelled" % dest)
            self.pc = nxt
        elif op == 4:
            block = (w >> 5) & 1
            if w & 0x80:  # PULL
                if (w >> 6) & 1 and self.osr_count < 32:
                    self.pc = nxt  # ifempty: nothing to do yet
                    return True
                if self.tx:
                    self.osr = self.tx.pop(0)
                elif block and not forced:
                    self.stalled = True
                    return False
                else:
                    self.osr = self.x  # non-blocking pull from empty: X
                self.osr_count = 0
            else:  # PUSH
                if (w >> 6) & 1 and self.isr_count < 32:
                    self.pc = nxt
                    return True
                if len(self.rx) < FIFO_DEPTH:
                    self.rx.append(self.isr)
                elif block and not forced:
                    self.stalled = True
                    return False
                self.isr = 0  # cleared even when a noblock push is dropped
                self.isr_count = 0
            self.pc = nxt
        elif op == 5:  # MOV
            dest = (w >> 5) & 7
            mop = (w >> 3) & 3
            src = w & 7
            if src == 5:
                raise PioError("MOV from STATUS is not modelled")
            val = {0: 0, 1: self.x, 2: self.y, 3: 0, 6: self.isr, 7: self.osr}.get(src)
            if val is None:
                raise PioError("MOV source %d is reserved" % src)
            if mop == 1:
                val = ~val & _MASK
            elif mop == 2:
                val = _bitrev(val)
            if dest == 1:
                self.x = val
            elif dest == 2:
                self.y = val
            elif dest == 6:
                self.isr = val
                self.isr_count = 0
            elif dest == 7:
                self.osr = val
                self.osr_count = 0
            elif dest == 5:
                self.pc = val & 31
                return True
            else:
                raise PioError("MOV destination %d is not modelled" % dest)
            self.pc = nxt
        elif op == 6:  # IRQ
            clr = (w >> 6) & 1
            idx = w & 7
            if clr:
                self.irq_flags &= ~(1 << idx)
            else:
                self.irq_flags |= 1 << idx
            self.pc = nxt
        else:  # SET
            dest = (w >> 5) & 7
            data = w & 31
            if dest == 1:
                self.x = data
            elif dest == 2:
                self.y = data
            else:
                raise PioError("SET destination %d is not modelled" % dest)
            self.pc = nxt
        self.stalled = False
        return True

    def _jmp_cond(self, cond):
        if cond == 0:
            return True
        if cond == 1:
            return self.x == 0
        if cond == 2:
            take = self.x != 0
            self.x = (self.x - 1) & _MASK
            return take
        if cond == 3:
            return self.y == 0
        if cond == 4:
            take = self.y != 0
            self.y = (self.y - 1) & _MASK
            return take
        if cond == 5:
            return self.x != self.y
        if cond == 7:
            return self.osr_count < 32
        raise PioError("JMP PIN is not modelled")


class StateMachine:
    """rp2.StateMachine over PioCore, on the tests' time line.

    Two clocks meet here: the CPU's (virtual ms from `clock`, plus whatever
    the driver spent in delay_us) and the state machine's cycles since it
    was last activated. Before every CPU access (put, get, tx_fifo, rx_fifo,
    active, exec) the machine is run up to the CPU's present, so side-set
    edges reach the STEP pin in order, each stamped with its own microsecond
    (now_us() reports the edge's time while the pin handlers run). An IRQ
    handler run by an edge (an end stop) may stop the machine at once.

    Fails the test on what would block the real CPU: put() on a full TX
    FIFO, get() on an empty RX FIFO."""

    clock = None  # the virtual clock, set by the test rig
    last = None  # the newest machine (the backend makes its own): the rig picks it up

    def __init__(self, sm_id, prog, freq=None, sideset_base=None, **kw):
        self.sm_id = sm_id
        self.prog = prog
        self.pin = sideset_base
        self.div256 = clock_div256(freq)
        self.core = PioCore(prog, self._side)
        self.clock = StateMachine.clock
        self.cpu_us = 0
        self.running = False
        self.t0_ns = 0  # CPU time (ns) of cycle `c0`
        self.c0 = 0
        self._edge_us = None
        self._exec = False
        self.edges = []  # (t_ns, level) of every side-set change, when keep_edges
        self.keep_edges = False
        self.puts = 0
        if self.pin is not None:
            self.pin.value(0)  # sideset_init=OUT_LOW
        StateMachine.last = self  # only the newest: a list would keep every rig alive

    # ---- time ----
    def cycle_ns(self, n):
        return n * self.div256 * 1000000000 // (SYS_HZ * 256)

    def _t_ns(self, cycle):
        return self.t0_ns + self.cycle_ns(cycle - self.c0)

    def now_us(self):
        if self._edge_us is not None:
            return self._edge_us
        self.cpu_us = max(self.cpu_us, self.clock.now_ms() * 1000)
        return self.cpu_us

    def delay_us(self, us):
        self.now_us()
        self.cpu_us += us

    def _side(self, value, cycle):
        # An exec()'d side-set happens at the CPU's present, not on a cycle.
        t_ns = self.now_us() * 1000 if self._exec else self._t_ns(cycle)
        if self.keep_edges:
            self.edges.append((t_ns, value))
        if self.pin is None:
            return
        self._edge_us = t_ns // 1000
        try:
            self.pin.value(value & 1)
        finally:
            self._edge_us = None
        if not self.running:
            self.core.halt = True  # stopped from the pin's IRQ handler

    def _advance(self):
        if not self.running:
            return
        target_ns = self.now_us() * 1000
        core = self.core
        while self.running:
            # Cycles whose start lies before the CPU's present.
            todo = 0
            lo, hi = 0, 1
            while self._t_ns(core.cycle + hi) < target_ns:
                lo, hi = hi, hi * 2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self._t_ns(core.cycle + mid) < target_ns:
                    lo = mid
                else:
                    hi = mid
            todo = lo + (1 if self._t_ns(core.cycle) < target_ns else 0)
            if todo <= 0:
                return
            ran = core.run(todo)
            if ran >= todo:
                return

    # ---- rp2.StateMachine API ----
    def active(self, v=None):
        if v is None:
            return self.running
        if v and not self.running:
            self.t0_ns = self.now_us() * 1000
            self.c0 = self.core.cycle
            self.running = True
        elif not v and self.running:
            if self._edge_us is None:  # not from a pin handler inside _advance
                self._advance()
            self.running = False
        return None

    def restart(self):
        self._advance()
        self.core.restart()

    def put(self, word):
        self._advance()
        if len(self.core.tx) >= FIFO_DEPTH:
            raise PioError("put() on a full TX FIFO would block the CPU")
        if not 0 <= word <= _MASK:
            raise PioError("put() word %r is not 32 bits" % (word,))
        self.core.tx.append(word)
        self.puts += 1

    def get(self):
        self._advance()
        if not self.core.rx:
            raise PioError("get() on an empty RX FIFO would block the CPU")
        return self.core.rx.pop(0)

    def tx_fifo(self):
        self._advance()
        return len(self.core.tx)

    def rx_fifo(self):
        self._advance()
        return len(self.core.rx)

    def exec(self, instr):
        self._advance()
        core = self.core
        if isinstance(instr, str):
            word = pio_asm.encode(instr, core.side_bits, core.side_opt)
        else:
            word = instr
        side, _delay = core._fields(word)
        self._exec = True
        try:
            core._set_side(side)
        finally:
            self._exec = False
        # An exec()'d instruction leaves the PC alone unless it is a jump
        # (or writes the PC): the program resumes where it was.
        pc = core.pc
        core.execute(word, forced=True)
        writes_pc = (word >> 13 == 0 or (word >> 13 in (3, 5) and (word >> 5) & 7 == 5))
        if not writes_pc:
            core.pc = pc


class RP2:
    """Stands in for the rp2 module: asm_pio is the real encoding, and
    StateMachine runs the result."""

    class PIO:
        IN_LOW = 0
        IN_HIGH = 1
        OUT_LOW = 2
        OUT_HIGH = 3
        SHIFT_LEFT = 0
        SHIFT_RIGHT = 1
        JOIN_NONE = 0
        JOIN_TX = 1
        JOIN_RX = 2

    StateMachine = StateMachine
    asm_pio = staticmethod(pio_asm.asm_pio)
    asm_pio_encode = staticmethod(pio_asm.encode)
