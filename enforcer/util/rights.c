/*
 * User rights and privileges. The constants are Microsoft's: "Account
 * Rights Constants" (the ten Se*LogonRight names) and "Privilege
 * Constants" (the Se*Privilege names); the display names are the Group
 * Policy setting names of "User Rights Assignment". docs/windows-semantics.md
 * gives the sources.
 */
#include "util/rights.h"

#include "util/util.h"

#include <stddef.h>
#include <string.h>

static const enf_right_info rights[] = {
    /* Account rights. */
    {"SeBatchLogonRight", "Log on as a batch job"},
    {"SeDenyBatchLogonRight", "Deny log on as a batch job"},
    {"SeDenyInteractiveLogonRight", "Deny log on locally"},
    {"SeDenyNetworkLogonRight", "Deny access to this computer from the network"},
    {"SeDenyRemoteInteractiveLogonRight", "Deny log on through Remote Desktop Services"},
    {"SeDenyServiceLogonRight", "Deny log on as a service"},
    {"SeInteractiveLogonRight", "Allow log on locally"},
    {"SeNetworkLogonRight", "Access this computer from the network"},
    {"SeRemoteInteractiveLogonRight", "Allow log on through Remote Desktop Services"},
    {"SeServiceLogonRight", "Log on as a service"},
    /* Privileges. */
    {"SeAssignPrimaryTokenPrivilege", "Replace a process level token"},
    {"SeAuditPrivilege", "Generate security audits"},
    {"SeBackupPrivilege", "Back up files and directories"},
    {"SeChangeNotifyPrivilege", "Bypass traverse checking"},
    {"SeCreateGlobalPrivilege", "Create global objects"},
    {"SeCreatePagefilePrivilege", "Create a pagefile"},
    {"SeCreatePermanentPrivilege", "Create permanent shared objects"},
    {"SeCreateSymbolicLinkPrivilege", "Create symbolic links"},
    {"SeCreateTokenPrivilege", "Create a token object"},
    {"SeDebugPrivilege", "Debug programs"},
    {"SeDelegateSessionUserImpersonatePrivilege",
     "Obtain an impersonation token for another user in the same session"},
    {"SeEnableDelegationPrivilege",
     "Enable computer and user accounts to be trusted for delegation"},
    {"SeImpersonatePrivilege", "Impersonate a client after authentication"},
    {"SeIncreaseBasePriorityPrivilege", "Increase scheduling priority"},
    {"SeIncreaseQuotaPrivilege", "Adjust memory quotas for a process"},
    {"SeIncreaseWorkingSetPrivilege", "Increase a process working set"},
    {"SeLoadDriverPrivilege", "Load and unload device drivers"},
    {"SeLockMemoryPrivilege", "Lock pages in memory"},
    {"SeMachineAccountPrivilege", "Add workstations to domain"},
    {"SeManageVolumePrivilege", "Perform volume maintenance tasks"},
    {"SeProfileSingleProcessPrivilege", "Profile single process"},
    {"SeRelabelPrivilege", "Modify an object label"},
    {"SeRemoteShutdownPrivilege", "Force shutdown from a remote system"},
    {"SeRestorePrivilege", "Restore files and directories"},
    {"SeSecurityPrivilege", "Manage auditing and security log"},
    {"SeShutdownPrivilege", "Shut down the system"},
    {"SeSyncAgentPrivilege", "Synchronize directory service data"},
    {"SeSystemEnvironmentPrivilege", "Modify firmware environment values"},
    {"SeSystemProfilePrivilege", "Profile system performance"},
    {"SeSystemtimePrivilege", "Change the system time"},
    {"SeTakeOwnershipPrivilege", "Take ownership of files or other objects"},
    {"SeTcbPrivilege", "Act as part of the operating system"},
    {"SeTimeZonePrivilege", "Change the time zone"},
    {"SeTrustedCredManAccessPrivilege", "Access Credential Manager as a trusted caller"},
    {"SeUndockPrivilege", "Remove computer from docking station"},
    /* "User Right: Not applicable": a privilege no setting assigns, but the LSA takes. */
    {"SeUnsolicitedInputPrivilege", NULL},
};

const enf_right_info *enf_right_find(const char *name)
{
	for (size_t i = 0; name && i < ENF_ARRAY_SIZE(rights); i++)
		if (strcmp(rights[i].name, name) == 0)
			return &rights[i];
	return NULL;
}

const enf_right_info *enf_right_find_nocase(const char *name)
{
	for (size_t i = 0; name && i < ENF_ARRAY_SIZE(rights); i++)
		if (enf_strcaseeq(rights[i].name, name))
			return &rights[i];
	return NULL;
}

const char *const *enf_right_names(void)
{
	static const char *names[ENF_ARRAY_SIZE(rights) + 1];
	if (!names[0])
		for (size_t i = 0; i < ENF_ARRAY_SIZE(rights); i++)
			names[i] = rights[i].name;
	return names;
}

const enf_right_info *enf_right_find_display(const char *display)
{
	for (size_t i = 0; display && i < ENF_ARRAY_SIZE(rights); i++)
		if (rights[i].display && enf_strcaseeq(rights[i].display, display))
			return &rights[i];
	return NULL;
}
