#!/usr/bin/env bash
# The Wine end-to-end test of what a release ships (issue 19, "Windows-native
# packaging"):
#
#   tests/win32/e2e-package.sh ENFORCER_EXE EXEINFO_EXE
#
# In a Wine prefix of its own:
#   enforcer.exe's version resource, read back as Explorer does
#     (GetFileVersionInfoW, VerQueryValueW: exeinfo.exe), has the version
#     `enforcer --version` prints and the product name; its manifest
#     (RT_MANIFEST 1) has the supportedOS IDs of Windows 7 to 11, asInvoker
#     and the UTF-8 active code page;
#   report.txt is written with CRLF line ends; report.json and report.xml
#     with LF, as before;
#   the MSI (scripts/build-msi, wixl) holds the file, the PATH entry and the
#     deferred custom actions, read with msiinfo; `msiexec /i /qn` installs
#     enforcer.exe in C:\Program Files\enforcer, appends that folder to the
#     machine PATH and runs `enforcer install` (state folder, event source);
#     `msiexec /x /qn` runs `enforcer uninstall` and removes the file and the
#     PATH entry, keeping the state folder.
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -ne 2 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
exe=$(readlink -f "$1")
exeinfo=$(readlink -f "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_init
prefix=$work/prefix
e2e_prefix "$prefix" || { echo "FAIL  making the prefix"; e2e_finish; exit 1; }
same() { diff -u "$1" - >&2; } # FILE, expected text on stdin

echo "== the version resource and the manifest"
"$WINE" "$exeinfo" "$(winpath "$exe")" </dev/null 2>"$work/info.err" | tr -d '\r' >"$work/info.txt"
check "exeinfo read them" test "${PIPESTATUS[0]}" = 0
cat "$work/info.err" >&2
version=$(enforcer --version | tr -d '\r' | sed -n '1s/^enforcer //p')
check "enforcer --version prints a version" test -n "$version"
check "the version resource: $version, product enforcer, U.S. English Unicode strings" \
    same <(sed -n '1,/^OriginalFilename/p' "$work/info.txt") <<EOF
fixed: $version.0
product: $version.0
translation: 0409 04B0
FileVersion: $version
ProductName: enforcer
ProductVersion: $version
OriginalFilename: enforcer.exe
EOF
sed -n '/^<?xml/,$p' "$work/info.txt" >"$work/manifest.xml"
# The manifest's settings, as the loader reads them (namespaces and all).
python3 - "$work/manifest.xml" >"$work/manifest.txt" <<'EOF'
import sys
import xml.etree.ElementTree as ET
ns = {"v1": "urn:schemas-microsoft-com:asm.v1", "v3": "urn:schemas-microsoft-com:asm.v3",
      "c": "urn:schemas-microsoft-com:compatibility.v1",
      "ws": "http://schemas.microsoft.com/SMI/2019/WindowsSettings"}
doc = ET.parse(sys.argv[1]).getroot()
for os_ in doc.findall("c:compatibility/c:application/c:supportedOS", ns):
    print("supportedOS", os_.get("Id"))
for lvl in doc.findall("v3:trustInfo/v3:security/v3:requestedPrivileges/v3:requestedExecutionLevel", ns):
    print("level", lvl.get("level"))
for cp in doc.findall("v3:application/v3:windowsSettings/ws:activeCodePage", ns):
    print("activeCodePage", cp.text)
EOF
check "the manifest: Windows 7, 8, 8.1, 10/11 (and their servers), asInvoker, UTF-8" \
    same "$work/manifest.txt" <<'EOF'
supportedOS {35138b9a-5d96-4fbd-8e2d-a2440225f93a}
supportedOS {4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}
supportedOS {1f676c76-80e1-4239-95bb-83d0f6d0da78}
supportedOS {8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}
level asInvoker
activeCodePage UTF-8
EOF

echo "== report.txt has CRLF line ends"
mkdir -p "$work/policy"
cat >"$work/policy/crlf.yaml" <<'EOF'
enforcer: 1
name: crlf
resources:
  - type: registry
    id: demo.value
    key: HKLM\Software\enforcer-e2e
    value: Demo
    kind: dword
    data: 1
EOF
run plan plan "$(winpath "$work/policy/crlf.yaml")"
check "plan: exit 2 (changes pending)" test "$code" = 2
lines=$(wc -l <"$work/plan/report.txt")
crlf=$(grep -c $'\r$' "$work/plan/report.txt")
check "report.txt: every one of its $lines lines ends with CRLF" test "$lines" -ge 2 -a "$crlf" = "$lines"
check "... and no CR stands alone or doubled" test "$(tr -d '\n' <"$work/plan/report.txt" | tr -cd '\r' | wc -c)" = "$lines"
check "... the same text as on the console" same <(tr -d '\r' <"$work/plan/report.txt") < <(tr -d '\r' <"$work/plan.out")
check "report.json keeps LF only" test "$(tr -cd '\r' <"$work/plan/report.json" | wc -c)" = 0
check "report.xml keeps LF only" test "$(tr -cd '\r' <"$work/plan/report.xml" | wc -c)" = 0

echo "== the MSI"
msi=$work/enforcer.msi
check "scripts/build-msi builds it" "$root/scripts/build-msi" "$exe" "$msi"
table() { msiinfo export "$msi" "$1" | tail -n +4 | tr -d '\r' | sort; }
check "File: enforcer.exe, with the exe's version" same <(table File | cut -f1-3,5) <<EOF
EnforcerExeFile	EnforcerExe	enforcer.exe	$version.0
EOF
check "Directory: INSTALLDIR is ProgramFiles64Folder\\enforcer" same <(table Directory) <<'EOF'
INSTALLDIR	ProgramFiles64Folder	enforcer
ProgramFiles64Folder	TARGETDIR	.
TARGETDIR		SourceDir
EOF
check "Environment: PATH of the machine (*), set and removed with the component (=-), appended ([~];)" \
    same <(table Environment) <<'EOF'
EnforcerPath	=-*PATH	[~];[INSTALLDIR]	EnforcerExe
EOF
# 3090 = 18 (an exe this package installs) + 1024 (deferred) + 2048 (no impersonation:
# LocalSystem); 3154 = the same + 64 (return code ignored).
check "CustomAction: install and uninstall, deferred as LocalSystem" same <(table CustomAction) <<'EOF'
EnforcerInstall	3090	EnforcerExeFile	install	
EnforcerUninstall	3154	EnforcerExeFile	uninstall	
EOF
check "InstallExecuteSequence: uninstall before RemoveFiles, install after InstallFiles, the PATH actions" \
    same <(msiinfo export "$msi" InstallExecuteSequence | tail -n +4 | tr -d '\r' |
        grep -E '^(Enforcer|RemoveFiles|InstallFiles|WriteEnv|RemoveEnv|InstallInitialize|InstallFinalize)' |
        sort -t$'\t' -k3 -n) <<'EOF'
InstallInitialize		1500
RemoveEnvironmentStrings		3300
EnforcerUninstall	REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE	3450
RemoveFiles		3500
InstallFiles		4000
EnforcerInstall	NOT REMOVE="ALL"	4001
WriteEnvironmentStrings		5200
InstallFinalize		6600
EOF
check "a per-machine package (ALLUSERS 1)" grep -qxF $'ALLUSERS\t1' <(msiinfo export "$msi" Property | tr -d '\r')

echo "== msiexec /i /qn under Wine"
installed=$prefix/drive_c/Program\ Files/enforcer/enforcer.exe
state=$prefix/drive_c/ProgramData/enforcer
source_key='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\enforcer'
env_key='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
machine_path() { reg_query "$env_key" /v PATH | awk '$1 == "PATH" { $1 = $2 = ""; sub(/^ +/, ""); print }'; }
path_before=$(machine_path)
"$WINE" msiexec /i "$(winpath "$msi")" /qn </dev/null >"$work/msi-i.out" 2>&1
code=$?
tr -d '\r' <"$work/msi-i.out" | grep -v '^[0-9a-f]*:\(err\|fixme\)' | sed 's/^/    /'
check "exit 0" test "$code" = 0
check "enforcer.exe is in C:\\Program Files\\enforcer, the same file" cmp -s "$exe" "$installed"
check "the machine PATH ends with C:\\Program Files\\enforcer\\" \
    test "$(machine_path)" = "$path_before;C:\\Program Files\\enforcer\\"
check "enforcer install ran: the state folder exists" test -d "$state"
check "... and the event source names the installed exe" \
    grep -qF 'EventMessageFile    REG_SZ    C:\Program Files\enforcer\enforcer.exe' <(reg_query "$source_key")
check "the installed enforcer runs" test "$("$WINE" "$installed" --version </dev/null | tr -d '\r' | head -1)" = "enforcer $version"

echo "== msiexec /x /qn under Wine"
"$WINE" msiexec /x "$(winpath "$msi")" /qn </dev/null >"$work/msi-x.out" 2>&1
code=$?
tr -d '\r' <"$work/msi-x.out" | grep -v '^[0-9a-f]*:\(err\|fixme\)' | sed 's/^/    /'
check "exit 0" test "$code" = 0
check "enforcer.exe is gone" test ! -e "$installed"
# Wine's reg prints "Unable to find..." on stdout: its exit code says whether the key exists.
check "enforcer uninstall ran: no event source" eval '! "$WINE" reg query "$source_key" </dev/null >/dev/null 2>&1'
check "... and the state folder is kept" test -d "$state"
# Windows removes the entry with its separator; Wine 8's RemoveEnvironmentStrings
# leaves the ';' it was appended with. Windows wins: the entry must be gone, and
# only that separator may remain.
after=$(machine_path)
check "the PATH entry is removed" test "${after%;}" = "$path_before"
[[ $after == "$path_before" ]] || echo "    WINE  msiexec left the ';' before the removed PATH entry; Windows removes it too"

e2e_finish
