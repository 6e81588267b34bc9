#!/usr/bin/env bash
# The Wine end-to-end test of the field reports' Edge server (issue 4):
#
#   tests/win32/e2e-seed.sh ENFORCER_EXE TESTSVC_EXE POLICY
#
# In a fresh Wine prefix of its own (copied from scripts/wine-env's template,
# with its own persistent wineserver, removed again at the end), it makes the
# drifted server with scripts/wine-seed-demo and then checks, with `wine reg
# query`, `sc query` and the test services' logs (Wine's sc has no `qc`; a
# service's configuration is read from its registry key):
#   plan exits 2 and lists exactly the seeds' fixes, changing nothing;
#   apply exits 2, makes exactly the planned actions, and the restart handler
#     stops and starts each service once;
#   plan exits 0; a second apply exits 0 and changes nothing;
#   rollback RUN-ID restores the old state exactly, and a second rollback is a no-op;
#   facts and export work there, and the exported policy validates and plans compliant;
#   apply --defer-restarts restarts nothing, restart --pending restarts once, then nothing;
#   a key exported by regedit and turned into a policy by import-reg plans compliant.
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -ne 3 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
exe=$(readlink -f "$1")
testsvc=$(readlink -f "$2")
policy=$(readlink -f "$3")
root=$(cd "$(dirname "$0")/../.." && pwd)

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_init
prefix=$work/prefix

demo_log() { log_count "$prefix/drive_c/enforcer-demo/$1.log" "$2"; }
SCHANNEL='HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel'
RTCSRV_KEY=$(svc_key RTCSRV)

exported_has() { local p; for p in "$@"; do grep -qF -- "$p" "$work/exported.yaml" || return 1; done; }
validates() { enforcer validate "$(winpath "$1")" >/dev/null; }

t0=$EPOCHREALTIME
e2e_prefix "$prefix" || exit 1
"$root/scripts/wine-seed-demo" "$prefix" "$testsvc" 2>"$work/seed.err" ||
    { cat "$work/seed.err"; echo "FAIL  seeding the demo server"; echo "0 passed, 1 failed"; exit 1; }
echo "(prefix and seed in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
schannel_before=$(reg_query "$SCHANNEL")
rtcsrv_before=$(reg_query "$RTCSRV_KEY")
pol=$(winpath "$policy")

echo "== plan"
run plan1 plan "$pol"
check "plan exits 2 (drift)" test "$code" = 2
cat >"$work/expected" <<'EOF'
schannel.session-ticket: create EnableSessionTicket = DWORD 2 (0x2) under HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel
access-edge: change RTCSRV log-on .\svc-lync -> NetworkService, clear password
access-edge: start RTCSRV (stopped)
restart-lync: stop RTCMEDIARELAY
restart-lync: stop RTCSRV
restart-lync: start RTCSRV
restart-lync: start RTCMEDIARELAY
EOF
actions "$work/plan1/report.json" >"$work/plan1.actions"
check "plan lists exactly the seeds' fixes" diff -u "$work/expected" "$work/plan1.actions"
check "plan changed no registry value" test "$(reg_query "$SCHANNEL")" = "$schannel_before"
check "plan changed no service" test "$(reg_query "$RTCSRV_KEY")" = "$rtcsrv_before"
check "plan left RTCSRV stopped" test "$(svc_state RTCSRV)" = STOPPED
check "plan did not create the state folder" test ! -e "$prefix/drive_c/ProgramData/enforcer"

echo "== apply"
run apply1 apply "$pol"
check "apply exits 2 (changed, all compliant)" test "$code" = 2
actions "$work/apply1/report.json" >"$work/apply1.actions"
check "apply made exactly the planned actions, all done" diff -u <(sed 's/$/ [done]/' "$work/plan1.actions") "$work/apply1.actions"
check "EnableSessionTicket is DWORD 2" grep -q 'EnableSessionTicket *REG_DWORD *0x2$' <<<"$(reg_query "$SCHANNEL" /v EnableSessionTicket)"
check "RTCSRV logs on as NetworkService" grep -q 'ObjectName *REG_SZ *NT AUTHORITY\\NetworkService$' <<<"$(reg_query "$RTCSRV_KEY" /v ObjectName)"
check "RTCSRV is running" test "$(svc_state RTCSRV)" = RUNNING
check "RTCMEDIARELAY is running" test "$(svc_state RTCMEDIARELAY)" = RUNNING
# RTCSRV: started by the resource, then stopped and started once by the handler.
check "the handler restarted RTCSRV once (2 starts, 1 stop)" \
    test "$(demo_log rtcsrv start)/$(demo_log rtcsrv stop)" = 2/1
# RTCMEDIARELAY: running since the seed, stopped and started once by the handler.
check "the handler restarted RTCMEDIARELAY once (2 starts, 1 stop)" \
    test "$(demo_log rtcmediarelay start)/$(demo_log rtcmediarelay stop)" = 2/1
run_id=$(report_field "$work/apply1/report.json" '["run"]["id"]')

echo "== plan again"
run plan2 plan "$pol"
check "plan exits 0 (compliant)" test "$code" = 0

echo "== apply again"
logs_before=$(cat "$prefix"/drive_c/enforcer-demo/*.log)
run apply2 apply "$pol"
check "second apply exits 0" test "$code" = 0
check "second apply changed nothing" test "$(report_field "$work/apply2/report.json" '["run"]["changes_made"]')" = 0
check "second apply restarted nothing" test "$(cat "$prefix"/drive_c/enforcer-demo/*.log)" = "$logs_before"

echo "== facts and export on the converged server"
enforcer facts >"$work/facts.out" 2>&1
code=$?
sed 's/^/    /' "$work/facts.out"
check "facts exits 0" test "$code" = 0
check "facts: build 9600, role edge, lync 6.0.9319.0" \
    test "$(tr -d '\r' <"$work/facts.out" | awk '$1 ~ /^(os.build|role|lync.version)$/ { printf "%s ", $2 }')" = "9600 edge 6.0.9319.0 "
enforcer export --store Root --key "$SCHANNEL" --service RTCSRV >"$work/exported.yaml" 2>"$work/export.err"
code=$?
check "export exits 0" test "$code" = 0
check "export wrote the Schannel value, RTCSRV and the Root store" exported_has \
    'id: reg.schannel-enablesessionticket' 'id: svc.rtcsrv' 'logon: "NT AUTHORITY\\NetworkService"' 'store: Root'
check "enforcer validate accepts the export" validates "$work/exported.yaml"
run plan-export plan "$(winpath "$work/exported.yaml")"
check "the export plans compliant on the server it came from" test "$code" = 0

echo "== a policy without certificates"
# crypt32 and bcrypt (and the network DLLs) are delay-loaded (meson.build): a plan
# that reads no certificate store must not load them (under Wine they cost ~8 MiB
# and ~20 ms per run; see docs/benchmarks.md).
cat >"$work/no-certs.yaml" <<'EOF'
enforcer: 1
name: no-certs
resources:
  - {type: registry, id: r, key: 'HKLM\System\CurrentControlSet\Control\SecurityProviders\Schannel', value: EnableSessionTicket, kind: dword, data: 2}
  - {type: service, id: s, name: RTCSRV, logon: NetworkService, password: none, state: running}
EOF
WINEDEBUG=+loaddll "$WINE" "$exe" plan "$(winpath "$work/no-certs.yaml")" </dev/null >"$work/no-certs.out" 2>"$work/no-certs.err"
code=$?
check "the plan without certificates exits 0 (compliant after the apply)" test "$code" = 0
loaded=$(grep -ioE 'loaded l"[^"]*\\(crypt32|bcrypt|rsaenh|winhttp|ws2_32|ole32)\.dll"' "$work/no-certs.err" | sort -u | tr '\n' ' ')
check "it loaded none of crypt32, bcrypt, rsaenh, winhttp, ws2_32, ole32${loaded:+ (loaded: $loaded)}" test -z "$loaded"
check "the loader trace was taken (the check above is not vacuous)" grep -qi 'loaded l"[^"]*advapi32\.dll"' "$work/no-certs.err"

echo "== rollback $run_id"
run rollback1 rollback "$run_id"
check "rollback exits 2 (restored)" test "$code" = 2
check "rollback restored the Schannel key exactly" test "$(reg_query "$SCHANNEL")" = "$schannel_before"
check "rollback restored RTCSRV's configuration exactly" test "$(reg_query "$RTCSRV_KEY")" = "$rtcsrv_before"
check "rollback left RTCSRV stopped, as it was" test "$(svc_state RTCSRV)" = STOPPED
check "rollback left RTCMEDIARELAY running, as it was" test "$(svc_state RTCMEDIARELAY)" = RUNNING
run rollback2 rollback "$run_id"
check "a second rollback exits 0 and changes nothing" test "$code/$(report_field "$work/rollback2/report.json" '["run"]["changes_made"]')" = 0/0

echo "== deferred restarts (issue 17: apply now, restart when the pool can spare the server)"
pending_file="$prefix/drive_c/ProgramData/enforcer/pending/lync-edge-demo.json"
relay_before="$(demo_log rtcmediarelay start)/$(demo_log rtcmediarelay stop)"
run defer1 apply --defer-restarts "$pol"
check "apply --defer-restarts exits 2" test "$code" = 2
check "it says the restart is deferred" grep -q "1 restart(s) deferred: run 'enforcer restart --pending'" "$work/defer1.out"
check "EnableSessionTicket is DWORD 2 again" grep -q 'EnableSessionTicket *REG_DWORD *0x2$' <<<"$(reg_query "$SCHANNEL" /v EnableSessionTicket)"
check "RTCMEDIARELAY was not restarted" test "$(demo_log rtcmediarelay start)/$(demo_log rtcmediarelay stop)" = "$relay_before"
check "the pending record marks restart-lync deferred" grep -q '"deferred"' "$pending_file"
run defer2 restart --pending "$pol"
check "restart --pending exits 2 (restarted)" test "$code" = 2
check "its report is of mode restart, with the handler only" \
    test "$(report_field "$work/defer2/report.json" '["run"]["mode"]')/$(report_field "$work/defer2/report.json" '["resources"][0]["id"]')" = restart/restart-lync
relay_now="$(demo_log rtcmediarelay start)/$(demo_log rtcmediarelay stop)"
check "it restarted RTCMEDIARELAY once (was $relay_before, now $relay_now)" \
    test "$relay_now" = "$(( ${relay_before%/*} + 1 ))/$(( ${relay_before#*/} + 1 ))"
check "RTCSRV and RTCMEDIARELAY are running" test "$(svc_state RTCSRV)/$(svc_state RTCMEDIARELAY)" = RUNNING/RUNNING
check "the pending record is gone" test ! -e "$pending_file"
run defer3 restart --pending "$pol"
check "a second restart --pending exits 0 and restarts nothing" \
    test "$code/$(demo_log rtcmediarelay start)/$(demo_log rtcmediarelay stop)" = "0/$relay_now"

echo "== import-reg of a file regedit exported (issue 18)"
cat >"$work/seed-import.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\Software\EnforcerImport\TLS 1.2\Server]
"Enabled"=dword:00000001
"Note"="say \"hi\" C:\\x"
"Path"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,25,00,00,00
"Pools"=hex(7):66,00,65,00,30,00,31,00,00,00,65,00,64,00,67,00,65,00,00,00,00,00
"Big"=hex(b):01,00,00,00,00,00,00,80
"Blob"=hex:de,ad,be,ef
EOF
# Seeded from UTF-16, as regedit saves: Wine's reg import reads hex(2) and hex(7)
# bytes of a v5 file saved as ANSI or UTF-8 as ANSI text (widening each byte),
# where Windows takes them as the UTF-16 they are (as import-reg does); see
# docs/windows-semantics.md, ".reg files".
{ printf '\xff\xfe'; iconv -f utf-8 -t utf-16le "$work/seed-import.reg"; } >"$work/seed-import16.reg"
reg_import "$work/seed-import16.reg"
"$WINE" regedit /E "$(winpath "$work/exported.reg")" 'HKEY_LOCAL_MACHINE\Software\EnforcerImport' </dev/null >/dev/null 2>&1
check "Wine's regedit exported the key as UTF-16 with a byte-order mark" \
    test "$(head -c 2 "$work/exported.reg" | od -An -tx1 | tr -d ' ')" = fffe
enforcer import-reg --name imported "$(winpath "$work/exported.reg")" >"$work/imported.yaml" 2>"$work/import.err"
code=$?
check "import-reg exits 0$(head -c 300 "$work/import.err" | tr '\n' ' ')" test "$code" = 0
check "it wrote a resource for each of the six values" test "$(grep -c '^  - type: registry' "$work/imported.yaml")" = 6
check "enforcer validate accepts the imported policy" validates "$work/imported.yaml"
run plan-import plan "$(winpath "$work/imported.yaml")"
check "the imported policy plans compliant on the server it came from" test "$code" = 0
"$WINE" reg add 'HKLM\Software\EnforcerImport\TLS 1.2\Server' /v Enabled /t REG_DWORD /d 0 /f </dev/null >/dev/null 2>&1
run plan-import2 plan "$(winpath "$work/imported.yaml")"
check "after a change by hand it plans exactly that value back" \
    test "$code/$(actions "$work/plan-import2/report.json" | tr '\n' '|')" = \
    '2/reg.tls-1-2-server-enabled: set DWORD Enabled 0 -> 1|'

e2e_finish
