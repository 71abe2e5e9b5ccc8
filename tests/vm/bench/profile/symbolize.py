#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of a bench --profile run go, function by function.

Usage: symbolize.py COUNTS OUTPUT [--per FUNCTION] [--top N]
                     [--annotate FUNCTION OBJECT]
  COUNTS  the plugin's "ADDRESS COUNT0 COUNT1" lines (qprof.c): how often
          each instruction ran while the baseline was measured (0) and
          while the profiled case was (1), the same number of packets
  OUTPUT  the guest's output, with the symbols packet-path.sh printed
          (gzip'd, base64'd /proc/kallsyms text symbols between
          PROFILE-SYMBOLS-BEGIN and PROFILE-SYMBOLS-END)
  --per   divide by the number of times FUNCTION was entered (default
          luaD_pcallnoyield: one per call into Lua, of a hook or xtables)
  --annotate  instead, FUNCTION's instructions (objdump of OBJECT, the .ko
              that has it) with how often each ran a call, those above 0.5
Prints, per function: instructions per call of FUNCTION above the
baseline (what the case ran less what the baseline ran), the running sum,
and how many times the function itself was entered per call. A function
the case makes cheaper shows a negative figure.
"""
import argparse
import base64
import bisect
import collections
import gzip
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("counts")
ap.add_argument("output")
ap.add_argument("--per", default="luaD_pcallnoyield")
ap.add_argument("--top", type=int, default=40)
ap.add_argument("--annotate", nargs=2, metavar=("FUNCTION", "OBJECT"))
args = ap.parse_args()

blob, inside = [], False
for line in open(args.output, errors="replace"):
    line = line.strip()
    if line == "PROFILE-SYMBOLS-BEGIN":
        inside, blob = True, []
    elif line == "PROFILE-SYMBOLS-END":
        inside = False
    elif inside:
        blob.append(line)
if not blob:
    sys.exit("symbolize: no symbols in %s" % args.output)

syms = []
for line in gzip.decompress(base64.b64decode("".join(blob))).decode().splitlines():
    f = line.split()
    if len(f) >= 3:
        name = f[2] if len(f) == 3 else "%s:%s" % (f[3].strip("[]"), f[2])
        syms.append((int(f[0], 16), name))
syms.sort()
starts = [a for a, _ in syms]

total, entered = collections.Counter(), collections.Counter()
for line in open(args.counts):
    addr, base, case = line.split()
    addr, base, case = int(addr, 16), int(base), int(case)
    i = bisect.bisect_right(starts, addr) - 1
    if i < 0:
        continue
    name = syms[i][1]
    total[name] += case - base
    if addr == syms[i][0]:
        entered[name] += case

calls = max((n for name, n in entered.items() if name.split(":")[-1] == args.per), default=0)
if not calls:
    sys.exit("symbolize: %s never ran" % args.per)
if args.annotate:
    func, obj = args.annotate
    here = [a for a, name in syms if name.split(":")[-1] == func]
    if len(here) != 1:
        sys.exit("symbolize: %d functions named %s" % (len(here), func))
    ran = collections.Counter()
    for line in open(args.counts):
        addr, base, case = line.split()
        ran[int(addr, 16) - here[0]] += int(case) - int(base)
    dis = subprocess.run(["objdump", "-d", "-r", "--no-show-raw-insn", obj],
                         capture_output=True, text=True, check=True).stdout
    start = None
    for line in dis.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:", line)
        if m:
            start = int(m.group(1), 16) if m.group(2) == func else None
            continue
        if start is None:
            continue
        m = re.match(r"^\s+([0-9a-f]+):", line)
        if m and "R_X86_64" not in line:
            n = ran[int(m.group(1), 16) - start] / calls
            if n > 0.5:
                print("%6.2f %s" % (n, line))
        elif "R_X86_64_PLT32" in line:
            print("       %s" % line.strip())
    sys.exit(0)
print("instructions per call of %s (%d calls) above the baseline, by function:" % (args.per, calls))
print("%10s %10s %8s  %s" % ("self", "sum", "entries", "function"))
run = 0
for name, n in sorted(total.items(), key=lambda kv: -abs(kv[1]))[:args.top]:
    run += n
    print("%10.1f %10.1f %8.2f  %s" % (n / calls, run / calls, entered[name] / calls, name))
print("%10.1f            all functions" % (sum(total.values()) / calls))
