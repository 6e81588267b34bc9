#!/usr/bin/env bash
# The Wine end-to-end test of signed reports (issue 20) with enforcer.exe and
# the OpenSSL it is linked with:
#
#   tests/win32/e2e-signing.sh ENFORCER_EXE
#
# In a Wine prefix of its own, against a snapshot target (the signer rules and
# the time stamps are OpenSSL's, not Windows'):
#   a web server's certificate (keyAgreement, serverAuth) as --sign-cert is
#     refused before the run: exit 1, the snapshot unchanged, no report folder;
#   the policy signer's certificate signs report.json; `report verify` exits 3
#     without --trusted-signers and 0 with them, naming the run;
#   `report timestamp` writes the signature value, `openssl ts` (the test's
#     TSA) stamps it, `report timestamp --timestamp` attaches the token and
#     `report verify` checks the chain at the token's time;
#   a token over other data is refused (nothing changed), and a token from a
#     TSA of another CA is refused by `report verify`.
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -ne 1 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
exe=$(readlink -f "$1")

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_init
prefix=$work/prefix
e2e_prefix "$prefix" || { echo "FAIL  making the prefix"; e2e_finish; exit 1; }

pki=$work/pki
mkdir -p "$pki"
# signer NAME SUBJECT CA EXTENSIONS...: NAME.pem and NAME.key, issued by CA.
signer() {
    local name=$1 subject=$2 ca=$3
    shift 3
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
        -out "$name.csr" -subj "$subject" "$@" &&
        openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -set_serial "0x$RANDOM" \
            -days 30 -copy_extensions copyall -out "$name.pem"
}
ca_cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
        -out "$1.pem" -subj "$2" -days 30 -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign
}
tsa_conf() { # NAME: an `openssl ts -reply` configuration for the TSA NAME
    echo 01 >"$pki/$1.serial"
    printf '%s\n' "[ tsa ]" "default_tsa = c" "[ c ]" "serial = $pki/$1.serial" \
        "crypto_device = builtin" "signer_cert = $pki/$1.pem" "signer_key = $pki/$1.key" \
        "signer_digest = sha256" "default_policy = 1.3.6.1.4.1.311.99.2" "digests = sha256" \
        "ess_cert_id_chain = no" "ess_cert_id_alg = sha256" >"$pki/$1.cnf"
}
tsa_ext=(-addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=critical,timeStamping)
(cd "$pki" && ca_cert ca "/CN=E2E Report CA" && ca_cert other-ca "/CN=E2E Other CA" &&
    signer signer "/O=Contoso/CN=Report Signer" ca -addext keyUsage=critical,digitalSignature \
        -addext extendedKeyUsage=codeSigning &&
    signer web "/O=Contoso/CN=web01.contoso.com" ca \
        -addext keyUsage=critical,keyAgreement,keyEncipherment -addext extendedKeyUsage=serverAuth &&
    signer tsa "/O=Contoso/CN=E2E TSA" ca "${tsa_ext[@]}" &&
    signer rogue-tsa "/O=Elsewhere/CN=Rogue TSA" other-ca "${tsa_ext[@]}" &&
    tsa_conf tsa && tsa_conf rogue-tsa) >/dev/null 2>&1 ||
    { echo "FAIL  making the signing PKI"; e2e_finish; exit 1; }
# stamp TSA DATA OUT: the TSA's response to a query over DATA.
stamp() {
    (cd "$pki" && openssl ts -query -data "$2" -sha256 -cert -out q.tsq &&
        openssl ts -reply -config "$1.cnf" -queryfile q.tsq -out "$3") >/dev/null 2>&1
}

cd "$work" || exit 1
cat >policy.yaml <<'EOF'
enforcer: 1
name: signed-e2e
resources:
  - type: registry
    id: schannel.session-ticket
    key: HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel
    value: EnableSessionTicket
    kind: dword
    data: 1
EOF
snapshot='{"schema": "enforcer-snapshot/1", "facts": {"host.name": "EDGE01"}, "registry": {}, "services": {}, "stores": {}}'
echo "$snapshot" >server.json
w() { winpath "$work/$1"; }
p() { winpath "$pki/$1"; }

echo "== a web server's certificate does not sign"
enforcer apply --target "snapshot:$(w server.json)" --state-dir "$(w state)" --report-dir \
    "$(w reports)" --sign-key "$(p web.key)" --sign-cert "$(p web.pem)" "$(w policy.yaml)" \
    >out.txt 2>err.txt
code=$?
check "apply with web.pem exits 1" test "$code" = 1
check "it names the subject and what is wrong" grep -q "'CN=web01.contoso.com,O=Contoso' is not allowed to sign: its key usage is keyEncipherment, keyAgreement, without digitalSignature; its extended key usage is serverAuth; allowed: codeSigning, emailProtection (--signer-eku)" err.txt
check "the snapshot is unchanged" test "$(cat server.json)" = "$snapshot"
check "no report folder was written" test ! -e reports

echo "== the report signer signs; verify says what it verified"
enforcer apply --target "snapshot:$(w server.json)" --state-dir "$(w state)" --report-dir \
    "$(w reports)" --sign-key "$(p signer.key)" --sign-cert "$(p signer.pem)" "$(w policy.yaml)" \
    >/dev/null 2>err.txt
code=$?
check "apply with signer.pem exits 2 (changed)" test "$code" = 2
enforcer report verify "$(w reports/report.json)" >out.txt 2>&1
code=$?
check "verify without --trusted-signers exits 3" test "$code" = 3
check "it says only integrity was checked" grep -q "only its integrity was checked" out.txt
enforcer report verify --trusted-signers "$(p ca.pem)" "$(w reports/report.json)" >out.txt 2>&1
code=$?
check "verify with the CA exits 0" test "$code" = 0
check "it names the run's host and mode" grep -q "^  run: .*(apply) on EDGE01, started " <(tr -d '\r' <out.txt)

echo "== an RFC 3161 time stamp"
enforcer report timestamp --signature-value "$(w sig.bin)" "$(w reports/report.json)" >/dev/null
check "the signature value is written" test -s sig.bin
cp reports/report.json.p7s plain.p7s
stamp tsa "$work/reports/report.json" other.tsr
enforcer report timestamp --timestamp "$(p other.tsr)" "$(w reports/report.json)" >/dev/null 2>err.txt
code=$?
check "a token over report.json itself is refused (exit 1)" test "$code" = 1
check "and the signature file is unchanged" cmp -s plain.p7s reports/report.json.p7s
stamp tsa "$work/sig.bin" token.tsr
enforcer report timestamp --timestamp "$(p token.tsr)" "$(w reports/report.json)" >/dev/null 2>err.txt
code=$?
check "the TSA's token over the signature value is attached" test "$code" = 0
enforcer report verify --trusted-signers "$(p ca.pem)" "$(w reports/report.json)" >out.txt 2>&1
code=$?
check "verify exits 0" test "$code" = 0
check "the chain was checked at the time-stamp's time" grep -q "checked at the time-stamp's time .* (RFC 3161, by CN=E2E TSA,O=Contoso)" out.txt
cp plain.p7s rogue.p7s
stamp rogue-tsa "$work/sig.bin" rogue.tsr
enforcer report timestamp --signature "$(w rogue.p7s)" --timestamp "$(p rogue.tsr)" \
    "$(w reports/report.json)" >/dev/null 2>&1
enforcer report verify --trusted-signers "$(p ca.pem)" --signature "$(w rogue.p7s)" \
    "$(w reports/report.json)" >out.txt 2>&1
code=$?
check "a token from a TSA of another CA is refused (exit 1)" test "$code" = 1
check "as not from a trusted time-stamping authority" grep -q "its time-stamp token is not from a trusted time-stamping authority" out.txt
e2e_finish
