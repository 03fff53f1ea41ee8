#!/usr/bin/env python3
"""Layer check: dependencies between the files of src/ point down, never up,
and no files depend on each other in a circle.

The layers, lowest first (README "Design"): util, config, ssh, probe,
runbook, ui, cli; src/main.c stands above them all. A .c file belongs to the
layer of its folder (src/LAYER/), and so does a header beside it. A public
header lives in the folder of its layer, include/drconsole/LAYER/, so the
layer of an include can be read from its path; it must be the layer of the
.c files that define the functions it declares (for a header that declares
none, types only: of the .c files that include it first), else it is
reported as misplaced.

A file A depends on a file B when A includes B ("drconsole/B.h" or a header
beside it) or uses a function or variable that B alone defines. Reported:
  - a dependency that points up a layer;
  - a circle: files that depend on each other through a chain (one strongly
    connected component of the dependency graph, listed with what ties it).
Known violations are in ALLOWED below, each with its reason; an entry that
no longer matches anything fails too, so the list only shrinks.

It first shows, on a small made-up tree, that it catches each kind of
fault. Prints PASS:/FAIL: lines (tests/run.sh layers). Usage:
tests/layers.py [ROOT]
"""
import os
import re
import sys

LAYERS = ["util", "config", "ssh", "probe", "runbook", "ui", "cli", "main"]

# Known violations, to be fixed; anything not here fails.
#   ("up", FILE, DEPENDENCY, why)   FILE depends on DEPENDENCY of a higher layer
#   ("circle", {FILE, ...}, why)    these files depend on each other in a circle
#                                   (a circle made of some of them passes too)
ALLOWED = []


def strip_code(text):
    """Comments, string and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# a definition at file scope: the name at the start of a line (the return
# type on the line above), or a variable with an initialiser
FUNC_DEF = re.compile(r"^([A-Za-z_]\w*)\s*\(", re.M)
VAR_DEF = re.compile(r"^(?!static\b)(?:const\s+)?(?:struct\s+|enum\s+)?\w+[\s*]+(\w+)\s*(?:\[[^\]]*\])?\s*=", re.M)
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def check(root, allowed_list, say=print):
    """Checks the tree at root; returns the number of failures."""
    os.chdir(root)
    files = []
    for d, _, names in os.walk("src"):
        files += [os.path.join(d, f) for f in names if f.endswith((".c", ".h"))]
    for d, _, names in os.walk("include/drconsole"):
        files += [os.path.join(d, f) for f in names if f.endswith(".h")]
    files.sort()
    raw = {f: open(f, encoding="utf-8").read() for f in files}
    code = {f: strip_code(raw[f]) for f in files}
    failures = []

    def fail(msg):
        failures.append(msg)
        say("FAIL: layers: " + msg)

    # the layer of each .c and private header: its folder
    layer = {}
    for f in files:
        parts = f.split("/")
        if f == "src/main.c":
            layer[f] = "main"
        elif parts[0] == "src" and len(parts) == 3:
            if parts[1] not in LAYERS:
                fail("%s: folder %s is no layer (%s)" % (f, parts[1], " < ".join(LAYERS)))
                continue
            layer[f] = parts[1]

    # what each .c defines (not static)
    defined_by = {}
    for f in files:
        if not f.endswith(".c"):
            continue
        lines = code[f].split("\n")
        names = set()
        for m in FUNC_DEF.finditer(code[f]):
            ln = code[f].count("\n", 0, m.start())
            prev = lines[ln - 1].strip() if ln > 0 else ""
            rest = code[f][m.end():]
            # a definition, not a prototype: the parameter list is followed by "{"
            depth, k = 1, 0
            while k < len(rest) and depth:
                depth += {"(": 1, ")": -1}.get(rest[k], 0)
                k += 1
            if not rest[k:].lstrip().startswith("{"):
                continue
            if re.match(r"^static\b", prev) or re.match(r"^static\b", lines[ln]):
                continue
            names.add(m.group(1))
        for m in VAR_DEF.finditer(code[f]):
            names.add(m.group(1))
        for name in names:
            defined_by.setdefault(name, set()).add(f)
    owner = {n: next(iter(fs)) for n, fs in defined_by.items() if len(fs) == 1}

    # resolve an include of file f to a project file, or None (a system header)
    def resolve(f, inc):
        for cand in (os.path.normpath(os.path.join(os.path.dirname(f), inc)),
                     os.path.normpath(os.path.join("include", inc))):
            if cand in raw:
                return cand
        return None

    includes = {f: [r for r in (resolve(f, i) for i in INCLUDE.findall(raw[f])) if r]
                for f in files}

    # the layer of each public header
    first_included_by = {}
    for f in files:
        if f.endswith(".c") and includes[f]:
            first_included_by.setdefault(includes[f][0], set()).add(f)
    for h in files:
        if not h.startswith("include/"):
            continue
        declared = {n for n in IDENT.findall(code[h]) if n in owner}
        impl = {owner[n] for n in declared
                if re.search(r"\b%s\s*\(" % re.escape(n), code[h]) or
                re.search(r"\bextern\b[^;]*\b%s\b" % re.escape(n), code[h])}
        how = "defines what it declares"
        if not impl:
            impl = first_included_by.get(h, set())
            how = "includes it first"
        layers = {layer[c] for c in impl if c in layer}
        parts = h.split("/")
        folder = parts[2] if len(parts) == 4 and parts[2] in LAYERS else None
        if folder is None:
            fail("%s: not in a layer folder (include/drconsole/LAYER/, LAYER one of %s)" %
                 (h, ", ".join(LAYERS[:-1])))
        if len(layers) == 1:
            owner_layer = layers.pop()
            if folder is not None and folder != owner_layer:
                fail("%s: misplaced: its layer is %s (%s: %s), move it to include/drconsole/%s/" %
                     (h, owner_layer, how, ", ".join(sorted(impl)), owner_layer))
            layer[h] = folder or owner_layer
        elif not layers:
            fail("%s: no .c implements it (none defines what it declares or includes it first)" % h)
        else:
            fail("%s: belongs to several layers (%s %s): split it" %
                 (h, ", ".join(sorted(impl)), how))

    # the dependency graph: edge -> why
    deps = {f: {} for f in files}
    for f in files:
        for h in includes[f]:
            if h != f:
                deps[f].setdefault(h, set()).add("#include")
        if f.endswith(".c"):
            for n in set(IDENT.findall(code[f])):
                g = owner.get(n)
                if g is not None and g != f:
                    deps[f].setdefault(g, set()).add(n)

    def rank(f):
        return LAYERS.index(layer[f])

    allowed_used = set()

    def allowed(kind, *key):
        for i, a in enumerate(allowed_list):
            if a[0] != kind:
                continue
            if kind == "up" and (a[1], a[2]) == key:
                allowed_used.add(i)
                return a[-1]
            if kind == "circle" and key[0] <= a[1]:
                allowed_used.add(i)
                return a[-1]
        return None

    n_up = 0
    for f in files:
        for g, why in sorted(deps[f].items()):
            if f not in layer or g not in layer or rank(g) <= rank(f):
                continue
            what = "includes" if "#include" in why else "uses %s of" % ", ".join(sorted(why))
            msg = "%s (%s) %s %s (%s): points up a layer" % (f, layer[f], what, g, layer[g])
            reason = allowed("up", f, g)
            if reason is None:
                fail(msg)
                n_up += 1
            else:
                say("  allowed: %s\n    because %s" % (msg, reason))

    # circles: strongly connected components (Tarjan, iterative)
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []
    counter = [0]
    for start in files:
        if start in index:
            continue
        work = [(start, iter(sorted(deps[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(deps[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.add(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        sccs.append(comp)
    n_circle = 0
    for comp in sorted(sccs, key=sorted):
        ties = ["    %s -> %s: %s" % (f, g, ", ".join(sorted(deps[f][g])))
                for f in sorted(comp) for g in sorted(deps[f]) if g in comp]
        msg = "circle of %d files: %s" % (len(comp), ", ".join(sorted(comp)))
        reason = allowed("circle", frozenset(comp))
        if reason is None:
            fail(msg)
            say("\n".join(ties))
            n_circle += 1
        else:
            say("  allowed: %s\n    because %s" % (msg, reason))

    for i, a in enumerate(allowed_list):
        if i not in allowed_used:
            fail("allowed %s no longer found, remove it from ALLOWED in tests/layers.py: %s" %
                 (a[0], ", ".join(sorted(a[1])) if a[0] == "circle" else "%s -> %s" % (a[1], a[2])))

    n_deps = sum(len(d) for d in deps.values())
    if n_up == 0:
        say("PASS: layers: no dependency points up a layer (%d files, %d dependencies; %s)" %
              (len(files), n_deps, " < ".join(LAYERS)))
    if n_circle == 0:
        say("PASS: layers: no circle between files beyond the allowed ones")
    return len(failures)


SELF_TEST_TREE = {
    # util's header includes config's: up a layer
    "include/drconsole/util/u.h": '#include "drconsole/config/c.h"\nint u_one(void);\n',
    "src/util/u.c": '#include "drconsole/util/u.h"\nint\nu_one(void)\n{\n\treturn 1;\n}\n',
    # c.h and c4.h include each other
    "include/drconsole/config/c.h": '#include "drconsole/config/c4.h"\nint c_two(void);\n',
    "include/drconsole/config/c4.h": '#include "drconsole/config/c.h"\nint c_three(void);\n',
    # a call up a layer, from config to probe
    "src/config/c.c": '#include "drconsole/config/c.h"\n/* p_four() in a comment is no call */\n'
                      'int\nc_two(void)\n{\n\treturn p_four();\n}\n',
    # c.c -> p.c -> c2.c -> c.c: a circle of files
    "src/config/c2.c": '#include "drconsole/config/c.h"\nint\nc_three(void)\n{\n\treturn c_two();\n}\n',
    "include/drconsole/probe/p.h": 'int p_four(void);\n',
    "src/probe/p.c": '#include "drconsole/probe/p.h"\n#include "drconsole/config/c.h"\n'
                     'int\np_four(void)\n{\n\treturn c_three() + c_two();\n}\n',
    # a probe header filed under config, and one in no layer folder
    "include/drconsole/config/q.h": 'int q_five(void);\n',
    "src/probe/q.c": '#include "drconsole/config/q.h"\nint\nq_five(void)\n{\n\treturn 5;\n}\n',
    "include/drconsole/flat.h": 'int f_six(void);\n',
    "src/util/flat.c": '#include "drconsole/flat.h"\nint\nf_six(void)\n{\n\treturn 6;\n}\n',
}


def self_test():
    """The check on SELF_TEST_TREE must report each planted fault."""
    import tempfile
    want = [
        ("an include up a layer", "include/drconsole/util/u.h (util) includes include/drconsole/config/c.h (config)"),
        ("a call up a layer", "src/config/c.c (config) uses p_four of src/probe/p.c (probe)"),
        ("a circle of files", "circle of 3 files: src/config/c.c, src/config/c2.c, src/probe/p.c"),
        ("an include circle", "circle of 2 files: include/drconsole/config/c.h, include/drconsole/config/c4.h"),
        ("a header in another layer's folder", "include/drconsole/config/q.h: misplaced"),
        ("a header in no layer folder", "include/drconsole/flat.h: not in a layer folder"),
        ("a stale allow-list entry", "allowed circle no longer found"),
    ]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        for path, text in SELF_TEST_TREE.items():
            os.makedirs(os.path.join(tmp, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(tmp, path), "w") as f:
                f.write(text)
        lines = []
        check(tmp, [("circle", {"src/ui/x.c", "src/ui/y.c"}, "made up")],
              lambda s: lines.extend(s.split("\n")))
        os.chdir(here)
    bad = 0
    for what, text in want:
        if any(l.startswith("FAIL: ") and text in l for l in lines):
            print("PASS: layers self-test: reports %s" % what)
        else:
            print("FAIL: layers self-test: does not report %s (%s)" % (what, text))
            bad += 1
    if any(l.startswith("PASS: ") for l in lines):
        print("FAIL: layers self-test: a check passed on the faulty tree")
        bad += 1
    if bad:
        print("\n".join("    | " + l for l in lines))
    return bad


def main():
    args = sys.argv[1:]
    bad = self_test()
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    bad += check(root, ALLOWED)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
