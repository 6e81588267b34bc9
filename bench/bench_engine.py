#!/usr/bin/python3
"""Engine benchmarks on the snapshot target (Linux build): plan and idempotent
apply of N resources, N = 10, 100, 1000, 10000, a 300-certificate Root store
against an allow list is in bench/run (it needs the certificate module), and
500 registry values. Prints a table of median wall time and peak memory.

Usage: bench_engine.py ENFORCER_EXE [REPEATS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

EXE = os.path.abspath(sys.argv[1])
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
KEY = "HKLM\\B\\K%d"


def make_case(work, name, n, kinds):
    """A policy of n resources and a snapshot in which all are compliant."""
    registry, services, lines = {}, {}, ["enforcer: 1", "name: bench-" + name, "resources:"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind == "registry":
            key = KEY % (i // 100)
            registry.setdefault(key, {})["V%d" % i] = {"kind": "dword", "data": i}
            lines.append("  - {type: registry, id: r%d, key: '%s', value: V%d, kind: dword, data: %d}"
                         % (i, key, i, i))
        else:
            services["SVC%d" % i] = {"logon": "NT AUTHORITY\\NETWORK SERVICE", "password_stored": False,
                                     "startup": "automatic", "state": "running"}
            lines.append("  - {type: service, id: s%d, name: SVC%d, logon: NetworkService, state: running}"
                         % (i, i))
    snap = {"schema": "enforcer-snapshot/1", "facts": {"os.build": "9600"},
            "registry": registry, "services": services}
    d = os.path.join(work, name)
    os.makedirs(d)
    open(os.path.join(d, "policy.yaml"), "w").write("\n".join(lines) + "\n")
    open(os.path.join(d, "server.json"), "w").write(json.dumps(snap))
    return d


def measure(d, verb):
    """Median seconds and peak RSS (MiB) of `enforcer VERB` over REPEATS runs."""
    times, peaks = [], []
    args = [EXE, verb, "-q", "--target", "snapshot:server.json", "--state-dir", "state", "policy.yaml"]
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        p = subprocess.Popen(args, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t0)
        peaks.append(usage.ru_maxrss / 1024.0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit("%s %s exited %d: %s" % (verb, d, code, p.stderr.read().decode()))
    return statistics.median(times), max(peaks)


def main():
    work = tempfile.mkdtemp(prefix="enforcer-bench-")
    cases = [("10", 10, ["registry", "service"]), ("100", 100, ["registry", "service"]),
             ("1000", 1000, ["registry", "service"]), ("10000", 10000, ["registry", "service"]),
             ("registry-500", 500, ["registry"])]
    print("%-14s %9s %12s %12s %14s %12s" % ("case", "resources", "plan ms", "plan MiB", "apply ms", "apply MiB"))
    rows = {}
    for name, n, kinds in cases:
        d = make_case(work, name, n, kinds)
        plan = measure(d, "plan")
        apply_ = measure(d, "apply")
        rows[name] = (plan, apply_)
        print("%-14s %9d %12.1f %12.1f %14.1f %12.1f" % (name, n, plan[0] * 1000, plan[1],
                                                        apply_[0] * 1000, apply_[1]))
    ratio = rows["10000"][0][0] / rows["1000"][0][0]
    print("plan time 10000 / 1000 resources: %.1fx (linear would be 10x)" % ratio)


main()
