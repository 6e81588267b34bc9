#!/usr/bin/python3
"""Everything shipped for users parses: every baseline and example policy
validates (an example with the certificate files it names), the Ansible playbook is YAML, the Task Scheduler file is XML with
the fields Task Scheduler needs, and the CI script of the example policy
repository runs green on a real git repository.

Usage (meson test runs it): check_examples.py ENFORCER_EXE SOURCE_DIR
"""
import atexit
import glob
import os
import subprocess
import sys
import tempfile
import shutil
import xml.etree.ElementTree as ET

import yaml

EXE, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, detail)


policies = sorted(glob.glob(os.path.join(SRC, "policies", "*.yaml")) +
                  glob.glob(os.path.join(SRC, "examples", "**", "*.yaml"), recursive=True))
for p in policies:
    if os.sep + "ansible" + os.sep in p:
        continue
    # The shipped baselines name certificate files each site supplies (--no-files);
    # every example is validated with the files it refers to, as a user runs it.
    baseline = os.path.dirname(p) == os.path.join(SRC, "policies")
    r = subprocess.run([EXE, "validate"] + (["--no-files"] if baseline else []) + [p],
                       capture_output=True, text=True)
    check(r.returncode == 0, "validate " + os.path.relpath(p, SRC), r.stderr)
check(len(policies) >= 6, "at least the three baselines and three example policies")

play = yaml.safe_load(open(os.path.join(SRC, "examples", "ansible", "enforcer.yml")))
check(isinstance(play, list) and play[0].get("hosts") and play[0].get("tasks"),
      "the Ansible playbook is a play with hosts and tasks")

# The pool playbook (issue 17): ansible-playbook resolves every module and
# variable reference in --syntax-check (an unknown module fails it), and the
# play's order is the one docs/CLI.md describes, one server at a time.
ansible_dir = os.path.join(SRC, "examples", "ansible")
inventory = os.path.join(ansible_dir, "inventory-example.ini")
for book in ("enforcer.yml", "pool-restart.yml"):
    r = subprocess.run(["ansible-playbook", "-i", inventory, "--syntax-check",
                        os.path.join(ansible_dir, book)], capture_output=True, text=True)
    check(r.returncode == 0, "ansible-playbook --syntax-check " + book, r.stdout + r.stderr)
pool = yaml.safe_load(open(os.path.join(ansible_dir, "pool-restart.yml")))[0]
check(pool.get("serial") == 1 and pool.get("any_errors_fatal") is True,
      "the pool playbook takes one server at a time and stops at the first failure")
steps = []
for t in pool["tasks"]:
    cmd = " ".join(str(v) for k, v in t.items() if k.endswith(("win_command", "win_shell")))
    for word in ("apply --defer-restarts", "restart --pending --dry-run", "Invoke-CsComputerFailOver",
                 "restart --pending --wait", "Invoke-CsComputerFailBack"):
        if word in cmd:
            steps.append(word)
check(steps == ["apply --defer-restarts", "restart --pending --dry-run", "Invoke-CsComputerFailOver",
                "restart --pending --wait", "Invoke-CsComputerFailBack"],
      "the pool playbook applies, checks, fails over, restarts, fails back, in that order", str(steps))
r = subprocess.run(["ansible-playbook", "-i", inventory, "--list-hosts", "-e", "enforcer_pool=fe_pool",
                    os.path.join(ansible_dir, "pool-restart.yml")], capture_output=True, text=True)
check(r.returncode == 0 and "hosts (4)" in r.stdout, "the example inventory's Front End pool has 4 hosts",
      r.stdout + r.stderr)

# The Configuration Manager baseline: the scripts the import script names exist,
# discovery runs plan and maps its exit codes, remediation runs apply.
cm = os.path.join(SRC, "examples", "configmgr")
imp = open(os.path.join(cm, "Import-EnforcerBaseline.ps1")).read()
for script in ("Discover-Enforcer.ps1", "Remediate-Enforcer.ps1"):
    check(script in imp and os.path.exists(os.path.join(cm, script)), "configmgr: " + script)
disc = open(os.path.join(cm, "Discover-Enforcer.ps1")).read()
check("plan" in disc and "0 { 'Compliant' }" in disc and "2 { 'NonCompliant' }" in disc,
      "configmgr: discovery maps plan's 0 and 2 to Compliant and NonCompliant")
rem = open(os.path.join(cm, "Remediate-Enforcer.ps1")).read()
check("'apply'" in rem, "configmgr: remediation runs apply")
check("'--exit-codes', 'simple'" in rem and "if ($code -eq 0) { exit 0 }" in rem,
      "configmgr: remediation asks for simple exit codes and treats only 0 as success")

ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
task = ET.parse(os.path.join(SRC, "examples", "scheduled-task", "enforcer-nightly.xml")).getroot()
check(task.find("t:Principals/t:Principal/t:UserId", ns).text == "S-1-5-18", "the task runs as SYSTEM")
execs = task.findall("t:Actions/t:Exec", ns)
check(len(execs) == 2 and execs[0].find("t:Arguments", ns).text.startswith("-c safe.directory=C:/policies -C C:\\policies fetch"),
      "the task fetches the policy clone first")
task_args = execs[-1].find("t:Arguments", ns).text
check("apply" in task_args, "the task runs enforcer apply")
check("--exit-codes simple" in task_args and "--keep-days 90" in task_args,
      "the task asks for simple exit codes (no '(0x2)' for a fix) and prunes old runs")
# A Command with a space is quoted (CreateProcess's rule; docs/windows-semantics.md).
for e in execs:
    cmd = e.find("t:Command", ns).text
    check(" " not in cmd or (cmd.startswith('"') and cmd.endswith('"')), "quoted <Command> " + cmd)
# The post-CU script fetches before it plans, unless told not to.
postcu = open(os.path.join(SRC, "examples", "post-cu", "Invoke-EnforcerAfterCU.ps1")).read()
check(postcu.index("fetch --quiet origin") < postcu.index("& $Enforcer plan") and "$NoFetch" in postcu,
      "the post-CU script fetches the clone before step 1")

# The example repository's CI script, on a real repository with one change.
work = tempfile.mkdtemp(prefix="enforcer-examples-")
atexit.register(shutil.rmtree, work, True)  # also when a command fails
repo = os.path.join(work, "repo")
shutil.copytree(os.path.join(SRC, "examples", "policy-repo"), repo)
git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", repo]
subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
subprocess.run(git + ["add", "-A"], check=True)
subprocess.run(git + ["commit", "-qm", "baseline"], check=True)
subprocess.run(git + ["checkout", "-qb", "change"], check=True)
fe = os.path.join(repo, "policies", "front-end.yaml")
text = open(fe).read()
open(fe, "w").write(text.replace("data: 0, notify", "data: 1, notify"))
subprocess.run(git + ["commit", "-qam", "front end: send the trusted issuer list"], check=True)
env = dict(os.environ, ENFORCER=EXE)
r = subprocess.run(["bash", "ci/check.sh", "main"], cwd=repo, capture_output=True, text=True, env=env)
check(r.returncode == 0, "ci/check.sh passes on a valid change", r.stdout + r.stderr)
check("policies/front-end.yaml" in r.stdout, "ci/check.sh names the changed policy", r.stdout)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
