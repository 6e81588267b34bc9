#!/usr/bin/python3
"""fleet_gen.py: a generated audit repository for the fleet report's benchmark.

    fleet_gen.py DIR HOSTS DAYS [SIGNED_DAYS]

Writes a bare git repository DIR with one branch audit/edgeNNNN per host and
one commit per night for DAYS nights (ending last night), laid out exactly
as `--audit-repo` commits them: `<run-id>/report.json` (an enforcer-report/1
document of 20 resources, ~9 KB) added to the branch's tree, with the commit
message audit.c writes. The last SIGNED_DAYS runs of each host (default 14)
also carry report.json.p7s, a detached CMS signature (EC P-256, made with
python3-cryptography) as --sign-key writes it; the signing CA is DIR.ca.pem.

The commits go through `git fast-import` (one pack, no loose objects): a year
of 500 hosts (182 497 commits) took about 15 minutes, of 2 000 hosts about 35,
on the shared 2-core build machine. Every 9th night a host's apply
corrects one registry value (exit 2), every 50th host's RTCSRV logs on as
another account (an outlier), and host 3 stops reporting 3 days before the
end (stale).
"""
import datetime
import hashlib
import json
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

DIR, HOSTS, DAYS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
SIGNED_DAYS = int(sys.argv[4]) if len(sys.argv) > 4 else 14
POLICY_COMMIT = hashlib.sha1(b"policy v1").hexdigest()
KEY = "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols"


def pki():
    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fleet Bench Signer")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=DAYS + 2))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    open(DIR + ".ca.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def report(host, n, day, t, drift):
    resources = []
    for i in range(12):
        changed = drift and i == day % 12
        value = {"kind": "dword", "data": 0 if i % 2 else 1, "present": True}
        resources.append({
            "id": "schannel.%02d" % i, "type": "registry", "status": "changed" if changed else "compliant",
            "before": dict(value, data=7) if changed else value, "after": value,
            "actions": [{"text": "set DWORD Enabled 7 -> %d" % value["data"], "done": True, "error": None}]
            if changed else [], "message": None, "seconds": 0.001})
    for i in range(8):
        logon = ".\\svc-lync" if i == 0 and n % 50 == 7 else "NetworkService"
        state = {"exists": True, "logon": logon, "password_stored": logon != "NetworkService",
                 "startup": "automatic", "state": "running", "running_as": logon}
        resources.append({"id": "service.%02d" % i, "type": "service", "status": "compliant",
                          "before": state, "after": state, "actions": [], "message": None, "seconds": 0.002})
    counts = {"compliant": 20 - bool(drift), "drift": 0, "changed": int(bool(drift)), "failed": 0,
              "skipped": 0, "waived": 0, "audit-drift": 0}
    run_id = t.strftime("%Y%m%dT%H%M%SZ-") + hashlib.sha1(("%s%d" % (host, day)).encode()).hexdigest()[:6]
    doc = {"schema": "enforcer-report/1",
           "run": {"id": run_id, "mode": "apply", "dry_run": False, "host": host, "user": "CONTOSO\\svc-enforcer",
                   "target": "local", "enforcer_version": "0.1.0", "started": iso(t), "ended": iso(t),
                   "duration_seconds": 1.5, "exit_code": 2 if drift else 0, "changes_made": int(bool(drift)),
                   "reboot_pending": False, "journal": "C:\\ProgramData\\enforcer/journal/%s.jsonl" % run_id,
                   "rolled_back": None},
           "policy": {"name": "lync-edge", "source": {
               "file": "edge/lync-edge.yaml", "sha256": None, "repo": "C:\\policies", "ref": "refs/heads/main",
               "commit": POLICY_COMMIT, "author": "Alex Admin <alex@contoso.com>", "date": "2026-01-05T10:00:00Z",
               "subject": "Edge baseline", "tree": POLICY_COMMIT, "signature": "valid",
               "signer": "CN=Alex Admin, O=Contoso", "dirty": False}},
           "facts": {"os.build": "9600", "host.name": host, "role": "edge"},
           "counts": counts, "resources": resources}
    text = (json.dumps(doc, indent=2) + "\n").encode()
    message = ("enforcer apply of lync-edge on %s: exit %d\n\nRun: %s\nMode: apply\nHost: %s\n"
               "User: CONTOSO\\svc-enforcer\nTarget: local\nPolicy: lync-edge\n"
               "Policy commit: %s (refs/heads/main in C:\\policies; signature valid, CN=Alex Admin, O=Contoso)\n"
               "Counts: %d compliant, 0 drift, %d changed, 0 failed, 0 skipped, 0 waived, 0 audit-drift\n"
               "Exit code: %d\n") % (host, 2 if drift else 0, run_id, host, POLICY_COMMIT,
                                      counts["compliant"], counts["changed"], 2 if drift else 0)
    return run_id, text, message.encode()


def main():
    subprocess.run(["git", "init", "-q", "--bare", DIR], check=True)
    key, cert = pki()
    fi = subprocess.Popen(["git", "--git-dir", DIR, "fast-import", "--quiet", "--depth=50"],
                          stdin=subprocess.PIPE)
    out = fi.stdin
    end = datetime.datetime.now(datetime.timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0)
    if end > datetime.datetime.now(datetime.timezone.utc):
        end -= datetime.timedelta(days=1)
    commits = 0
    for n in range(HOSTS):
        host = "EDGE%04d" % n
        ref = "refs/heads/audit/edge%04d" % n
        last = DAYS - (3 if n == 3 else 0)
        for day in range(last):
            t = end - datetime.timedelta(days=DAYS - 1 - day, minutes=-(n % 120))
            run_id, text, message = report(host, n, day, t, day % 9 == n % 9)
            stamp = "%d +0000" % int(t.timestamp())
            out.write(b"commit %s\ncommitter CONTOSO\\svc-enforcer <enforcer@edge%04d> %s\n" %
                      (ref.encode(), n, stamp.encode()))
            out.write(b"data %d\n%s\n" % (len(message), message))
            out.write(b"M 100644 inline %s/report.json\ndata %d\n%s\n" % (run_id.encode(), len(text), text))
            if day >= DAYS - SIGNED_DAYS:
                sig = (pkcs7.PKCS7SignatureBuilder().set_data(text).add_signer(cert, key, hashes.SHA256())
                       .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature,
                                                          pkcs7.PKCS7Options.Binary,
                                                          pkcs7.PKCS7Options.NoCapabilities]))
                out.write(b"M 100644 inline %s/report.json.p7s\ndata %d\n%s\n" % (run_id.encode(), len(sig), sig))
            commits += 1
    out.close()
    if fi.wait():
        sys.exit("fleet_gen: git fast-import failed")
    print("fleet_gen: %s: %d hosts, %d commits" % (DIR, HOSTS, commits))


main()
