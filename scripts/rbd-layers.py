#!/usr/bin/env python3
"""rbd-layers.py: the rbd plugin's modules use only the layers below them.

A module is X.c plus X.h (rbd.c is module "rbd").  Two graphs:
  include: module A -> B when A.c or A.h has #include "B.h" (A != B)
  call:    module A -> B when a function defined in A.c calls (or takes
           the address of) a function B exports: non-static in B.c, or a
           static inline in B.h.  Names A defines itself shadow B's.
Prints every strongly connected component of more than one module in
each graph, with the edges inside it (file:line -> callee), and exits 1
if there is any, 0 if there is none, 2 on a usage error.

    rbd-layers.py [--edges] [--layers] [--tap] [DIR]

DIR defaults to plugins/rbd.  --edges also prints every edge.  --layers also
checks the target layering (LAYERS below): every edge must point to a
strictly lower layer or to the same layer; modules not listed fail.
--tap prints the verdicts as TAP (for prove, as tests/test-*.sh do),
everything else as "# " diagnostics.
Needs python3 only: a regex C parser good enough for this code base
(function bodies at brace depth 0, comments and strings stripped).
"""
import os
import re
import sys
from collections import defaultdict

# The layers (lowest first); plugins/rbd/README.md says what each is for.
# Same-layer edges are allowed but must not form cycles (checked anyway).
# A new module must be added here: one without a layer fails --layers.
LAYERS = [
    ["rbd-buf", "rbd-cls", "rbd-layout", "rbd-objmap", "rbd-notify",
     "rbd-hint", "rbd-spec", "rbd-meta", "rbd-tbucket", "rbd-xts",
     "rbd-luks"],                                   # 0 pure
    ["rbd-cluster", "rbd-rados"],                   # 1 RADOS transport
    ["rbd-image", "rbd-watch", "rbd-refresh", "rbd-config", "rbd-qos"],  # 2 image state
    ["rbd-mapio", "rbd-lock", "rbd-snapmap"],       # 3 lock, object map
    ["rbd-objwrite", "rbd-objq", "rbd-copyup"],     # 4 object queue/write
    ["rbd-io", "rbd-status", "rbd-snap", "rbd-create", "rbd-resize",
     "rbd-open", "rbd-encrypt", "rbd-session"],     # 5 requests, assembly
    ["rbd"],                                        # 6 ABI adapter
]

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include\s+"([^"]+)\.h"', re.M)
IDENT_RE = re.compile(r'\b[A-Za-z_]\w*\b')
FUNC_HDR_RE = re.compile(r'([A-Za-z_]\w*)\s*\([^;{}]*\)\s*$', re.S)
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do"}


def strip_c(src):
    """Comments, string and char literals and preprocessor lines blanked,
    newlines kept so offsets map to the same line numbers."""
    out = []
    i, n = 0, len(src)
    at_line_start = True
    while i < n:
        c = src[i]
        if at_line_start and c == '#':
            # a preprocessor line (with continuations)
            while i < n and src[i] != '\n':
                if src[i] == '\\' and i + 1 < n and src[i + 1] == '\n':
                    out.append(' \n')
                    i += 2
                    continue
                out.append(' ')
                i += 1
            continue
        if c == '/' and src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', src[i:j]))
            i = j
            continue
        if c == '/' and src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
            continue
        if c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', src[i + 1:j - 1]) + c)
            i = j
            continue
        if c == '\n':
            at_line_start = True
        elif not c.isspace():
            at_line_start = False
        out.append(c)
        i += 1
    return ''.join(out)


def functions(text):
    """(name, is_static, body_start, body_end) of each function definition
    at brace depth 0 of stripped text."""
    res = []
    depth = 0
    seg_start = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '{':
            if depth == 0:
                hdr = text[seg_start:i]
                m = FUNC_HDR_RE.search(hdr)
                words = set(IDENT_RE.findall(hdr))
                if (m and '=' not in hdr and m.group(1) not in KEYWORDS and
                        not words & {"typedef"} and
                        not re.match(r'\s*(struct|union|enum)\s+\w+\s*$',
                                     hdr)):
                    j, d = i, 0
                    while j < n:
                        if text[j] == '{':
                            d += 1
                        elif text[j] == '}':
                            d -= 1
                            if d == 0:
                                break
                        j += 1
                    res.append((m.group(1), 'static' in words, i, j))
                    i = j + 1
                    seg_start = i
                    continue
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                seg_start = i + 1
        elif c == ';' and depth == 0:
            seg_start = i + 1
        i += 1
    return res


def module_of(fname):
    return os.path.splitext(os.path.basename(fname))[0]


def load(d):
    files = sorted(f for f in os.listdir(d)
                   if re.match(r'rbd.*\.[ch]$', f))
    mods = sorted({module_of(f) for f in files})
    raw, text = {}, {}
    for f in files:
        with open(os.path.join(d, f), encoding='utf-8',
                  errors='replace') as fh:
            raw[f] = fh.read()
        text[f] = strip_c(raw[f])
    return files, mods, raw, text


def include_edges(files, mods, raw):
    edges = defaultdict(list)           # (A, B) -> ["file:line"]
    for f in files:
        a = module_of(f)
        for m in INCLUDE_RE.finditer(raw[f]):
            b = m.group(1)
            if b in mods and b != a:
                line = raw[f].count('\n', 0, m.start()) + 1
                edges[(a, b)].append(f"{f}:{line}")
    return edges


def call_edges(files, text):
    defs = {}                           # file -> [(name, static, s, e)]
    exported = {}                       # name -> module
    own = defaultdict(set)              # module -> every name it defines
    for f in files:
        defs[f] = functions(text[f])
        mod = module_of(f)
        for name, static, _, _ in defs[f]:
            own[mod].add(name)
            if f.endswith('.h') or not static:
                exported.setdefault(name, mod)
    edges = defaultdict(list)           # (A, B) -> ["file:line fn -> callee"]
    for f in files:
        a = module_of(f)
        for name, _, s, e in defs[f]:
            body = text[f][s:e]
            seen = set()
            for m in IDENT_RE.finditer(body):
                callee = m.group(0)
                b = exported.get(callee)
                if not b or b == a or callee in own[a]:
                    continue
                before = body[:m.start()].rstrip()
                if (before.endswith(('.', '->')) or
                        re.search(r'\b(struct|union|enum)$', before)):
                    continue            # a tag or a member, not the function
                line = text[f].count('\n', 0, s + m.start()) + 1
                key = (callee, line)
                if key in seen:
                    continue
                seen.add(key)
                edges[(a, b)].append(f"{f}:{line} {name} -> {callee}")
    return edges


def sccs(nodes, edges):
    """Tarjan; components of more than one node, each sorted."""
    adj = defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(adj[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def report(kind, mods, edges, show_edges):
    comps = sccs(mods, edges)
    if show_edges:
        print(f"== {kind} edges")
        for (a, b) in sorted(edges):
            print(f"  {a} -> {b}: " + "; ".join(edges[(a, b)]))
    if not comps:
        print(f"{kind} graph: no cycles")
    for comp in comps:
        print(f"{kind} cycle: {{{', '.join(comp)}}}")
        cs = set(comp)
        for (a, b) in sorted(edges):
            if a in cs and b in cs:
                for where in edges[(a, b)]:
                    print(f"    {a} -> {b}  {where}")
    return len(comps)


def check_layers(mods, graphs):
    layer = {m: i for i, ms in enumerate(LAYERS) for m in ms}
    bad = 0
    for m in mods:
        if m not in layer:
            print(f"layers: module {m} has no layer")
            bad += 1
    for kind, edges in graphs:
        for (a, b) in sorted(edges):
            if a in layer and b in layer and layer[b] > layer[a]:
                print(f"layers: {kind} edge {a} (L{layer[a]}) -> {b} "
                      f"(L{layer[b]}) goes up: " + "; ".join(edges[(a, b)]))
                bad += 1
    if not bad:
        print("layers: every edge goes down or sideways")
    return bad


def main(argv):
    show_edges = '--edges' in argv
    layers = '--layers' in argv
    tap = '--tap' in argv
    args = [a for a in argv if not a.startswith('--')]
    if len(args) > 1 or any(a.startswith('--') and a not in
                            ('--edges', '--layers', '--tap') for a in argv):
        print(__doc__, file=sys.stderr)
        return 2
    d = args[0] if args else 'plugins/rbd'
    if not os.path.isdir(d):
        print(f"no directory {d}", file=sys.stderr)
        return 2
    files, mods, raw, text = load(d)
    inc = include_edges(files, mods, raw)
    call = call_edges(files, text)
    checks = [("no include cycles among rbd modules",
               lambda: report("include", mods, inc, show_edges)),
              ("no call cycles among rbd modules",
               lambda: report("call", mods, call, show_edges))]
    if layers:
        checks.append(("every rbd module uses only layers below it",
                       lambda: check_layers(mods, [("include", inc),
                                                   ("call", call)])))
    if tap:
        print(f"1..{len(checks)}")
    total = 0
    for i, (what, run) in enumerate(checks, 1):
        if tap:
            real = sys.stdout
            sys.stdout = Captured()
            try:
                n = run()
            finally:
                out, sys.stdout = sys.stdout.text, real
            for line in out.splitlines():
                print("# " + line)
            print(f"{'ok' if n == 0 else 'not ok'} {i} - {what}")
        else:
            n = run()
        total += n
    return 1 if total else 0


class Captured:
    def __init__(self):
        self.text = ''

    def write(self, s):
        self.text += s

    def flush(self):
        pass


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
