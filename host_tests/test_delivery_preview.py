# plunger-test: both
# Every engine command X has preview_X: the same checks, no change. A user
# interface can then refuse before it asks for the OK button (issue 15
# item 8: `calibrate 50` and `prime 2` asked for OK and were refused after).
from delivery.errors import Rejected
from test_delivery_limits import make, snapshot

MIN = 60000


def _states():
    plain = make(profile=[[0, 1000]])
    suspended = make(profile=[[0, 1000]])
    suspended.suspend(0)
    bolusing = make(profile=[[0, 1000]])
    bolusing.bolus(0, 0, extended_mu=2000, duration_min=60)
    rewound = make(profile=[[0, 1000]])
    rewound.suspend(0)
    rewound.rewind(0)
    rewound.at_home(0)
    priming = make(profile=[[0, 1000]])
    priming.suspend(0)
    priming.new_reservoir(0, 5000)
    priming.prime(0, 1000)
    plain.temp_basal(0, 30, percent=50)
    stopped = make(profile=[[0, 1000]])
    stopped.stop_delivery(0, "occlusion")
    for e in (plain, suspended, bolusing, rewound, priming, stopped):
        e.pop_events()
    return (plain, suspended, bolusing, rewound, priming, stopped)


CALLS = (
    ("bolus", (1000,), {}), ("bolus", (30000,), {}), ("bolus", (0, 1000, 45), {}),
    ("temp_basal", (60,), {"percent": 150}), ("temp_basal", (60,), {"rate_mu_per_h": 36000}),
    ("temp_basal", (1440,), {"rate_mu_per_h": 35000}), ("temp_basal", (20,), {"percent": 50}),
    ("suspend", (), {}), ("resume", (), {}), ("cancel_bolus", (), {}),
    ("cancel_temp_basal", (), {}),
    ("prime", (2000,), {}), ("prime", (50000,), {}), ("prime", (0,), {}),
    ("rewind", (), {}), ("new_reservoir", (0,), {}), ("new_reservoir", (100000,), {}),
    ("select_profile", ("p",), {}), ("select_profile", ("zz",), {}),
    ("set_profile", ("q", [[0, 2000]]), {}), ("set_profile", ("q", [[0, 36000]]), {}),
    ("set_profile", ("q", [[0, 100], [45, 100]]), {}),
)


def _outcome(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Rejected as e:
        return e.code
    return None


def test_every_preview_refuses_exactly_what_its_command_refuses_and_changes_nothing():
    n = refused = 0
    for i in range(6):
        for name, args, kwargs in CALLS:
            eng = _states()[i]  # a fresh copy of state i for each call
            before = snapshot(eng)
            want = _outcome(getattr(eng, "preview_" + name), MIN, *args, **kwargs)
            assert snapshot(eng) == before, (i, name, args)
            got = _outcome(getattr(eng, name), MIN, *args, **kwargs)
            assert got == want, (i, name, args, kwargs, want, got)
            n += 1
            refused += want is not None
    assert n == 6 * len(CALLS) and 30 < refused < n - 20  # both outcomes well covered


def test_prime_and_calibration_amounts_are_checked_before_ok():
    eng = make()
    e = _outcome(eng.preview_prime, 0, 2000)
    assert e == "not_suspended"  # prime 2 while delivering
    eng.suspend(0)
    assert _outcome(eng.preview_prime, 0, 50000) == "max_prime"  # calibrate 50
    assert eng.preview_prime(0, 10000) == {"amount_mu": 10000, "steps": 4422}
