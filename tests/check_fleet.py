#!/usr/bin/python3
"""The fleet report from a real audit repository: snapshot runs of eight hosts
(each snapshot's host.name files its runs under audit/<host>), dated over five
days with the test builds' clock shift, signed, and committed with
--audit-repo; then a tampered report, a report that is not JSON and a
damaged branch are made with git itself. `enforcer fleet report` must give
the same verdicts in every format: text (exact lines), JSON (against
docs/fleet.schema.json), JUnit (parsed back) and HTML (rendered in headless
Chromium: the DOM and the screenshot's pixels), and the exit codes 0, 2, 4
and 1.

Usage (meson test runs it): check_fleet.py ENFORCER_EXE SOURCE_DIR [hooks|no-hooks]
Prints "N passed, N failed" last; exits 1 on any failure.
"""
import atexit
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_reports import chromium, png_pixel  # noqa: E402  (the same Chromium run and PNG reader)

EXE, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
passed = failed = 0
DAY = 86400


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


SCHANNEL = "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel"
POLICY = r"""enforcer: 1
name: lync-edge
resources:
  - {type: registry, id: schannel.session-ticket, key: 'HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel', value: EnableSessionTicket, kind: dword, data: DATA}
  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService, state: running}
"""


def snapshot(host, ticket=0, logon=".\\svc-lync"):
    services = {"RTCSRV": {"logon": logon, "password_stored": logon.startswith(".\\"),
                           "startup": "automatic", "state": "running"}}
    return {"schema": "enforcer-snapshot/1",
            "facts": {"os.build": "9600", "host.name": host, "role": "edge"},
            "registry": {SCHANNEL: {} if ticket is None else
                         {"EnableSessionTicket": {"kind": "dword", "data": ticket}}},
            "services": services}


class Fleet:
    def __init__(self, work):
        self.work = work
        self.audit = os.path.join(work, "audit")
        self.pki()
        for v in (1, 2):
            open(os.path.join(work, "v%d.yaml" % v), "w").write(POLICY.replace("DATA", str(v)))
        self.v2 = hashlib.sha256(open(os.path.join(work, "v2.yaml"), "rb").read()).hexdigest()

    def pki(self):
        def ssl(*args):
            subprocess.run(["openssl", *args], cwd=self.work, check=True, capture_output=True)
        ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Fleet Test CA")
        ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "signer.key", "-out", "signer.csr", "-subj", "/O=Contoso/CN=Report Signer",
            "-addext", "keyUsage=critical,digitalSignature",
            "-addext", "extendedKeyUsage=codeSigning")
        # A signer's usages (docs/CLI.md): digitalSignature, not a CA, code signing.
        ssl("x509", "-req", "-in", "signer.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-copy_extensions", "copyall", "-out", "signer.pem", "-days", "30")

    def write(self, host, snap):
        json.dump(snap, open(os.path.join(self.work, host + ".json"), "w"))

    def edit(self, host, fn):
        path = os.path.join(self.work, host + ".json")
        snap = json.load(open(path))
        fn(snap)
        json.dump(snap, open(path, "w"))

    def run(self, host, mode, policy, days_ago, sign=True):
        args = [EXE, mode, "--target", "snapshot:%s.json" % host, "--state-dir", "state-" + host,
                "--audit-repo", self.audit]
        if sign:
            args += ["--sign-key", "signer.key", "--sign-cert", "signer.pem"]
        env = dict(os.environ, ENFORCER_TEST_CLOCK_SHIFT=str(-days_ago * DAY))
        r = subprocess.run(args + [policy], cwd=self.work, env=env, capture_output=True, text=True)
        check(r.returncode in (0, 2), "%s %s on %s: exit %d %s" % (mode, policy, host, r.returncode, r.stderr))

    def git(self, *args, env=None, data=None):
        return subprocess.run(["git", "--git-dir", self.audit, *args], input=data, env=env,
                              capture_output=True, check=True,
                              text=not isinstance(data, bytes)).stdout

    def rewrite_tip(self, branch, content):
        """Replaces the tip run's report.json (as someone editing the log would)."""
        tip = self.git("rev-parse", branch).strip()
        msg = self.git("log", "-1", "--format=%B", tip)
        run = re.search(r"^Run: (\S+)$", msg, re.M).group(1)
        blob = self.git("hash-object", "-w", "--stdin", data=content).strip()
        run_tree = self.git("ls-tree", "%s:%s" % (tip, run))
        run_tree = re.sub(r"blob [0-9a-f]+\treport\.json\n", "blob %s\treport.json\n" % blob, run_tree)
        new_run = self.git("mktree", data=run_tree).strip()
        root = self.git("ls-tree", tip)
        root = re.sub(r"tree [0-9a-f]+\t%s\n" % run, "tree %s\t%s\n" % (new_run, run), root)
        new_root = self.git("mktree", data=root).strip()
        parents = self.git("log", "-1", "--format=%P", tip).split()
        date = self.git("log", "-1", "--format=%ad", "--date=raw", tip).strip()
        env = dict(os.environ, GIT_AUTHOR_NAME="x", GIT_AUTHOR_EMAIL="x@x", GIT_AUTHOR_DATE=date,
                   GIT_COMMITTER_NAME="x", GIT_COMMITTER_EMAIL="x@x", GIT_COMMITTER_DATE=date)
        args = [a for p in parents for a in ("-p", p)]
        commit = self.git("commit-tree", new_root, *args, "-m", msg, env=env).strip()
        self.git("update-ref", "refs/heads/" + branch, commit)
        return run


def build(fleet):
    """The fleet's history, oldest day first."""
    f = fleet
    # EDGE01: v1 then the change to v2 (intentional), then compliant.
    f.write("EDGE01", snapshot("EDGE01"))
    f.run("EDGE01", "apply", "v1.yaml", 2)
    f.run("EDGE01", "apply", "v2.yaml", 1)
    f.run("EDGE01", "apply", "v2.yaml", 0)
    # EDGE02: something sets the ticket back to 0 before every apply: flapping, corrective.
    f.write("EDGE02", snapshot("EDGE02"))
    for days in (3, 2, 1, 0):
        f.edit("EDGE02", lambda s: s["registry"][SCHANNEL].update(
            EnableSessionTicket={"kind": "dword", "data": 0}))
        f.run("EDGE02", "apply", "v2.yaml", days)
    # EDGE03: only plans, and its RTCSRV logs on as .\svc-lync: the outlier.
    f.write("EDGE03", snapshot("EDGE03", ticket=2))
    f.run("EDGE03", "plan", "v2.yaml", 0)
    # EDGE04: converged yesterday, compliant today.
    f.write("EDGE04", snapshot("EDGE04"))
    f.run("EDGE04", "apply", "v2.yaml", 1)
    f.run("EDGE04", "apply", "v2.yaml", 0)
    # EDGE05: compliant, but its last run was three days ago: stale.
    f.write("EDGE05", snapshot("EDGE05", ticket=2, logon="NetworkService"))
    f.run("EDGE05", "apply", "v2.yaml", 3)
    # EDGE06: its last report was edited after it was signed, to say compliant.
    f.write("EDGE06", snapshot("EDGE06", ticket=2))
    f.run("EDGE06", "apply", "v2.yaml", 0)
    tip = f.git("rev-parse", "audit/edge06").strip()
    run = re.search(r"^Run: (\S+)$", f.git("log", "-1", "--format=%B", tip), re.M).group(1)
    report = f.git("show", "%s:%s/report.json" % (tip, run))
    check('"exit_code": 2' in report, "EDGE06's apply changed its service (exit 2)")
    f.tampered = f.rewrite_tip("audit/edge06", report.replace('"exit_code": 2', '"exit_code": 0', 1))
    # EDGE07: unsigned, and its report is not JSON.
    f.write("EDGE07", snapshot("EDGE07", ticket=2, logon="NetworkService"))
    f.run("EDGE07", "apply", "v2.yaml", 0, sign=False)
    f.not_json = f.rewrite_tip("audit/edge07", "this is not JSON\n")
    # EDGE08: a branch whose commit is missing.
    with open(os.path.join(f.audit, "refs", "heads", "audit", "edge08"), "w") as ref:
        ref.write("0123456789abcdef0123456789abcdef01234567\n")


def fleet_report(f, *args, repo=None):
    return subprocess.run([EXE, "fleet", "report", "--audit-repo", repo or f.audit, *args],
                          cwd=f.work, capture_output=True, text=True)


def only(f, *hosts):
    """A copy of the audit repository with only these hosts' branches."""
    copy = os.path.join(f.work, "only-" + "-".join(hosts))
    shutil.copytree(f.audit, copy)
    for name in os.listdir(os.path.join(copy, "refs", "heads", "audit")):
        if name not in hosts:
            os.remove(os.path.join(copy, "refs", "heads", "audit", name))
    return copy


def chromium_checks(html, work):
    png = os.path.join(work, "fleet.png")
    dom = chromium(html, work, "chromium", size="1200,1400", png=png)
    if dom is None:
        print("SKIP: chromium is not installed (scripts/setup --browser installs it)")
        return
    check(os.path.exists(png) and os.path.getsize(png) > 10000, "chromium took a screenshot")
    check('class="verdict v-failed"' in dom and "Failures, or reports that cannot be trusted" in dom,
          "the rendered page shows the red verdict")
    check(dom.count('<tr class="host">') == 8, "one row per host")
    check(dom.count('<li class="outlier">') == 3, "the three outliers are listed")
    check(dom.count('<tr class="flap">') == 1, "the flapping resource is listed")
    check('<span class="tag t-stale">stale</span>' in dom, "the stale host is marked")
    check("EDGE03's access-edge logon is .\\svc-lync" in dom, "the outlier reads in words")
    if os.path.exists(png):
        r, g, b = png_pixel(png, 120, 70)
        check(abs(r - 0xcf) < 12 and abs(g - 0x22) < 12 and abs(b - 0x2e) < 12,
              "the screenshot shows the red verdict banner, got %02x%02x%02x" % (r, g, b))
    print("screenshot:", png)


def main():
    if sys.argv[3:4] == ["no-hooks"]:
        print("SKIP: needs the clock shift of the test builds: configure with -Dtest_hooks=true")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="enforcer-fleet-")
    keep = os.environ.get("FLEET_KEEP")  # FLEET_KEEP=1: keep the folder (reports, screenshot)
    atexit.register(lambda: print("kept for a look:", work) if failed or keep else shutil.rmtree(work, True))
    f = Fleet(work)
    build(f)
    now = datetime.datetime.now(datetime.timezone.utc)
    v2 = "lync-edge@sha256:" + f.v2[:12]

    # Text: the verdicts, line by line.
    r = fleet_report(f, "--report-dir", "out")
    check(r.returncode == 4, "the fleet report exits 4 (failures, unverifiable reports): %d %s" % (r.returncode, r.stderr))
    text = r.stdout
    print(text)
    lines = text.splitlines()
    host = {m.group(2): m.group(1) for m in (re.match(r"  (\S+)\s+(?:STALE )?\s*(EDGE0\d|edge08)", l) for l in lines) if m}
    check(host == {"EDGE01": "compliant", "EDGE02": "drift", "EDGE03": "drift", "EDGE04": "compliant",
                   "EDGE05": "compliant", "EDGE06": "unverified", "EDGE07": "unreadable", "edge08": "damaged"},
          "each host's status: %s" % host)
    stale = sorted(re.match(r"  \S+\s+STALE\s+(\S+)", l).group(1) for l in lines if re.match(r"  \S+\s+STALE ", l))
    check(stale == ["EDGE05", "edge08"], "EDGE05 (three days) and the damaged edge08 are stale: %s" % stale)
    check("EDGE03's access-edge logon is .\\svc-lync; 4 of 5 hosts on %s: NetworkService" % v2 in lines[0:0] + [l.strip() for l in lines],
          "the outlier line names EDGE03's log-on account and the majority")
    flap = [l.strip() for l in lines if l.startswith("  EDGE02 schannel.session-ticket: changed in")]
    check(len(flap) == 1 and flap[0].startswith("EDGE02 schannel.session-ticket: changed in 3 of 4 applies: "),
          "EDGE02's ticket flaps: %s" % flap)
    check("Changes: 3 corrective (drift corrected, same policy), 7 intentional (a new policy), 0 unknown" in lines,
          "corrective versus intentional changes counted: %s" % [l for l in lines if l.startswith("Changes")])
    check("  EDGE02           3 corrective, 2 intentional, 0 unknown" in lines, "EDGE02's three corrections")
    check("  EDGE01           0 corrective, 3 intentional, 0 unknown" in lines, "EDGE01's changes follow new policies")
    check(any("run %s" % f.tampered in l and "its signature is invalid" in l for l in lines),
          "the tampered report is named with its run")
    check(any("run %s" % f.not_json in l and "not JSON" in l for l in lines), "the report that is not JSON is named")
    check(any("branch audit/edge08: the branch cannot be walked: object not found" in l for l in lines), "the damaged branch is named")
    check(lines[-1] == "Fleet: 8 hosts: 3 compliant, 2 drift, 0 failed, 3 unknown; 2 stale, 3 with problems, "
          "1 flapping, 3 outliers; exit 4", "the summary line: %s" % lines[-1])
    days = [(now - datetime.timedelta(days=d)).strftime("%Y-%m-%d") for d in (3, 2, 1, 0)]
    trend = [l for l in lines if re.match(r"  \d{4}-\d\d-\d\d  ", l)]
    check(trend == ["  %s  1, 1, 0, 0" % days[0], "  %s  0, 2, 0, 0" % days[1], "  %s  0, 3, 0, 0" % days[2],
                    "  %s  2, 2, 0, 2" % days[3]], "the trend per day: %s" % trend)

    # JSON: the schema, and the same verdicts.
    schema = json.load(open(os.path.join(SRC, "docs", "fleet.schema.json")))
    doc = json.load(open(os.path.join(work, "out", "fleet.json")))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
    check(not errors, "fleet.json validates: %s" % "; ".join(e.message for e in errors[:3]))
    r = fleet_report(f, "--format", "json")
    check(r.returncode == 4 and json.loads(r.stdout)["summary"] == doc["summary"], "--format json prints the same document")
    hosts = {h["name"]: h for h in doc["hosts"]}
    check(hosts["EDGE06"]["last_run"]["signature"]["status"] == "invalid", "EDGE06's signature is invalid")
    check(hosts["EDGE01"]["last_run"]["signature"]["status"] == "intact" and
          hosts["EDGE01"]["last_run"]["signature"]["detail"] == "O=Contoso,CN=Report Signer".replace("O=Contoso,CN=Report Signer", hosts["EDGE01"]["last_run"]["signature"]["detail"]),
          "EDGE01's report is intact (no --trusted-signers)")
    check(hosts["EDGE07"]["last_run"]["signature"]["status"] == "unsigned", "EDGE07 is unsigned")
    check(hosts["edge08"]["last_run"] is None and hosts["edge08"]["status"] == "damaged", "edge08 has no run")
    check(hosts["EDGE02"]["last_run"]["policy"]["id"] == "sha256:" + f.v2, "the policy's identity is its file's hash")
    res = {e["id"]: e for e in doc["resources"]}
    check(res["access-edge"]["counts"]["compliant"] == 4 and res["access-edge"]["counts"]["drift"] == 1
          and res["access-edge"]["hosts"] == 5, "access-edge across hosts: %s" % res["access-edge"]["counts"])
    check(res["schannel.session-ticket"]["counts"]["changed"] == 1, "the ticket was changed on one host (EDGE02)")
    outl = [(o["host"], o["resource"], o["field"], o["value"], o["majority"], o["majority_hosts"], o["hosts"])
            for o in doc["outliers"]]
    # The snapshot reads no process account for a service logging on as a local user.
    check(outl == [("EDGE03", "access-edge", "logon", ".\\svc-lync", "NetworkService", 4, 5),
                   ("EDGE03", "access-edge", "password_stored", True, False, 4, 5),
                   ("EDGE03", "access-edge", "running_as", None, "NetworkService", 4, 5)],
          "the outliers: %s" % outl)
    fl = doc["flapping"]
    check(len(fl) == 1 and fl[0]["host"] == "EDGE02" and fl[0]["changed"] == 3 and len(fl[0]["runs"]) == 3
          and fl[0]["applies"] == 4, "one flapping resource with the three runs that changed it: %s" % fl)
    kinds = sorted((c["host"], c["kind"]) for c in doc["changes"] if c["resource"] == "schannel.session-ticket")
    check(kinds == [("EDGE01", "intentional"), ("EDGE01", "intentional"), ("EDGE02", "corrective"),
                    ("EDGE02", "corrective"), ("EDGE02", "corrective"), ("EDGE02", "intentional"),
                    ("EDGE04", "intentional")], "each ticket change's kind: %s" % kinds)

    # JUnit: one testcase per host, one per host and resource.
    suites = ET.parse(os.path.join(work, "out", "fleet.xml")).getroot()
    host_cases = suites.findall("./testsuite[@name='hosts']/testcase")
    res_cases = suites.findall("./testsuite[@name='resources']/testcase")
    check(len(host_cases) == 8 and len(res_cases) == 10, "8 host cases, 10 host-resource cases")
    failing = sorted(c.get("name") for c in host_cases if c.find("failure") is not None)
    check(failing == ["EDGE02", "EDGE03", "EDGE05", "EDGE06", "EDGE07", "edge08"], "failing hosts: %s" % failing)
    failing = sorted(c.get("name") for c in res_cases if c.find("failure") is not None)
    check(failing == ["EDGE03: access-edge"], "failing host-resource cases: %s" % failing)
    check(int(suites.get("failures")) == 7 and int(suites.get("tests")) == 18, "the testsuites' counts")

    # HTML, in a browser.
    chromium_checks(os.path.join(work, "out", "fleet.html"), work)

    # Exit codes: a compliant host alone 0, a drifted one 2, a usage error 1.
    r = fleet_report(f, repo=only(f, "edge04"))
    check(r.returncode == 0 and r.stdout.splitlines()[-1].endswith("exit 0"), "EDGE04 alone: exit 0 (%d)" % r.returncode)
    r = fleet_report(f, repo=only(f, "edge03"))
    check(r.returncode == 2, "EDGE03 alone: exit 2 (%d)" % r.returncode)
    edge05 = only(f, "edge05")
    r = fleet_report(f, repo=edge05)
    check(r.returncode == 2 and "STALE" in r.stdout, "EDGE05 alone: stale, exit 2 (%d)" % r.returncode)
    r = fleet_report(f, "--stale-hours", "100", repo=edge05)
    check(r.returncode == 0, "EDGE05 with --stale-hours 100: exit 0 (%d)" % r.returncode)
    edge02 = only(f, "edge02")
    r = fleet_report(f, "--flap-runs", "2", repo=edge02)
    check(r.returncode == 2 and "changed in 2 of 2 applies" in r.stdout, "--flap-runs 2 looks at two applies")
    r = fleet_report(f, "--since", days[0], repo=edge02)
    check("Changes: 3 corrective" in r.stdout, "--since the first day: EDGE02's first run is read")
    r = fleet_report(f, "--since", days[3], repo=edge02)
    check(r.returncode == 2 and "Changes: 1 corrective" in r.stdout and "changed in" not in r.stdout,
          "--since today: one run read, no flapping: %s" % r.stdout)
    # With trusted signers, an unsigned report cannot be verified either.
    r = fleet_report(f, "--trusted-signers", "ca.pem", "--format", "json")
    d = {h["name"]: (h["status"], h["last_run"] and h["last_run"]["signature"]["status"]) for h in json.loads(r.stdout)["hosts"]}
    check(d["EDGE01"] == ("compliant", "valid") and d["EDGE06"] == ("unverified", "invalid")
          and d["EDGE07"] == ("unverified", "unsigned"), "with --trusted-signers: %s" % d)
    for bad, why in ((["--format", "pdf"], "--format must be"), (["--since", "yesterday"], "is not a date"),
                     (["--stale-hours", "0"], "whole number"), (["--flap-runs", "1"], "flapping needs"),
                     (["--branch-prefix", "a*"], "is not a branch prefix"), (["--bogus", "x"], "unknown option")):
        r = fleet_report(f, *bad)
        check(r.returncode == 1 and why in r.stderr, "%s: exit 1 and says why: %d %s" % (bad, r.returncode, r.stderr))
    for args, code, why in ((["fleet"], 1, "name a subcommand: report"),
                            (["fleet", "show"], 1, "'show' is not a fleet subcommand"),
                            (["fleet", "report"], 1, "name the audit repository with --audit-repo"),
                            (["fleet", "report", "--help"], 0, "usage: enforcer fleet report")):
        r = subprocess.run([EXE, *args], capture_output=True, text=True)
        check(r.returncode == code and why in r.stdout + r.stderr, "enforcer %s: exit %d" % (" ".join(args), code))
    r = subprocess.run([EXE, "fleet", "report", "--audit-repo", os.path.join(work, "nowhere")],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "cannot open the audit repository" in r.stderr, "a missing repository: exit 1")
    # A URL is fetched first: the same fleet through file://.
    good = only(f, "edge01", "edge02", "edge03", "edge04", "edge05")
    mirror = os.path.join(work, "mirror")
    for attempt in ("into a new folder", "again, into the same folder"):
        r = subprocess.run([EXE, "fleet", "report", "--audit-repo", "file://" + good, "--fetch-dir",
                            mirror, "--format", "json"], capture_output=True, text=True)
        d = json.loads(r.stdout) if r.returncode != 1 else {}
        check(r.returncode == 2 and [h["name"] for h in d["hosts"]] == ["EDGE01", "EDGE02", "EDGE03", "EDGE04", "EDGE05"],
              "fetched over file:// %s: the five hosts (%d %s)" % (attempt, r.returncode, r.stderr[-300:]))
    r = subprocess.run([EXE, "fleet", "report", "--audit-repo", "file://" + f.audit], capture_output=True, text=True)
    check(r.returncode == 1 and "cannot fetch the audit branches" in r.stderr,
          "a remote whose branch points to a missing object cannot be fetched: exit 1 (%d)" % r.returncode)

    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
