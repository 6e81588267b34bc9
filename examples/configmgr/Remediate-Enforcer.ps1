# Configuration Manager remediation script for enforcer: runs when the
# discovery script (Discover-Enforcer.ps1) reported "NonCompliant". Applies the
# policy as SYSTEM; restarts are deferred when $DeferRestarts is set, for pools
# whose members must not restart together (run `enforcer restart --pending`
# per server afterwards, e.g. with examples/ansible/pool-restart.yml).
# Configuration Manager runs the discovery script again afterwards; its value
# decides compliance, so this script's exit code only records errors:
# --exit-codes simple makes enforcer's 0 success (nothing to do, or changed)
# and 1 failure, which is what Configuration Manager reads.
$ErrorActionPreference = 'Stop'
$Enforcer = 'C:\Program Files\enforcer\enforcer.exe'
$Policy = 'C:\ProgramData\enforcer\policy\lync-front-end.yaml'
$ReportDir = 'C:\ProgramData\enforcer\reports\configmgr-apply'
$DeferRestarts = $true

$applyArgs = @('apply', '-q', '--exit-codes', 'simple', '--wait', '600', '--report-dir', $ReportDir)
if ($DeferRestarts) { $applyArgs += '--defer-restarts' }
& $Enforcer @applyArgs $Policy
$code = $LASTEXITCODE
# 0 nothing to do or changed (or a restart pending); 1 a failure or an error.
if ($code -eq 0) { exit 0 }
[Console]::Error.WriteLine("enforcer apply exited $code; see $ReportDir\report.txt")
exit $code
