#!/usr/bin/python3
"""Real reports against their contracts: every report.json of a plan, an apply
and a rollback validates against docs/report.schema.json; report.xml is JUnit
that a parser reads back with the right counts; report.html renders in
headless Chromium with the verdict and one row per resource (checked in the
rendered DOM and in the screenshot's pixels).

Usage (meson test runs it): check_reports.py ENFORCER_EXE SOURCE_DIR
Prints "N passed, N failed" last; exits 1 on any failure.
"""
import atexit
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

import jsonschema

EXE, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


SNAPSHOT = {
    "schema": "enforcer-snapshot/1",
    "facts": {"os.build": "9600", "host.name": "EDGE01", "role": "edge"},
    "registry": {"HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel": {}},
    "services": {
        "RTCSRV": {"logon": ".\\svc-lync", "password_stored": True, "startup": "automatic", "state": "stopped"},
        "RTCMEDIARELAY": {"logon": "NetworkService", "startup": "automatic", "state": "running"},
    },
}
POLICY = r"""enforcer: 1
name: lync-edge
resources:
  - {type: registry, id: schannel.session-ticket, key: 'HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel', value: EnableSessionTicket, kind: dword, data: 2, notify: restart-lync}
  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService, state: running}
  - {type: service, id: missing, name: RTCDATAPROXY, state: running}
  - {type: restart, id: restart-lync, services: [RTCSRV, RTCMEDIARELAY]}
"""


def run(cwd, *args):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


def png_pixel(path, x, y):
    """The RGB of one pixel of an 8-bit RGB/RGBA, non-interlaced PNG."""
    data = open(path, "rb").read()
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    for row in range(y + 1):
        f = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
    return tuple(prev[x * bpp:x * bpp + 3])


def chromium(html, work, name, size="1200,900", png=None):
    """The DOM headless Chromium renders from `html` (and, given `png`, a
    screenshot there), with a profile folder of its own per `name`; None
    without Chromium."""
    browser = shutil.which("chromium")
    if not browser:
        return None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + os.path.join(work, name), "--window-size=" + size]
    if png:
        subprocess.run([browser, *flags, "--screenshot=" + png, "file://" + html],
                       capture_output=True, timeout=120)
    return subprocess.run([browser, *flags, "--dump-dom", "file://" + html],
                          capture_output=True, text=True, timeout=120).stdout


def chromium_checks(html, work):
    png = os.path.join(work, "report.png")
    dom = chromium(html, work, "chromium", png=png)
    if dom is None:
        print("SKIP: chromium is not installed (scripts/setup --browser installs it)")
        return
    check(os.path.exists(png) and os.path.getsize(png) > 10000, "chromium took a screenshot")
    check('class="verdict v-failed"' in dom and "Failures" in dom, "the rendered page shows the verdict")
    for rid in ("schannel.session-ticket", "access-edge", "missing", "restart-lync"):
        check(rid in dom, "the rendered page shows resource " + rid)
    check(dom.count('<div class="res ') == 4, "one card per resource that was not compliant")
    if os.path.exists(png):
        # The verdict banner is drawn in the failure red (#cf222e) near the top left.
        r, g, b = png_pixel(png, 120, 40)
        check(abs(r - 0xcf) < 12 and abs(g - 0x22) < 12 and abs(b - 0x2e) < 12,
              "the screenshot shows the red verdict banner, got %02x%02x%02x" % (r, g, b))
    print("screenshot:", png)


def dump_dom(html, work, name):
    """The DOM headless Chromium renders from `html`, or None without Chromium."""
    return chromium(html, work, "chromium-" + name)


def board_checks(work, run_id):
    """Issue 19: what a change board reads in report.html, rendered by Chromium."""
    dom = dump_dom(os.path.join(work, "rollback", "report.html"), work, "rollback")
    if dom is None:
        print("SKIP: chromium is not installed (scripts/setup --browser installs it)")
        return
    check("<title>enforcer rollback: rollback of %s on EDGE01</title>" % run_id in dom,
          "the rollback's title names the run it rolled back")
    check("Rolled back run %s" % run_id in dom, "the rollback's verdict names the run it rolled back")
    check('<li class="warn-a">⚠ restore RTCSRV log-on NetworkService -&gt; .\\svc-lync' in dom,
          "a log-on restored without its password is a warning, not a tick")
    check('<p class="warning">⚠ Warning: enter the password of .\\svc-lync for service RTCSRV '
          "again in services.msc: passwords are never journaled</p>" in dom,
          "the rollback says which password to enter again, as a warning")
    dom = dump_dom(os.path.join(work, "apply", "report.html"), work, "apply")
    # A restart says why it ran, with no before and after columns.
    card = dom.split("restart-lync</h3>")[1].split('<div class="res ')[0]
    check('<p class="why">Restarted RTCSRV, RTCMEDIARELAY because <b>schannel.session-ticket</b> '
          "changed</p>" in card and "<th>before</th>" not in card and "unchanged" not in card,
          "the restart says it ran because schannel.session-ticket changed, without before/after")
    check('apply of policy <b>lync-edge</b> (<code>policy.yaml</code>) on <b>EDGE01</b>' in dom,
          "the verdict names the policy's file as it was given")
    check('<tr><th>password_stored</th><td class="mono changed">yes</td><td class="mono changed">no</td></tr>'
          in dom, "a changed value is highlighted, in words")
    check('<table class="sub"><tbody><tr><th>name</th><th>state</th></tr><tr><td>RTCSRV</td><td>running</td></tr>'
          in dom, "a list of records (the restart's services) is a table")
    check('[{"' not in dom, "no raw JSON in the apply report")
    check("<th>Uncommitted changes</th><td>not known: the policy file is not in a git repository</td>"
          in dom, "a policy from no repository says why its uncommitted changes are not known")
    dom = dump_dom(os.path.join(work, "warn", "out", "report.html"), work, "warn")
    check('class="verdict v-warn"' in dom and "Compliant, with warnings (1 warning)" in dom,
          "a compliant run with a warning is not a green banner")
    check('<tr class="warn"><th>edge-cert</th><td>certificate: ⚠ warning: warn-days: expires on' in dom,
          "the warning's row looks like a warning")
    check('<details class="ev"><summary>evidence</summary>' in dom,
          "a compliant certificate's evidence can be expanded")
    check('<th>check</th>' in dom and '<span class="pass">passed</span>' in dom and '[{"' not in dom,
          "the certificate checks are a table with words, not JSON")
    check('<tr class="warn"><td>warn-days</td><td><span class="warn-a">⚠ warning</span></td>' in dom
          and '<span class="fail">' not in dom, "the warn-days check reads as a warning, not a failure")


def warning_checks(work, validator):
    """A certificate within its warn-days: a compliant run (exit 0) whose report shows the warning."""
    d = os.path.join(work, "warn")
    os.makedirs(d)
    # A certificate that expires in 40 days (openssl writes it; nothing to keep in the repository).
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", os.path.join(d, "key.pem"), "-outform", "DER",
                    "-out", os.path.join(d, "cert.der"), "-days", "40", "-subj", "/CN=sip.contoso.com",
                    "-addext", "subjectAltName=DNS:sip.contoso.com,DNS:webcon.contoso.com"],
                   check=True, capture_output=True)
    der = open(os.path.join(d, "cert.der"), "rb").read()
    snap = {"schema": "enforcer-snapshot/1", "stores": {"My": [{"der": base64.b64encode(der).decode()}]}}
    json.dump(snap, open(os.path.join(d, "server.json"), "w"))
    thumb = hashlib.sha1(der).hexdigest().upper()
    open(os.path.join(d, "policy.yaml"), "w").write(
        "enforcer: 1\nname: warn\nresources:\n  - type: certificate\n    id: edge-cert\n    store: My\n"
        "    thumbprint: %s\n    require: {warn-days: 45, dns-names: [SIP.contoso.com]}\n" % thumb)
    r = run(d, "plan", "--target", "snapshot:server.json", "--state-dir", "state", "--report-dir", "out",
            "policy.yaml")
    check(r.returncode == 0, "a warning alone leaves plan's exit code 0, got %d: %s" % (r.returncode, r.stderr))
    report = json.load(open(os.path.join(d, "out", "report.json")))
    errors = sorted(validator.iter_errors(report), key=str)
    check(not errors, "the report with a warning validates: %s" % "; ".join(e.message for e in errors[:3]))
    res = report["resources"][0]
    check(res["status"] == "compliant" and res.get("warning") is True,
          "the resource is compliant with \"warning\": true: %s" % res)
    check(r.stdout.startswith("warning     edge-cert: warn-days: expires on "),
          "the console shows the warning: %r" % r.stdout)
    cases = ET.parse(os.path.join(d, "out", "report.xml")).getroot().findall("./testsuite/testcase")
    check(len(cases) == 1 and cases[0].find("failure") is None
          and "warn-days: expires on" in (cases[0].findtext("system-out") or ""),
          "JUnit passes the test case and gives the warning as its output")
    res["warning"] = False
    check(not validator.is_valid(report), "the schema refuses \"warning\": false (it is left out instead)")


def selector_checks(work, validator):
    """A certificate picked by `match:` shown above the fold; a restart with its reason;
    C1 and bidi controls from the server escaped visibly in report.html and report.xml."""
    d = os.path.join(work, "selector")
    os.makedirs(d)
    ders = []
    for days in (20, 365):  # last year's certificate and its renewal
        out = os.path.join(d, "cert%d.der" % days)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", os.path.join(d, "key.pem"), "-outform", "DER", "-out", out,
                        "-days", str(days), "-subj", "/CN=sip.contoso.com"], check=True, capture_output=True)
        ders.append(out)
    end = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", ders[1], "-noout", "-enddate",
                          "-dateopt", "iso_8601"], check=True, capture_output=True, text=True).stdout
    valid_until = end.strip().split("=", 1)[1].replace(" ", "T")
    thumb = hashlib.sha1(open(ders[1], "rb").read()).hexdigest().upper()
    snap = {"schema": "enforcer-snapshot/1", "facts": {"host.name": "EDGE01"},
            "registry": {"HKLM\\Software\\Contoso": {"Banner": {"kind": "sz", "data": "evil\u009b31m\u202eb\u2066"}}},
            "services": {"RTCSRV": {"logon": "NetworkService", "startup": "automatic", "state": "running"}},
            "stores": {"My": [{"der": base64.b64encode(open(p, "rb").read()).decode()} for p in ders]}}
    json.dump(snap, open(os.path.join(d, "server.json"), "w"))
    open(os.path.join(d, "policy.yaml"), "w").write(
        "enforcer: 1\nname: sel\nresources:\n"
        "  - {type: registry, id: banner, key: 'HKLM\\Software\\Contoso', value: Banner, kind: sz, "
        "data: hello, notify: restart-edge}\n"
        "  - {type: certificate, id: edge-external, store: My, match: {subject: sip.contoso.com}, "
        "pick: newest-valid, require: {warn-days: 5}}\n"
        "  - {type: restart, id: restart-edge, services: [RTCSRV]}\n")
    r = run(d, "apply", "--target", "snapshot:server.json", "--state-dir", "state", "--report-dir", "out",
            "policy.yaml")
    check(r.returncode == 2, "the selector's apply exits 2: %s" % r.stderr)
    report = json.load(open(os.path.join(d, "out", "report.json")))
    errors = sorted(validator.iter_errors(report), key=str)
    check(not errors, "the selector's report validates: %s" % "; ".join(e.message for e in errors[:3]))
    for name in ("report.html", "report.xml"):
        raw = open(os.path.join(d, "out", name), encoding="utf-8").read()
        check(not any(c in raw for c in "\u009b\u202e\u2066"), "%s holds no raw C1 or bidi control" % name)
        check("evil\\u009b31m\\u202eb\\u2066" in raw, "%s shows them escaped, as the terminal does" % name)
    dom = dump_dom(os.path.join(d, "out", "report.html"), work, "selector")
    if dom is None:
        return
    above = dom.split("<h2>Compliant resources</h2>")[0]
    check('<h2>Certificates picked by a selector</h2>' in above and
          '<tr><td><span class="tag">compliant</span>edge-external</td><td>sip.contoso.com<br>'
          '<span class="msg">CN=sip.contoso.com</span></td>'
          '<td class="mono">%s</td><td>%s</td><td>newest valid of 2 matching</td></tr>' % (thumb, valid_until)
          in above, "the picked certificate is shown above the fold (subject, thumbprint, expiry)")
    check('<p class="why">Restarted RTCSRV because <b>banner</b> changed</p>' in dom,
          "the restart says why it ran")
    check("<td class=\"mono changed\">evil\\u009b31m\\u202eb\\u2066</td>" in dom,
          "the rendered page shows the controls escaped")


def downgrade_checks(work, validator):
    """A policy branch rewound and applied with --allow-downgrade: run.downgrade validates."""
    d = os.path.join(work, "downgrade")
    repo = os.path.join(d, "repo")
    os.makedirs(os.path.join(repo, "p"))
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=d, GIT_AUTHOR_NAME="Alice",
               GIT_AUTHOR_EMAIL="alice@contoso.com", GIT_COMMITTER_NAME="Alice",
               GIT_COMMITTER_EMAIL="alice@contoso.com")
    git = lambda *a: subprocess.run(["git", "-C", repo, *a], check=True, capture_output=True,
                                    env=env, text=True).stdout.strip()
    git("init", "-q", "-b", "main")
    commits = []
    for data in (0, 1):
        open(os.path.join(repo, "p", "edge.yaml"), "w").write(
            "enforcer: 1\nname: edge\nresources:\n  - type: registry\n    id: ticket\n"
            "    key: HKLM\\Software\\Contoso\n    value: EnableSessionTicket\n    kind: dword\n"
            "    data: %d\n" % data)
        git("add", "-A")
        git("commit", "-q", "-m", "tickets %d" % data)
        commits.append(git("rev-parse", "HEAD"))
    json.dump({"schema": "enforcer-snapshot/1"}, open(os.path.join(d, "server.json"), "w"))
    common = ["--target", "snapshot:server.json", "--state-dir", "state", "--repo", "repo"]
    r = run(d, "apply", *common, "p/edge.yaml")
    check(r.returncode == 2, "apply of main exits 2: %s" % r.stderr)
    git("update-ref", "refs/heads/main", commits[0])
    r = run(d, "apply", *common, "--report-dir", "out", "--allow-downgrade", "p/edge.yaml")
    check(r.returncode == 2, "apply --allow-downgrade of the rewound main exits 2: %s" % r.stderr)
    report = json.load(open(os.path.join(d, "out", "report.json")))
    errors = sorted(validator.iter_errors(report), key=str)
    check(not errors, "the report of an allowed downgrade validates: %s" % "; ".join(e.message for e in errors[:3]))
    down = report["run"].get("downgrade", {})
    check(down.get("from") == commits[1] and down.get("to") == commits[0] and down.get("reason") == "not-descendant",
          "run.downgrade names both commits: %s" % down)
    # The verdict names the policy's file, its repository and the commit applied.
    html = open(os.path.join(d, "out", "report.html"), encoding="utf-8").read()
    src = report["policy"]["source"]
    check(src["repo"].endswith("repo") and
          " (<code>p/edge.yaml</code> in repository <code>%s</code> at commit <code>%s</code>)"
          % (src["repo"], commits[0]) in html,
          "the HTML names the policy's path, repository and commit: %s" % src)
    down["reason"] = "rewound"
    check(not validator.is_valid(report), "the schema refuses a downgrade reason it does not list")


def main():
    schema = json.load(open(os.path.join(SRC, "docs", "report.schema.json")))
    validator = jsonschema.Draft202012Validator(schema)
    work = tempfile.mkdtemp(prefix="enforcer-reports-")
    # Removed at exit, unless a check failed: then kept for a look (the reports, the screenshot).
    atexit.register(lambda: print("kept for a look:", work) if failed else shutil.rmtree(work, True))
    json.dump(SNAPSHOT, open(os.path.join(work, "server.json"), "w"))
    open(os.path.join(work, "policy.yaml"), "w").write(POLICY)
    common = ["--target", "snapshot:server.json", "--state-dir", "state"]
    results = {
        "plan": run(work, "plan", *common, "--report-dir", "plan", "policy.yaml"),
        "apply": run(work, "apply", *common, "--report-dir", "apply", "policy.yaml"),
    }
    check(results["plan"].returncode == 6, "plan exits 6 (drift and failures)")
    check(results["apply"].returncode == 6, "apply exits 6 (changes and failures)")
    run_id = json.load(open(os.path.join(work, "apply", "report.json")))["run"]["id"]
    results["rollback"] = run(work, "rollback", *common, "--report-dir", "rollback", run_id)
    check(results["rollback"].returncode == 2, "rollback exits 2")
    for mode in ("plan", "apply", "rollback"):
        report = json.load(open(os.path.join(work, mode, "report.json")))
        errors = sorted(validator.iter_errors(report), key=str)
        check(not errors, "%s report.json validates: %s" % (mode, "; ".join(e.message for e in errors[:3])))
        suite = ET.parse(os.path.join(work, mode, "report.xml")).getroot()
        cases = suite.findall("./testsuite/testcase")
        check(suite.tag == "testsuites" and len(cases) == len(report["resources"]),
              "%s report.xml has one testcase per resource" % mode)
        fails = len(suite.findall("./testsuite/testcase/failure"))
        check(int(suite.find("testsuite").get("failures")) == fails, "%s report.xml counts its failures" % mode)
        text = open(os.path.join(work, mode, "report.txt")).read()
        check(text.splitlines()[-1].startswith({"plan": "Plan:", "apply": "Apply:", "rollback": "Rollback:"}[mode]),
              "%s report.txt ends with the summary" % mode)
    # The service record carries the account of the running process, and the
    # restart handler every service's state read back.
    applied = {r["id"]: r for r in json.load(open(os.path.join(work, "apply", "report.json")))["resources"]}
    check(applied["access-edge"]["after"].get("running_as") == "NetworkService",
          "apply's access-edge record has running_as NetworkService: %s" % applied["access-edge"]["after"])
    check(applied["restart-lync"]["after"].get("services") ==
          [{"name": "RTCSRV", "state": "running"}, {"name": "RTCMEDIARELAY", "state": "running"}],
          "apply's restart-lync record lists each service running: %s" % applied["restart-lync"]["after"])
    one = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/resource"})
    bad = json.loads(json.dumps(applied["restart-lync"]))
    bad["after"]["services"][0]["state"] = "restarted"
    check(one.is_valid(applied["restart-lync"]) and not one.is_valid(bad),
          "the schema refuses a restart record whose service state is not a state")
    warning_checks(work, validator)
    downgrade_checks(work, validator)
    selector_checks(work, validator)
    board_checks(work, run_id)
    chromium_checks(os.path.join(work, "apply", "report.html"), work)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
