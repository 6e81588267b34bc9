/*
 * The platform-neutral half of `enforcer install` (util/install.h): the
 * schedule, the task's command line and its Task Scheduler XML. Kept apart
 * from install_win32.c so that the Linux tests check every byte.
 */
#include "util/install.h"

#include "enforcer/errors.h"

#include <stdlib.h>
#include <string.h>

static int two_digits(unsigned *out, const char *s, unsigned max)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*out = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
	return *out <= max ? 0 : -1;
}

int enf_schedule_parse(enf_schedule *out, const char *text)
{
	static const char prefix[] = "daily@";
	enf_schedule at = {0, 0};
	const char *t = text ? text : "";
	size_t n = strlen(prefix);
	if (strncmp(t, prefix, n) != 0 || strlen(t) != n + 5 || t[n + 2] != ':' ||
	    two_digits(&at.hour, t + n, 23) || two_digits(&at.minute, t + n + 3, 59)) {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "--schedule '%s': write daily@HH:MM, the local time of the daily run on a 24-hour clock (00:00 to 23:59), e.g. %s",
		    t, ENF_SCHEDULE_DEFAULT);
		return ENF_EINVALID;
	}
	*out = at;
	return 0;
}

void enf_cmdline_append(enf_buf *b, const char *arg)
{
	if (b->len)
		enf_buf_puts(b, " ");
	if (*arg && !strpbrk(arg, " \t\n\v\"")) {
		enf_buf_puts(b, arg);
		return;
	}
	/*
	 * Inside quotes, backslashes are literal unless a quote follows them:
	 * then 2n backslashes stand for n, and 2n+1 for n and a literal quote.
	 */
	enf_buf_puts(b, "\"");
	for (const char *p = arg;; p++) {
		size_t slashes = 0;
		while (*p == '\\') {
			slashes++;
			p++;
		}
		if (!*p) {
			for (size_t i = 0; i < slashes * 2; i++)
				enf_buf_puts(b, "\\");
			break;
		}
		size_t keep = *p == '"' ? slashes * 2 + 1 : slashes;
		for (size_t i = 0; i < keep; i++)
			enf_buf_puts(b, "\\");
		enf_buf_put(b, p, 1);
	}
	enf_buf_puts(b, "\"");
}

char *enf_task_arguments(const enf_task_spec *spec)
{
	enf_buf b = ENF_BUF_INIT;
	/* The nightly run waits for a run an administrator started by hand. */
	enf_cmdline_append(&b, "apply");
	enf_cmdline_append(&b, "--wait");
	enf_cmdline_append(&b, "600");
	/* Task Scheduler shows Puppet's 2 (changed) as "(0x2)", read as "file not found". */
	enf_cmdline_append(&b, "--exit-codes");
	enf_cmdline_append(&b, "simple");
	/* A nightly run a year: keep three months of runs and journals. */
	enf_cmdline_append(&b, "--keep-days");
	enf_cmdline_append(&b, "90");
	/* A Windows path, on every build: the task is Windows's. */
	char *reports = enf_asprintf("%s\\reports\\last", spec->state_dir);
	if (!reports) {
		enf_buf_clear(&b);
		return NULL;
	}
	enf_cmdline_append(&b, "--report-dir");
	enf_cmdline_append(&b, reports);
	free(reports);
	if (spec->repo) {
		enf_cmdline_append(&b, "--repo");
		enf_cmdline_append(&b, spec->repo);
	}
	if (spec->repo && spec->ref) {
		enf_cmdline_append(&b, "--ref");
		enf_cmdline_append(&b, spec->ref);
	}
	/* "--" so that a policy whose name starts with '-' is not read as an option. */
	enf_cmdline_append(&b, "--");
	enf_cmdline_append(&b, spec->policy);
	return enf_buf_detach(&b);
}

char *enf_task_command(const char *path)
{
	/* Task Scheduler starts "C:\Program" from an unquoted path with a space in it. */
	return strchr(path, ' ') ? enf_asprintf("\"%s\"", path) : enf_strdup(path);
}

char *enf_task_fetch_arguments(const enf_task_spec *spec)
{
	if (!spec->repo)
		return NULL;
	enf_buf b = ENF_BUF_INIT;
	/*
	 * The task runs as SYSTEM, and git refuses a repository another account
	 * owns ("dubious ownership") unless safe.directory names it, which git
	 * reads from the command line but never from the repository itself.
	 */
	char *safe = enf_asprintf("safe.directory=%s", spec->repo);
	if (!safe) {
		enf_buf_clear(&b);
		return NULL;
	}
	for (char *p = safe; *p; p++)
		if (*p == '\\')
			*p = '/';
	enf_cmdline_append(&b, "-c");
	enf_cmdline_append(&b, safe);
	free(safe);
	enf_cmdline_append(&b, "-C");
	enf_cmdline_append(&b, spec->repo);
	enf_cmdline_append(&b, "fetch");
	enf_cmdline_append(&b, "--quiet");
	enf_cmdline_append(&b, "origin");
	return enf_buf_detach(&b);
}

char *enf_task_start_boundary(const enf_schedule *at)
{
	/* A day in the past: the first run is the next HH:MM after registration. */
	return enf_asprintf("2020-01-01T%02u:%02u:00", at->hour, at->minute);
}

static void xml_element(enf_buf *b, const char *indent, const char *name, const char *value)
{
	enf_buf_printf(b, "%s<%s>", indent, name);
	enf_buf_put_xml(b, value, "&apos;");
	enf_buf_printf(b, "</%s>\n", name);
}

int enf_task_xml(char **out, const enf_task_spec *spec)
{
	enf_buf b = ENF_BUF_INIT;
	char *args = enf_task_arguments(spec);
	char *start = enf_task_start_boundary(&spec->at);
	char *command = enf_task_command(spec->exe);
	int fetch = spec->repo && spec->git;
	char *git = fetch ? enf_task_command(spec->git) : NULL;
	char *fetch_args = fetch ? enf_task_fetch_arguments(spec) : NULL;
	if (!args || !start || !command || (fetch && (!git || !fetch_args))) {
		free(args);
		free(start);
		free(command);
		free(git);
		free(fetch_args);
		return enf_error_oom();
	}
	/* The same settings as examples/scheduled-task/enforcer-nightly.xml. */
	enf_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
	                 "<Task version=\"1.2\" "
	                 "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
	                 "  <RegistrationInfo>\n"
	                 "    <Description>enforcer: converge this server to its policy every "
	                 "day (registered by 'enforcer install')</Description>\n"
	                 "    <URI>" ENF_TASK_PATH "</URI>\n"
	                 "  </RegistrationInfo>\n"
	                 "  <Triggers>\n"
	                 "    <CalendarTrigger>\n");
	xml_element(&b, "      ", "StartBoundary", start);
	enf_buf_puts(&b, "      <RandomDelay>PT15M</RandomDelay>\n"
	                 "      <ScheduleByDay>\n"
	                 "        <DaysInterval>1</DaysInterval>\n"
	                 "      </ScheduleByDay>\n"
	                 "      <Enabled>true</Enabled>\n"
	                 "    </CalendarTrigger>\n"
	                 "  </Triggers>\n"
	                 "  <Principals>\n"
	                 "    <Principal id=\"System\">\n"
	                 "      <UserId>S-1-5-18</UserId>\n"
	                 "      <RunLevel>HighestAvailable</RunLevel>\n"
	                 "    </Principal>\n"
	                 "  </Principals>\n"
	                 "  <Settings>\n"
	                 "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n"
	                 "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n"
	                 "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n"
	                 "    <StartWhenAvailable>true</StartWhenAvailable>\n"
	                 "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>\n"
	                 "    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>\n"
	                 "    <Priority>7</Priority>\n"
	                 "    <Enabled>true</Enabled>\n"
	                 "  </Settings>\n"
	                 "  <Actions Context=\"System\">\n");
	/* Task Scheduler runs a task's actions in order: the fetch, then the apply. */
	if (fetch) {
		enf_buf_puts(&b, "    <Exec>\n");
		xml_element(&b, "      ", "Command", git);
		xml_element(&b, "      ", "Arguments", fetch_args);
		enf_buf_puts(&b, "    </Exec>\n");
	}
	enf_buf_puts(&b, "    <Exec>\n");
	xml_element(&b, "      ", "Command", command);
	xml_element(&b, "      ", "Arguments", args);
	xml_element(&b, "      ", "WorkingDirectory", spec->state_dir);
	enf_buf_puts(&b, "    </Exec>\n"
	                 "  </Actions>\n"
	                 "</Task>\n");
	free(args);
	free(start);
	free(command);
	free(git);
	free(fetch_args);
	*out = enf_buf_detach(&b);
	return *out ? 0 : enf_error_oom();
}

const char *enf_install_step_name(enf_install_step step)
{
	switch (step) {
	case ENF_STEP_CREATED:
		return "created";
	case ENF_STEP_UPDATED:
		return "updated";
	case ENF_STEP_REMOVED:
		return "removed";
	case ENF_STEP_ABSENT:
		return "not there, nothing to remove";
	case ENF_STEP_UNCHANGED:
		break;
	}
	return "already as asked, unchanged";
}
