#!/usr/bin/env bash
# The shipped examples' command lines, run as written under Wine (issue 19):
#
#   tests/win32/e2e-examples.sh ENFORCER_EXE SOURCE_DIR
#
# In a Wine prefix of its own, enforcer.exe is installed where the examples
# expect it (C:\Program Files\enforcer) and C:\policies is a clone of a
# signed copy of examples/policy-repo whose origin has moved on since. Then:
#   the scheduled task's XML (examples/scheduled-task) is parsed; its first
#     action's git fetch is run with this machine's git (Git for Windows is
#     not here) on the clone; its second action, enforcer.exe with the XML's
#     arguments (Windows paths, "policies\edge.yaml" with a backslash), runs
#     in the XML's working folder and enforces the commit the fetch brought,
#     signed report and audit commit included;
#   the post-CU script (examples/post-cu; there is no PowerShell here) is
#     read for its parameters' defaults, its $common arguments and its
#     enforcer lines, and each one runs with the .EXAMPLE's -Policy;
#   the policy repository README's apply line runs as written (with its
#     signers file where the README puts it);
#   the Configuration Manager scripts (examples/configmgr) are read for
#     their enforcer lines, which run on the baseline they name;
#   an unsigned commit is refused by the task's line, with nothing changed.
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -ne 2 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
exe=$(readlink -f "$1")
src=$(readlink -f "$2")

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_init
prefix=$work/prefix
e2e_prefix "$prefix" || { echo "FAIL  making the prefix"; e2e_finish; exit 1; }
c=$prefix/drive_c
# C:\a\b of the prefix as a Linux path.
unixpath() { local p=${1#[Cc]:\\}; printf '%s/%s' "$c" "${p//\\//}"; }

mkdir -p "$c/Program Files/enforcer" "$c/ProgramData/enforcer" "$c/policies-trust"
cp "$exe" "$c/Program Files/enforcer/enforcer.exe"

echo "== a signed policy repository, cloned to C:\\policies"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$work
pki=$work/pki
mkdir -p "$pki"
(cd "$pki" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
        -subj "/CN=E2E Policy CA" -days 30 -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout signer.key -out signer.csr \
        -subj "/O=Contoso/CN=Policy Signer" -addext keyUsage=critical,digitalSignature \
        -addext extendedKeyUsage=codeSigning &&
    openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -set_serial 0x51 -days 30 \
        -copy_extensions copyall -out signer.pem) \
    >/dev/null 2>&1 || { echo "FAIL  making the signing PKI"; e2e_finish; exit 1; }
# git runs it as PROGRAM --status-fd=2 -bsau KEY with the commit on stdin.
cat >"$pki/sign.sh" <<EOF
#!/bin/sh
openssl cms -sign -binary -nosmimecap -signer '$pki/signer.pem' -inkey '$pki/signer.key' -outform PEM |
  sed -e 's/BEGIN CMS/BEGIN SIGNED MESSAGE/' -e 's/END CMS/END SIGNED MESSAGE/'
printf '\n[GNUPG:] SIG_CREATED D 1 8 00 0 0\n' >&2
EOF
chmod +x "$pki/sign.sh"
git_in() { git -c user.name=Alice -c user.email=alice@contoso.com -c gpg.format=x509 \
    -c gpg.x509.program="$pki/sign.sh" -c user.signingkey=signer -C "$@"; }
cp -r "$src/examples/policy-repo" "$work/team"
git init -q -b main "$work/team" && git_in "$work/team" add -A &&
    git_in "$work/team" commit -q -S -m "CHG-1: the Edge policy" &&
    git clone -q --bare "$work/team" "$work/origin.git" &&
    git clone -q "$work/origin.git" "$c/policies" &&
    git_in "$work/team" remote add origin "$work/origin.git" ||
    { echo "FAIL  making the repositories"; e2e_finish; exit 1; }
# A change merged after the clone: only a fetch brings it to the server.
sed -i 's/max-certs: 100/max-certs: 120/' "$work/team/policies/edge.yaml"
git_in "$work/team" commit -q -S -am "CHG-2: room for more roots" && git_in "$work/team" push -q origin main ||
    { echo "FAIL  the second commit"; e2e_finish; exit 1; }
merged=$(git -C "$work/team" rev-parse HEAD)
cp "$pki/ca.pem" "$c/ProgramData/enforcer/signers.pem"
cp "$pki/ca.pem" "$c/policies-trust/signers.pem"
cp "$pki/signer.key" "$c/ProgramData/enforcer/report-signing.key"
cp "$pki/signer.pem" "$c/ProgramData/enforcer/report-signing.crt"

echo "== the scheduled task's actions"
# One line per action: the Command without its quotes, a tab, the Arguments, a tab, the folder.
python3 - "$src/examples/scheduled-task/enforcer-nightly.xml" >"$work/actions.tsv" <<'EOF'
import sys
import xml.etree.ElementTree as ET
ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
for e in ET.parse(sys.argv[1]).getroot().findall("t:Actions/t:Exec", ns):
    cmd = e.find("t:Command", ns).text
    wd = e.find("t:WorkingDirectory", ns)
    print("\t".join([cmd, e.find("t:Arguments", ns).text, wd.text if wd is not None else ""]))
EOF
check "the task has two actions: git fetch, then enforcer" \
    test "$(cut -f1 "$work/actions.tsv" | tr '\n' '|')" = \
    '"C:\Program Files\Git\cmd\git.exe"|"C:\Program Files\enforcer\enforcer.exe"|'
IFS=$'\t' read -r _ fetch_args _ < <(sed -n 1p "$work/actions.tsv")
IFS=$'\t' read -r task_cmd task_args task_dir < <(sed -n 2p "$work/actions.tsv")
# The arguments hold no quotes, so the C runtime splits them at spaces (docs/windows-semantics.md).
check "the task's arguments need no quoting" test "${fetch_args//\"/}${task_args//\"/}" = "$fetch_args$task_args"

read -ra fa <<<"$fetch_args"
check "the fetch action names the clone C:\\policies, safe for SYSTEM" \
    test "${fa[*]:0:4}" = '-c safe.directory=C:/policies -C C:\policies'
git -C "$(unixpath "${fa[3]}")" "${fa[@]:4}" 2>"$work/fetch.err"
check "its git fetch brings the merged commit to origin/main" \
    test "$(git -C "$c/policies" rev-parse origin/main)" = "$merged"

task_exe=${task_cmd//\"/}
read -ra ta <<<"$task_args"
(cd "$(unixpath "$task_dir")" && "$WINE" "$task_exe" "${ta[@]}" </dev/null >"$work/task.out" 2>"$work/task.err")
code=$?
check "the task's enforcer line runs from C:\\Program Files (exit $code; $(head -c 300 "$work/task.err"))" \
    test "$code" = 0
last=$c/ProgramData/enforcer/reports/last
check "its report names the commit the fetch brought" \
    test "$(report_field "$last/report.json" '["policy"]["source"]["commit"]' 2>/dev/null)" = "$merged"
check "its report says the commit's signature is valid" \
    test "$(report_field "$last/report.json" '["policy"]["source"]["signature"]' 2>/dev/null)" = valid
check "its report is signed (report.json.p7s)" test -s "$last/report.json.p7s"
check "the run is committed to the audit repository" \
    test -n "$(git --git-dir="$c/ProgramData/enforcer/audit" for-each-ref 'refs/heads/audit/*' 2>/dev/null)"

echo "== the post-CU script's enforcer lines (parsed: no PowerShell here)"
# Its defaults, its $common arguments and its three enforcer lines, with the .EXAMPLE's -Policy.
python3 - "$src/examples/post-cu/Invoke-EnforcerAfterCU.ps1" >"$work/postcu.tsv" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
defaults = dict(re.findall(r'\[string\] \$(\w+) = "([^"]*)"', text))
policy = re.search(r"\.EXAMPLE\s*\n.*-Policy (\S+)", text).group(1)
def words(ps):  # a PowerShell array or argument list of "strings", $Variables and words
    out = []
    for q, var, word in re.findall(r'"([^"]*)"|\$(\w+)|(\S+)', ps):
        out.append(q if q or not (var or word) else defaults[var] if var else word)
    return out
common = words(re.search(r"\$common = @\((.*)\)", text).group(1).replace(",", " "))
for verb, sub in re.findall(r'& \$Enforcer (\w+) @common --report-dir \(Join-Path \$dir "([^"]+)"\) \$Policy', text):
    print("\t".join([defaults["Enforcer"], verb] + common + ["--report-dir", sub, policy]))
EOF
check "three enforcer lines: plan, apply, plan" \
    test "$(cut -f2 "$work/postcu.tsv" | tr '\n' ' ')" = "plan apply plan "
check "with the .EXAMPLE's policy path, as written with a backslash" \
    test "$(cut -f1 "$work/postcu.tsv" | sort -u)" = 'C:\Program Files\enforcer\enforcer.exe'
codes=
n=0
while IFS=$'\t' read -ra line; do
    n=$((n + 1))
    args=("${line[@]:1}")
    # --repo's default C:\policies, as the script has it; the report folder under the work folder.
    for i in "${!args[@]}"; do
        [[ ${args[$i]} == --report-dir ]] && args[i + 1]=$(winpath "$work/postcu-${args[i + 1]}")
    done
    "$WINE" "${line[0]}" "${args[@]}" </dev/null >"$work/postcu-$n.out" 2>"$work/postcu-$n.err"
    codes+="$? "
done <"$work/postcu.tsv"
check "plan, apply and plan again exit 0 on this (not Edge) machine: $codes" test "$codes" = "0 0 0 "
check "step 1's report is there and names the merged commit" \
    test "$(report_field "$work/postcu-1-plan/report.json" '["policy"]["source"]["commit"]' 2>/dev/null)" = "$merged"

echo "== the policy repository README's apply line"
readme_line=$(tr '\n' ' ' <"$src/examples/policy-repo/README.md" | grep -o 'enforcer apply --repo [^`]*')
read -ra ra <<<"$readme_line"
"$WINE" "C:\\Program Files\\enforcer\\enforcer.exe" "${ra[@]:1}" </dev/null >"$work/readme.out" 2>"$work/readme.err"
code=$?
check "'$readme_line' exits 0 ($(head -c 300 "$work/readme.err"))" test "$code" = 0

echo "== the Configuration Manager scripts' enforcer lines (parsed)"
# Their variables, then discovery's `& $Enforcer ... 2>&1` and remediation's @applyArgs.
python3 - "$src/examples/configmgr" >"$work/configmgr.tsv" <<'EOF'
import os, re, sys
def run_lines(path):
    text = open(path).read()
    var = dict(re.findall(r"^\$(\w+) = '([^']*)'", text, re.M))
    def words(ps):
        return [q if q else var[v] if v else w
                for q, v, w in re.findall(r"'([^']*)'|\$(\w+)|([^\s,']+)", ps)]
    m = re.search(r"^\$out = & \$Enforcer (.*?) 2>&1$", text, re.M)
    if m:
        return [var["Enforcer"]] + words(m.group(1))
    args = words(re.search(r"^\$applyArgs = @\((.*)\)$", text, re.M).group(1))
    for extra in re.findall(r"\$applyArgs \+= (\S+)", text):
        args += words(extra)
    return [var["Enforcer"]] + args + [var["Policy"]]
for name in ("Discover-Enforcer.ps1", "Remediate-Enforcer.ps1"):
    print("\t".join(run_lines(os.path.join(sys.argv[1], name))))
EOF
check "discovery plans, remediation applies, both with -q" \
    test "$(cut -f2,3 "$work/configmgr.tsv" | tr '\t\n' ' |')" = "plan -q|apply -q|"
policy=$(grep -o "Policy = '[^']*'" "$src/examples/configmgr/Discover-Enforcer.ps1" | cut -d"'" -f2)
mkdir -p "$(dirname "$(unixpath "$policy")")"
cp "$src/policies/lync-front-end.yaml" "$(unixpath "$policy")"
n=0
while IFS=$'\t' read -ra line; do
    n=$((n + 1))
    "$WINE" "${line[@]}" </dev/null >"$work/configmgr-$n.out" 2>"$work/configmgr-$n.err"
    code=$?
    check "'${line[*]:1}' exits 0 and prints nothing (-q) on this (not Front End) machine" \
        test "$code:$(cat "$work/configmgr-$n.out")" = "0:"
done <"$work/configmgr.tsv"
check "discovery's report is where the script's ReportDir says" \
    test -s "$c/ProgramData/enforcer/reports/configmgr-plan/report.json"

echo "== an unsigned commit is refused by the task's line"
echo "# unsigned" >>"$work/team/policies/edge.yaml"
git -c user.name=Mallory -c user.email=m@example.com -C "$work/team" commit -q -am unsigned &&
    git -C "$work/team" push -q origin main && git -C "$(unixpath "${fa[3]}")" "${fa[@]:4}"
unsigned=$(git -C "$work/team" rev-parse HEAD)
(cd "$(unixpath "$task_dir")" && "$WINE" "$task_exe" "${ta[@]}" </dev/null >"$work/refused.out" 2>"$work/refused.err")
code=$?
check "exit 1" test "$code" = 1
check "the message names the commit and 'Nothing was read or changed.'" \
    grep -q "refusing commit ${unsigned:0:12} (origin/main).*Nothing was read or changed." \
    <(tr -d '\r' <"$work/refused.err" | tr '\n' ' ')

e2e_finish
