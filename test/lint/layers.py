#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test/lint/layers.py [DIR] - The daemon's modules form layers: no include
cycle between modules.

A module is foo.c with foo.h. Module A depends on B when foo.c or foo.h of A
includes "B.h". A cycle means a module calls one above it without a
registered callback (doc/design.md, "Module graph"). Prints each cycle, its
modules and the include lines that close it, and exits 1 if there is one.
"""

import os
import re
import sys

INCLUDE = re.compile(r'\s*#\s*include\s+"([A-Za-z0-9_]+)\.h"')


def graph(top):
    """Modules of @top and, for each, {dependency: [file:line, ...]}"""
    mods = {f[:-2] for f in os.listdir(top) if f.endswith(('.c', '.h'))}
    deps = {m: {} for m in mods}
    for m in mods:
        for ext in ('.c', '.h'):
            path = os.path.join(top, m + ext)
            if not os.path.exists(path):
                continue
            with open(path, errors='replace') as f:
                for n, line in enumerate(f, 1):
                    g = INCLUDE.match(line)
                    if g and g.group(1) in mods and g.group(1) != m:
                        deps[m].setdefault(g.group(1), []).append(
                            f'{m}{ext}:{n}')
    return deps


def components(deps):
    """Strongly connected components with more than one module"""
    order, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        order[v] = low[v] = len(order)
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            c = []
            while True:
                w = stack.pop()
                on.discard(w)
                c.append(w)
                if w == v:
                    break
            if len(c) > 1:
                out.append(sorted(c))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in order:
            visit(v)
    return out


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else '.'
    deps = graph(top)
    bad = components(deps)
    for c in bad:
        print(f'include cycle of {len(c)} modules: {" ".join(c)}')
        for m in c:
            for d in sorted(deps[m]):
                if d in c:
                    print(f'  {m} -> {d} ({", ".join(deps[m][d])})')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
