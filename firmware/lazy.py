# Code that is not used now is not in RAM now: drop(name) forgets a module
# that was needed only for a moment (boot, a check), so the garbage
# collector can free its bytecode once nothing else refers to it. The next
# import loads it from flash again.

import sys


def drop(name):
    sys.modules.pop(name, None)
    cut = name.rfind(".")
    if cut > 0:
        parent = sys.modules.get(name[:cut])
        if parent is not None and hasattr(parent, name[cut + 1:]):
            # `import store.recovery` also made it an attribute of `store`.
            delattr(parent, name[cut + 1:])
