# /config.json: one versioned JSON file, validated field by field, replaced
# atomically, never overwritten by an invalid one.
#
# validate(cfg) -> cfg or raise an error with .field and .reason (on the
# device: delivery.settings.validate / ConfigError); migrate(cfg) -> cfg
# brings an older schema version up to date (see make_migrator). Both are
# passed in so this file knows nothing of the settings themselves.

import json

from store.fs import write_atomic

from micropython import const

_MAX_CONFIG_BYTES = const(16384)  # a larger file is refused before parsing
CONFIG_PATH = "/config.json"


def _error(e):
    field = getattr(e, "field", None)
    reason = getattr(e, "reason", None)
    if field is None:
        field = "(file)"
    if reason is None:
        reason = str(e) or e.__class__.__name__
    return (field, reason)


class MigrationError(ValueError):
    def __init__(self, field, reason):
        super().__init__("%s: %s" % (field, reason))
        self.field = field
        self.reason = reason


def make_migrator(steps, current_version):
    """A migrate callable from a table {from_version: fn(cfg) -> cfg whose
    "version" is from_version + 1}. A file without "version" is version 0.
    Raises MigrationError (field "version") for a version it cannot reach."""

    def migrate(cfg):
        v = cfg.get("version", 0)
        guard = 0
        while v != current_version:
            if type(v) is not int or v > current_version or v not in steps or guard > 64:
                raise MigrationError("version", "unsupported version %r (this firmware "
                                     "reads up to %d)" % (v, current_version))
            cfg = steps[v](cfg)
            guard += 1
            v = cfg.get("version", 0)
        return cfg

    return migrate


class ConfigStore:
    def __init__(self, fs, validate, migrate=None, path=CONFIG_PATH):
        self.fs = fs
        self.validate = validate
        self.migrate = migrate
        self.path = path
        self.backup_path = path + ".bak"
        self.cfg = None  # the valid config in use, None = delivery refused
        self.error = None  # (field, reason) of the last problem, or None
        self.migrated_from = None

    def _parse(self, path):
        """(cfg, None, raw, from_version) or (None, (field, reason), raw,
        None); never raises for bad data. from_version is set when the
        file was migrated from an older schema."""
        try:
            raw = self.fs.read(path, _MAX_CONFIG_BYTES)
        except ValueError:
            return None, ("(file)", "larger than %d bytes" % _MAX_CONFIG_BYTES), None, None
        except OSError as e:
            return None, ("(file)", "cannot read: %r" % (e,)), None, None
        if raw is None:
            return None, ("(file)", "missing"), None, None
        try:
            cfg = json.loads(raw)
        except Exception:  # ValueError, UnicodeError, RecursionError...
            return None, ("(file)", "not valid JSON"), raw, None
        if not isinstance(cfg, dict):
            return None, ("(file)", "not a JSON object"), raw, None
        version = cfg.get("version", 0)
        try:
            if self.migrate is not None:
                cfg = self.migrate(cfg)
            cfg = self.validate(cfg)
        except MemoryError:
            raise
        except Exception as e:  # any bad value is the file's fault, not a crash
            return None, _error(e), raw, None
        migrated = version if version != cfg.get("version", version) else None
        return cfg, None, raw, migrated

    def load(self):
        """Read and validate the config. Returns the config or None; on None,
        self.error says (field, reason) and delivery must be refused. A
        migrated file is written back in the new schema, the original kept
        as .bak."""
        cfg, err, raw, migrated = self._parse(self.path)
        self.cfg = cfg
        self.error = err
        self.migrated_from = migrated
        if cfg is not None and migrated is not None:
            try:
                self._replace(cfg, raw)
            except OSError:
                pass  # still valid in RAM; the migration is retried next boot
        return cfg

    def backup(self):
        """The last valid config kept in .bak (or None), for the console to
        offer when the main file is bad. Never used automatically."""
        return self._parse(self.backup_path)[0]

    def save(self, cfg):
        """Validate and atomically replace the config; the previous valid
        file becomes .bak. Raises the validator's error (nothing is written)
        if cfg is invalid."""
        cfg = self.validate(cfg)
        old, _, raw, _ = self._parse(self.path)
        self._replace(cfg, raw if old is not None else None)
        self.cfg = cfg
        self.error = None
        return cfg

    def _replace(self, cfg, old_raw):
        # Backup first: if power goes between the two, the main file is
        # still the old valid one. A .bak only ever holds a valid file.
        if old_raw is not None:
            write_atomic(self.fs, self.backup_path, old_raw)
        write_atomic(self.fs, self.path, json.dumps(cfg).encode())

    def delivery_allowed(self):
        return self.cfg is not None
