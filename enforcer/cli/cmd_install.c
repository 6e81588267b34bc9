/*
 * enforcer install / enforcer uninstall: set a Windows server up the way
 * Windows expects an agent to be (docs/CLI.md): the state folder, the
 * Application event source whose descriptions are enforcer.exe's message
 * table, and, with a policy, the nightly task as SYSTEM. Both commands are
 * idempotent: run again, they change nothing and say so.
 */
#include "cli.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/install.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char cmd_install_usage[] =
    "usage: enforcer install [--schedule daily@HH:MM] [POLICY]\n"
    "       enforcer install [--schedule daily@HH:MM] --repo DIR [--ref REF] [--git GIT]\n"
    "                        PATH-IN-REPO\n\n"
    "Sets this Windows server up for enforcer, as an administrator:\n"
    "  - the state folder %ProgramData%\\enforcer (run lock, journals, reports);\n"
    "  - the Application event log source 'enforcer', whose descriptions are the\n"
    "    message table in this enforcer.exe (Event Viewer, SCOM and Splunk then\n"
    "    show what events 1000-1003 mean);\n"
    "  - with a POLICY: the scheduled task \\enforcer\\nightly, run as SYSTEM every\n"
    "    day: 'enforcer apply --wait 600 --exit-codes simple --keep-days 90\n"
    "    --report-dir ...\\reports\\last' on POLICY (a file), or on PATH-IN-REPO at\n"
    "    REF of the git repository DIR, which the task fetches first ('git fetch\n"
    "    origin' with git.exe; Task Scheduler runs the apply after it either way).\n\n"
    "  --schedule daily@HH:MM   when the task runs, local time (default daily@02:30;\n"
    "                           Task Scheduler adds up to 15 minutes at random)\n"
    "  --repo DIR [--ref REF]   the policy is read from commit REF (default HEAD) of DIR\n"
    "  --git GIT                git.exe for the fetch (default: the one on PATH; without\n"
    "                           one, the task does not fetch, and install says so)\n"
    "  --show-task              print the task's XML as it would be registered, and\n"
    "                           change nothing (no administrator needed)\n\n"
    "Run again, it changes nothing and says so; with other options it updates\n"
    "what differs. enforcer.exe should stay where it is: the event source and\n"
    "the task name its path. Windows only: the Linux build refuses.\n\n"
    "Exit status: 0 installed (changed or already so); 1 usage error, not an\n"
    "administrator, or a step failed (the steps before it stay done).\n";

const char cmd_uninstall_usage[] =
    "usage: enforcer uninstall [--purge]\n\n"
    "Removes what 'enforcer install' set up: the scheduled task \\enforcer\\nightly\n"
    "and the Application event source 'enforcer' (entries already in the log stay;\n"
    "Event Viewer no longer finds their descriptions). The state folder, with its\n"
    "journals (what 'enforcer rollback' needs) and reports, is kept unless --purge\n"
    "is given, which deletes it. Run as an administrator; Windows only.\n\n"
    "Exit status: 0 removed (or already absent); 1 usage error or a step failed.\n";

typedef struct install_args {
	const char *schedule;
	const char *repo;
	const char *ref;
	const char *policy;
	const char *git;
	int show_task;
} install_args;

static int parse_install(install_args *a, int argc, char **argv)
{
	int only_operands = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **value = NULL;
		if (!only_operands && strcmp(s, "--") == 0) {
			only_operands = 1;
			continue;
		}
		if (!only_operands && strcmp(s, "--show-task") == 0) {
			a->show_task = 1;
			continue;
		}
		if (!only_operands && s[0] == '-' && s[1]) {
			if (strcmp(s, "--schedule") == 0)
				value = &a->schedule;
			else if (strcmp(s, "--repo") == 0)
				value = &a->repo;
			else if (strcmp(s, "--ref") == 0)
				value = &a->ref;
			else if (strcmp(s, "--git") == 0)
				value = &a->git;
			if (!value) {
				cli_usage_error("install", "unknown option '%s'", s);
				return -1;
			}
			if (i + 1 >= argc) {
				cli_usage_error("install", "%s needs a value", s);
				return -1;
			}
			*value = argv[++i];
			continue;
		}
		if (a->policy) {
			cli_usage_error("install", "one policy only ('%s', then '%s')", a->policy,
			                s);
			return -1;
		}
		a->policy = s;
	}
	if ((a->ref || a->git) && !a->repo) {
		cli_usage_error("install", "%s needs --repo DIR", a->ref ? "--ref" : "--git");
		return -1;
	}
	if (!a->policy && (a->repo || a->schedule || a->show_task)) {
		cli_usage_error("install", "%s needs the POLICY the task runs",
		                a->repo       ? "--repo"
		                : a->schedule ? "--schedule"
		                              : "--show-task");
		return -1;
	}
	return 0;
}

/* An existing path as Windows shows it (absolute, backslashes); NULL with a message. */
static char *absolute(const char *what, const char *path)
{
	char *abs = enf_path_absolute(path);
	if (!abs) {
		cli_fprintf(stderr,
		            "enforcer install: %s '%s' does not exist; nothing was changed\n", what,
		            path);
		return NULL;
	}
	for (char *p = abs; *p; p++)
		if (*p == '/')
			*p = ENF_PATH_SEP;
	return abs;
}

static void step(const char *what, enf_install_step s, int *changed)
{
	cli_printf("%s: %s\n", what, enf_install_step_name(s));
	if (s != ENF_STEP_UNCHANGED && s != ENF_STEP_ABSENT)
		(*changed)++;
}

static int step_failed(const char *cmd, int changed)
{
	const enf_error *e = enf_error_last();
	cli_fprintf(stderr, "enforcer %s: %s\n", cmd, e ? e->message : "unknown error");
	if (changed)
		cli_fprintf(stderr,
		            "enforcer %s: the %d change%s above stay%s made; run it again once "
		            "this is fixed\n",
		            cmd, changed, changed == 1 ? "" : "s", changed == 1 ? "s" : "");
	return CLI_EXIT_ERROR;
}

static int run_install(const install_args *a, const enf_schedule *at)
{
	int rc = CLI_EXIT_ERROR, changed = 0;
	enf_install_step s = ENF_STEP_UNCHANGED;
	char *exe = NULL, *dir = NULL, *repo = NULL, *policy = NULL, *what = NULL, *git = NULL;
	if ((!a->show_task && enf_install_check_admin()) || !(exe = enf_install_exe_path()) ||
	    !(dir = enf_default_state_dir())) {
		cli_print_last_error("install");
		goto done;
	}
	/* The task runs from the state folder: what it names must not depend on today's folder. */
	if (a->repo ? !(repo = absolute("--repo", a->repo)) || !(policy = enf_strdup(a->policy))
	            : a->policy && !(policy = absolute("the policy", a->policy)))
		goto done;
	/* The task fetches the repository with git.exe: the one named, else the PATH's. */
	if (repo && (a->git ? !(git = absolute("--git", a->git)) : 0))
		goto done;
	if (repo && !git && !(git = enf_install_find_git()))
		enf_error_clear();
	if (a->show_task) {
		enf_task_spec spec = {exe, *at, repo, a->ref, policy, dir, git};
		char *xml = NULL;
		if (enf_task_xml(&xml, &spec)) {
			cli_print_last_error("install");
			goto done;
		}
		/* Registered as UTF-16 text; printed as UTF-8, and its declaration says so. */
		const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>";
		size_t n = strlen(decl);
		/* As written: XML the task scheduler takes, its text escaped as XML (task_xml). */
		if (strncmp(xml, decl, n) == 0)
			fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", stdout);
		fputs(strncmp(xml, decl, n) == 0 ? xml + n : xml, stdout);
		free(xml);
		rc = CLI_EXIT_OK;
		goto done;
	}
	s = enf_path_exists(dir) ? ENF_STEP_UNCHANGED : ENF_STEP_CREATED;
	/* As every run makes it: a protected DACL (SYSTEM, Administrators), then checked. */
	if (enf_state_dir_create(dir)) {
		rc = step_failed("install", changed);
		goto done;
	}
	what = enf_asprintf("state folder %s", dir);
	step(what, s, &changed);
	free(what);
	if (enf_event_source_install(&s, exe)) {
		rc = step_failed("install", changed);
		goto done;
	}
	what = enf_asprintf("event source '%s' (Application log; descriptions from %s)",
	                    ENF_EVENT_SOURCE, exe);
	step(what, s, &changed);
	free(what);
	if (policy) {
		enf_task_spec spec = {exe, *at, repo, a->ref, policy, dir, git};
		if (enf_task_install(&s, &spec)) {
			rc = step_failed("install", changed);
			goto done;
		}
		what = enf_asprintf("scheduled task %s (daily at %02u:%02u as SYSTEM)",
		                    ENF_TASK_PATH, at->hour, at->minute);
		step(what, s, &changed);
		free(what);
		/* A fetch moves origin's branches, not a local one: a local --ref stays as it was.
		 */
		const char *ref = a->ref ? a->ref : "HEAD";
		if (repo && git && strncmp(ref, "origin/", 7) != 0)
			cli_printf(
			    "note: the task fetches origin, but --ref %s is not one of origin's "
			    "branches, which the fetch moves: write --ref origin/BRANCH to enforce "
			    "what was fetched\n",
			    ref);
		if (repo && !git)
			cli_printf(
			    "note: git.exe is not on PATH, so the task does not fetch %s before it "
			    "applies: install Git for Windows and run this again, give --git PATH, or "
			    "keep %s current another way\n",
			    repo, repo);
	}
	if (changed)
		cli_printf("enforcer is installed: %d change%s made.\n", changed,
		           changed == 1 ? "" : "s");
	else
		cli_printf("enforcer was already installed as asked: nothing changed.\n");
	rc = CLI_EXIT_OK;
done:
	free(exe);
	free(dir);
	free(repo);
	free(policy);
	free(git);
	return rc;
}

int cmd_install(int argc, char **argv)
{
	install_args a = {0};
	enf_schedule at = {0, 0};
	if (argc >= 2 && cli_is_help(argv[1])) {
		fputs(cmd_install_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (parse_install(&a, argc, argv))
		return CLI_EXIT_ERROR;
	if (enf_schedule_parse(&at, a.schedule ? a.schedule : ENF_SCHEDULE_DEFAULT)) {
		cli_print_last_error("install");
		return CLI_EXIT_ERROR;
	}
	return run_install(&a, &at);
}

int cmd_uninstall(int argc, char **argv)
{
	int purge = 0, changed = 0;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(cmd_uninstall_usage, stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--purge") != 0) {
			cli_usage_error("uninstall", "unknown argument '%s'", argv[i]);
			return CLI_EXIT_ERROR;
		}
		purge = 1;
	}
	enf_install_step s = ENF_STEP_ABSENT;
	char *dir = NULL, *what = NULL;
	int rc = CLI_EXIT_ERROR;
	if (enf_install_check_admin() || !(dir = enf_default_state_dir())) {
		cli_print_last_error("uninstall");
		goto done;
	}
	if (enf_task_uninstall(&s)) {
		rc = step_failed("uninstall", changed);
		goto done;
	}
	step("scheduled task " ENF_TASK_PATH, s, &changed);
	if (enf_event_source_uninstall(&s)) {
		rc = step_failed("uninstall", changed);
		goto done;
	}
	step("event source '" ENF_EVENT_SOURCE "'", s, &changed);
	what = enf_asprintf("state folder %s", dir);
	if (!purge) {
		cli_printf("%s: kept, with its journals and reports (--purge deletes it)\n", what);
	} else if (enf_state_dir_purge(&s, dir)) {
		rc = step_failed("uninstall", changed);
		goto done;
	} else {
		step(what, s, &changed);
	}
	if (changed)
		cli_printf("enforcer is uninstalled: %d change%s made.\n", changed,
		           changed == 1 ? "" : "s");
	else
		cli_printf("enforcer was not installed: nothing changed.\n");
	rc = CLI_EXIT_OK;
done:
	free(what);
	free(dir);
	return rc;
}
