#!/usr/bin/env python3
"""Compare drconsole's reading of an INI inventory with ansible-inventory's.

usage: compare.py DRCONSOLE FILE [export]   -> exit 0 equal, 1 different (diff printed)
       compare.py DRCONSOLE --invalid FILE  -> exit 0 when both reject it

Group host lists and children are compared as ordered lists: ansible-inventory
prints them in insertion order, which is deterministic for an INI file.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

# ansible's HOME: run.sh's (it removes it), or one of our own, removed at exit
_HOME = os.environ.get("DRCONSOLE_COMPAT_HOME")
if not _HOME:
    _HOME = tempfile.mkdtemp(prefix="drconsole-compat-")
    atexit.register(shutil.rmtree, _HOME, True)
open(os.path.join(_HOME, "ansible.cfg"), "w").close()
ENV = dict(os.environ, ANSIBLE_INVENTORY_ENABLED="ini", ANSIBLE_LOCALHOST_WARNING="False",
           ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_NOCOLOR="1",
           HOME=_HOME, ANSIBLE_CONFIG=os.path.join(_HOME, "ansible.cfg"))


def short(v):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 300 else s[:300] + "..."


def ansible(path, export):
    cmd = ["ansible-inventory", "-i", path, "--list"] + (["--export"] if export else [])
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL)
    failed = r.returncode != 0 or "Failed to parse" in r.stderr or "Unable to parse" in r.stderr
    return (None if failed else json.loads(r.stdout)), r.stderr


def ours(drc, path, export):
    r = subprocess.run([drc, "inventory", path] + (["export"] if export else []),
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode == 2:
        return None, r.stderr
    if r.returncode != 0:
        raise SystemExit(f"drconsole inventory exited {r.returncode}: {r.stderr}")
    return json.loads(r.stdout), r.stderr


def main():
    drc = sys.argv[1]
    if sys.argv[2] == "--invalid":
        path = sys.argv[3]
        a, aerr = ansible(path, False)
        b, berr = ours(drc, path, False)
        if a is None and b is None:
            print(f"  ansible: {aerr.strip().splitlines()[0] if aerr.strip() else '?'}")
            print(f"  drconsole: {berr.strip().splitlines()[0]}")
            return 0
        print(f"  ansible {'rejects' if a is None else 'accepts'}, drconsole {'rejects' if b is None else 'accepts'}")
        print(f"  {berr.strip()}")
        return 1
    path = sys.argv[2]
    export = len(sys.argv) > 3
    a, aerr = ansible(path, export)
    b, berr = ours(drc, path, export)
    if a == b and a is not None:
        return 0
    if a is None:
        print("  ansible-inventory could not parse it:", aerr.strip()[:300])
    if b is None:
        print("  drconsole rejected it:", berr.strip()[:300])
    for k in sorted(set(a or {}) | set(b or {})):
        av, bv = (a or {}).get(k), (b or {}).get(k)
        if k == "_meta" and av and bv:
            ah, bh = av.get("hostvars", {}), bv.get("hostvars", {})
            for h in sorted(set(ah) | set(bh)):
                if ah.get(h) != bh.get(h):
                    print(f"  hostvars[{h}]\n    ansible:   {short(ah.get(h))}\n    drconsole: {short(bh.get(h))}")
        elif av != bv:
            print(f"  {k}\n    ansible:   {short(av)}\n    drconsole: {short(bv)}")
    return 1


sys.exit(main())
