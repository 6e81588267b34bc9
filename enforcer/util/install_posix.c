/*
 * The Linux build installs nothing: the event source, the message table and
 * Task Scheduler are Windows's (docs/CLI.md, `enforcer install`). Every
 * function refuses with the same words, so no caller can half-install.
 */
#include "util/install.h"

#include "enforcer/errors.h"

static int windows_only(void)
{
	enf_error_set(
	    ENF_ERRCLASS_INVALID,
	    "install and uninstall are for Windows: run enforcer.exe on the server, as an administrator; nothing was changed");
	return ENF_EUNSUPPORTED;
}

int enf_install_supported(void)
{
	return 0;
}

int enf_install_check_admin(void)
{
	return windows_only();
}

char *enf_install_exe_path(void)
{
	windows_only();
	return NULL;
}

char *enf_install_find_git(void)
{
	windows_only();
	return NULL;
}

int enf_event_source_install(enf_install_step *out, const char *exe)
{
	(void)out;
	(void)exe;
	return windows_only();
}

int enf_event_source_uninstall(enf_install_step *out)
{
	(void)out;
	return windows_only();
}

int enf_task_install(enf_install_step *out, const enf_task_spec *spec)
{
	(void)out;
	(void)spec;
	return windows_only();
}

int enf_task_uninstall(enf_install_step *out)
{
	(void)out;
	return windows_only();
}

int enf_state_dir_purge(enf_install_step *out, const char *dir)
{
	(void)out;
	(void)dir;
	return windows_only();
}
