# A stand-in for MicroPython's rp2.asm_pio that builds the same instruction
# words as the real decorator, so a test runs the program stepper_rp2.py
# really writes (not a model of it).
#
# Facts it keeps (MicroPython ports/rp2/modules/rp2.py and the RP2040
# datasheet, section 3.4): the decorated function is run twice with its
# globals swapped for the assembler's names (pass 0 collects labels and
# counts side-sets, pass 1 emits); the result is the list
#   [array("H", words), -1, -1, execctrl, shiftctrl, out_init, set_init, sideset_init]
# with wrap_target in EXECCTRL bits 7..11, wrap (top) in 12..16 and the
# optional-side-set enable in bit 30. Side-set bits sit at the top of the
# 5-bit delay/side-set field [12:8]; when not every instruction has .side()
# the side-set is optional and its enable bit (12) costs one more bit. The
# delay is what is left. Encodings (datasheet 3.4.x):
#   JMP  000 ds cond:3 addr:5     WAIT 001 ds pol src:2 idx:5
#   IN   010 ds src:3 count:5     OUT  011 ds dest:3 count:5 (32 -> 0)
#   PUSH 100 ds 0 iffull blk 00000   PULL 100 ds 1 ifempty blk 00000
#   MOV  101 ds dest:3 op:2 src:3 IRQ  110 ds 0 clr wait idx:5
#   SET  111 ds dest:3 data:5     NOP = MOV Y, Y (0xA042)
# Runs on CPython and MicroPython.

from array import array

EXECCTRL = 3
SIDESET_INIT = 7


class PIOASMError(Exception):
    pass


# Names the program sees while it is assembled (values as the real module's).
NAMES = {
    "gpio": 0, "pins": 0, "x": 1, "y": 2, "null": 3, "pindirs": 4, "pc": 5, "status": 5,
    "isr": 6, "osr": 7, "exec": 8,
    "not_x": 1, "x_dec": 2, "not_y": 3, "y_dec": 4, "x_not_y": 5, "pin": 6, "not_osre": 7,
    "noblock": 0x01, "block": 0x21, "iffull": 0x40, "ifempty": 0x40, "clear": 0x40,
}


def _invert(v):
    return v | 0x08


def _reverse(v):
    return v | 0x10


def _rel(v):
    return v | 0x10


class Assembler:
    """Two-pass PIO assembler with the real module's encoding rules."""

    def __init__(self, out_init=None, set_init=None, sideset_init=None, side_pindir=False,
                 in_shiftdir=0, out_shiftdir=0, autopush=False, autopull=False,
                 push_thresh=32, pull_thresh=32, fifo_join=0):
        shiftctrl = ((fifo_join << 30) | ((pull_thresh & 31) << 25) | ((push_thresh & 31) << 20)
                     | (out_shiftdir << 19) | (in_shiftdir << 18) | (autopull << 17)
                     | (autopush << 16))
        self.prog = [array("H"), -1, -1, int(side_pindir) << 29, shiftctrl, out_init, set_init,
                     sideset_init]
        if sideset_init is None:
            self.side_bits = 0
        elif isinstance(sideset_init, int):
            self.side_bits = 1
        else:
            self.side_bits = len(sideset_init)
        self.labels = {}
        self.wrap_set = False
        self.side_opt = False
        self.delay_max = 31
        self.pass_no = 0
        self.count = 0
        self.sides = 0

    def begin(self, pass_no):
        if pass_no == 1:
            if self.count and not self.wrap_set:
                self.wrap()
            if self.side_bits:
                self.side_opt = self.sides != self.count
                if self.side_opt:
                    self.prog[EXECCTRL] |= 1 << 30
                    self.side_bits += 1
                self.delay_max = 31 >> self.side_bits
        self.pass_no = pass_no
        self.count = 0
        self.sides = 0

    # -- modifiers: instr.side(v) and instr[delay] --
    def side(self, value):
        self.sides += 1
        if self.pass_no:
            if not self.side_bits:
                raise PIOASMError("no sideset")
            if value >= 1 << self.side_bits:
                raise PIOASMError("sideset too large")
            self.prog[0][-1] |= (int(self.side_opt) << 12) | (value << (13 - self.side_bits))
        return self

    def __getitem__(self, delay):
        if self.pass_no:
            if delay > self.delay_max:
                raise PIOASMError("delay too large")
            self.prog[0][-1] |= delay << 8
        return self

    # -- directives --
    def wrap_target(self):
        self.prog[EXECCTRL] |= self.count << 7

    def wrap(self):
        if not self.count:
            raise PIOASMError("wrap before any instruction")
        self.prog[EXECCTRL] |= (self.count - 1) << 12
        self.wrap_set = True

    def label(self, name):
        if self.pass_no == 0:
            if name in self.labels:
                raise PIOASMError("duplicate label %s" % name)
            self.labels[name] = self.count

    # -- instructions --
    def word(self, instr, label=None):
        self.count += 1
        if self.pass_no:
            addr = 0
            if label is not None:
                if label not in self.labels:
                    raise PIOASMError("unknown label %s" % label)
                addr = self.labels[label]
            self.prog[0].append(instr | addr)
        return self

    def nop(self):
        return self.word(0xA042)

    def jmp(self, cond, label=None):
        if label is None:
            cond, label = 0, cond
        return self.word(cond << 5, label)

    def wait(self, polarity, src, index):
        src = 1 if src == 6 else (0 if src == 0 else 2)
        return self.word(0x2000 | polarity << 7 | src << 5 | index)

    def in_(self, src, count):
        if not 0 < count <= 32:
            raise PIOASMError("invalid bit count %s" % count)
        return self.word(0x4000 | src << 5 | (count & 31))

    def out(self, dest, count):
        if dest == 8:
            dest = 7
        if not 0 < count <= 32:
            raise PIOASMError("invalid bit count %s" % count)
        return self.word(0x6000 | dest << 5 | (count & 31))

    def push(self, a=0, b=0):
        v = a | b
        if not v & 1:
            v |= 0x20  # block unless noblock was given
        return self.word(0x8000 | (v & 0x60))

    def pull(self, a=0, b=0):
        v = a | b
        if not v & 1:
            v |= 0x20
        return self.word(0x8080 | (v & 0x60))

    def mov(self, dest, src):
        if dest == 8:
            dest = 4
        return self.word(0xA000 | dest << 5 | src)

    def irq(self, mod, index=None):
        if index is None:
            mod, index = 0, mod
        return self.word(0xC000 | (mod & 0x60) | index)

    def set(self, dest, data):
        return self.word(0xE000 | dest << 5 | data)


_DIRECTIVES = ("wrap_target", "wrap", "label")
_INSTRUCTIONS = ("word", "nop", "jmp", "wait", "in_", "out", "push", "pull", "mov", "irq", "set")


def _names_for(asm, with_jmp=True):
    d = dict(NAMES)
    d["invert"] = _invert
    d["reverse"] = _reverse
    d["rel"] = _rel
    for name in _DIRECTIVES + _INSTRUCTIONS:
        d[name] = getattr(asm, name)
    if not with_jmp:
        d["jmp"] = None
    return d


def asm_pio(**kw):
    """rp2.asm_pio: the decorated function's globals are replaced by the
    assembler's names for two passes, then put back."""
    asm = Assembler(**kw)

    def deco(fn):
        gl = fn.__globals__
        saved = dict(gl)
        gl.clear()
        try:
            gl.update(_names_for(asm))
            asm.begin(0)
            fn()
            asm.begin(1)
            fn()
        finally:
            gl.clear()
            gl.update(saved)
        return asm.prog

    return deco


def encode(text, side_bits, side_opt=False):
    """rp2.asm_pio_encode: one instruction from text, as StateMachine.exec
    assembles it with the machine's side-set settings. side_bits includes
    the enable bit when side_opt."""
    asm = Assembler()
    asm.side_bits = side_bits
    asm.side_opt = bool(side_opt)
    asm.delay_max = 31 >> (side_bits + (1 if side_opt else 0))
    asm.pass_no = 1
    exec(text, _names_for(asm, with_jmp=False))
    if len(asm.prog[0]) != 1:
        raise PIOASMError("expecting exactly 1 instruction")
    return asm.prog[0][0]


def sideset_count(prog):
    """Side-set bits the state machine is set up with (enable bit included),
    as StateMachine.init derives it from the program."""
    init = prog[SIDESET_INIT]
    if init is None:
        n = 0
    elif isinstance(init, int):
        n = 1
    else:
        n = len(init)
    opt = (prog[EXECCTRL] >> 30) & 1
    return n + opt, bool(opt)


def wrap_bounds(prog):
    ctrl = prog[EXECCTRL]
    return (ctrl >> 7) & 31, (ctrl >> 12) & 31
