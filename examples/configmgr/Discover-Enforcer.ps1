# Configuration Manager discovery script for enforcer (a configuration item's
# script setting, data type String, rule: the value equals "Compliant").
# Runs `enforcer plan` as the client's agent runs it (SYSTEM) and writes one
# value on standard output, which Configuration Manager compares:
#   exit 0 of plan -> "Compliant"
#   exit 2         -> "NonCompliant" (drift: the remediation script runs apply)
#   exit 4 or 6    -> "Failed: <the report's summary line>" (not compliant; apply
#                     cannot be expected to fix it: look at the report)
#   exit 1 or none -> written to the error stream, exit 1: the item shows an error
#                     (invalid policy, lock held, enforcer missing)
$ErrorActionPreference = 'Stop'
$Enforcer = 'C:\Program Files\enforcer\enforcer.exe'
$Policy = 'C:\ProgramData\enforcer\policy\lync-front-end.yaml'
$ReportDir = 'C:\ProgramData\enforcer\reports\configmgr-plan'

if (-not (Test-Path -LiteralPath $Enforcer)) {
    [Console]::Error.WriteLine("enforcer is not installed at $Enforcer")
    exit 1
}
$out = & $Enforcer plan -q --wait 600 --report-dir $ReportDir $Policy 2>&1
$code = $LASTEXITCODE
switch ($code) {
    0 { 'Compliant' }
    2 { 'NonCompliant' }
    { $_ -eq 4 -or $_ -eq 6 } { "Failed: $(($out | Select-Object -Last 1))" }
    default {
        [Console]::Error.WriteLine("enforcer plan exited $code`: $($out -join ' ')")
        exit 1
    }
}
exit 0
