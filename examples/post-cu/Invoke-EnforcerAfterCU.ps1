<#
.SYNOPSIS
    Run after a Lync/Skype for Business cumulative update: show the drift the
    update caused, converge the server to its policy, and stop with the
    enforcer's detailed exit code, for the CU runbook.

.DESCRIPTION
    First the policy repository's clone ($Repo) is fetched with git, so that
    $Ref is the commit the team merged last (-NoFetch skips it: a clone kept
    current another way, or a server without git). Step 1 plans (changes nothing) and saves the plan report, so the change
    record shows what the CU changed. Step 2 applies, which restarts the Lync
    services only where a change needs it and verifies every resource. Step 3
    plans again: it must be compliant.

    Exit codes are enforcer's (Puppet's detailed exit codes):
      0  nothing to change, compliant
      2  changes applied, compliant now          (expected after most CUs)
      4  failures, nothing changed               (stop the runbook: read the report)
      6  some changes applied, some failures     (stop the runbook: read the report)
      1  usage error, invalid policy, lock held  (nothing changed)

    Run it as SYSTEM, as the nightly task runs: only SYSTEM can read whether a
    service has a stored password.

.EXAMPLE
    PsExec -s powershell -File .\Invoke-EnforcerAfterCU.ps1 -Policy policies\edge.yaml -Ticket CHG-4711
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Policy,
    [string] $Ticket = "",
    [string] $Enforcer = "C:\Program Files\enforcer\enforcer.exe",
    [string] $Repo = "C:\policies",
    [string] $Ref = "origin/main",
    [string] $ReportRoot = "C:\ProgramData\enforcer\reports",
    [switch] $NoFetch
)
$ErrorActionPreference = "Stop"

# Only SYSTEM can read whether a service has a stored password: as an administrator,
# services with built-in accounts would read "unknown" and the plan would exit 4.
if (-not [Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) {
    Write-Warning "not running as SYSTEM: stored service passwords cannot be checked (run it with PsExec -s)"
}

$stamp = Get-Date -Format "yyyyMMdd-HHmmss"
$dir = Join-Path $ReportRoot "post-cu-$stamp$(if ($Ticket) { "-$Ticket" })"
New-Item -ItemType Directory -Force -Path $dir | Out-Null
$common = @("--repo", $Repo, "--ref", $Ref, "--wait", "600")

if (-not $NoFetch) {
    Write-Host "== fetch: the policy commits merged since the last run"
    & git -C $Repo fetch --quiet origin
    if ($LASTEXITCODE -ne 0) { Write-Error "git fetch in $Repo failed (exit $LASTEXITCODE); run with -NoFetch to enforce the commit fetched last"; exit 1 }
}

Write-Host "== 1/3 plan: what the update changed"
& $Enforcer plan @common --report-dir (Join-Path $dir "1-plan") $Policy
$plan = $LASTEXITCODE
if ($plan -eq 1) { Write-Error "enforcer could not plan (exit 1): see the message above"; exit 1 }

Write-Host "== 2/3 apply"
& $Enforcer apply @common --report-dir (Join-Path $dir "2-apply") $Policy
$apply = $LASTEXITCODE
if ($apply -eq 1 -or $apply -eq 4 -or $apply -eq 6) {
    Write-Warning "apply ended with $apply; the report is $dir\2-apply\report.html"
    exit $apply
}

Write-Host "== 3/3 plan again: must be compliant"
& $Enforcer plan @common --report-dir (Join-Path $dir "3-verify") $Policy
$verify = $LASTEXITCODE
if ($verify -ne 0) {
    Write-Warning "still not compliant after apply (plan exit $verify); see $dir\3-verify\report.html"
    exit $verify
}
Write-Host "compliant; reports in $dir"
exit $apply
