/*
 * What reaches a terminal: names read from a target with escape sequences
 * in them are shown escaped, never raw (util/shown.c, cli/cli_print.c),
 * and account names that only look alike are told apart by their SIDs
 * (engine/accounts.c). docs/CLI.md, "Control characters in output" and
 * "Accounts that look alike".
 */
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

TestSuite(terminal, .fini = th_cleanup);

static char *shown(const char *s, size_t n, int flags)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "");
	enf_buf_put_shown(&b, s, n, flags);
	return enf_buf_detach(&b);
}

#define EXPECT_SHOWN(in, flags, want)                                                              \
	do {                                                                                       \
		char *got = shown(in, sizeof(in) - 1, flags);                                      \
		cr_expect_str_eq(got, want);                                                       \
		free(got);                                                                         \
	} while (0)

Test(terminal, each_kind_of_control_has_one_visible_form)
{
	/* ESC [ 2 J, BEL, C1 CSI (U+009B), RLO (U+202E), LRI (U+2066), DEL, a NUL. */
	EXPECT_SHOWN("a\x1b[2J\x07"
	             "b\xc2\x9b"
	             "31m\xe2\x80\xae"
	             "c\xe2\x81\xa6\x7f\0z",
	             0, "a\\x1b[2J\\x07b\\u009b31m\\u202ec\\u2066\\x7f\\x00z");
	/* Newline, tab and CR are escaped in a value; layout keeps newline and tab. */
	EXPECT_SHOWN("a\nb\tc\rd", 0, "a\\x0ab\\x09c\\x0dd");
	EXPECT_SHOWN("a\nb\tc\rd", ENF_SHOWN_LAYOUT, "a\nb\tc\\x0dd");
	/* Printable non-ASCII, and the other format characters, stay as they are. */
	EXPECT_SHOWN("svc\xe2\x80\x90lync \xc3\xa9\xe2\x80\x8b", 0,
	             "svc\xe2\x80\x90lync \xc3\xa9\xe2\x80\x8b");
}

Test(terminal, invalid_utf8_is_shown_byte_by_byte)
{
	/* A stray continuation byte, 0xFF, an overlong '/', a surrogate, a cut sequence. */
	EXPECT_SHOWN("a\x80"
	             "b\xff"
	             "c\xc0\xaf"
	             "d\xed\xa0\x80"
	             "e\xe2\x80",
	             0, "a\\x80b\\xffc\\xc0\\xafd\\xed\\xa0\\x80e\\xe2\\x80");
	EXPECT_SHOWN("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
	EXPECT_SHOWN("\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80");     /* U+1F600 is text */
}

Test(terminal, backslashes_are_doubled_only_where_they_could_be_misread)
{
	/* Windows names and UNC paths read as before. */
	EXPECT_SHOWN("CONTOSO\\svc-lync \\\\server\\share C:\\x", 0,
	             "CONTOSO\\svc-lync \\\\server\\share C:\\x");
	/* Text that reads as an escape, and backslashes right before a real one. */
	EXPECT_SHOWN("a\\x1b b\\u202e c\\\x1b", 0, "a\\\\x1b b\\\\u202e c\\\\\\x1b");
	/* JSON keeps its own escapes; only what JSON holds raw is escaped, as JSON. */
	EXPECT_SHOWN("{\"a\": \"\\\\x1b\\u001b\xc2\x9b\xe2\x80\xae\x7f\"}\n", ENF_SHOWN_JSON,
	             "{\"a\": \"\\\\x1b\\u001b\\u009b\\u202e\\u007f\"}\n");
}

/* A service whose log-on account was set to text that acts on a terminal. */
static const char hostile_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\",\n"
    " \"facts\": {\"host.name\": \"EDGE01\"},\n"
    " \"services\": {\"RTCSRV\": {\"logon\": "
    "\"EVIL\\\\a\\u001b[2J\\u0007\\u009b31m\\u202eb\","
    " \"description\": \"\\u001b]0;pwned\\u0007\\u202e\","
    " \"password_stored\": true, \"startup\": \"automatic\", \"state\": \"stopped\"}}}\n";

static const char service_policy[] = "enforcer: 1\n"
                                     "name: t\n"
                                     "resources:\n"
                                     "  - type: service\n"
                                     "    id: access-edge\n"
                                     "    name: RTCSRV\n"
                                     "    logon: NetworkService\n";

static int has_raw_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r') || *p == 0x7F ||
		    (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) ||
		    (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE))
			return 1;
	return 0;
}

Test(terminal, a_hostile_logon_is_escaped_in_the_plan_and_in_report_txt)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "server.json", hostile_snapshot));
	free(th_write(dir, "policy.yaml", service_policy));
	th_cli_result r = th_run_cli(dir,
	                             ARGS("plan", "--target", "snapshot:server.json",
	                                  "--report-dir", "r", "--color", "never", "policy.yaml"),
	                             NULL);
	cr_expect_eq(r.code, 2); /* drift, as for any other log-on */
	const char *line =
	    "drift       access-edge: change RTCSRV log-on "
	    "EVIL\\a\\x1b[2J\\x07\\u009b31m\\u202eb (SID unknown: no such account) -> "
	    "NetworkService (S-1-5-20), clear password\n"
	    "Plan: 1 to change, 0 failed, 0 compliant, 0 skipped, 0 waived, 0 audit drift; run ";
	cr_expect(strncmp(r.out, line, strlen(line)) == 0, "%s", r.out);
	cr_expect(!has_raw_control(r.out), "%s", r.out);
	cr_expect(!has_raw_control(r.err), "%s", r.err);
	char *path = enf_asprintf("%s/r/report.txt", dir);
	char *txt = th_read(path, NULL);
	cr_expect(strncmp(txt, line, strlen(line)) == 0, "%s", txt);
	cr_expect(!has_raw_control(txt), "%s", txt);
	free(txt);
	free(path);
	th_cli_free(&r);
	/* The report read back shows the same; its JSON holds the value as JSON escapes. */
	r = th_run_cli(dir, ARGS("report", "show", "r/report.json"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strncmp(r.out, line, strlen(line)) == 0, "%s", r.out);
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("report", "show", "--format", "json", "r/report.json"), NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strstr(r.out, "\"logon\": \"EVIL\\\\a\\u001B[2J\\u0007\\u009B31m\\u202Eb\",\n") !=
	              NULL,
	          "%s", r.out);
	cr_expect(!has_raw_control(r.out), "%s", r.out);
	th_cli_free(&r);
	free(dir);
}

Test(terminal, a_name_on_the_command_line_is_escaped_in_messages)
{
	char *dir = th_tmpdir();
	/* Invalid UTF-8 cannot come through a snapshot (JSON) or a policy (YAML): a file name can.
	 */
	th_cli_result r = th_run_cli(dir, ARGS("validate", "bad\xff\x1b[2J.yaml"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "bad\\xff\\x1b[2J.yaml: cannot open 'bad\\xff\\x1b[2J.yaml': No "
	                        "such file or directory\n");
	th_cli_free(&r);
	r = th_run_cli(dir, ARGS("plna\xc2\x9b\n"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err,
	                 "enforcer: 'plna\\u009b\\x0a' is not a command. See 'enforcer --help'.\n");
	th_cli_free(&r);
	free(dir);
}

/* A right held by an account whose name has U+2010 HYPHEN where the policy has '-'. */
static const char lookalike_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\",\n"
    " \"facts\": {\"host.name\": \"EDGE01\"},\n"
    " \"accounts\": {\"CONTOSO\\\\svc-lync\": \"S-1-5-21-1-2-3-1105\",\n"
    "              \"CONTOSO\\\\svc\\u2010lync\": \"S-1-5-21-1-2-3-1666\"},\n"
    " \"rights\": {\"SeServiceLogonRight\": [\"CONTOSO\\\\svc\\u2010lync\"]}}\n";

Test(terminal, accounts_that_look_alike_are_shown_with_their_sids)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "server.json", lookalike_snapshot));
	free(th_write(dir, "policy.yaml",
	              "enforcer: 1\nname: t\nresources:\n"
	              "  - type: user-right\n    id: logon-right\n"
	              "    right: SeServiceLogonRight\n"
	              "    members: ['CONTOSO\\svc-lync']\n    exclusive: true\n"));
	th_cli_result r = th_run_cli(dir,
	                             ARGS("plan", "--target", "snapshot:server.json",
	                                  "--report-dir", "r", "--color", "never", "policy.yaml"),
	                             NULL);
	cr_expect_eq(r.code, 2); /* a change, not compliant */
	const char *plan =
	    "drift       logon-right: grant CONTOSO\\svc-lync (S-1-5-21-1-2-3-1105) Log on as a "
	    "service (SeServiceLogonRight); revoke Log on as a service (SeServiceLogonRight) from "
	    "CONTOSO\\svc\xe2\x80\x90lync (S-1-5-21-1-2-3-1666)\n"
	    "Plan: 1 to change, 0 failed, 0 compliant, 0 skipped, 0 waived, 0 audit drift; run ";
	cr_expect(strncmp(r.out, plan, strlen(plan)) == 0, "%s", r.out);
	cr_expect(strcmp(r.out + strlen(r.out) - 9, ", exit 2\n") == 0, "%s", r.out);
	th_cli_free(&r);
	char *path = enf_asprintf("%s/r/report.json", dir);
	struct json_t *doc = th_json_file(path);
	char *holders = json_dumps(
	    json_object_get(
	        json_object_get(json_array_get(json_object_get(doc, "resources"), 0), "before"),
	        "holders"),
	    JSON_COMPACT);
	cr_expect_str_eq(holders, "[\"CONTOSO\\\\svc\xe2\x80\x90lync (S-1-5-21-1-2-3-1666)\"]");
	free(holders);
	json_decref(doc);
	free(path);
	free(dir);
}
