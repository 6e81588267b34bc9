/*
 * What `enforcer install` and `enforcer uninstall` set up on a Windows
 * server (docs/CLI.md): the state folder, the Application event source with
 * the exe's message table, and the nightly scheduled task.
 *
 * install.c holds what is the same everywhere (the schedule, the task's
 * command line and XML), so that the Linux tests check it byte for byte;
 * install_win32.c talks to the registry and Task Scheduler; install_posix.c
 * says that the Linux build has nothing to install.
 */
#ifndef ENFORCER_UTIL_INSTALL_H
#define ENFORCER_UTIL_INSTALL_H

#include "util/util.h"

/* The event source, its registry key (under HKLM) and the task's path. */
#define ENF_EVENT_SOURCE "enforcer"
#define ENF_EVENT_SOURCE_KEY                                                                       \
	"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" ENF_EVENT_SOURCE
#define ENF_TASK_FOLDER      "\\enforcer"
#define ENF_TASK_PATH        "\\enforcer\\nightly"
#define ENF_SCHEDULE_DEFAULT "daily@02:30"

/* A --schedule value: "daily@HH:MM", local time, 24-hour clock. */
typedef struct enf_schedule {
	unsigned hour;
	unsigned minute;
} enf_schedule;

/* ENF_EINVALID with the last error saying what is accepted. */
int enf_schedule_parse(enf_schedule *out, const char *text);

/* What the nightly task runs. */
typedef struct enf_task_spec {
	const char *exe; /* absolute path of enforcer.exe */
	enf_schedule at;
	const char *repo; /* with ref: a policy repository; NULL: POLICY is a file */
	const char *ref;
	const char *policy; /* a path in the repository at ref, or an absolute file path */
	const char *state_dir;
	const char *git; /* with repo: git.exe, which fetches it first; NULL: no fetch */
} enf_task_spec;

/*
 * Appends one argument to a Windows command line so that the C runtime
 * (and CommandLineToArgvW) reads it back as it was: quoted when it holds a
 * space, a tab or a quote, or is empty; backslashes doubled before a quote.
 */
void enf_cmdline_append(enf_buf *b, const char *arg);

/* The task's arguments: "apply --wait 600 [--repo DIR --ref REF] POLICY"; malloc'd. */
char *enf_task_arguments(const enf_task_spec *spec);

/*
 * A Command for Task Scheduler: the path in double quotes when it holds a
 * space (C:\Program Files\...), as it is otherwise; malloc'd.
 */
char *enf_task_command(const char *path);

/*
 * The fetch action's arguments, "-c safe.directory=D:/policies -C D:\policies
 * fetch --quiet origin"; malloc'd. NULL without spec->repo.
 */
char *enf_task_fetch_arguments(const enf_task_spec *spec);

/* The task's StartBoundary, "2026-01-01THH:MM:00"; malloc'd. */
char *enf_task_start_boundary(const enf_schedule *at);

/* The Task Scheduler XML (schema 1.2) of the nightly task, as SYSTEM. */
int enf_task_xml(char **out, const enf_task_spec *spec);

/* What one install or uninstall step did. */
typedef enum enf_install_step {
	ENF_STEP_UNCHANGED = 0, /* already as asked */
	ENF_STEP_CREATED,
	ENF_STEP_UPDATED,
	ENF_STEP_REMOVED,
	ENF_STEP_ABSENT /* uninstall: there was nothing to remove */
} enf_install_step;

/* "created", "already as asked", ...: for the CLI's lines. */
const char *enf_install_step_name(enf_install_step step);

/* 1 when this build can install (Windows), 0 on Linux. */
int enf_install_supported(void);

/*
 * 0 when the process runs with the Administrators group enabled in its
 * token (elevated); ENF_EACCESS with a message saying what to do otherwise.
 */
int enf_install_check_admin(void);

/* The running exe's absolute path; malloc'd, NULL on failure (last error set). */
char *enf_install_exe_path(void);

/* git.exe as the PATH finds it (absolute), or NULL when it is not there; malloc'd. */
char *enf_install_find_git(void);

/*
 * The Application event source: HKLM\<ENF_EVENT_SOURCE_KEY> with
 * EventMessageFile = exe and TypesSupported = error | warning | information.
 */
int enf_event_source_install(enf_install_step *out, const char *exe);
int enf_event_source_uninstall(enf_install_step *out);

/* The task ENF_TASK_PATH, registered as SYSTEM (TASK_LOGON_SERVICE_ACCOUNT). */
int enf_task_install(enf_install_step *out, const enf_task_spec *spec);
int enf_task_uninstall(enf_install_step *out);

/*
 * Deletes the state folder and everything in it; a junction or symbolic
 * link inside is removed itself, never followed.
 */
int enf_state_dir_purge(enf_install_step *out, const char *dir);

#endif
