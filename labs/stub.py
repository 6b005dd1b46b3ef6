#!/usr/bin/env python3
"""labs/stub.py - apply one edit of a lab's manifest to a copied tree (called by labs/mklab).

  stub.py TREE LAB func    FILE FUNCTION STUBFILE   replace FUNCTION's body with STUBFILE
  stub.py TREE LAB marker  FILE FUNCTION STUBFILE   replace the lines between
                                                    /* LAB n BEGIN ... */ and /* LAB n END */,
                                                    which must lie in FUNCTION's body (- : anywhere)
  stub.py TREE LAB include FILE HEADER   -          add #include "HEADER" after the last #include

A function is found by its definition in the kernel's style (docs/design.md, "Code style"): a line
at column 0 that names FUNCTION( and does not end in ';', then a line that is exactly '{', then
the body up to the first line that is exactly '}'. Every edit must match exactly once and must
change the file, or the script stops with a message and exit 1: a lab tree is never half-stubbed.
"""
import os
import re
import sys


def die(msg):
    sys.stderr.write("stub.py: %s\n" % msg)
    sys.exit(1)


def read_stub(path):
    with open(path) as f:
        text = f.read()
    if not text.endswith("\n"):
        text += "\n"
    return text.splitlines(keepends=True)


def func_body(lines, name, path):
    """Indices (open, close) of the '{' and '}' lines of NAME's definition."""
    head = re.compile(r"^[A-Za-z_].*\b" + re.escape(name) + r"\(")
    found = []
    for i, line in enumerate(lines):
        if head.match(line) and not line.rstrip().endswith(";"):
            # the parameter list may run over several lines; '{' alone follows it
            j = i
            while j < len(lines) and lines[j].rstrip() != "{":
                if lines[j].rstrip().endswith(";") or (j > i and lines[j].strip() == ""):
                    j = -1
                    break
                j += 1
            if j < 0 or j >= len(lines):
                continue
            k = j + 1
            while k < len(lines) and lines[k].rstrip() != "}":
                k += 1
            if k >= len(lines):
                die("%s: %s: no '}' at column 0 closes the body" % (path, name))
            found.append((j, k))
    if len(found) != 1:
        die("%s: %d definitions of %s() found, want exactly 1" % (path, len(found), name))
    return found[0]


def marker_region(lines, lab, path):
    begin = re.compile(r"/\* LAB %s BEGIN\b" % re.escape(lab))
    end = re.compile(r"/\* LAB %s END \*/" % re.escape(lab))
    b = [i for i, l in enumerate(lines) if begin.search(l)]
    e = [i for i, l in enumerate(lines) if end.search(l)]
    if len(b) != 1 or len(e) != 1 or e[0] <= b[0]:
        die("%s: want one '/* LAB %s BEGIN' line before one '/* LAB %s END */' line, found %d and %d"
            % (path, lab, lab, len(b), len(e)))
    return b[0], e[0]


def main(argv):
    if len(argv) != 7:
        die("usage: stub.py TREE LAB func|marker|include FILE FUNCTION|HEADER|- STUBFILE|-")
    tree, lab, kind, rel, target, stubfile = argv[1:]
    path = os.path.join(tree, rel)
    if not os.path.isfile(path):
        die("%s: no such file in the tree" % rel)
    with open(path) as f:
        lines = f.read().splitlines(keepends=True)
    before = list(lines)

    if kind == "func":
        o, c = func_body(lines, target, rel)
        lines[o + 1:c] = read_stub(stubfile)
    elif kind == "marker":
        b, e = marker_region(lines, lab, rel)
        if target != "-":
            o, c = func_body(lines, target, rel)
            if not (o < b and e < c):
                die("%s: the LAB %s markers are not inside the body of %s()" % (rel, lab, target))
        lines[b + 1:e] = read_stub(stubfile)
    elif kind == "include":
        inc = '#include "%s"\n' % target
        if inc in lines:
            return 0
        last = max((i for i, l in enumerate(lines) if l.startswith("#include ")), default=-1)
        if last < 0:
            die("%s: no #include line to add %s after" % (rel, target))
        lines.insert(last + 1, inc)
    else:
        die("unknown edit kind '%s' (func, marker, include)" % kind)

    if lines == before:
        die("%s: the %s edit for lab %s changed nothing" % (rel, kind, lab))
    if kind != "include" and not any(("lab %s: write me" % lab) in l for l in lines):
        die("%s: the stub for lab %s does not say 'lab %s: write me'" % (rel, lab, lab))
    with open(path, "w") as f:
        f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
