#!/usr/bin/env bash
# The Wine end-to-end test of the three baselines in policies/ (issue 8):
#
#   tests/win32/e2e-baselines.sh ENFORCER_EXE TESTSVC_EXE E2EHELPER_EXE POLICIES_DIR [CASE...]
#
# CASE is edge, front-end or tls (default: all three). Each case gets a fresh
# Wine prefix of its own (scripts/wine-env's template, its own persistent
# wineserver, deleted when the case is done), made into the drifted server
# the baseline is for by e2ehelper.exe (services running testsvc.exe,
# certificates), `reg import` (registry) and certificates made here with the
# openssl command; then:
#   plan exits 2 and lists exactly the expected actions, changing nothing;
#   apply exits 2 (skype-tls12: and says REBOOT PENDING), doing exactly them;
#   plan exits 0; a second apply exits 0 with "0 changed" and restarts nothing;
#   the server is as the baseline wants, read with other tools: `reg query`,
#   the services' registry keys and `sc query`, the test services' logs (the
#   Front End restart handler stops and starts each Lync service once), and
#   e2ehelper.exe's own reading of the certificate stores.
#
# Trusted Root. Wine fills Root in every process from the host's
# /etc/ssl/certs (144 roots here) plus 5 built-in Microsoft roots: 149, which
# trips the baselines' `max-certs: 100` (the real Lync/SfB guidance, kept).
# So the whole test re-runs itself in a private mount namespace (`unshare -m`,
# root only) with an empty tmpfs over /etc/ssl/certs: every Wine process of the
# test, wineserver and services included, then sees a Root of the 5 built-in
# roots plus the test's own, as a server would. Without that (not root, or
# E2E_HOST_ROOTS=1), the host's roots stay and the test expects the max-certs
# finding instead: root-hygiene fails with "Root holds N certificates, more
# than max-certs 100" and nothing else fails, so the exit codes become, for
# plan / apply / the runs after: Edge 2 / 6 / 4 (the move is still made, and
# its verification fails), Front End 6 / 6 / 4; skype-tls12 has no Root check.
#
# Wine keeps no service passwords where they can be read back
# (LsaRetrievePrivateData is a stub that answers "not found"), so the seeded
# passwords read as not stored: the drift that shows is the log-on account.
#
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -lt 4 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi

if [[ -z ${E2E_ROOT_STORE:-} ]]; then
    if [[ ${E2E_HOST_ROOTS:-0} != 1 ]] && unshare -m true 2>/dev/null; then
        export E2E_ROOT_STORE=private
        # unshare -m makes the namespace's mounts private: the host never sees the tmpfs.
        exec unshare -m bash -c 'mount -t tmpfs -o size=64k,mode=755 enforcer-e2e /etc/ssl/certs ||
            export E2E_ROOT_STORE=host; exec bash "$0" "$@"' "$0" "$@"
    fi
    export E2E_ROOT_STORE=host
fi

exe=$(readlink -f "$1")
testsvc=$(readlink -f "$2")
helper=$(readlink -f "$3")
policies=$(readlink -f "$4")
shift 4
cases=("$@")
((${#cases[@]})) || cases=(edge front-end tls)

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_init
echo "(Root: $([[ $E2E_ROOT_STORE == private ]] && echo "private, the host's roots hidden" || echo "with the host's roots: the max-certs finding is expected"))"

help() { "$WINE" "$helper" "$@" </dev/null; }
# seed FILE: run e2ehelper's commands in FILE (fields separated by tabs) in one process.
seed() { help -f "$(winpath "$1")"; }
cert_in() { help cert-list "$1" | tr -d '\r' | grep -q "^$2 $3\$"; }
cert_not_in() { ! help cert-list "$1" | tr -d '\r' | grep -q "^$2 "; }
thumb() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }
# value KEY NAME: "TYPE DATA" of one value, as reg query shows it.
value() { reg_query "$1" /v "$2" | awk -v n="$2" '$1 == n { print $2, $3 }'; }
summary() { tr -d '\r' <"$work/$1.out" | grep -E '^(Plan|Apply):'; }
same_logs() { test "$(cat "$WINEPREFIX"/drive_c/e2e/*.log 2>/dev/null)" = "$1"; }
host_roots() { [[ $E2E_ROOT_STORE == host ]]; }
# max_certs_only N: with the host's roots, the converged server's one failure
# is root-hygiene's "Root holds N certificates, more than max-certs 100" (the
# notes after it, duplicates among the host's roots, depend on the host).
max_certs_only() {
    check "the one failure left is root-hygiene's max-certs finding ($1 in Root)" test "$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["resources"]:
    if r["status"] == "failed":
        print(r["id"] + ": " + r["message"].split(";")[0])' "$work/$case_name-plan2/report.json")" = \
        "root-hygiene: Root holds $1 certificates, more than max-certs 100"
}

# case_start NAME: a fresh prefix for the case, testsvc.exe in C:\e2e.
case_start() {
    local t0=$EPOCHREALTIME
    case_name=$1
    prefix=$work/$1-prefix
    echo "== $1"
    e2e_prefix "$prefix" || { check "a fresh Wine prefix for $1" false; return 1; }
    mkdir -p "$prefix/drive_c/e2e"
    cp "$testsvc" "$prefix/drive_c/e2e/testsvc.exe"
    case_t0=$t0
}

case_seeded() {
    echo "   (prefix and seed in $(awk -v a="$case_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
}

case_end() {
    echo "   ($case_name in $(awk -v a="$case_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
    e2e_drop_prefix "$prefix"
}

svc_log() { printf '%s/drive_c/e2e/%s.log' "$prefix" "$(tr '[:upper:]' '[:lower:]' <<<"$1")"; }

# The four runs every case makes; the expectations are the case's.
#   converge POLICY PLAN_CODE APPLY_CODE AFTER_CODE
converge() {
    local pol=$1 plan_code=$2 apply_code=$3 after_code=$4 c=$case_name
    run "$c-plan1" plan "$pol"
    check "plan exits $plan_code" test "$code" = "$plan_code"
    actions "$work/$c-plan1/report.json" >"$work/$c-plan1.actions"
    check "plan lists exactly the expected actions" diff -u "$work/$c.expected" "$work/$c-plan1.actions"
    check "plan did not create the state folder" test ! -e "$prefix/drive_c/ProgramData/enforcer"
    check "plan changed nothing" test "$(state_now)" = "$state_before"

    run "$c-apply1" apply "$pol"
    check "apply exits $apply_code" test "$code" = "$apply_code"
    actions "$work/$c-apply1/report.json" >"$work/$c-apply1.actions"
    check "apply made exactly the planned actions, all done" \
        diff -u <(sed 's/$/ [done]/' "$work/$c-plan1.actions") "$work/$c-apply1.actions"

    run "$c-plan2" plan "$pol"
    check "plan again exits $after_code" test "$code" = "$after_code"

    local logs
    logs=$(cat "$prefix"/drive_c/e2e/*.log 2>/dev/null)
    state_before=$(state_now)
    run "$c-apply2" apply "$pol"
    check "a second apply exits $after_code" test "$code" = "$after_code"
    check "a second apply says 0 changed" grep -q '^Apply: 0 changed, ' <<<"$(summary "$c-apply2")"
    check "a second apply made no change" test "$(report_field "$work/$c-apply2/report.json" '["run"]["changes_made"]')" = 0
    check "a second apply changed nothing on the server" test "$(state_now)" = "$state_before"
    check "a second apply started or stopped no service" same_logs "$logs"
}

# ---------------------------------------------------------------------------
# lync-edge: the Edge server of the field reports. Five Edge services under
# wrong accounts (passwords stored), RTCSRV stopped and manual; Root holds the
# private root and, wrongly, the intermediate; the external Edge certificate
# (server and client authentication, a CAPI private key, a year of validity)
# is in My and chains through that intermediate.
edge_case() {
    case_start edge || return
    local pki=$work/pki pol=$work/edge-policy
    e2e_edge_pki "$pki" >"$work/openssl.log" 2>&1 ||
        { check "openssl made the test PKI" false; cat "$work/openssl.log"; return; }
    # The policy names certs/edge-external.cer beside itself.
    mkdir -p "$pol/certs"
    cp "$policies/lync-edge.yaml" "$pol/"
    cp "$pki/edge.der" "$pol/certs/edge-external.cer"
    root_t=$(thumb "$pki/root.pem") inter_t=$(thumb "$pki/inter.pem") edge_t=$(thumb "$pki/edge.pem")
    e2e_edge_seed "$pki" >"$work/edge.seed"
    seed "$work/edge.seed" || { check "seeding the Edge server" false; return; }
    case_seeded
    local root_count
    root_count=$(help cert-list Root | grep -c .)

    state_now() {
        local s
        for s in RTCSRV REPLICA RTCDATAPROXY RTCMRAUTH RTCMEDIARELAY; do reg_query "$(svc_key "$s")"; done
        svc_state RTCSRV
        help cert-list Root
        help cert-list CA
        help cert-list My
    }
    state_before=$(state_now)

    cat >"$work/edge.expected" <<EOF
access-edge: change RTCSRV log-on .\\svc-lync -> NT AUTHORITY\\NetworkService, clear password, set RTCSRV start mode manual -> automatic
access-edge: start RTCSRV (stopped)
replica: change REPLICA log-on LocalSystem -> NT AUTHORITY\\NetworkService, clear password
replica: restart REPLICA: a log-on change takes effect at start
web-conferencing-edge: change RTCDATAPROXY log-on .\\svc-lync -> NT AUTHORITY\\NetworkService, clear password
web-conferencing-edge: restart RTCDATAPROXY: a log-on change takes effect at start
av-authentication: change RTCMRAUTH log-on NT AUTHORITY\\LocalService -> NT AUTHORITY\\NetworkService, clear password
av-authentication: restart RTCMRAUTH: a log-on change takes effect at start
av-edge: change RTCMEDIARELAY log-on CONTOSO\\svc-edge -> NT AUTHORITY\\NetworkService, clear password
av-edge: restart RTCMEDIARELAY: a log-on change takes effect at start
root-hygiene: move 'E2E Issuing CA' ($inter_t) Root -> CA
EOF
    if host_roots; then
        converge "$(winpath "$pol/lync-edge.yaml")" 2 6 4
        max_certs_only "$((root_count - 1))"
    else
        converge "$(winpath "$pol/lync-edge.yaml")" 2 2 0
    fi

    echo "   the server afterwards"
    local s ok=1
    for s in RTCSRV REPLICA RTCDATAPROXY RTCMRAUTH RTCMEDIARELAY; do
        grep -q 'ObjectName *REG_SZ *NT AUTHORITY\\NetworkService$' <<<"$(reg_query "$(svc_key "$s")" /v ObjectName)" || ok=0
    done
    check "the five Edge services log on as NT AUTHORITY\\NetworkService" test $ok = 1
    check "RTCSRV starts automatically" test "$(value "$(svc_key RTCSRV)" Start)" = "REG_DWORD 0x2"
    check "RTCSRV is running, started once" test "$(svc_state RTCSRV)/$(log_count "$(svc_log RTCSRV)" start)" = RUNNING/1
    # They were running: each log-on change takes effect at start, so each
    # is restarted once, by its own resource (ChangeServiceConfig's remarks).
    ok=1
    for s in REPLICA RTCDATAPROXY RTCMRAUTH RTCMEDIARELAY; do
        [[ $(svc_state $s)/$(log_count "$(svc_log $s)" start)/$(log_count "$(svc_log $s)" stop) == RUNNING/2/1 ]] || ok=0
    done
    check "the other Edge services were restarted once each, so that the log-on takes effect (2 starts, 1 stop)" test $ok = 1
    check "the intermediate left Root" cert_not_in Root "$inter_t"
    check "the intermediate is in CA" cert_in CA "$inter_t" nokey
    check "the private root stayed in Root" cert_in Root "$root_t" nokey
    check "the Edge certificate is in My with its private key" cert_in My "$edge_t" key
    check "edge-external-cert: compliant, its four require checks passed" test "$(python3 -c '
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["resources"] if r["id"] == "edge-external-cert"][0]
print(r["status"], " ".join(c["check"] for c in r["before"]["checks"] if c["ok"]))' "$work/edge-apply2/report.json")" = \
        "compliant chain warn-days eku private-key"
    check "edge-external-cert: the chain is trusted, leaf -> intermediate -> private root" grep -q \
        "trusted: 'sip.contoso.test' -> 'E2E Issuing CA' -> 'E2E Private Root CA'" "$work/edge-apply2/report.json"
    check "enforcer cert inspect --store CA shows the intermediate" grep -qi "$inter_t" \
        <(enforcer cert inspect --store CA | tr -d ' :')
    # The serial as an event log shows it (byte-reversed), and as some readers
    # mistyped it (character-reversed): both find the Edge certificate in My.
    local serial byte_rev char_rev
    serial=$(openssl x509 -in "$pki/edge.pem" -noout -serial | sed 's/.*=//')
    byte_rev=$(sed 's/../& /g' <<<"$serial" | tr ' ' '\n' | grep . | tac | tr -d '\n')
    char_rev=$(rev <<<"$serial")
    check "find-serial finds the Edge certificate from its byte-reversed serial" grep -qF \
        "found in LocalMachine\\My: 'sip.contoso.test' ($edge_t)" <(enforcer cert find-serial "$byte_rev" | tr -d '\r')
    check "find-serial finds the Edge certificate from its character-reversed serial" grep -qF \
        "found in LocalMachine\\My: 'sip.contoso.test' ($edge_t)" <(enforcer cert find-serial "$char_rev" | tr -d '\r')
    case_end
}

# ---------------------------------------------------------------------------
# lync-front-end: a Lync 2013 Front End on Windows Server 2012 R2 (6.3, build
# 9600) whose Schannel key lacks EnableSessionTicket, holds ClientAuthTrustMode
# as a string and SendTrustedIssuerList = 1; every service of the restart
# list exists and runs.
fe_services=(REPLICA RTCCLSAGT RTCSRV RTCDATAMCU RTCAVMCU RTCASMCU RTCIMMCU RTCCAA RTCCAS RTCRGS RTCCPS RTCATS RTCMEDSRV)
front_end_case() {
    case_start front-end || return
    local schannel='HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel' s
    cat >"$work/fe.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion]
"CurrentVersion"="6.3"
"CurrentBuildNumber"="9600"
"ProductName"="Windows Server 2012 R2 Datacenter"

[HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\Schannel]
"EnableSessionTicket"=-
"ClientAuthTrustMode"="2"
"SendTrustedIssuerList"=dword:00000001
EOF
    reg_import "$work/fe.reg" ||
        { check "seeding the Front End registry" false; return; }
    {
        for s in "${fe_services[@]}"; do
            if [[ $s == RTCSRV ]]; then
                e2e_svc RTCSRV auto 'NT AUTHORITY\NetworkService' - 'Lync Server Front-End' 'Lync Server Front-End: SIP registrar, proxy and presence'
            else
                e2e_svc "$s" auto 'NT AUTHORITY\NetworkService' - "Lync Server $s" "Lync Server $s"
            fi
        done
        printf 'svc-start'
        printf '\t%s' "${fe_services[@]}"
        printf '\n'
    } >"$work/fe.seed"
    seed "$work/fe.seed" || { check "seeding the Front End services" false; return; }
    case_seeded
    local root_count
    root_count=$(help cert-list Root | grep -c .)
    state_now() { reg_tree "$schannel"; }
    state_before=$(state_now)
    check "facts: os.build 9600, role front-end" test "$(enforcer facts | tr -d '\r' |
        awk '$1 ~ /^(os.build|role)$/ { printf "%s ", $2 }')" = "9600 front-end "

    {
        echo "schannel.session-ticket: create EnableSessionTicket = DWORD 2 (0x2) under $schannel"
        echo "schannel.client-auth-trust-mode: set ClientAuthTrustMode SZ \"2\" -> DWORD 2 (0x2)"
        echo "schannel.send-trusted-issuer-list: set DWORD SendTrustedIssuerList 1 -> 0"
        for ((i = ${#fe_services[@]} - 1; i >= 0; i--)); do echo "restart-lync: stop ${fe_services[i]}"; done
        for s in "${fe_services[@]}"; do echo "restart-lync: start $s"; done
    } >"$work/front-end.expected"
    if host_roots; then
        converge "$(winpath "$policies/lync-front-end.yaml")" 6 6 4
        max_certs_only "$root_count"
    else
        converge "$(winpath "$policies/lync-front-end.yaml")" 2 2 0
    fi

    echo "   the server afterwards"
    check "EnableSessionTicket is DWORD 2" test "$(value "$schannel" EnableSessionTicket)" = "REG_DWORD 0x2"
    check "ClientAuthTrustMode is DWORD 2 (was a string)" test "$(value "$schannel" ClientAuthTrustMode)" = "REG_DWORD 0x2"
    check "SendTrustedIssuerList is DWORD 0" test "$(value "$schannel" SendTrustedIssuerList)" = "REG_DWORD 0x0"
    local ok=1 bad=
    for s in "${fe_services[@]}"; do
        if [[ $(svc_state "$s")/$(log_count "$(svc_log "$s")" start)/$(log_count "$(svc_log "$s")" stop) != RUNNING/2/1 ]]; then
            ok=0 bad+=" $s"
        fi
    done
    check "the handler restarted each of the thirteen services once (2 starts, 1 stop), all running${bad:+ (not:$bad)}" test $ok = 1
    case_end
}

# ---------------------------------------------------------------------------
# skype-tls12: a Skype for Business Server 2015 CU9 server (its Core
# Components in the uninstall list: lync.version 6.0.9319.548) on Windows
# Server 2016 (build 14393), which the baseline's `when:` needs; TLS 1.0
# enabled for the server, TLS 1.0 client and TLS 1.1 not configured at all,
# TLS 1.2 server already right, TLS 1.2 client Enabled stored as a string;
# .NET 4 strong crypto off in the 64-bit view, nothing in the 32-bit view or
# for .NET 2; WinHTTP allowing TLS 1.1 and 1.2 only (0xA00); no other
# Schannel protocol, cipher, hash, key exchange, renegotiation or cipher
# suite order value. TLS 1.3 is skipped (a 2016 server has none).
tls_keys=(
    'HKLM\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols'
    'HKLM\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers'
    'HKLM\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Hashes'
    'HKLM\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\KeyExchangeAlgorithms'
    'HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002'
    'HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319'
    'HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319'
    'HKLM\SOFTWARE\Microsoft\.NETFramework\v2.0.50727'
    'HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v2.0.50727'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp'
    'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp'
)
tls_case() {
    case_start tls || return
    local proto='HKLM\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols'
    cat >"$work/tls.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion]
"CurrentVersion"="6.3"
"CurrentBuildNumber"="14393"
"ProductName"="Windows Server 2016 Datacenter"

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{E2E00000-0000-0000-0000-000000009319}]
"DisplayName"="Skype for Business Server 2015, Core Components"
"DisplayVersion"="6.0.9319.548"

[-HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols]

[-HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers]

[-HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Hashes]

[-HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\KeyExchangeAlgorithms]

[-HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002]

[HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL]
"AllowInsecureRenegoClients"=-
"AllowInsecureRenegoServers"=-

[HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server]
"Enabled"=dword:00000001
"DisabledByDefault"=dword:00000000

[HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server]
"Enabled"=dword:00000001
"DisabledByDefault"=dword:00000000

[HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client]
"Enabled"="1"
"DisabledByDefault"=dword:00000000

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework\v4.0.30319]
"SchUseStrongCrypto"=dword:00000000
"SystemDefaultTlsVersions"=-

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319]
"SchUseStrongCrypto"=-
"SystemDefaultTlsVersions"=-

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp]
"DefaultSecureProtocols"=dword:00000a00

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp]
"DefaultSecureProtocols"=-
EOF
    reg_import "$work/tls.reg" ||
        { check "seeding the TLS registry" false; return; }
    case_seeded
    local sch='HKLM\System\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
    state_now() {
        local k
        for k in "${tls_keys[@]}"; do reg_tree "$k"; done
        for k in AllowInsecureRenegoClients AllowInsecureRenegoServers; do
            printf '%s\\%s=%s\n' "$sch" "$k" "$(value "$sch" "$k")"
        done
    }
    state_before=$(state_now)
    check "facts: lync.version 6.0.9319.548, os.build 14393" test "$(enforcer facts | tr -d '\r' |
        awk '$1 ~ /^(os.build|lync.version)$/ { printf "%s ", $2 }')" = "14393 6.0.9319.548 "

    # Microsoft's TLSDisable.reg beyond TLS 1.0/1.1, none of it there yet:
    # "ID|KEY UNDER SCHANNEL|VALUE|DATA" in the policy's order.
    local suites='TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384_P384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_P256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384_P384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256_P256,TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384_P384,TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256_P256,TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P256,TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_256_CBC_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA256'
    local off='DWORD 0 (0x0)' on='DWORD 4294967295 (0xffffffff)' one='DWORD 1 (0x1)' more p side c
    more=$(
        for p in 'ssl20 SSL 2.0' 'ssl30 SSL 3.0' 'pct10 PCT 1.0' 'mpuh Multi-Protocol Unified Hello'; do
            for side in Server Client; do
                printf '%s-%s-enabled|Protocols\\%s\\%s|Enabled|%s\n' "${p%% *}" "${side,,}" "${p#* }" "$side" "$off"
                printf '%s-%s-disabled-by-default|Protocols\\%s\\%s|DisabledByDefault|%s\n' "${p%% *}" "${side,,}" "${p#* }" "$side" "$one"
            done
        done
        for c in 'null NULL' 'des-56 DES 56/56' '3des-168 Triple DES 168' 'rc2-40 RC2 40/128' 'rc2-56 RC2 56/56' \
            'rc2-56-128 RC2 56/128' 'rc2-128 RC2 128/128' 'rc4-40 RC4 40/128' 'rc4-56 RC4 56/128' 'rc4-64 RC4 64/128' \
            'rc4-128 RC4 128/128'; do
            printf 'cipher-%s|Ciphers\\%s|Enabled|%s\n' "${c%% *}" "${c#* }" "$off"
        done
        printf 'cipher-aes-%s|Ciphers\\AES %s/%s|Enabled|%s\n' 128 128 128 "$on" 256 256 256 "$on"
        printf 'hash-md5|Hashes\\MD5|Enabled|%s\n' "$off"
        printf 'hash-%s|Hashes\\%s|Enabled|%s\n' sha SHA "$on" sha256 SHA256 "$on" sha384 SHA384 "$on" sha512 SHA512 "$on"
        printf 'kex-%s|KeyExchangeAlgorithms\\%s|Enabled|%s\n' dh Diffie-Hellman "$on" ecdh ECDH "$on" pkcs PKCS "$on"
    )

    {
        cat <<EOF
tls10-server-enabled: set DWORD Enabled 1 -> 0
tls10-server-disabled-by-default: set DWORD DisabledByDefault 0 -> 1
tls10-client-enabled: create Enabled = DWORD 0 (0x0) under $proto\\TLS 1.0\\Client
tls10-client-disabled-by-default: create DisabledByDefault = DWORD 1 (0x1) under $proto\\TLS 1.0\\Client
tls11-server-enabled: create Enabled = DWORD 0 (0x0) under $proto\\TLS 1.1\\Server
tls11-server-disabled-by-default: create DisabledByDefault = DWORD 1 (0x1) under $proto\\TLS 1.1\\Server
tls11-client-enabled: create Enabled = DWORD 0 (0x0) under $proto\\TLS 1.1\\Client
tls11-client-disabled-by-default: create DisabledByDefault = DWORD 1 (0x1) under $proto\\TLS 1.1\\Client
tls12-client-enabled: set Enabled SZ "1" -> DWORD 1 (0x1)
net4-strong-crypto: set DWORD SchUseStrongCrypto 0 -> 1
net4-system-default-tls: create SystemDefaultTlsVersions = DWORD 1 (0x1) under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319
net4-wow-strong-crypto: create SchUseStrongCrypto = DWORD 1 (0x1) under HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319
net4-wow-system-default-tls: create SystemDefaultTlsVersions = DWORD 1 (0x1) under HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319
net2-strong-crypto: create SchUseStrongCrypto = DWORD 1 (0x1) under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727
net2-system-default-tls: create SystemDefaultTlsVersions = DWORD 1 (0x1) under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727
net2-wow-strong-crypto: create SchUseStrongCrypto = DWORD 1 (0x1) under HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v2.0.50727
net2-wow-system-default-tls: create SystemDefaultTlsVersions = DWORD 1 (0x1) under HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v2.0.50727
winhttp-default-protocols: set DWORD DefaultSecureProtocols 2560 -> 2720
winhttp-wow-default-protocols: create DefaultSecureProtocols = DWORD 2720 (0xaa0) under HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp
EOF
        while IFS='|' read -r id key name data; do
            echo "$id: create $name = $data under $sch\\$key"
        done <<<"$more"
        echo "renego-insecure-clients: create AllowInsecureRenegoClients = $off under $sch"
        echo "renego-insecure-servers: create AllowInsecureRenegoServers = $off under $sch"
        echo "cipher-suite-order: create Functions = SZ \"$suites\" under HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002"
        echo "reboot: reboot pending"
    } >"$work/tls.expected"
    converge "$(winpath "$policies/skype-tls12.yaml")" 2 2 0
    check "apply says REBOOT PENDING" grep -q 'exit 2; REBOOT PENDING$' <<<"$(summary tls-apply1)"
    check "the second apply has no reboot pending" test "$(report_field "$work/tls-apply2/report.json" '["run"]["reboot_pending"]')" = False

    echo "   the server afterwards"
    local want=$work/tls.want
    {
        for v in 'TLS 1.0' 'TLS 1.1'; do
            for side in Client Server; do
                echo "$proto\\$v\\$side\\DisabledByDefault=REG_DWORD 0x1"
                echo "$proto\\$v\\$side\\Enabled=REG_DWORD 0x0"
            done
        done
        for side in Client Server; do
            echo "$proto\\TLS 1.2\\$side\\DisabledByDefault=REG_DWORD 0x0"
            echo "$proto\\TLS 1.2\\$side\\Enabled=REG_DWORD 0x1"
        done
        for k in "${tls_keys[@]:5:4}"; do
            echo "$k\\SchUseStrongCrypto=REG_DWORD 0x1"
            echo "$k\\SystemDefaultTlsVersions=REG_DWORD 0x1"
        done
        for k in "${tls_keys[@]:9:2}"; do echo "$k\\DefaultSecureProtocols=REG_DWORD 0xaa0"; done
        while IFS='|' read -r id key name data; do
            data=${data#* (}
            echo "$sch\\$key\\$name=REG_DWORD ${data%)}"
        done <<<"$more"
        echo "$sch\\AllowInsecureRenegoClients=REG_DWORD 0x0"
        echo "$sch\\AllowInsecureRenegoServers=REG_DWORD 0x0"
        echo "HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002\\Functions=REG_SZ $suites"
    } | sort >"$want"
    state_now | grep -E '\\(Enabled|DisabledByDefault|SchUseStrongCrypto|SystemDefaultTlsVersions|DefaultSecureProtocols|AllowInsecureRenego(Clients|Servers)|Functions)=' |
        sort >"$work/tls.have"
    check "all 62 values are as the baseline says, read with reg query" diff -u "$want" "$work/tls.have"
    case_end
}

t0=$EPOCHREALTIME
for c in "${cases[@]}"; do
    case $c in
        edge) edge_case ;;
        front-end) front_end_case ;;
        tls) tls_case ;;
        *) check "known case '$c'" false ;;
    esac
done
echo "(all cases in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
e2e_finish
