#!/usr/bin/env bash
# The Wine end-to-end test of `enforcer export` without a selection and of the
# release facts (issue 16):
#
#   tests/win32/e2e-export.sh ENFORCER_EXE TESTSVC_EXE E2EHELPER_EXE
#
# In a Wine prefix of its own (scripts/wine-env's template, its own persistent
# wineserver), made into an Edge Server of Skype for Business Server 2019 on
# Windows Server 2019: five Edge services running testsvc.exe (one under a
# user account with a password, four under built-in accounts), Schannel and
# .NET TLS values (`reg import`), a private root in Root and its intermediate
# in CA, the Edge certificate in My, the build number 17763 and an installed
# "Skype for Business Server 2019, Core Components" 7.0.2046.404. Then:
#   facts shows lync.version with its product's name and lync.product sfb-2019;
#     os.product is absent while Wine says it is a workstation (its default,
#     Windows 10), and windows-server-2019 once Wine says it is a server
#     (winecfg's Windows Server 2008 R2, whose product type is a server) with
#     the build number 17763 written back;
#   export (no selection) exits 0 and never carries the password;
#   validate accepts it;
#   plan of it exits 0 with "0 to change, 0 failed" and no action, and the
#   server (services' keys, the values, the stores) is as it was;
#   with the intermediate also in Root, a new export says misplaced: report,
#   and its plan changes nothing and reports it (exit 4).
#
# Trusted Root: as in e2e-baselines.sh, the test re-runs itself in a private
# mount namespace with an empty tmpfs over /etc/ssl/certs when it can (root),
# so that Root holds Wine's 5 built-in roots and the test's own. Otherwise the
# host's roots stay: the round trip must still change nothing, and the plan
# exits 0, or 4 if a host root is not self-signed (reported, not moved).
#
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -lt 3 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_private_roots "$0" "$@"

exe=$(readlink -f "$1")
testsvc=$(readlink -f "$2")
helper=$(readlink -f "$3")
e2e_init
echo "(Root: $([[ $E2E_ROOT_STORE == private ]] && echo "private, the host's roots hidden" || echo "with the host's roots"))"

help() { "$WINE" "$helper" "$@" </dev/null; }
seed() { help -f "$(winpath "$1")"; }
summary() { tr -d '\r' <"$work/$1.out" | grep -E '^(Plan|Apply):'; }
facts_line() { enforcer facts | tr -d '\r' | grep "^$1 "; }

prefix=$work/export-prefix
e2e_prefix "$prefix" || { check "a fresh Wine prefix" false; e2e_finish; exit; }
mkdir -p "$prefix/drive_c/e2e"
cp "$testsvc" "$prefix/drive_c/e2e/testsvc.exe"

pki=$work/pki
e2e_edge_pki "$pki" >"$work/openssl.log" 2>&1 ||
    { check "openssl made the test PKI" false; cat "$work/openssl.log"; e2e_finish; exit; }
{
    printf 'cert-add\tRoot\t%s\n' "$(winpath "$pki/root.der")"
    printf 'cert-add\tCA\t%s\n' "$(winpath "$pki/inter.der")"
    printf 'cert-add-key\tMy\t%s\t%s\tE2E-EDGE-EXTERNAL\n' "$(winpath "$pki/edge.der")" "$(winpath "$pki/edge.blob")"
    e2e_svc RTCSRV auto '.\svc-lync' 'Dem0-Passw0rd!' 'Skype for Business Server Access Edge' \
        'Skype for Business Server Access Edge: SIP traffic to and from federated partners and remote users'
    e2e_svc REPLICA auto 'NT AUTHORITY\NetworkService' - 'Skype for Business Server Replica Replicator Agent' 'Replicates the topology'
    e2e_svc RTCDATAPROXY demand 'NT AUTHORITY\NetworkService' - 'Skype for Business Server Web Conferencing Edge' 'Web Conferencing Edge'
    e2e_svc RTCMRAUTH auto 'NT AUTHORITY\NetworkService' - 'Skype for Business Server Audio/Video Authentication' 'A/V Authentication'
    e2e_svc RTCMEDIARELAY auto 'NT AUTHORITY\NetworkService' - 'Skype for Business Server Audio/Video Edge' 'Audio/Video Edge'
    printf 'svc-start\tRTCSRV\tREPLICA\tRTCMRAUTH\tRTCMEDIARELAY\n'
} >"$work/export.seed"
check "seeding the Edge server" seed "$work/export.seed"

schannel='HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
uninstall='HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
cat >"$work/server.reg" <<EOF
Windows Registry Editor Version 5.00

[$schannel]
"EnableSessionTicket"=dword:00000002

[$schannel\\Protocols\\TLS 1.0\\Server]
"Enabled"=dword:00000000
"DisabledByDefault"=dword:00000001

[$schannel\\Protocols\\TLS 1.2\\Client]
"Enabled"=dword:00000001
"DisabledByDefault"=dword:00000000

[$schannel\\Ciphers\\RC4 128/128]
"Enabled"=dword:00000000

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]
"SchUseStrongCrypto"=dword:00000001
"SystemDefaultTlsVersions"=dword:00000001

[$uninstall\\{A593FD00-64F1-4288-A6F4-E699ED9DCA35}]
"DisplayName"="Skype for Business Server 2019, Core Components"
"DisplayVersion"="7.0.2046.404"
EOF
build_reg() {
    printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n"CurrentBuildNumber"="17763"\n' >"$work/build.reg"
    reg_import "$work/build.reg"
}
check "importing the server's registry values" reg_import "$work/server.reg"
check "setting the build number 17763" build_reg

echo "== facts"
check "lync.version shows its product's name" \
    test "$(facts_line lync.version)" = "lync.version  7.0.2046.404 (Skype for Business Server 2019)"
check "lync.product is sfb-2019" test "$(facts_line lync.product)" = "lync.product  sfb-2019"
check "role is edge (from RtcSrv's description)" test "$(facts_line role)" = "role          edge"
check "os.product is absent while Wine is a workstation" \
    test "$(facts_line os.product)" = "os.product    (absent)"
check "os.build has no product name beside it then" test "$(facts_line os.build)" = "os.build      17763"
# winecfg's server version sets the kernel's product type to a server, and the
# build number with it: write 17763 back.
"$WINE" winecfg -v win2008r2 </dev/null >/dev/null 2>&1
check "setting the build number 17763 again" build_reg
check "os.product is windows-server-2019 on a server with build 17763" \
    test "$(facts_line os.product)" = "os.product    windows-server-2019"
check "os.build shows Windows Server 2019 beside it" \
    test "$(facts_line os.build)" = "os.build      17763 (Windows Server 2019)"

echo "== export, validate, plan"
state_now() {
    local s
    for s in RTCSRV REPLICA RTCDATAPROXY RTCMRAUTH RTCMEDIARELAY; do reg_query "$(svc_key "$s")"; done
    for s in RTCSRV REPLICA RTCDATAPROXY RTCMRAUTH RTCMEDIARELAY; do svc_state "$s"; done
    reg_tree "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"
    reg_tree "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319"
    help cert-list Root
    help cert-list CA
    help cert-list My
}
state_before=$(state_now)
# The file as an admin's redirection writes it (CRLF from the C runtime): validate and
# plan read that; the checks read it without the CRs.
enforcer export >"$work/exported.yaml" 2>"$work/export.err"
check "export exits 0" test $? = 0
check "export wrote nothing on stderr" test ! -s "$work/export.err"
tr -d '\r' <"$work/exported.yaml" >"$work/exported.txt"
has() { grep -qxF "$1" "$work/${2:-exported}.txt"; }
# holds TEXT FILE: FILE holds TEXT, which may span lines.
holds() {
    local t
    t=$(<"$2")
    [[ $t == *"$1"* ]]
}
check "the export never carries the password" bash -c '! grep -q "Dem0-Passw0rd" "$1"' _ "$work/exported.txt"
check "the export is for Edge Servers" has '  role: "edge"'
check "RTCSRV's user account refers to a variable for its password" \
    has '    password: "env:ENFORCER_PASSWORD_RTCSRV"'
for s in RTCSRV REPLICA RTCDATAPROXY RTCMRAUTH RTCMEDIARELAY; do
    check "the export holds service $s" has "    name: \"$s\""
done
check "RTCDATAPROXY is manual and stopped" \
    holds $'    name: "RTCDATAPROXY"\n    logon: "NT AUTHORITY\\\\NetworkService"\n    password: none\n    startup: manual\n    state: stopped\n' "$work/exported.txt"
check "the export holds TLS 1.0 Server's Enabled = 0" \
    holds $'    id: reg.tls-1-0-server-enabled\n    key: "HKLM\\\\System\\\\CurrentControlSet\\\\Control\\\\SecurityProviders\\\\SCHANNEL\\\\Protocols\\\\TLS 1.0\\\\Server"\n    value: "Enabled"\n    kind: dword\n    data: 0\n' "$work/exported.txt"
check "the export holds .NET's SystemDefaultTlsVersions" \
    has '    id: reg.netframework-v4-0-30319-systemdefaulttlsversions'
root_t=$(openssl x509 -in "$pki/root.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
inter_t=$(openssl x509 -in "$pki/inter.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
check "Root allows the private root" has "      - \"$root_t\""
check "CA allows the intermediate" has "      - \"$inter_t\""

enforcer validate "$(winpath "$work/exported.yaml")" >"$work/validate.out" 2>&1
check "validate accepts the export" test $? = 0

# The first hour's draft: every backslash trap in one run, then a missing file named by
# the full Windows path to look for (backslashes) and the policy's folder.
mkdir -p "$work/draft"
cat >"$work/draft/edge.yaml" <<'EOP'
enforcer: 1
name: draft
resources:
  - {type: certificate, id: root, store: Root, file: certs/contoso-root.cer}
  - {type: service, id: edge, name: RTCSRV, logon: "NT AUTHORITY\NetworkService", password: none}
  - {type: registry, id: t, key: "HKLM\System\Contoso", value: v, kind: sz, data: "C:\temp"}
EOP
# stdout and stderr apart: under Wine their order in one pipe is not the order written.
validate_draft() {
    enforcer validate "$(winpath "$work/draft/edge.yaml")" 2>"$work/draft.err" | tr -d '\r' >"$work/draft.out"
    tr -d '\r' <"$work/draft.err" >"$work/draft.txt"
}
validate_draft
draft=$(winpath "$work/draft")
q="in double quotes a backslash starts a YAML escape"
s="write the value in single quotes, where a backslash is just a backslash"
check "validate says the draft is not valid" test "$(cat "$work/draft.out")" = "0 of 1 policy valid"
check "validate reports the three backslash traps at once" test "$(cat "$work/draft.txt")" = \
    "$draft\\edge.yaml:5:52: 'logon': $q: \"\\N\" became a NEL line break (U+0085), not a backslash and 'N'; $s: 'NT AUTHORITY\\NetworkService'
$draft\\edge.yaml:6:34: 'key': $q: \"\\S\" is not an escape YAML knows; $s: 'HKLM\\System\\Contoso'
$draft\\edge.yaml:6:83: 'data': $q: \"\\t\" became a tab (U+0009), not a backslash and 't'; $s: 'C:\\temp'"
sed -i "s/\"NT AUTHORITY\\\\NetworkService\"/'NT AUTHORITY\\\\NetworkService'/; s/\"HKLM\\\\System\\\\Contoso\"/'HKLM\\\\System\\\\Contoso'/; s/\"C:\\\\temp\"/'C:\\\\temp'/" "$work/draft/edge.yaml"
validate_draft
check "validate names a missing file by its full Windows path and the policy's folder" \
    test "$(cat "$work/draft.txt")" = "$draft\\edge.yaml:4:5: '$draft\\certs\\contoso-root.cer' does not exist (file: certs/contoso-root.cer, relative to the policy's folder $draft)"
run plan plan "$(winpath "$work/exported.yaml")"
if [[ $E2E_ROOT_STORE == private ]]; then
    check "plan of the export exits 0" test "$code" = 0
    check "plan says 0 to change, 0 failed" grep -q '^Plan: 0 to change, 0 failed, ' <<<"$(summary plan)"
else
    check "plan of the export exits 0 or 4 (a host root that is not self-signed)" \
        test "$code" = 0 -o "$code" = 4
    check "plan says 0 to change" grep -q '^Plan: 0 to change, ' <<<"$(summary plan)"
fi
check "plan lists no action" test -z "$(actions "$work/plan/report.json")"
check "the server is as it was" test "$(state_now)" = "$state_before"

echo "== an intermediate in Root"
check "adding the intermediate to Root" help cert-add Root "$(winpath "$pki/inter.der")"
enforcer export >"$work/exported2.yaml" 2>"$work/export2.err"
check "export exits 0" test $? = 0
tr -d '\r' <"$work/exported2.yaml" >"$work/exported2.txt"
check "Root's trust store says misplaced: report for the intermediate, named in its comment" \
    holds $'    store: Root\n    # Root holds 1 certificate that is not self-signed (an intermediate belongs in CA): \'E2E Issuing CA\'. misplaced: report keeps this policy from changing the server, and its plan names them; write move (the default) to move them to CA.\n    misplaced: report\n' "$work/exported2.txt"
state_before=$(state_now)
run plan2 plan "$(winpath "$work/exported2.yaml")"
check "plan of it exits 4 (reported, not moved)" test "$code" = 4
check "plan says 0 to change" grep -q '^Plan: 0 to change, ' <<<"$(summary plan2)"
check "plan names the intermediate" \
    grep -q "failed      trust.root: 'E2E Issuing CA' ($inter_t) is in Root but it is not self-signed (an intermediate)" \
    <(tr -d '\r' <"$work/plan2.out")
check "plan lists no action" test -z "$(actions "$work/plan2/report.json")"
check "the server is as it was" test "$(state_now)" = "$state_before"

e2e_finish
