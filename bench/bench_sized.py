#!/usr/bin/python3
"""Inputs sized to hurt (issue 20), on the snapshot target (Linux build): an
apply that changes N registry values, the rollback of that apply, the rollback
of a large journal whose records make a lookup per line expensive, and plans
against large snapshot files. Prints a table of median wall and CPU time and
peak memory (ru_maxrss from wait4) of the whole process.

Usage: bench_sized.py ENFORCER_EXE [REPEATS] [CASE...]
       bench_sized.py --make CASE DIR [EXE]  only writes the case's files into DIR
                                          (EXE: the enforcer that makes rollback-10000's
                                          journal), to time it with another tool
Cases: apply-1000 apply-10000 rollback-10000 journal-20000 journal-100000
       journal-500000 snapshot-16mb snapshot-60mb snapshot-175mb apply-16mb
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

KEY = "HKLM\\Software\\Bench\\K%d"
TARGET = "snapshot:server.json"


def write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def registry_policy(n):
    lines = ["enforcer: 1", "name: bench-sized", "resources:"]
    for i in range(n):
        lines.append("  - {type: registry, id: r%d, key: '%s', value: V%d, kind: dword, data: %d}"
                     % (i, KEY % (i // 100), i, i))
    return "\n".join(lines) + "\n"


def snapshot(registry):
    return json.dumps({"schema": "enforcer-snapshot/1", "facts": {"os.build": "9600"},
                       "registry": registry})


def make_apply(d, n):
    """n registry values, every one drifted (data + 1): the apply makes n changes."""
    reg = {}
    for i in range(n):
        reg.setdefault(KEY % (i // 100), {})["V%d" % i] = {"kind": "dword", "data": i + 1}
    write(d, "policy.yaml", registry_policy(n))
    write(d, "server.json", snapshot(reg))


def state_dir(d):
    os.makedirs(os.path.join(d, "state", "journal"), mode=0o700)
    os.chmod(os.path.join(d, "state"), 0o700)


def make_rollback(d, n, exe):
    """The journal of an apply of n changes (made by exe), and the snapshot it left."""
    make_apply(d, n)
    state_dir(d)
    subprocess.run([exe, "apply", "-q", "--target", TARGET, "--state-dir", "state", "policy.yaml"],
                   cwd=d, stdout=subprocess.DEVNULL, check=False)
    (run,) = [f[:-6] for f in os.listdir(os.path.join(d, "state", "journal"))]
    write(d, "run-id", run)


def make_journal(d, n):
    """
    A journal of n registry-set records on n resources, every "done" line after
    the last change (a lookup per "done" line that scans back finds nothing
    near), on a snapshot that holds none of the values: the rollback reads,
    indexes and compares everything and changes nothing.
    """
    run = "20261206T120000Z-0b1a5e"
    state_dir(d)
    head = {"journal": "enforcer-journal/1", "run_id": run, "mode": "apply", "host": "BENCH",
            "user": "bench", "target": TARGET, "policy": "bench", "started": 1796558400.0}
    with open(os.path.join(d, "state", "journal", run + ".jsonl"), "w") as f:
        f.write(json.dumps(head, separators=(",", ":")) + "\n")
        for i in range(1, n + 1):
            key = KEY % (i // 100)
            rec = {"seq": i, "resource": "r%d" % i,
                   "change": {"op": "registry-set", "key": key, "name": "V%d" % i,
                              "text": "set V%d = DWORD %d under %s" % (i, i, key), "old": None,
                              "new": {"kind": "dword", "data": i}}}
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        for i in range(1, n + 1):
            f.write('{"seq":%d,"done":true}\n' % i)
        f.write('{"end":1796558401.0,"changed":%d,"failed":0,"exit":2}\n' % n)
    os.chmod(os.path.join(d, "state", "journal", run + ".jsonl"), 0o600)
    write(d, "run-id", run)
    write(d, "server.json", snapshot({}))


def make_big_snapshot(d, mb, drift=False):
    """
    A snapshot of about mb MB of registry values; a policy of one of them
    (drifted: the apply changes it and writes the whole file).
    """
    reg, size, i = {}, 0, 0
    while size < mb * 1000 * 1000:
        key = KEY % (i // 100)
        reg.setdefault(key, {})["Value%d" % i] = {"kind": "sz", "data": "text %d" % i}
        size += 55 + (len(key) + 6 if i % 100 == 0 else 0)
        i += 1
    if drift:
        reg[KEY % 0]["V0"] = {"kind": "dword", "data": 1}
    write(d, "server.json", snapshot(reg))
    write(d, "policy.yaml", registry_policy(1))


CASES = {
    "apply-1000": ("apply", lambda d, exe: make_apply(d, 1000)),
    "apply-10000": ("apply", lambda d, exe: make_apply(d, 10000)),
    "rollback-10000": ("rollback", lambda d, exe: make_rollback(d, 10000, exe)),
    "journal-20000": ("rollback", lambda d, exe: make_journal(d, 20000)),
    "journal-100000": ("rollback", lambda d, exe: make_journal(d, 100000)),
    "journal-500000": ("rollback", lambda d, exe: make_journal(d, 500000)),
    "snapshot-16mb": ("plan", lambda d, exe: make_big_snapshot(d, 16)),
    "snapshot-60mb": ("plan", lambda d, exe: make_big_snapshot(d, 60)),
    "snapshot-175mb": ("plan", lambda d, exe: make_big_snapshot(d, 175)),
    "apply-16mb": ("apply", lambda d, exe: make_big_snapshot(d, 16, drift=True)),
}


def command(exe, verb, d):
    if verb == "rollback":
        run = open(os.path.join(d, "run-id")).read()
        return [exe, "rollback", "-q", "--target", TARGET, "--state-dir", "state", run]
    extra = ["--state-dir", "state"] if verb == "apply" else []
    return [exe, verb, "-q", "--target", TARGET] + extra + ["policy.yaml"]


def measure(exe, name, work):
    """
    Median wall and CPU seconds, peak RSS (MiB), exit codes and input size over
    REPEATS fresh copies (CPU time: on a shared machine, the figure to compare).
    """
    verb = CASES[name][0]
    master = os.path.join(work, name)
    # Made by a process of its own: a child forked from this one after it built a large
    # snapshot would start with its resident set (ru_maxrss counts it until exec).
    subprocess.run([sys.executable, os.path.abspath(__file__), "--make", name, master, exe],
                   check=True)
    size = os.path.getsize(os.path.join(master, "server.json"))
    times, cpus, peaks, codes = [], [], [], set()
    for r in range(REPEATS):
        d = os.path.join(work, "%s-%d" % (name, r))
        shutil.copytree(master, d)
        t0 = time.perf_counter()
        p = subprocess.Popen(command(exe, verb, d), cwd=d, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t0)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss / 1024.0)
        codes.add(os.waitstatus_to_exitcode(status))
        shutil.rmtree(d)
    shutil.rmtree(master)
    return statistics.median(times), statistics.median(cpus), max(peaks), sorted(codes), size


def main():
    if sys.argv[1] == "--make":
        os.makedirs(sys.argv[3], exist_ok=True)
        CASES[sys.argv[2]][1](sys.argv[3], os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else None)
        return
    exe = os.path.abspath(sys.argv[1])
    names = sys.argv[3:] or list(CASES)
    work = tempfile.mkdtemp(prefix="enforcer-sized-")
    print("%-16s %-9s %11s %10s %10s %10s %6s" % ("case", "verb", "snapshot MB", "ms", "cpu ms",
                                                  "peak MiB", "exit"))
    for name in names:
        t, cpu, peak, codes, size = measure(exe, name, work)
        print("%-16s %-9s %11.1f %10.1f %10.1f %10.1f %6s" % (name, CASES[name][0], size / 1e6,
                                                             t * 1000, cpu * 1000, peak,
                                                             ",".join(map(str, codes))))
    shutil.rmtree(work)


REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] != "--make" else 5
main()
