#!/usr/bin/env bash
# The Wine end-to-end test of `enforcer install` and `enforcer uninstall`
# (issue 15, "Installing it as Windows expects"):
#
#   tests/win32/e2e-install.sh ENFORCER_EXE E2EHELPER_EXE
#
# In a Wine prefix of its own:
#   a bad --schedule is refused with exit 1 and changes nothing;
#   install creates the state folder, the Application event source (its
#     registry key with EventMessageFile = enforcer.exe and TypesSupported 7)
#     and the task \enforcer\nightly;
#   enforcer.exe's message table describes exactly the event IDs 1000-1003
#     (severity bits 0), read as Event Viewer does (FormatMessageW on the exe
#     loaded as a data file, e2ehelper msg-text);
#   the task is registered, read back through ITaskService (e2ehelper
#     task-show); what Wine's Task Scheduler does not keep (the action, the
#     trigger, the principal) is said, and checked where Wine has it;
#   a second install changes nothing it can compare;
#   without git.exe on PATH install says the task will not fetch; with --git
#     the task's XML (read back with --show-task, as Wine keeps no action)
#     runs the quoted git.exe's fetch, then enforcer.exe; a --git that does
#     not exist is refused;
#   uninstall removes the task and the event source and keeps the state folder
#     with its journals; a second uninstall changes nothing; --purge deletes
#     the state folder.
# Prints one line per check and "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

if [[ $# -ne 2 ]]; then
    sed -n '2,/^$/ s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
exe=$(readlink -f "$1")
helper=$(readlink -f "$2")

# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
e2e_init
prefix=$work/prefix
e2e_prefix "$prefix" || { echo "FAIL  making the prefix"; e2e_finish; exit 1; }

state=$prefix/drive_c/ProgramData/enforcer
source_key='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\enforcer'
wexe=$(winpath "$exe")
repo=$work/policies
mkdir -p "$repo"

# NAME ARGS...: enforcer ARGS, stdout in $work/NAME.out, stderr in .err, exit code in $code.
inst() {
    local name=$1
    shift
    "$WINE" "$exe" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err"
    code=$?
    tr -d '\r' <"$work/$name.out" >"$work/$name.txt"
    tr -d '\r' <"$work/$name.err" >"$work/$name.errtxt"
    sed 's/^/    /' "$work/$name.txt" "$work/$name.errtxt"
}
same() { diff -u "$1" - >&2; } # FILE, expected text on stdin
reg_value() { reg_query "$source_key" /v "$1" | awk -v v="$1" '$1 == v { $1 = ""; sub(/^ +/, ""); print }'; }
# Wine's reg prints "Unable to find..." on stdout: its exit code says whether the key exists.
no_source_key() { ! "$WINE" reg query "$source_key" </dev/null >/dev/null 2>&1; }
helper() { "$WINE" "$helper" "$@" </dev/null 2>/dev/null | tr -d '\r'; }
task_field() { helper task-show '\enforcer\nightly' | sed -n "s/^$1: //p"; }

echo "== a bad schedule changes nothing"
inst bad install --schedule 'daily@2:30' --repo "$(winpath "$repo")" edge.yaml
check "exit 1" test "$code" = 1
# grep, not diff: Wine may add its own lines to a prefix's first process's stderr.
check "... saying what is accepted" grep -qxF \
    "enforcer: install: --schedule 'daily@2:30': write daily@HH:MM, the local time of the daily run on a 24-hour clock (00:00 to 23:59), e.g. daily@02:30" \
    "$work/bad.errtxt"
check "... and no state folder was created" test ! -e "$state"
check "... nor an event source" no_source_key
inst nofile install missing.yaml
check "a policy file that does not exist: exit 1" test "$code" = 1
check "... saying so" grep -qxF "enforcer install: the policy 'missing.yaml' does not exist; nothing was changed" "$work/nofile.errtxt"
check "... and no state folder was created" test ! -e "$state"
inst badref install --ref main edge.yaml
check "--ref without --repo: exit 1" test "$code" = 1
check "... saying so" grep -qxF "enforcer install: --ref needs --repo DIR" "$work/badref.errtxt"

echo "== install"
inst first install --schedule daily@03:15 --repo "$(winpath "$repo")" --ref origin/main policies/edge.yaml
check "exit 0" test "$code" = 0
check "it says what it did" same "$work/first.txt" <<EOF
state folder C:\\ProgramData\\enforcer: created
event source 'enforcer' (Application log; descriptions from $wexe): created
scheduled task \\enforcer\\nightly (daily at 03:15 as SYSTEM): created
note: git.exe is not on PATH, so the task does not fetch $(winpath "$repo") before it applies: install Git for Windows and run this again, give --git PATH, or keep $(winpath "$repo") current another way
enforcer is installed: 3 changes made.
EOF
check "the state folder exists" test -d "$state"
check "EventMessageFile is enforcer.exe (REG_SZ)" test "$(reg_value EventMessageFile)" = "REG_SZ $wexe"
check "TypesSupported is error, warning and information (7)" \
    test "$(reg_value TypesSupported)" = "REG_DWORD 0x7"

echo "== the message table in enforcer.exe"
descr() { helper msg-text "$wexe" "$1" 'Apply: 1 changed'; }
check "1000: compliant, a blank line, then %1" test "$(descr 1000)" = \
    $'enforcer found everything compliant and changed nothing.\n\nApply: 1 changed'
check "1001: drift" grep -qxF 'enforcer found drift: this server differs from its policy. Review the report.' <(descr 1001)
check "1002: changed" grep -qxF 'enforcer changed this server, which is now compliant with its policy.' <(descr 1002)
check "1003: failed" grep -qxF 'enforcer could not read, change or verify a resource: the run failed. See the report.' <(descr 1003)
check "... each with the entry's text as %1" grep -qxF 'Apply: 1 changed' <(descr 1003)
check "no message 999 or 1004" test -z "$(descr 999)$(descr 1004)"
# The ID ReportEventW is given is the message ID itself: severity, customer and facility bits 0.
check "no 1001 with warning severity bits (0x800003E9)" test -z "$(descr 2147484649)"
check "no 1003 with error severity bits (0xC00003EB)" test -z "$(descr 3221226475)"

echo "== the scheduled task"
helper task-show '\enforcer\nightly' | sed 's/^/    /'
check "registered as \\enforcer\\nightly" test "$(helper task-show '\enforcer\nightly' | head -1)" = registered
check "its XML holds enforcer's description" test "$(task_field xml-description)" = \
    "enforcer: converge this server to its policy every day (registered by 'enforcer install')"
# Wine's taskschd keeps the task and its XML's registration info and settings,
# but its definition object has no description, action, trigger or principal
# (empty, or E_NOTIMPL); where it has one, it must be right.
wine_lacks=0
expect_field() { # NAME VALUE
    local got
    got=$(task_field "$1")
    if [[ $got == unavailable* ]]; then
        echo "    WINE  Task Scheduler cannot show the task's $1 ($got); Windows does"
        wine_lacks=1
    else
        check "the task's $1" test "$got" = "$2"
    fi
}
expect_field description "enforcer: converge this server to its policy every day (registered by 'enforcer install')"
if [[ $wexe == *" "* ]]; then expect_field path "\"$wexe\""; else expect_field path "$wexe"; fi
expect_field arguments "apply --wait 600 --exit-codes simple --keep-days 90 --report-dir C:\\ProgramData\\enforcer\\reports\\last --repo $(winpath "$repo") --ref origin/main -- policies/edge.yaml"
expect_field directory 'C:\ProgramData\enforcer'
expect_field start 2020-01-01T03:15:00
expect_field logon 5
expect_field runlevel 1

echo "== a second install"
inst second install --schedule daily@03:15 --repo "$(winpath "$repo")" --ref origin/main policies/edge.yaml
check "exit 0" test "$code" = 0
check "the state folder and the event source are unchanged" same <(head -2 "$work/second.txt") <<EOF
state folder C:\\ProgramData\\enforcer: already as asked, unchanged
event source 'enforcer' (Application log; descriptions from $wexe): already as asked, unchanged
EOF
if [[ $wine_lacks == 1 ]]; then
    # Windows reads the definition back and says "already as asked, unchanged".
    check "Wine: the task cannot be compared, so it is registered again" \
        grep -qxF 'scheduled task \enforcer\nightly (daily at 03:15 as SYSTEM): updated' "$work/second.txt"
else
    check "the task is unchanged" \
        grep -qxF 'scheduled task \enforcer\nightly (daily at 03:15 as SYSTEM): already as asked, unchanged' "$work/second.txt"
fi
echo "== install with git.exe: the task fetches the repository first"
# A stand-in git.exe under Program Files (Task Scheduler needs the file; it is not run here).
gitdir="$prefix/drive_c/Program Files/Git/cmd"
mkdir -p "$gitdir" && cp "$helper" "$gitdir/git.exe"
inst withgit install --schedule daily@03:15 --repo "$(winpath "$repo")" --ref origin/main \
    --git 'C:\Program Files\Git\cmd\git.exe' policies/edge.yaml
check "exit 0, and no note about git" test "$code" = 0 -a -z "$(grep -F note: "$work/withgit.txt")"
check "the task is registered again" grep -qxF \
    'scheduled task \enforcer\nightly (daily at 03:15 as SYSTEM): updated' "$work/withgit.txt"
# Wine's Task Scheduler keeps no action of a task (its stored file has an empty
# <Exec/>): the XML registered is read back from --show-task, which builds it
# as install does and changes nothing.
inst showtask install --show-task --schedule daily@03:15 --repo "$(winpath "$repo")" --ref origin/main \
    --git 'C:\Program Files\Git\cmd\git.exe' policies/edge.yaml
check "--show-task: exit 0" test "$code" = 0
python3 - "$work/showtask.txt" >"$work/actions.tsv" <<'PY'
import sys
import xml.etree.ElementTree as ET
text = open(sys.argv[1], encoding="utf-8").read()
ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
root = ET.fromstring(text.replace('encoding="UTF-16"', ""))
for e in root.findall("t:Actions/t:Exec", ns):
    print("%s\t%s" % (e.find("t:Command", ns).text, e.find("t:Arguments", ns).text))
PY
sed 's/^/    /' "$work/actions.tsv"
wrepo=$(winpath "$repo")
quoted_exe=$wexe
[[ $wexe == *" "* ]] && quoted_exe="\"$wexe\""
check "the task runs the quoted git.exe's fetch, then enforcer.exe" same "$work/actions.tsv" <<EOF
"C:\\Program Files\\Git\\cmd\\git.exe"	-c safe.directory=${wrepo//\\//} -C $wrepo fetch --quiet origin
$quoted_exe	apply --wait 600 --exit-codes simple --keep-days 90 --report-dir C:\\ProgramData\\enforcer\\reports\\last --repo $wrepo --ref origin/main -- policies/edge.yaml
EOF
check "--show-task prints the task's XML and no step" test "$(head -1 "$work/showtask.txt")" = \
    '<?xml version="1.0" encoding="UTF-8"?>' -a -z "$(grep -F 'scheduled task' "$work/showtask.txt")"
inst localref install --repo "$(winpath "$repo")" --git 'C:\Program Files\Git\cmd\git.exe' policies/edge.yaml
check "a --ref the fetch does not move (HEAD): exit 0, with a note saying so" grep -qxF \
    "note: the task fetches origin, but --ref HEAD is not one of origin's branches, which the fetch moves: write --ref origin/BRANCH to enforce what was fetched" \
    "$work/localref.txt"
inst nogit install --repo "$(winpath "$repo")" --git 'C:\no\git.exe' policies/edge.yaml
check "a --git that does not exist: exit 1" test "$code" = 1
check "... saying so" grep -qxF "enforcer install: --git 'C:\\no\\git.exe' does not exist; nothing was changed" "$work/nogit.errtxt"

inst third install
check "install without a policy: exit 0, nothing changed" same "$work/third.txt" <<EOF
state folder C:\\ProgramData\\enforcer: already as asked, unchanged
event source 'enforcer' (Application log; descriptions from $wexe): already as asked, unchanged
enforcer was already installed as asked: nothing changed.
EOF
check "... and the task is still there" test "$(helper task-show '\enforcer\nightly' | head -1)" = registered

echo "== uninstall keeps the journals"
mkdir -p "$state/journal" "$state/reports"
echo '{}' >"$state/journal/20261206T020000Z-abcdef.jsonl"
echo '{}' >"$state/reports/report.json"
inst un uninstall
check "exit 0" test "$code" = 0
check "it says what it did" same "$work/un.txt" <<'EOF'
scheduled task \enforcer\nightly: removed
event source 'enforcer': removed
state folder C:\ProgramData\enforcer: kept, with its journals and reports (--purge deletes it)
enforcer is uninstalled: 2 changes made.
EOF
check "the task is gone" test "$(helper task-show '\enforcer\nightly')" = absent
check "the event source's key is gone" no_source_key
check "the journal is kept" test -f "$state/journal/20261206T020000Z-abcdef.jsonl"
check "the report is kept" test -f "$state/reports/report.json"
inst un2 uninstall
check "a second uninstall changes nothing" same "$work/un2.txt" <<'EOF'
scheduled task \enforcer\nightly: not there, nothing to remove
event source 'enforcer': not there, nothing to remove
state folder C:\ProgramData\enforcer: kept, with its journals and reports (--purge deletes it)
enforcer was not installed: nothing changed.
EOF
inst purge uninstall --purge
check "--purge: exit 0" test "$code" = 0
check "... the state folder is deleted" grep -qxF 'state folder C:\ProgramData\enforcer: removed' "$work/purge.txt"
check "... with everything in it" test ! -e "$state"
inst badarg uninstall --force
check "uninstall --force: exit 1" test "$code" = 1

e2e_finish
