# Board descriptions: which pins and buses a board uses and which optional parts
# are fitted, loaded from a JSON file and checked field by field.
#
# A wrong board file must be one clear line on the console and the display,
# never a crash loop, so every problem is a BoardError naming the file, the
# field and the reason. Defaults are filled in here, so the rest of the
# firmware can read every field without guessing. The schema and the checks
# live in boardcheck.py, loaded only while a file is checked (at boot).

import json


class BoardError(ValueError):
    pass


def validate(data, source="board"):
    """Return a complete board dict (defaults filled in) or raise BoardError."""
    import boardcheck
    import lazy

    try:
        return boardcheck.validate(data, source)
    finally:
        lazy.drop("boardcheck")


def __getattr__(name):
    # boardfile.SCHEMA, boardfile.PIN... for tools and tests, from boardcheck.
    if name.startswith("__"):
        raise AttributeError(name)
    import boardcheck

    return getattr(boardcheck, name)


def load(path):
    """Read and validate a board file; every failure is a BoardError."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise BoardError("%s: cannot read board file (%s)" % (path, e))
    try:
        data = json.loads(text)
    except ValueError as e:
        raise BoardError("%s: not valid JSON (%s)" % (path, e))
    return validate(data, path)
