#!/usr/bin/python3
"""Inputs for bench/sized: DIR/repo (a policy repository), DIR/policy.yaml's path in it
or beside it, DIR/server.json (a snapshot). Usage: sized_gen.py DIR CASE (see bench/sized).
"""
import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

D, CASE = sys.argv[1], sys.argv[2]
START = datetime.datetime(2026, 1, 1)
GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, issuer, public, signer, serial, ca):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public)
         .serial_number(serial).not_valid_before(START)
         .not_valid_after(START + datetime.timedelta(days=3650)))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return b.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def b64(der):
    return base64.b64encode(der).decode()


def snapshot(stores):
    snap = {"schema": "enforcer-snapshot/1", "facts": {"os.build": "9600"},
            "stores": {k: [{"der": b64(x)} for x in v] for k, v in stores.items()}}
    with open(os.path.join(D, "server.json"), "w") as f:
        json.dump(snap, f)


def git(*args, **kw):
    return subprocess.run(GIT + list(args), cwd=os.path.join(D, "repo"), check=True,
                          stdout=subprocess.PIPE, **kw).stdout.decode().strip()


def commit_repo(policy):
    """DIR/repo with policy.yaml and what is in DIR/repo already, committed."""
    os.makedirs(os.path.join(D, "repo"), exist_ok=True)
    with open(os.path.join(D, "repo", "policy.yaml"), "w") as f:
        f.write(policy)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "bench")
    # validate --repo DIR ... policy.yaml: the policy's path in the repository.
    with open(os.path.join(D, "policy.yaml"), "w") as f:
        f.write(policy)


def stream_object(kind, head, fill, size, tail):
    """`git hash-object -w` of HEAD, SIZE bytes of FILL in lines, TAIL: never all in memory here."""
    p = subprocess.Popen(GIT + ["hash-object", "--literally", "-t", kind, "-w", "--stdin"],
                         cwd=os.path.join(D, "repo"), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    p.stdin.write(head)
    line = fill * 63 + b"\n"
    for _ in range(size // len(line)):
        p.stdin.write(line)
    p.stdin.write(tail)
    p.stdin.close()
    oid = p.stdout.read().decode().strip()
    if p.wait():
        sys.exit("git hash-object failed")
    return oid


os.makedirs(D, exist_ok=True)
key = ec.generate_private_key(ec.SECP256R1())
root = cert(name("Bench Root"), name("Bench Root"), key.public_key(), key, 1, True)
CERT_POLICY = ("enforcer: 1\nname: bench-sized\nresources:\n"
               "  - {type: certificate, id: root, store: Root, file: root.cer}\n")

if CASE == "commit-300m":
    os.makedirs(os.path.join(D, "repo"))
    open(os.path.join(D, "repo", "root.cer"), "wb").write(root)
    commit_repo(CERT_POLICY)
    head = git("cat-file", "commit", "HEAD").split("\n\n")[0].encode()
    oid = stream_object("commit", head + b"\ngpgsig -----BEGIN SIGNED MESSAGE-----\n ", b"A",
                        300 * 1000 * 1000, b" -----END SIGNED MESSAGE-----\n\nHuge\n")
    git("update-ref", "refs/heads/huge", oid)
    git("repack", "-adq")
elif CASE == "blob-600m":
    os.makedirs(os.path.join(D, "repo"))
    commit_repo(CERT_POLICY)
    blob = stream_object("blob", b"", b"A", 600 * 1000 * 1000, b"")
    git("update-index", "--add", "--cacheinfo", "100644,%s,root.cer" % blob)
    git("commit", "-qm", "a 600 MB certificate file")
    git("repack", "-adq")
elif CASE.startswith("allow-"):
    n = int(CASE.split("-")[1])
    os.makedirs(os.path.join(D, "repo", "certs"))
    ders = []
    for i in range(n):
        der = cert(name("Bench Root %05d" % i), name("Bench Root %05d" % i), key.public_key(),
                   key, i + 1, True)
        ders.append(der)
        open(os.path.join(D, "repo", "certs", "r%05d.cer" % i), "wb").write(der)
    commit_repo("\n".join(["enforcer: 1", "name: bench-allow", "resources:",
                           "  - type: trust-store", "    id: root", "    store: Root",
                           "    allow:"] + ["      - certs/r%05d.cer" % i for i in range(n)]) + "\n")
    snapshot({"Root": ders})
elif CASE.startswith("chain-"):
    n = int(CASE.split("-")[1])
    cas, last = [], None
    for i in range(n):
        last = ec.generate_private_key(ec.SECP256R1())
        cas.append(cert(name("Bench Issuing CA"), name("Bench Root"), last.public_key(), key,
                        100 + i, True))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert(name("edge.bench.example"), name("Bench Issuing CA"), leaf_key.public_key(), last,
                7, False)
    snapshot({"Root": [root], "CA": cas, "My": [leaf]})
    with open(os.path.join(D, "policy.yaml"), "w") as f:
        f.write("enforcer: 1\nname: bench-chain\nresources:\n"
                "  - {type: certificate, id: edge, store: My, thumbprint: %s, "
                "require: {chain: trusted}}\n" % hashlib.sha1(leaf).hexdigest().upper())
else:
    sys.exit("sized_gen.py: unknown case " + CASE)
