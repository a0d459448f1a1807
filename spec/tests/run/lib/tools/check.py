#!/usr/bin/env python3
"""Independent sanity checker for the programs in spec/tests/run/lib (and examples/).

Not a MIR14 implementation: a small line-based reader that checks the verifier rules these
tests must satisfy (spec §7): unique names, terminators, phis (lead the block, one input per
predecessor), dominance of uses, static arities of calls/new/externs, declared fields,
`@main()` without parameters; and the expected files (a `.err` trap line is followed only by
its backtrace, spec §6, and implies `.exit` 101). Its messages are spec §7.1's (names in
backquotes), each prefixed with the line number and the function.
Usage: python3 check.py [files...]  (default: every .mir beside this directory and examples/).
"""
import glob
import os
import re
import sys

EXTERNS = {"env.console.log": 1, "env.console.print": 1, "env.console.error": 1,
           "env.stdin.read_line": 0, "env.stdin.read_all": 0, "env.fs.read": 1, "env.args": 0,
           "env.process.exit": 1, "env.time.now_ms": 0}
OPS = ["Add", "Sub", "Mul", "Div", "Mod", "Band", "Bor", "Bxor", "Shl", "Shr", "And", "Or",
       "Eq", "Ne", "Lt", "Le", "Gt", "Ge"]
BUILTIN_TYPES = {"Integer", "Float", "Bool", "String", "Void", "IntegerBox", "FloatBox", "BoolBox",
                 "StringBox", "VoidBox", "ArrayBox", "MapBox", "FunctionBox", "Any"} | {
    o + "Operator" for o in OPS}
TERMS = ("ret", "jump", "branch")
VAL = r"%[A-Za-z0-9_]+"
# One backtrace line (spec §6): a frame with an optional position, or the elided-frames line.
BACKTRACE_LINE = r"  at @[\w.]+, \w+( \([^()]+:\d+:\d+\))?|  \.\.\. \d+ more frames \.\.\."


def strip_comment(line):
    out, in_str, esc = [], False, False
    for ch in line:
        if in_str:
            out.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == ";":
            break
        else:
            if ch == '"':
                in_str = True
            out.append(ch)
    return "".join(out).strip()


def without_strings(s):
    return re.sub(r'"(\\.|[^"\\])*"', '""', s)


def parse(path):
    boxes, funcs, cur = {}, {}, None
    for no, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = strip_comment(raw.rstrip("\n"))
        if not line:
            continue
        m = re.match(r"box (\w+) \{(.*)\}$", line)
        if m:
            fields = [f.strip() for f in m.group(2).split(",") if f.strip()]
            assert m.group(1) not in boxes, f"duplicate box `{m.group(1)}`"
            assert m.group(1) not in BUILTIN_TYPES, f"box name `{m.group(1)}` is a builtin type"
            for k, fld in enumerate(fields):
                assert fld not in fields[:k], f"duplicate field `{fld}` in box `{m.group(1)}`"
            boxes[m.group(1)] = fields
            continue
        m = re.match(r"fn @([\w.]+)\((.*)\)( -> (\w+))? \{$", line)
        if m:
            params = [p.split(":")[0].strip() for p in m.group(2).split(",") if p.strip()]
            cur = dict(name=m.group(1), params=params, blocks=[], loops=[])
            assert cur["name"] not in funcs, f"duplicate function `@{cur['name']}`"
            funcs[cur["name"]] = cur
            continue
        if line == "}":
            cur = None
            continue
        assert cur is not None, f"{no}: text outside a function: {line}"
        if line.startswith("loop "):
            cur["loops"].append((no, dict(kv.split("=") for kv in line.split()[1:])))
            continue
        m = re.match(r"(\w+):$", line)
        if m:
            cur["blocks"].append(dict(label=m.group(1), insts=[]))
            continue
        assert cur["blocks"], f"{no}: instruction before the first block"
        cur["blocks"][-1]["insts"].append((no, line))
    return boxes, funcs


def dominators(labels, succs):
    preds = {l: [] for l in labels}
    for l in labels:
        for s in succs[l]:
            preds[s].append(l)
    reach, work = {labels[0]}, [labels[0]]
    while work:
        for s in succs[work.pop()]:
            if s not in reach:
                reach.add(s)
                work.append(s)
    dom = {l: set(reach) for l in reach}
    dom[labels[0]] = {labels[0]}
    changed = True
    while changed:
        changed = False
        for l in labels[1:]:
            if l not in reach:
                continue
            ps = [p for p in preds[l] if p in reach]
            new = set.intersection(*[dom[p] for p in ps]) | {l} if ps else {l}
            if new != dom[l]:
                dom[l], changed = new, True
    return preds, dom, reach


def check_function(f, boxes, funcs, errs):
    name = f["name"]
    err = lambda no, msg: errs.append(f"{no}: @{name}: {msg}")
    if not f["blocks"]:
        err(0, f"function `@{name}` has no blocks")
        return
    if name == "main" and f["params"]:
        err(0, "`@main` must not have parameters")
    if "." in name:
        box = name.split(".")[0]
        assert box in boxes, f"method `@{name}` of undeclared box `{box}`"
        assert f["params"], f"method `@{name}` needs a receiver parameter"
    labels = [b["label"] for b in f["blocks"]]
    for k, lab in enumerate(labels):
        if lab in labels[:k]:
            err(0, f"duplicate block label `{lab}`")
    defs = {p: (labels[0], -1) for p in f["params"]}
    succs = {}
    for b in f["blocks"]:
        insts = b["insts"]
        if not insts or not insts[-1][1].startswith(TERMS):
            err(insts[-1][0] if insts else 0,
                f"block `{b['label']}` does not end with a terminator")
        for i, (no, s) in enumerate(insts):
            if s.startswith(TERMS) and i != len(insts) - 1:
                err(no, f"terminator before the end of block `{b['label']}`")
            m = re.match(rf"({VAL}) = ", s)
            if m:
                if m.group(1) in defs:
                    err(no, f"value `{m.group(1)}` is defined more than once")
                defs[m.group(1)] = (b["label"], i)
        last = insts[-1][1] if insts else ""
        if last.startswith("jump "):
            succs[b["label"]] = [last.split()[1]]
        elif last.startswith("branch "):
            succs[b["label"]] = [t.strip() for t in last.split(",")[1:]]
        else:
            succs[b["label"]] = []
        for t in succs[b["label"]]:
            if t not in labels:
                err(insts[-1][0] if insts else 0, f"unknown block `{t}`")
                succs[b["label"]] = []
    preds, dom, reach = dominators(labels, succs)
    if preds[labels[0]]:
        err(0, f"entry block `{labels[0]}` cannot be a branch target")

    def dominated(v, blk, idx, no):
        if v not in defs:
            err(no, f"value `{v}` is used but never defined")
            return
        db, di = defs[v]
        if blk not in reach:
            return
        if db == blk:
            if di >= idx:
                err(no, f"use of `{v}` is not dominated by its definition")
        elif db not in dom[blk]:
            err(no, f"use of `{v}` is not dominated by its definition")

    for b in f["blocks"]:
        seen_non_phi = False
        for i, (no, s) in enumerate(b["insts"]):
            body = without_strings(s)
            m = re.match(rf"({VAL}) = phi(.*)$", body)
            if m:
                if seen_non_phi:
                    err(no, "phi must lead its block")
                if b["label"] == labels[0]:
                    err(no, "entry block cannot have phis")
                ins = re.findall(rf"\[(\w+): ({VAL})\]", m.group(2))
                srcs = [l for l, _ in ins]
                for k, l in enumerate(srcs):
                    if l in srcs[:k]:
                        err(no, f"phi has more than one input for `{l}`")
                    elif l not in preds[b["label"]]:
                        err(no, f"phi input from `{l}`, which is not a predecessor")
                for l in preds[b["label"]]:
                    if l not in srcs:
                        err(no, f"phi has no input for predecessor `{l}`")
                for l, v in ins:
                    if l in reach:
                        dominated(v, l, 10 ** 9, no)
                continue
            seen_non_phi = True
            rhs = body.split("=", 1)[1] if re.match(rf"{VAL} = ", body) else body
            # store %p.f = %v: both sides are uses.
            if body.startswith("store "):
                rhs = body
            for v in re.findall(VAL, rhs):
                dominated(v, b["label"], i, no)
            for fld in re.findall(r"(?:load|store) %\w+\.(\w+)", body):
                if not any(fld in fs for fs in boxes.values()):
                    err(no, f"no box declares field `{fld}`")
            m = re.search(r"call @([\w.]+)\((.*)\)$", body)
            if m:
                callee = m.group(1)
                nargs = len([a for a in m.group(2).split(",") if a.strip()])
                if callee not in funcs:
                    err(no, f"unknown function `@{callee}`")
                elif len(funcs[callee]["params"]) != nargs:
                    err(no, f"wrong number of arguments to `@{callee}`: expected "
                              f"{len(funcs[callee]['params'])}, got {nargs}")
            m = re.search(r"call %\w+\.(\w+)::(\w+)\((.*)\)$", body)
            if m:
                fn = f"{m.group(1)}.{m.group(2)}"
                nargs = len([a for a in m.group(3).split(",") if a.strip()])
                if fn not in funcs:
                    err(no, f"unknown method `{m.group(1)}::{m.group(2)}`")
                elif len(funcs[fn]["params"]) - 1 != nargs:
                    err(no, f"wrong number of arguments to `{fn}`: expected "
                              f"{len(funcs[fn]['params']) - 1}, got {nargs}")
            m = re.search(r"extern ([\w.]+)\((.*)\)$", body)
            if m:
                nargs = len([a for a in m.group(2).split(",") if a.strip()])
                if m.group(1) not in EXTERNS:
                    err(no, f"unknown extern `{m.group(1)}`")
                elif EXTERNS[m.group(1)] != nargs:
                    err(no, f"wrong number of arguments to `{m.group(1)}`: expected "
                            f"{EXTERNS[m.group(1)]}, got {nargs}")
            m = re.search(r"= new (\w+)\((.*)\)$", body)
            if m:
                bx = m.group(1)
                nargs = len([a for a in m.group(2).split(",") if a.strip()])
                if bx in boxes:
                    birth = funcs.get(bx + ".birth")
                    want = len(birth["params"]) - 1 if birth else 0
                elif bx in ("IntegerBox", "FloatBox", "BoolBox", "StringBox"):
                    want = 1
                elif bx == "ArrayBox":
                    want = nargs
                elif bx in ("MapBox", "VoidBox") or bx in {o + "Operator" for o in OPS}:
                    want = 0
                else:
                    err(no, f"unknown box `{bx}`")
                    want = nargs
                if want != nargs:
                    err(no, f"wrong number of arguments to `new {bx}`: expected {want}, "
                            f"got {nargs}")
            m = re.search(r"const @([\w.]+)$", body)
            if m and m.group(1) not in funcs:
                err(no, f"unknown function `@{m.group(1)}`")
            for t in re.findall(r"typeop (?:check|cast) %\w+ (\w+)", body):
                if t not in BUILTIN_TYPES and t not in boxes:
                    err(no, f"unknown type `{t}`")
    for no, lp in f["loops"]:
        h, bd, lt, ex = lp["header"], lp["body"], lp["latch"], lp["exit"]
        if succs.get(h) != [bd, ex]:
            err(no, f"header `{h}` must end with a branch to body `{bd}` and exit `{ex}`")
        if h not in succs.get(lt, []):
            err(no, f"latch `{lt}` has no edge to header `{h}`")
        # The region: blocks reachable from the header without entering the exit.
        loop, work = set(), [h]
        while work:
            b = work.pop()
            if b not in loop:
                loop.add(b)
                work.extend(s for s in succs.get(b, []) if s != ex)
        if lt not in loop:
            err(no, f"latch `{lt}` is not inside the loop of header `{h}`")
        for l in loop:
            if l != h and h not in dom.get(l, set()):
                err(no, f"loop header `{h}` does not dominate `{l}`")
            for s in succs.get(l, []):
                if s == h and l != lt:
                    err(no, f"back edge from `{l}` to header `{h}` is not from the latch `{lt}`")


def check_file(path):
    errs = []
    try:
        boxes, funcs = parse(path)
    except AssertionError as e:
        return [f"parse: {e}"]
    if "main" not in funcs:
        errs.append("no @main")
    for f in funcs.values():
        check_function(f, boxes, funcs, errs)
    base = path[:-4]
    text = open(path, encoding="utf-8").read()
    if not text.startswith(";"):
        errs.append("no header comment")
    if os.path.dirname(os.path.abspath(path)).endswith(os.path.join("run", "lib")):
        err_text = open(base + ".err").read() if os.path.exists(base + ".err") else ""
        exit_code = int(open(base + ".exit").read()) if os.path.exists(base + ".exit") else 0
        lines = err_text.splitlines()
        traps = [l for l in lines if l.startswith("error: ")]
        # After the trap line only its backtrace (spec §6) may follow.
        tail = lines[len(lines) - lines[::-1].index(traps[-1]):] if traps else []
        if traps and (exit_code != 101 or not err_text.endswith("\n") or not tail or not all(
                re.fullmatch(BACKTRACE_LINE, l) for l in tail)):
            errs.append("a trap must be followed only by its backtrace and exit with 101")
        if exit_code == 101 and not traps:
            errs.append("exit 101 without a trap line")
        for t in traps:
            if not re.fullmatch(r"error: \w+: .+ \(in @[\w.]+, \w+\)", t):
                errs.append(f"malformed trap line {t!r}")
    return errs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "..", "*.mir"))) + sorted(
        glob.glob(os.path.join(here, "..", "..", "..", "..", "..", "examples", "*.mir")))
    bad = 0
    for p in files:
        for e in check_file(p):
            print(f"{os.path.relpath(p)}: {e}")
            bad += 1
    print(f"{len(files)} files checked, {bad} problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
