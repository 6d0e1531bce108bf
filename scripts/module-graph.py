#!/usr/bin/env python3
"""The developers' guide's module rule, checked: "Inside a crate, modules import a name from
the module that defines it, not through the crate root's re-exports, and no two modules
import each other: the module graph reads one way."

    scripts/module-graph.py               check the crates in CRATES
    scripts/module-graph.py crates/NAME   check the crates named
    scripts/module-graph.py --cycles ...  also report cycles round three modules or more
                                          (.ci/run checks CRATES so)

For every crate root (src/lib.rs, src/main.rs, src/bin/*.rs) it follows the `mod` declarations
to the module files and reads each `use` and each `crate::`/`super::` path outside comments and
string literals, then reports
  - a name taken from the crate root that the root only re-exports (`pub use`): import it
    from the module that defines it;
  - two modules of one parent that import each other: move what they share into a module
    of its own that both import (with --cycles, longer cycles as well).
A child importing from its parent, or a parent from its child (`#[cfg(test)] mod tests` and
`use super::*`), is the normal shape of a module tree and not reported. Exits 1 when it
reports anything. It reads rustfmt-formatted sources with regular expressions: no macro
expansion, no `#[path]`.
"""

import os
import re
import sys
from collections import defaultdict

# The crates CI holds to the rule (paths from the workspace root).
CRATES = [
    "crates/lakala-axum",
    "crates/lakala-bench",
    "crates/lakala-cli",
    "crates/lakala-client",
    "crates/lakala-console",
    "crates/lakala-crypto",
    "crates/lakala-journal",
    "crates/lakala-sandbox",
    "crates/lakala-sim",
    "crates/lakala-test-postgres",
    "crates/lakala-transport",
    "crates/lakala-types",
    "examples/pos-service",
    "xtask",
]

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_code(text):
    """The text with comments, string literals and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        m = re.compile(r'b?r(#*)"').match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find('"' + m.group(1), m.end())
            end = n if end < 0 else end + 1 + len(m.group(1))
            out.append('""' + re.sub(r"[^\n]", "", text[i:end]))
            i = end
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + re.sub(r"[^\n]", "", text[i : j + 1]))
            i = j + 1
            continue
        if c == "'":
            m = re.compile(r"'(?:[^'\\\n]|\\[^\n]+?)'").match(text, i)
            if m:
                out.append("' '")
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def expand(tree, prefix=()):
    """`a::{b, c::{d as e}}` -> [(path, alias)]: (('a','b'), 'b'), (('a','c','d'), 'e')."""
    tree = re.sub(r"\s+", " ", tree.strip())
    m = re.match(r"^((?:::)?(?:" + IDENT + r"::)*)\{(.*)\}$", tree, re.S)
    if m:
        base = tuple(x for x in m.group(1).split("::") if x)
        out = []
        for t in split_top(m.group(2)):
            out += expand(t, prefix + base)
        return out
    path, _, alias = tree.partition(" as ")
    segs = prefix + tuple(x.strip() for x in path.split("::") if x.strip())
    if segs and segs[-1] == "self":
        segs = segs[:-1]
    return [(segs, alias.strip() or (segs[-1] if segs else ""))]


MOD_DECL = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", re.M)
TOKENS = re.compile(
    r"\b(?:pub(?:\s*\([^)]*\))?\s+)?use\s+([^;]*);"  # a use declaration
    r"|\bmod\s+(" + IDENT + r")\s*\{"  # an inline module opening
    r"|(?<![\w:])\$?((?:crate|super)(?:\s*::\s*" + IDENT + r")+)"  # a path (`$crate` too)
    r"|([{}])"
)


class Crate:
    def __init__(self, root_dir, all_cycles):
        self.root_dir = root_dir
        self.all_cycles = all_cycles
        self.findings = []

    def files(self, root_file):
        """(module path, file) of every module file reachable from root_file."""
        out = [((), root_file)]
        todo = [((), root_file, True)]
        while todo:
            path, f, owns_dir = todo.pop()
            base = os.path.dirname(f) if owns_dir else os.path.splitext(f)[0]
            code = strip_code(open(f, encoding="utf-8").read())
            for name in MOD_DECL.findall(code):
                for cand, owns in ((os.path.join(base, name + ".rs"), False),
                                   (os.path.join(base, name, "mod.rs"), True)):
                    if os.path.exists(cand):
                        out.append((path + (name,), cand))
                        todo.append((path + (name,), cand, owns))
                        break
        return out

    def check_root(self, root_file):
        files = self.files(root_file)
        modules = {p for p, _ in files}
        root_code = strip_code(open(root_file, encoding="utf-8").read())
        # Names the root re-exports (`pub use`, not the modules it declares).
        reexports = {}
        for m in re.finditer(r"\bpub(?:\s*\([^)]*\))?\s+use\s+([^;]*);", root_code):
            for segs, alias in expand(m.group(1)):
                if alias and alias not in ("*", "self") and (alias,) not in modules:
                    reexports[alias] = "::".join(segs)
        edges = defaultdict(lambda: defaultdict(set))  # module -> module -> {file:line}
        for mod_path, f in files:
            if mod_path == ():
                continue
            rel = os.path.relpath(f, self.root_dir)
            code = strip_code(open(f, encoding="utf-8").read())
            stack = [(mod_path, 0)]  # (module path, brace depth where it closes)
            depth = 0
            for m in TOKENS.finditer(code):
                line = code.count("\n", 0, m.start()) + 1
                here = stack[-1][0]
                if m.group(1) is not None:
                    for segs, _ in expand(m.group(1)):
                        self.resolve(segs, here, modules, reexports, edges, f"{rel}:{line}")
                elif m.group(2) is not None:
                    depth += 1
                    stack.append((here + (m.group(2),), depth))
                elif m.group(3) is not None:
                    segs = tuple(s.strip() for s in m.group(3).split("::"))
                    self.resolve(segs, here, modules, reexports, edges, f"{rel}:{line}")
                elif m.group(4) == "{":
                    depth += 1
                else:
                    if len(stack) > 1 and stack[-1][1] == depth:
                        stack.pop()
                    depth -= 1
        self.cycles(edges)

    def resolve(self, segs, here, modules, reexports, edges, where):
        if not segs:
            return
        if segs[0] == "crate":
            target = segs[1:]
        elif segs[0] in ("super", "self"):
            target = list(here)
            segs = list(segs)
            while segs and segs[0] in ("super", "self"):
                if segs.pop(0) == "super":
                    if not target:
                        return
                    target.pop()
            target = tuple(target) + tuple(segs)
        elif here + (segs[0],) in modules:
            target = here + segs
        else:
            return  # another crate, or a name in scope
        if not target:
            return
        # Through the crate root: the name must be the root's own, not a re-export.
        first = target[0]
        if (first,) not in modules and first in reexports:
            source = reexports[first]
            if (source.split("::")[0],) in modules:
                source = "crate::" + source
            self.findings.append(
                f"{where}: `{'::'.join(('crate',) + tuple(target))}` goes through the crate "
                f"root's re-export; import it from `{source}`"
            )
            return
        # The longest module prefix of the target is the module it imports from.
        k = len(target)
        while k and tuple(target[:k]) not in modules:
            k -= 1
        dest = tuple(target[:k])
        common = 0
        while common < min(len(here), len(dest)) and here[common] == dest[common]:
            common += 1
        if common < len(here) and common < len(dest):  # neither contains the other
            edges[here[: common + 1]][dest[: common + 1]].add(where)

    def cycles(self, edges):
        """Strongly connected components of each parent's children: any with two modules."""
        nodes = set(edges) | {b for a in edges for b in edges[a]}
        index, low, on, stack, comps = {}, {}, set(), [], []

        def visit(v):
            index[v] = low[v] = len(index)
            stack.append(v)
            on.add(v)
            for w in edges.get(v, {}):
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
                    comps.append(sorted(comp))

        sys.setrecursionlimit(10000)
        for v in sorted(nodes):
            if v not in index:
                visit(v)
        if not self.all_cycles:
            comps = [[a, b] for a in sorted(edges) for b in sorted(edges[a])
                     if a < b and a in edges.get(b, {})]
        for comp in sorted(comps):
            names = ["::".join(c) for c in comp]
            lines = [f"modules {', '.join(names)} import each other:"]
            for a in comp:
                for b in comp:
                    if b in edges.get(a, {}):
                        where = sorted(edges[a][b])
                        more = f" (+{len(where) - 3} more)" if len(where) > 3 else ""
                        lines.append(
                            f"    {'::'.join(a)} -> {'::'.join(b)} at {', '.join(where[:3])}{more}"
                        )
            self.findings.append("\n".join(lines))

    def check(self):
        src = os.path.join(self.root_dir, "src")
        roots = [os.path.join(src, f) for f in ("lib.rs", "main.rs")]
        bin_dir = os.path.join(src, "bin")
        if os.path.isdir(bin_dir):
            for f in sorted(os.listdir(bin_dir)):
                p = os.path.join(bin_dir, f)
                roots.append(p if f.endswith(".rs") else os.path.join(p, "main.rs"))
        for r in roots:
            if os.path.isfile(r):
                self.check_root(r)
        return self.findings


def main(args):
    workspace = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    all_cycles = "--cycles" in args
    args = [a for a in args if a != "--cycles"]
    failed = False
    for name, c in [(a, a) for a in args] or [(c, os.path.join(workspace, c)) for c in CRATES]:
        findings = Crate(c, all_cycles).check()
        for f in dict.fromkeys(findings):
            print(f"{name}: {f}")
            failed = True
    if failed:
        print(
            "error: the module rule of the developers' guide (scripts/module-graph.py says how)",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
