/*
 * `enforcer install` and `uninstall` (docs/CLI.md): the schedule, the
 * nightly task's command line and XML, byte for byte, and the Linux build's
 * refusal. What they do to a Windows machine is tested under Wine
 * (tests/win32/e2e-install.sh).
 */
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/install.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *msg(void)
{
	const enf_error *e = enf_error_last();
	return e ? e->message : "";
}

Test(install, schedule_daily_at_hh_mm)
{
	enf_schedule at = {99, 99};
	cr_expect_eq(enf_schedule_parse(&at, "daily@02:30"), 0);
	cr_expect_eq(at.hour, 2);
	cr_expect_eq(at.minute, 30);
	cr_expect_eq(enf_schedule_parse(&at, "daily@00:00"), 0);
	cr_expect(at.hour == 0 && at.minute == 0);
	cr_expect_eq(enf_schedule_parse(&at, "daily@23:59"), 0);
	cr_expect(at.hour == 23 && at.minute == 59);
}

Test(install, schedule_refused_with_what_is_accepted)
{
	static const char *const bad[] = {
	    "daily@24:00", "daily@02:60",  "daily@2:30", "daily@02:30 ",
	    "Daily@02:30", "weekly@02:30", "02:30",      "daily@",
	    "daily@0a:30", "daily@02-30",  "",           "daily@+2:30"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enf_schedule at = {7, 8};
		cr_expect_eq(enf_schedule_parse(&at, bad[i]), ENF_EINVALID, "'%s'", bad[i]);
		cr_expect(at.hour == 7 && at.minute == 8, "'%s' changed the output", bad[i]);
		char *want = enf_asprintf(
		    "--schedule '%s': write daily@HH:MM, the local time of the daily run on a 24-hour clock (00:00 to 23:59), e.g. daily@02:30",
		    bad[i]);
		cr_expect_str_eq(msg(), want);
		free(want);
	}
}

/* What CommandLineToArgvW reads back, for each way an argument must be quoted. */
Test(install, command_line_quoting)
{
	static const struct {
		const char *arg, *quoted;
	} cases[] = {
	    {"apply", "apply"},
	    {"C:\\policies", "C:\\policies"},
	    {"C:\\Program Files\\enforcer", "\"C:\\Program Files\\enforcer\""},
	    {"C:\\my policies\\", "\"C:\\my policies\\\\\""},
	    {"say \"hi\"", "\"say \\\"hi\\\"\""},
	    {"a\\\"b", "\"a\\\\\\\"b\""},
	    {"", "\"\""},
	    {"tab\there", "\"tab\there\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enf_buf b = ENF_BUF_INIT;
		enf_cmdline_append(&b, cases[i].arg);
		char *got = enf_buf_detach(&b);
		cr_expect_str_eq(got, cases[i].quoted, "argument '%s'", cases[i].arg);
		free(got);
	}
}

Test(install, task_arguments_repo_and_file)
{
	enf_task_spec spec = {"C:\\Program Files\\enforcer\\enforcer.exe",
	                      {2, 30},
	                      "C:\\policy repos\\lync",
	                      "origin/main",
	                      "policies/edge.yaml",
	                      "C:\\ProgramData\\enforcer",
	                      NULL};
	char *args = enf_task_arguments(&spec);
	cr_expect_str_eq(
	    args,
	    "apply --wait 600 --exit-codes simple --keep-days 90 --report-dir C:\\ProgramData\\enforcer\\reports\\last"
	    " --repo \"C:\\policy repos\\lync\" --ref origin/main -- "
	    "policies/edge.yaml");
	free(args);
	spec.repo = NULL;
	spec.ref = NULL;
	spec.policy = "C:\\policies\\-edge.yaml";
	args = enf_task_arguments(&spec);
	cr_expect_str_eq(
	    args,
	    "apply --wait 600 --exit-codes simple --keep-days 90 --report-dir C:\\ProgramData\\enforcer\\reports\\last"
	    " -- C:\\policies\\-edge.yaml");
	free(args);
}

/* The whole XML, against tests/resources/install/nightly.xml (schema 1.2, as SYSTEM). */
Test(install, task_xml_exact)
{
	enf_task_spec spec = {"C:\\Program Files\\enforcer\\enforcer.exe",
	                      {3, 5},
	                      "C:\\R&D <policies>",
	                      "release's",
	                      "edge.yaml",
	                      "C:\\ProgramData\\enforcer",
	                      "C:\\Program Files\\Git\\cmd\\git.exe"};
	char *xml = NULL;
	cr_assert_eq(enf_task_xml(&xml, &spec), 0);
	char *path = enf_asprintf("%s/install/nightly.xml", th_resources());
	char *want = NULL;
	size_t len = 0;
	cr_assert_eq(enf_read_file(&want, &len, path, 1 << 16), 0, "%s", path);
	cr_expect_str_eq(xml, want);
	free(want);
	free(path);
	free(xml);
}

/*
 * examples/scheduled-task's two actions are the ones install registers for
 * a repository: the same fetch (quoted git.exe, safe.directory, origin) and
 * the same quoted enforcer.exe, so that the example and the task cannot drift.
 */
Test(install, the_example_task_fetches_as_install_does)
{
	enf_task_spec spec = {"C:\\Program Files\\enforcer\\enforcer.exe",
	                      {2, 30},
	                      "C:\\policies",
	                      "origin/main",
	                      "policies/edge.yaml",
	                      "C:\\ProgramData\\enforcer",
	                      "C:\\Program Files\\Git\\cmd\\git.exe"};
	char *path =
	    enf_asprintf("%s/../../examples/scheduled-task/enforcer-nightly.xml", th_resources());
	char *example = NULL;
	size_t len = 0;
	cr_assert_eq(enf_read_file(&example, &len, path, 1 << 16), 0, "%s", path);
	char *git = enf_task_command(spec.git), *exe = enf_task_command(spec.exe);
	char *fetch = enf_task_fetch_arguments(&spec);
	cr_expect_str_eq(git, "\"C:\\Program Files\\Git\\cmd\\git.exe\"");
	cr_expect_str_eq(fetch,
	                 "-c safe.directory=C:/policies -C C:\\policies fetch --quiet origin");
	char *want = enf_asprintf(
	    "    <Exec>\n      <Command>%s</Command>\n      <Arguments>%s</Arguments>\n"
	    "    </Exec>\n    <Exec>\n      <Command>%s</Command>\n",
	    git, fetch, exe);
	cr_expect(strstr(example, want) != NULL, "the example's actions are not:\n%s", want);
	/* A path without a space is left as it is; a repository with one is quoted for git. */
	char *plain = enf_task_command("C:\\enforcer\\enforcer.exe");
	cr_expect_str_eq(plain, "C:\\enforcer\\enforcer.exe");
	spec.repo = "D:\\policy repos\\lync";
	char *spaced = enf_task_fetch_arguments(&spec);
	cr_expect_str_eq(spaced, "-c \"safe.directory=D:/policy repos/lync\" -C \"D:\\policy "
	                         "repos\\lync\" fetch --quiet origin");
	free(spaced);
	free(plain);
	free(want);
	free(fetch);
	free(git);
	free(exe);
	free(example);
	free(path);
}

Test(install, step_names)
{
	cr_expect_str_eq(enf_install_step_name(ENF_STEP_UNCHANGED), "already as asked, unchanged");
	cr_expect_str_eq(enf_install_step_name(ENF_STEP_CREATED), "created");
	cr_expect_str_eq(enf_install_step_name(ENF_STEP_UPDATED), "updated");
	cr_expect_str_eq(enf_install_step_name(ENF_STEP_REMOVED), "removed");
	cr_expect_str_eq(enf_install_step_name(ENF_STEP_ABSENT), "not there, nothing to remove");
}

#define WINDOWS_ONLY                                                                               \
	"install and uninstall are for Windows: run enforcer.exe on the server, as an administrator; nothing was changed\n"

/* The Linux build has nothing to install: exit 1, saying so, and nothing is written. */
Test(install, linux_build_refuses)
{
	char *dir = th_tmpdir();
	th_cli_result r = th_run_cli(dir, ARGS("install"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: install: " WINDOWS_ONLY);
	cr_expect_str_empty(r.out);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("install", "--schedule", "daily@04:00", "edge.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: install: " WINDOWS_ONLY);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("uninstall", "--purge"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "enforcer: uninstall: " WINDOWS_ONLY);
	th_cli_free(&r);
	char **names = NULL;
	size_t n = 99;
	cr_expect_eq(enf_dir_entries(&names, &n, dir), 0);
	cr_expect_eq(n, 0, "the command wrote into its folder");
	free(names);
	free(dir);
}

/* Usage errors come first, on every build: exit 1 and what to do. */
Test(install, usage_errors)
{
	const struct {
		const char *const *argv;
		const char *err;
	} cases[] = {
	    {ARGS("install", "--schedule", "daily@25:00", "edge.yaml"),
	     "enforcer: install: --schedule 'daily@25:00': write daily@HH:MM, the local time of the daily run on a 24-hour clock (00:00 to 23:59), e.g. daily@02:30\n"},
	    {ARGS("install", "--schedule", "daily@02:30"),
	     "enforcer install: --schedule needs the POLICY the task runs\n"
	     "See 'enforcer install --help'.\n"},
	    {ARGS("install", "--repo", "C:\\policies"),
	     "enforcer install: --repo needs the POLICY the task runs\n"
	     "See 'enforcer install --help'.\n"},
	    {ARGS("install", "--ref", "main", "edge.yaml"),
	     "enforcer install: --ref needs --repo DIR\nSee 'enforcer install --help'.\n"},
	    {ARGS("install", "a.yaml", "b.yaml"),
	     "enforcer install: one policy only ('a.yaml', then 'b.yaml')\n"
	     "See 'enforcer install --help'.\n"},
	    {ARGS("install", "--force"),
	     "enforcer install: unknown option '--force'\nSee 'enforcer install --help'.\n"},
	    {ARGS("install", "edge.yaml", "--schedule"),
	     "enforcer install: --schedule needs a value\nSee 'enforcer install --help'.\n"},
	    {ARGS("uninstall", "--force"),
	     "enforcer uninstall: unknown argument '--force'\nSee 'enforcer uninstall --help'.\n"},
	};
	char *dir = th_tmpdir();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		th_cli_result r = th_run_cli(dir, cases[i].argv, NULL);
		cr_expect_eq(r.code, 1, "case %zu", i);
		cr_expect_str_eq(r.err, cases[i].err, "case %zu", i);
		th_cli_free(&r);
	}
	th_cli_result r = th_run_cli(dir, ARGS("install", "--help"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(
	    strncmp(r.out, "usage: enforcer install [--schedule daily@HH:MM] [POLICY]\n", 58) == 0);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("uninstall", "--help"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strncmp(r.out, "usage: enforcer uninstall [--purge]\n", 36) == 0);
	th_cli_free(&r);
	free(dir);
}
