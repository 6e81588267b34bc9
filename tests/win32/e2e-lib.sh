# e2e-lib.sh: what the Wine end-to-end tests (tests/win32/e2e-*.sh) share.
# Sourced by bash, never run. The sourcing script sets `exe` (enforcer.exe,
# absolute) first, then calls:
#
#   e2e_private_roots SCRIPT ARGS...
#                             as root, re-runs SCRIPT with ARGS in a private mount namespace
#                             with an empty tmpfs over /etc/ssl/certs (Wine's Root then holds
#                             its 5 built-in roots and the test's own, not the host's), and
#                             sets E2E_ROOT_STORE=private; otherwise (not root, or
#                             E2E_HOST_ROOTS=1) returns with E2E_ROOT_STORE=host
#   e2e_init                  a work folder ($work, removed at exit with every
#                             prefix made by e2e_prefix), the check counters
#   e2e_prefix DIR            a fresh Wine prefix at DIR copied from scripts/wine-env's
#                             template, with its own persistent wineserver;
#                             exports WINEPREFIX=DIR (the current prefix)
#   e2e_drop_prefix DIR       stop its wineserver and delete it (a case that is done)
#   check DESCRIPTION CMD...  one check: "ok" or "FAIL" and the counters
#   e2e_finish                "N passed, N failed" (the line the runners read); its status
#
# and, on the current prefix:
#   winpath PATH              the Windows path (Z:\...) of a Linux path
#   reg_import FILE           `reg import` of a .reg file; what reg said only when it fails
#   enforcer ARGS...          enforcer.exe under Wine
#   run NAME ARGS...          enforcer with --report-dir $work/NAME; sets $code, keeps
#                             $work/NAME.out and .err, and shows stdout indented
#   actions REPORT            the report's actions as "id: text [done]" lines
#   report_field REPORT EXPR  one field of a report, e.g. '["run"]["changes_made"]'
#   reg_query ARGS...         `reg query` (no CRs, errors dropped)
#   reg_tree KEY              every value under KEY, recursively, as "KEY\NAME=TYPE DATA"
#   svc_key NAME              the service's registry key, where the SCM keeps its settings
#                             (Wine's sc has no `qc`)
#   svc_state NAME            RUNNING, STOPPED, ... from `sc query`
#   log_count FILE WORD       lines of FILE (a test service's log) starting with WORD
#
# and for seeding with e2ehelper.exe (tests/win32/e2e_helper.c; bench/run uses them too):
#   e2e_svc NAME START ACCOUNT PASSWORD DISPLAY DESCRIPTION
#                             the e2ehelper line that creates a service running
#                             C:\e2e\testsvc.exe, logging to C:\e2e\<name>.log
#   e2e_edge_pki DIR          the Edge PKI, made with the openssl command: a private root,
#                             an intermediate and the external Edge certificate (server and
#                             client authentication, RSA key as a PRIVATEKEYBLOB for CAPI,
#                             valid for a year): DIR/{root,inter,edge}.{pem,der}, edge.blob
#   e2e_edge_seed DIR         the e2ehelper lines for the drifted Edge server of the baseline
#                             lync-edge, with the PKI of DIR (see e2e-baselines.sh)

_e2e_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/wine-env
. "$_e2e_root/scripts/wine-env"

_e2e_prefixes=()
passed=0
failed=0

# E2E_KEEP=1 keeps the work folder and its prefixes (wineservers stopped) for a look afterwards.
_e2e_cleanup() {
    local p
    for p in "${_e2e_prefixes[@]}"; do
        if [[ ${E2E_KEEP:-0} == 1 ]]; then
            wine_env_stop "$p" >/dev/null 2>&1
        else
            wine_env_remove "$p" >/dev/null 2>&1
        fi
    done
    if [[ ${E2E_KEEP:-0} == 1 && -n ${work:-} ]]; then
        echo "E2E_KEEP: kept $work" >&2
    elif [[ -n ${work:-} ]]; then
        rm -rf "$work"
    fi
}

e2e_private_roots() {
    [[ -z ${E2E_ROOT_STORE:-} ]] || return 0
    if [[ ${E2E_HOST_ROOTS:-0} != 1 ]] && unshare -m true 2>/dev/null; then
        export E2E_ROOT_STORE=private
        # unshare -m makes the namespace's mounts private: the host never sees the tmpfs.
        exec unshare -m bash -c 'mount -t tmpfs -o size=64k,mode=755 enforcer-e2e /etc/ssl/certs ||
            export E2E_ROOT_STORE=host; exec bash "$0" "$@"' "$@"
    fi
    export E2E_ROOT_STORE=host
}

e2e_init() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/enforcer-e2e.XXXXXX")
    trap _e2e_cleanup EXIT
    export WINEDEBUG=-all
}

e2e_prefix() {
    local dir=$1
    _e2e_prefixes+=("$dir")
    wine_env_new_prefix "$dir" >/dev/null || return 1
    export WINEPREFIX=$dir
    wine_env_start "$dir"
}

e2e_drop_prefix() {
    wine_env_remove "$1" >/dev/null 2>&1
}

check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok    $what"
    else
        failed=$((failed + 1))
        echo "FAIL  $what"
    fi
}

e2e_finish() {
    echo "$passed passed, $failed failed"
    ((failed == 0))
}

winpath() { printf 'Z:%s' "${1//\//\\}"; }
# Imports a .reg file into the current prefix; on failure prints what reg said.
reg_import() {
    local out
    out=$("$WINE" reg import "$(winpath "$1")" </dev/null 2>&1) ||
        { printf 'reg import %s failed:\n%s\n' "$1" "$out" >&2; return 1; }
}
enforcer() { "$WINE" "$exe" "$@" </dev/null; }
reg_query() { "$WINE" reg query "$@" </dev/null 2>/dev/null | tr -d '\r'; }
svc_key() { printf 'HKLM\\System\\CurrentControlSet\\Services\\%s' "$1"; }
svc_state() { "$WINE" sc query "$1" </dev/null 2>/dev/null | tr -d '\r' | awk '/STATE/ { print $4 }'; }
log_count() { grep -c "^$2" "$1" 2>/dev/null || true; }

# reg query /s prints a key's full name at the start of a line, then its
# values indented as "NAME    TYPE    DATA" (four spaces apart).
reg_tree() {
    reg_query "$1" /s | awk '
        /^HKEY_LOCAL_MACHINE\\/ { key = "HKLM" substr($0, 19); next }
        /^    [^ ]/ {
            n = split(substr($0, 5), f, "    ")
            if (n >= 2) print key "\\" f[1] "=" f[2] " " (n >= 3 ? f[3] : "")
        }'
}

run() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    enforcer "$@" --report-dir "$(winpath "$work/$name")" >"$work/$name.out" 2>"$work/$name.err"
    code=$?
    sed 's/^/    /' "$work/$name.out"
}

actions() {
    python3 - "$1" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["resources"]:
    for a in r["actions"]:
        print(f'{r["id"]}: {a["text"]}' + (" [done]" if a["done"] else "") + (f' [error: {a["error"]}]' if a["error"] else ""))
EOF
}

report_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$@"; }

e2e_svc() {
    local log
    log="C:\\e2e\\$(tr '[:upper:]' '[:lower:]' <<<"$1").log"
    printf 'svc-create\t%s\tC:\\e2e\\testsvc.exe\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$log" "$2" "$3" "$4" "$5" "$6"
}

# (A chain of &&: `set -e` would not hold in a caller's `|| ...`.)
e2e_edge_pki() (
    mkdir -p "$1" && cd "$1" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key \
            -out root.pem -subj "/O=Enforcer E2E/CN=E2E Private Root CA" -days 3650 \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key \
            -subj "/O=Enforcer E2E/CN=E2E Issuing CA" -out inter.csr &&
        printf '%s\n' basicConstraints=critical,CA:TRUE,pathlen:0 keyUsage=critical,keyCertSign,cRLSign \
            subjectKeyIdentifier=hash authorityKeyIdentifier=keyid >inter.ext &&
        openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 0x1002 -days 1825 \
            -extfile inter.ext -out inter.pem &&
        openssl req -new -newkey rsa:2048 -nodes -keyout edge.key \
            -subj "/O=Enforcer E2E/CN=sip.contoso.test" -out edge.csr &&
        printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment \
            extendedKeyUsage=serverAuth,clientAuth subjectAltName=DNS:sip.contoso.test >edge.ext &&
        openssl x509 -req -in edge.csr -CA inter.pem -CAkey inter.key -set_serial 0x2003 -days 365 \
            -extfile edge.ext -out edge.pem &&
        openssl x509 -in root.pem -outform DER -out root.der &&
        openssl x509 -in inter.pem -outform DER -out inter.der &&
        openssl x509 -in edge.pem -outform DER -out edge.der &&
        openssl rsa -in edge.key -outform MSBLOB -out edge.blob
)

# Five Edge services under wrong accounts, passwords stored (Wine cannot show
# those), RTCSRV stopped and manual; Root holds the private root and, wrongly,
# the intermediate; the Edge certificate is in My with its CAPI key.
e2e_edge_seed() {
    printf 'cert-add\tRoot\t%s\n' "$(winpath "$1/root.der")"
    printf 'cert-add\tRoot\t%s\n' "$(winpath "$1/inter.der")"
    printf 'cert-add-key\tMy\t%s\t%s\tE2E-EDGE-EXTERNAL\n' "$(winpath "$1/edge.der")" "$(winpath "$1/edge.blob")"
    e2e_svc RTCSRV demand '.\svc-lync' 'Dem0-Passw0rd!' 'Skype for Business Server Access Edge' \
        'Skype for Business Server Access Edge: SIP traffic to and from federated partners and remote users'
    e2e_svc REPLICA auto LocalSystem - 'Skype for Business Server Replica Replicator Agent' 'Replicates the topology'
    e2e_svc RTCDATAPROXY auto '.\svc-lync' 'Dem0-Passw0rd!' 'Skype for Business Server Web Conferencing Edge' 'Web Conferencing Edge'
    e2e_svc RTCMRAUTH auto 'NT AUTHORITY\LocalService' - 'Skype for Business Server Audio/Video Authentication' 'A/V Authentication'
    e2e_svc RTCMEDIARELAY auto 'CONTOSO\svc-edge' 'Dem0-Passw0rd!' 'Skype for Business Server Audio/Video Edge' 'Audio/Video Edge'
    printf 'svc-start\tREPLICA\tRTCDATAPROXY\tRTCMRAUTH\tRTCMEDIARELAY\n'
}
