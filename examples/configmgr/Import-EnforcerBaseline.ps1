# Creates the configuration item and baseline in Configuration Manager, from a
# console with the ConfigurationManager module, on the site drive (PS XYZ:\>).
#   .\Import-EnforcerBaseline.ps1 -Collection 'Lync Front End servers'
param(
    [Parameter(Mandatory = $true)] [string] $Collection,
    [string] $Name = 'enforcer: Lync/SfB Front End policy'
)
$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path

$ci = New-CMConfigurationItem -Name $Name -CreationType WindowsOS `
    -Description 'enforcer plan decides compliance; enforcer apply remediates'
$ci | Add-CMComplianceSettingScript -Name 'enforcer plan' -DataType String `
    -DiscoveryScriptLanguage PowerShell -DiscoveryScriptFile (Join-Path $here 'Discover-Enforcer.ps1') `
    -RemediationScriptLanguage PowerShell -RemediationScriptFile (Join-Path $here 'Remediate-Enforcer.ps1') `
    -Is64Bit -ExpectedValue 'Compliant' -ExpressionOperator IsEquals -Remediate `
    -RuleName 'plan reports compliant' -NoncomplianceSeverity Warning | Out-Null

$baseline = New-CMBaseline -Name $Name
Set-CMBaseline -InputObject $baseline -AddOSConfigurationItem $ci.CI_ID | Out-Null
# Evaluated once a day.
$sched = New-CMSchedule -DurationInterval Days -DurationCount 0 -RecurInterval Days -RecurCount 1
New-CMBaselineDeployment -InputObject $baseline -CollectionName $Collection `
    -EnableEnforcement $true -Schedule $sched | Out-Null
Write-Output "Created and deployed '$Name' to '$Collection'"
