# Dotted paths into nested dicts ("stepper.step", "limits.max_bolus_mu"):
# how board files, the config schema and the console name a field.


def get(data, path):
    """-> (present, value) for a dotted path; (False, None) if any part is missing."""
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def put(out, path, value):
    """Set a dotted path, making the dicts on the way."""
    parts = path.split(".")
    node = out
    for part in parts[:-1]:
        if part not in node:
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value
