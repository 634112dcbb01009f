"""Safety figures from the safety tests' own scenario code (imported, not
copied): power cuts at every write point of a scripted pump life
(host_tests/test_faults_scenario.sweep, each tear mode of
test_faults_power.TEARS) and random/mutated console lines
(host_tests/test_console_fuzz.Harness)."""
import common

KEYS = ("faults.power_cuts", "faults.violations", "fuzz.console_lines", "fuzz.crashes")


def power_cuts(ctx):
    try:
        import test_faults_power as tp
        import test_faults_scenario as sc
    except Exception as e:
        why = "host_tests/test_faults_scenario.py not importable: %r" % (e,)
        return [common.missing(KEYS[0], why), common.missing(KEYS[1], why, "0")]
    hours, every = (6, 7) if ctx["quick"] else (72, 1)
    tears = tp.TEARS[:2] if ctx["quick"] else tp.TEARS
    cuts, violations, first = 0, 0, None
    points = 0
    for tear in tears:
        try:
            n, points = sc.sweep(hours, every=every, tear=tear)
            cuts += n
        except AssertionError as e:
            violations += 1
            first = first or repr(e)[:300]
    details = {"hours": hours, "write_points": points, "tear_modes": len(tears),
               "every_nth_point": every}
    if first:
        details["first_violation"] = first
    return [common.figure(KEYS[0], cuts, None, None, details),
            common.figure(KEYS[1], violations, "0", violations == 0, details)]


def fuzz(ctx):
    try:
        import test_console_fuzz as fz
    except Exception as e:
        why = "host_tests/test_console_fuzz.py not importable: %r" % (e,)
        return [common.missing(KEYS[2], why), common.missing(KEYS[3], why, "0")]
    n = 500 if ctx["quick"] else 110000
    h = fz.Harness(4321)
    rng = h.rng
    crashes, first = 0, None
    for i in range(n):
        # The same mix as the test: seeds, mutated seeds, random characters.
        kind = i % 4
        if kind == 3:
            line = "".join(rng.choice(fz.ALPHABET) for _ in range(rng.randint(0, 40)))
        else:
            line = rng.choice(fz.SEEDS)
            if kind:
                line = fz.mutate(rng, line)
        try:
            h.feed(line)
        except AssertionError as e:
            crashes += 1
            first = first or repr(e)[:300]
            h = fz.Harness(4321 + i)
            rng = h.rng
    details = {"lines": h.lines if not crashes else n, "deliveries_confirmed": h.deliveries,
               "seed": 4321}
    if first:
        details["first_crash"] = first
    return [common.figure(KEYS[2], n, None, None, details),
            common.figure(KEYS[3], crashes, "0", crashes == 0, details)]


def measure(ctx):
    return power_cuts(ctx) + fuzz(ctx)
