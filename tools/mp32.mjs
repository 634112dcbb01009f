// The 32-bit measuring stick: run a Python script under MicroPython's
// WebAssembly port (npm @micropython/micropython-webassembly-pyscript,
// installed pinned by `make wasm` into build/wasm). The port is a 32-bit
// build (sys.maxsize == 2**31 - 1), so objects, GC blocks and bytecode cost
// what they cost on an RP2040 or an ESP32.
//
//   node tools/mp32.mjs [--heap KIB] [--copy HOSTDIR:GUESTDIR]... SCRIPT.py [ARGS...]
//
// --copy puts a host folder into the port's in-memory filesystem (Emscripten
// MEMFS: file bytes live in JavaScript memory, outside the MicroPython heap,
// like files on a board's flash). SCRIPT.py is copied to /main_script.py and
// run with sys.argv = [SCRIPT.py, ARGS...]; its SystemExit code is ours. If
// it defines mp32_step(), that is then called until it returns false.
// The heap starts at --heap KiB (default 1024) and grows on demand: this port
// never raises MemoryError for want of heap, so measure high-water marks.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.join(HERE, "..", "build", "wasm", "node_modules", "@micropython",
  "micropython-webassembly-pyscript", "micropython.mjs");

function usage(msg) {
  process.stderr.write(`mp32: ${msg}\nusage: node tools/mp32.mjs [--heap KIB] ` +
    "[--copy HOSTDIR:GUESTDIR]... SCRIPT.py [ARGS...]\n");
  process.exit(64);
}

function copyTree(FS, host, guest) {
  FS.mkdirTree(guest);
  for (const ent of fs.readdirSync(host, { withFileTypes: true })) {
    const h = path.join(host, ent.name);
    const g = guest.replace(/\/$/, "") + "/" + ent.name;
    if (ent.isDirectory()) {
      copyTree(FS, h, g);
    } else if (ent.isFile()) {
      FS.writeFile(g, fs.readFileSync(h));
    }
  }
}

const argv = process.argv.slice(2);
let heapKib = 1024;
const copies = [];
while (argv.length && argv[0].startsWith("--")) {
  const opt = argv.shift();
  const val = argv.shift();
  if (val === undefined) usage(`${opt} needs a value`);
  if (opt === "--heap") heapKib = parseInt(val, 10);
  else if (opt === "--copy") {
    const cut = val.lastIndexOf(":");
    if (cut <= 0) usage(`--copy wants HOSTDIR:GUESTDIR, got ${val}`);
    copies.push([val.slice(0, cut), val.slice(cut + 1)]);
  } else usage(`unknown option ${opt}`);
}
if (!argv.length) usage("no script");
if (!fs.existsSync(PKG)) usage(`no WebAssembly port at ${PKG}: run \`make wasm\``);

const { loadMicroPython } = await import(PKG);
const out = (s) => process.stdout.write(s + "\n");
const mp = await loadMicroPython({ heapsize: heapKib * 1024, stdout: out, stderr: out });
for (const [h, g] of copies) copyTree(mp.FS, h, g);
mp.FS.writeFile("/main_script.py", fs.readFileSync(argv[0]));
mp.globals.set("_mp32_argv", JSON.stringify(argv));
// The script runs as a module from the filesystem, so its own source is
// compiled before it measures anything.
mp.runPython(`
import json, sys
sys.argv[:] = json.loads(_mp32_argv)
del _mp32_argv
_mp32_rc = 0
try:
    exec(open("/main_script.py").read(), globals())
except SystemExit as e:
    _mp32_rc = e.args[0] if e.args else 0
    if _mp32_rc is None:
        _mp32_rc = 0
    elif not isinstance(_mp32_rc, int):
        print(_mp32_rc)
        _mp32_rc = 1
except BaseException as e:
    sys.print_exception(e)
    _mp32_rc = 1
`);
let rc = mp.globals.get("_mp32_rc");
// A script that defines mp32_step() is called again and again until it
// returns false: each return to JavaScript is where this port collects.
const step = rc === 0 ? mp.globals.get("mp32_step") : undefined;
if (step !== undefined) {
  try {
    while (step()) { /* one call per slice of work */ }
  } catch (e) {
    process.stdout.write(`mp32: ${e}\n`);
    rc = 1;
  }
}
process.exitCode = rc;
