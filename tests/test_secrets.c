/*
 * Service passwords on the snapshot target: what the Service Control
 * Manager is given for each kind of account (password_passed), a stored
 * password that cannot be read (never compliant), and the secrets
 * themselves: the environment, password files in every encoding a Windows
 * editor writes, who may open them, and dpapi: in the Linux build. Each test
 * asserts the exact actions, messages, exit codes and the snapshot after.
 */
#include "engine_fixture.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "util/secret.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static json_t *svc(json_t *state, const char *name)
{
	return json_object_get(json_object_get(state, "services"), name);
}

static const char *svc_str(json_t *state, const char *name, const char *key)
{
	return json_string_value(json_object_get(svc(state, name), key));
}

static void expect_actions(const fixture *f, const char *id, const char *want)
{
	char *got = fx_actions(fx_result(f, id));
	cr_expect_str_eq(got, want, "%s: got '%s'", id, got);
	free(got);
}

static const char accounts_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {\"host.name\": \"EDGE01\"},\n"
    " \"services\": {\n"
    "  \"GMSA\": {\"logon\": \".\\\\svc-lync\", \"password_stored\": true, \"startup\": \"manual\", \"state\": \"stopped\"},\n"
    "  \"VIRT\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"},\n"
    "  \"BUILTIN\": {\"logon\": \".\\\\svc-old\", \"password_stored\": true, \"startup\": \"manual\", \"state\": \"stopped\"},\n"
    "  \"USER\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"}\n"
    " }}\n";

static const char accounts_policy[] =
    "enforcer: 1\nname: accounts\nresources:\n"
    "  - {type: service, id: gmsa, name: GMSA, logon: 'CONTOSO\\gmsa-lync$'}\n"
    "  - {type: service, id: virt, name: VIRT, logon: 'NT SERVICE\\VIRT', password: none}\n"
    "  - {type: service, id: builtin, name: BUILTIN, logon: LocalService}\n"
    "  - {type: service, id: user, name: USER, logon: '.\\svc-new', password: 'env:ENFTEST_PW'}\n";

Test(secrets, managed_and_virtual_accounts_are_given_no_password)
{
	fixture f;
	fx_init(&f, accounts_snapshot, accounts_policy);
	cr_assert_eq(setenv("ENFTEST_PW", "Correct-Horse-1", 1), 0);
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	expect_actions(
	    &f, "gmsa",
	    "grant CONTOSO\\gmsa-lync$ Log on as a service (SeServiceLogonRight); change GMSA log-on "
	    ".\\svc-lync -> CONTOSO\\gmsa-lync$, no password (Windows manages it)");
	expect_actions(
	    &f, "virt",
	    "change VIRT log-on LocalSystem -> NT SERVICE\\VIRT, no password (Windows manages it)");
	expect_actions(&f, "builtin",
	               "change BUILTIN log-on .\\svc-old -> LocalService, clear password");
	expect_actions(
	    &f, "user",
	    "grant .\\svc-new Log on as a service (SeServiceLogonRight); change USER log-on LocalSystem "
	    "-> .\\svc-new, set its password from the environment");
	/* What the plan says apply leaves: a managed account's stored password is not touched. */
	char *after = enf_state_json(fx_result(&f, "gmsa")->after);
	cr_expect(strstr(after, "\"password_stored\":true"), "%s", after);
	free(after);

	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], 4);
	json_t *s = fx_state(&f);
	/* NULL for managed and virtual accounts: what was stored stays as it was. */
	cr_expect_str_eq(svc_str(s, "GMSA", "logon"), "CONTOSO\\gmsa-lync$");
	cr_expect_str_eq(svc_str(s, "GMSA", "password_passed"), "null");
	cr_expect(json_is_true(json_object_get(svc(s, "GMSA"), "password_stored")));
	cr_expect_str_eq(svc_str(s, "VIRT", "password_passed"), "null");
	cr_expect(json_is_false(json_object_get(svc(s, "VIRT"), "password_stored")));
	/* "" only for the built-in accounts; a user account gets its secret. */
	cr_expect_str_eq(svc_str(s, "BUILTIN", "password_passed"), "empty");
	cr_expect(json_is_false(json_object_get(svc(s, "BUILTIN"), "password_stored")));
	cr_expect_str_eq(svc_str(s, "USER", "password_passed"), "secret");
	cr_expect(json_is_true(json_object_get(svc(s, "USER"), "password_stored")));
	json_decref(s);

	/* A managed account's stored password is Windows' business: compliant as it is. */
	run = fx_run(&f, ENF_RUN_PLAN, 0);
	cr_expect_eq(enf_run_exit_code(run), 0);
	cr_expect_eq(run->counts[ENF_OUTCOME_COMPLIANT], 4);
	fx_fini(&f);
}

Test(secrets, rollback_to_a_managed_account_gives_it_no_password)
{
	fixture f;
	fx_init(&f,
	        "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"M\": {\"logon\": "
	        "\"CONTOSO\\\\gmsa-lync$\", \"startup\": \"manual\", \"state\": \"stopped\"}}}\n",
	        "enforcer: 1\nname: m\nresources:\n"
	        "  - {type: service, id: m, name: M, logon: NetworkService}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), 2);
	json_t *s = fx_state(&f);
	cr_expect_str_eq(svc_str(s, "M", "password_passed"), "empty");
	json_decref(s);
	char *id = enf_strdup(run->run_id);
	run = fx_rollback(&f, id);
	cr_expect_eq(enf_run_exit_code(run), 2);
	cr_expect_str_eq(run->results[0].actions[0].text,
	                 "restore M log-on NetworkService -> CONTOSO\\gmsa-lync$");
	s = fx_state(&f);
	cr_expect_str_eq(svc_str(s, "M", "logon"), "CONTOSO\\gmsa-lync$");
	cr_expect_str_eq(svc_str(s, "M", "password_passed"), "null");
	json_decref(s);
	free(id);
	fx_fini(&f);
}

/* A built-in account whose stored password cannot be read: the run is not SYSTEM. */
static const char unknown_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\n"
    "  \"RTCSRV\": {\"logon\": \"NT AUTHORITY\\\\NetworkService\", \"startup\": \"automatic\", "
    "\"state\": \"stopped\"}}}\n";

static const char unknown_policy[] =
    "enforcer: 1\nname: unknown\nresources:\n"
    "  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService, state: running}\n";

#define UNKNOWN_MESSAGE                                                                            \
	"the password stored for RTCSRV is unknown: run as SYSTEM to check the stored password"

Test(secrets, a_stored_password_that_cannot_be_read_is_never_compliant)
{
	fixture f;
	fx_init(&f, unknown_snapshot, unknown_policy);
	enf_run *run = fx_run(&f, ENF_RUN_PLAN, 0);
	const enf_result *r = fx_result(&f, "access-edge");
	cr_expect_eq(r->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(r->message, UNKNOWN_MESSAGE);
	expect_actions(&f, "access-edge", "start RTCSRV (stopped)");
	char *before = enf_state_json(r->before);
	cr_expect(strstr(before, "\"password_stored\":null"), "%s", before);
	free(before);
	cr_expect_eq(enf_run_exit_code(run), 4);

	/* Apply neither guesses nor clears blindly: the resource fails and nothing changes. */
	char *was = th_read(f.snapshot, NULL);
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "access-edge")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(fx_result(&f, "access-edge")->message, UNKNOWN_MESSAGE);
	cr_expect_eq(fx_result(&f, "access-edge")->actions[0].done, 0);
	cr_expect_eq(enf_run_exit_code(run), 4);
	cr_expect_eq(run->changes_made, 0);
	char *now = th_read(f.snapshot, NULL);
	cr_expect_str_eq(now, was, "apply changed the snapshot");
	free(now);
	free(was);
	fx_fini(&f);
}

Test(secrets, the_cli_says_unknown_and_exits_4)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "server.json", unknown_snapshot));
	free(th_write(dir, "policy.yaml", unknown_policy));
	th_cli_result r =
	    th_run_cli(dir, ARGS("plan", "--target", "snapshot:server.json", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 4);
	cr_expect(strstr(r.out,
	                 "failed      access-edge: start RTCSRV (stopped) -- " UNKNOWN_MESSAGE
	                 "\n") == r.out,
	          "%s", r.out);
	th_cli_free(&r);
	free(dir);
}

/* Not SYSTEM, modelled: the snapshot knows the truth, the run cannot read it. */
Test(secrets, a_change_the_run_made_verifies_without_reading_it_back)
{
	fixture f;
	fx_init(
	    &f,
	    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": "
	    "\".\\\\svc-lync\", \"password_stored\": true, \"startup\": \"automatic\", \"state\": "
	    "\"running\"}},\n \"faults\": {\"unreadable_passwords\": [\"RTCSRV\"]}}\n",
	    "enforcer: 1\nname: v\nresources:\n"
	    "  - {type: service, id: access-edge, name: RTCSRV, logon: NetworkService}\n");
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "access-edge")->outcome, ENF_OUTCOME_CHANGED, "verification: %s",
	             fx_result(&f, "access-edge")->message);
	cr_expect_eq(enf_run_exit_code(run), 2);
	json_t *s = fx_state(&f);
	cr_expect(json_is_false(json_object_get(svc(s, "RTCSRV"), "password_stored")));
	json_decref(s);
	/* The next run has no memory of it, and still cannot read it: unknown again. */
	run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_expect_eq(fx_result(&f, "access-edge")->outcome, ENF_OUTCOME_FAILED);
	cr_expect_str_eq(fx_result(&f, "access-edge")->message, UNKNOWN_MESSAGE);
	cr_expect_eq(enf_run_exit_code(run), 4);
	fx_fini(&f);
}

/* ---- the secrets themselves --------------------------------------------------- */

static char *decode(const void *data, size_t len, int *rc)
{
	char *out = NULL;
	*rc = enf_secret_decode(&out, data, len);
	return out;
}

Test(secrets, password_files_in_every_encoding_decode_to_the_same_utf8)
{
	/* "Pässwört-Ω": UTF-8 is 50 c3 a4 73 73 77 c3 b6 72 74 2d ce a9. */
	static const char want[] = "P\xc3\xa4ssw\xc3\xb6rt-\xce\xa9";
	static const struct {
		const char *name;
		const char *data;
		size_t len;
	} forms[] = {
	    {"UTF-8", "P\xc3\xa4ssw\xc3\xb6rt-\xce\xa9", 13},
	    {"UTF-8, LF", "P\xc3\xa4ssw\xc3\xb6rt-\xce\xa9\n", 14},
	    {"UTF-8 with a BOM, CRLF", "\xef\xbb\xbfP\xc3\xa4ssw\xc3\xb6rt-\xce\xa9\r\n", 18},
	    {"UTF-16 LE with a BOM, CRLF (PowerShell's >)",
	     "\xff\xfeP\0\xe4\0s\0s\0w\0\xf6\0r\0t\0-\0\xa9\x03\r\0\n\0", 26},
	    {"UTF-16 BE with a BOM", "\xfe\xff\0P\0\xe4\0s\0s\0w\0\xf6\0r\0t\0-\x03\xa9", 22},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(forms); i++) {
		int rc;
		char *got = decode(forms[i].data, forms[i].len, &rc);
		cr_expect_eq(rc, 0, "%s: %s", forms[i].name, enf_error_last()->message);
		cr_expect(got && strcmp(got, want) == 0, "%s", forms[i].name);
		enf_secret_free(got);
	}
	/* A character beyond the BMP: a surrogate pair in UTF-16. */
	int rc;
	char *got = decode("\xff\xfe\x3d\xd8\x11\xdd", 6, &rc);
	cr_expect_eq(rc, 0);
	cr_expect(got && strcmp(got, "\xf0\x9f\x94\x91") == 0);
	enf_secret_free(got);
}

Test(secrets, password_files_that_are_not_text_say_why_never_what)
{
	static const struct {
		const char *data;
		size_t len;
		const char *message;
	} bad[] = {
	    {"", 0, "holds no password (it is empty)"},
	    {"\r\n", 2, "holds no password (it is empty)"},
	    {"\xef\xbb\xbf\n", 4, "holds no password (it is empty)"},
	    {"S\0e\0c\0r\0e\0t\0", 12,
	     "looks like UTF-16 without a byte-order mark; save it as UTF-8, or as UTF-16 with a byte-order mark"},
	    {"Secr\xe9t", 6,
	     "is neither UTF-8 nor UTF-16 with a byte-order mark; save it as UTF-8"},
	    {"Sec\0ret", 7, "holds a NUL character, which no password has"},
	    {"\xff\xfeS\0e\0c", 7, "is UTF-16 with an odd number of bytes"},
	    {"\xff\xfe\x3d\xd8S\0", 6, "is not valid UTF-16 (a surrogate without its pair)"},
	    {"\xff\xfeS\0\0\0t\0", 8, "holds a NUL character, which no password has"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(bad); i++) {
		int rc;
		char *got = decode(bad[i].data, bad[i].len, &rc);
		cr_expect_eq(rc, ENF_EINVALID, "case %zu", i);
		cr_expect_null(got);
		cr_expect_str_eq(enf_error_last()->message, bad[i].message, "case %zu", i);
	}
}

/* ---- where secrets come from, on a snapshot ----------------------------------- */

static const char user_snapshot[] =
    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": "
    "\"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": "
    "\"stopped\"}}}\n";

static char *user_policy(const char *password)
{
	return enf_asprintf("enforcer: 1\nname: user\nresources:\n"
	                    "  - {type: service, id: edge, name: RTCSRV, logon: '.\\svc-lync', "
	                    "password: '%s'}\n",
	                    password);
}

/* Applies `password` (a policy's password: value); returns the result's message or NULL. */
static char *apply_with(fixture *f, const char *password, int want_code)
{
	char *policy = user_policy(password);
	fx_init(f, user_snapshot, policy);
	free(policy);
	enf_run *run = fx_run(f, ENF_RUN_APPLY, 0);
	cr_expect_eq(enf_run_exit_code(run), want_code, "%s: %s", password,
	             fx_result(f, "edge")->message ? fx_result(f, "edge")->message : "");
	const char *m = fx_result(f, "edge")->message;
	return m ? enf_strdup(m) : NULL;
}

static void expect_unchanged(const fixture *f)
{
	char *now = th_read(f->snapshot, NULL);
	cr_expect_str_eq(now, user_snapshot, "the snapshot changed");
	free(now);
}

Test(secrets, a_password_file_in_utf16_sets_the_password)
{
	fixture f;
	char *dir = th_tmpdir();
	char *pw = enf_asprintf("%s/pw.txt", dir);
	cr_assert_eq(enf_write_file_atomic(pw, "\xff\xfeS\0e\0c\0r\0e\0t\0\r\0\n\0", 16), 0);
	char *ref = enf_asprintf("file:%s", pw);
	free(apply_with(&f, ref, 2));
	json_t *s = fx_state(&f);
	cr_expect_str_eq(svc_str(s, "RTCSRV", "password_passed"), "secret");
	json_decref(s);
	fx_fini(&f);
	free(ref);
	free(pw);
	free(dir);
}

Test(secrets, a_password_file_others_can_open_is_refused_naming_who)
{
	static const struct {
		mode_t mode;
		const char *who;
	} modes[] = {
	    {0644, "mode 0644: its group can read it, every other user can read it"},
	    {0660, "mode 0660: its group can read and write it"},
	    {0602, "mode 0602: every other user can write it"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(modes); i++) {
		fixture f;
		char *dir = th_tmpdir();
		char *pw = enf_asprintf("%s/pw.txt", dir);
		cr_assert_eq(enf_write_file_atomic(pw, "Secret\n", 7), 0);
		cr_assert_eq(chmod(pw, modes[i].mode), 0);
		char *ref = enf_asprintf("file:%s", pw);
		char *msg = apply_with(&f, ref, 4);
		char *want = enf_asprintf(
		    "grant .\\svc-lync Log on as a service (SeServiceLogonRight): the password file for .\\svc-lync ('%s'): '%s' is open to others than its owner (%s): chmod 600 it",
		    pw, pw, modes[i].who);
		cr_expect_str_eq(msg, want);
		expect_unchanged(&f);
		free(want);
		free(msg);
		fx_fini(&f);
		free(ref);
		free(pw);
		free(dir);
	}
}

Test(secrets, a_password_file_of_another_user_is_refused)
{
	if (geteuid() != 0)
		cr_skip_test("giving a file to another user needs root");
	fixture f;
	char *dir = th_tmpdir();
	char *pw = enf_asprintf("%s/pw.txt", dir);
	cr_assert_eq(enf_write_file_atomic(pw, "Secret\n", 7), 0);
	cr_assert_eq(chown(pw, 4242, (gid_t)-1), 0);
	char *ref = enf_asprintf("file:%s", pw);
	char *msg = apply_with(&f, ref, 4);
	char *want = enf_asprintf(
	    "grant .\\svc-lync Log on as a service (SeServiceLogonRight): the password file for .\\svc-lync ('%s'): '%s' belongs to uid 4242, not to the user running enforcer (uid 0), so that user can read and change it: give it to uid 0 (chown) and chmod 600 it",
	    pw, pw);
	cr_expect_str_eq(msg, want);
	expect_unchanged(&f);
	free(want);
	free(msg);
	fx_fini(&f);
	free(ref);
	free(pw);
	free(dir);
}

/*
 * Password files are not links: one planted in place of the password file
 * (pointing at a file another user may read, or at one that is fine) is
 * refused naming the link, before it is opened, and so is one in a folder
 * others may write (the state folder's rule); nothing is read, nothing
 * changes.
 */
Test(secrets, a_planted_link_or_an_open_folder_refuses_the_password_file)
{
	char *dir = th_tmpdir();
	char *open_dir = enf_asprintf("%s/open", dir);
	char *target = th_write(dir, "elsewhere.txt", "Stolen\n");
	char *pw = enf_asprintf("%s/pw.txt", dir);
	cr_assert_eq(chmod(target, 0644), 0);
	cr_assert_eq(symlink(target, pw), 0);
	static const char *const reads[] = {"file", "dpapi"};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(reads); i++) {
		fixture f;
		char *ref = enf_asprintf("%s:%s", reads[i], pw);
		char *msg = apply_with(&f, ref, 4);
		char *want = enf_asprintf(
		    "grant .\\svc-lync Log on as a service (SeServiceLogonRight): the password file "
		    "for .\\svc-lync ('%s'): '%s' is a symbolic link (to '%s'): enforcer does not "
		    "follow links in its state folder or inputs; put the real file or folder there",
		    pw, pw, target);
		/* The Linux build refuses dpapi: before opening anything at all. */
		if (i == 0)
			cr_expect_str_eq(msg, want);
		else
			cr_expect(strstr(msg, "DPAPI password file") && !strstr(msg, "symbolic"),
			          "%s", msg);
		expect_unchanged(&f);
		free(want);
		free(msg);
		fx_fini(&f);
		free(ref);
	}
	/* The target itself, 0600 and ours: the link is still refused, the file read. */
	cr_assert_eq(chmod(target, 0600), 0);
	unsigned char *data = NULL;
	size_t len = 0;
	cr_expect_eq(enf_secret_file_read(&data, &len, pw), ENF_EACCESS);
	cr_expect_null(data);
	/* enforcer secret's writer does not replace a link either. */
	cr_expect_eq(enf_secret_file_write(pw, "x", 1), ENF_EACCESS);
	char *still = th_read(target, NULL);
	cr_expect_str_eq(still, "Stolen\n");
	free(still);
	/* A real password file, in a folder every user may write (not sticky): refused. */
	cr_assert_eq(mkdir(open_dir, 0700), 0);
	char *in_open = th_write(open_dir, "pw.txt", "Secret\n");
	cr_assert_eq(chmod(in_open, 0600), 0);
	cr_assert_eq(chmod(open_dir, 0777), 0);
	fixture f;
	char *ref = enf_asprintf("file:%s", in_open);
	char *msg = apply_with(&f, ref, 4);
	char *want = enf_asprintf("'%s' is writable by every user", open_dir);
	cr_expect(strstr(msg, want), "%s", msg);
	expect_unchanged(&f);
	fx_fini(&f);
	free(want);
	free(msg);
	free(ref);
	free(in_open);
	free(open_dir);
	free(target);
	free(pw);
	free(dir);
}

Test(secrets, an_environment_password_must_be_set_and_not_empty)
{
	fixture f;
	cr_assert_eq(setenv("ENFTEST_PW", "P\xc3\xa4ssw\xc3\xb6rt-\xce\xa9", 1), 0);
	free(apply_with(&f, "env:ENFTEST_PW", 2));
	json_t *s = fx_state(&f);
	cr_expect_str_eq(svc_str(s, "RTCSRV", "password_passed"), "secret");
	json_decref(s);
	fx_fini(&f);

	cr_assert_eq(setenv("ENFTEST_PW", "", 1), 0);
	char *msg = apply_with(&f, "env:ENFTEST_PW", 4);
	cr_expect_str_eq(
	    msg,
	    "grant .\\svc-lync Log on as a service (SeServiceLogonRight): the password for .\\svc-lync comes from the environment variable ENFTEST_PW, which is empty");
	expect_unchanged(&f);
	free(msg);
	fx_fini(&f);

	cr_assert_eq(unsetenv("ENFTEST_PW"), 0);
	msg = apply_with(&f, "env:ENFTEST_PW", 4);
	cr_expect_str_eq(
	    msg,
	    "grant .\\svc-lync Log on as a service (SeServiceLogonRight): the password for .\\svc-lync comes from the environment variable ENFTEST_PW, which is not set");
	free(msg);
	fx_fini(&f);
}

Test(secrets, dpapi_validates_everywhere_and_the_linux_build_says_it_cannot_decrypt)
{
	char *dir = th_tmpdir();
	char *policy = user_policy("dpapi:secrets/svc-lync.dpapi");
	free(th_write(dir, "policy.yaml", policy));
	free(th_write(dir, "server.json", user_snapshot));
	th_cli_result r = th_run_cli(dir, ARGS("validate", "policy.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "policy.yaml: valid (policy 'user', 1 resource)\n");
	th_cli_free(&r);
	r = th_run_cli(dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state",
	                    "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 4);
	cr_expect(
	    strstr(
	        r.out,
	        "failed      edge: grant .\\svc-lync Log on as a service (SeServiceLogonRight) (failed) -- grant .\\svc-lync Log on as a service (SeServiceLogonRight): the DPAPI password file for .\\svc-lync ('secrets/svc-lync.dpapi') cannot be used: dpapi: files are encrypted with Windows' DPAPI for one machine; only enforcer.exe on that machine can read them\n") ==
	        r.out,
	    "%s", r.out);
	th_cli_free(&r);
	char *server = enf_asprintf("%s/server.json", dir);
	char *now = th_read(server, NULL);
	cr_expect_str_eq(now, user_snapshot);
	free(now);
	free(server);
	/* `secret protect` refuses before anything is typed, and writes nothing. */
	r = th_run_cli(dir, ARGS("secret", "protect", "svc.dpapi"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer secret protect: DPAPI is a Windows API: run 'enforcer.exe secret protect svc.dpapi' on the server that will use the file; nothing was written\n");
	cr_expect_str_eq(r.out, "");
	th_cli_free(&r);
	char *path = enf_asprintf("%s/svc.dpapi", dir);
	cr_expect_not(enf_path_exists(path));
	free(path);
	free(policy);
	free(dir);
}

/* Every new source of a secret, through every output: the canary appears nowhere. */
Test(secrets, new_secret_sources_never_reach_output_reports_journals_or_the_snapshot)
{
	char *dir = th_tmpdir();
	static const char snapshot[] =
	    "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\n"
	    " \"A\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"},\n"
	    " \"B\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"},\n"
	    " \"C\": {\"logon\": \"LocalSystem\", \"password_stored\": false, \"startup\": \"manual\", \"state\": \"stopped\"}}}\n";
	free(th_write(dir, "server.json", snapshot));
	/* UTF-16 with a BOM, as PowerShell writes it: "Canary-Ω-Utf16". */
	char *pw16 = enf_asprintf("%s/pw16.txt", dir);
	static const char utf16[] = "\xff\xfe"
	                            "C\0a\0n\0a\0r\0y\0-\0\xa9\x03-\0U\0t\0f\0001\0006\0\r\0\n\0";
	cr_assert_eq(enf_write_file_atomic(pw16, utf16, sizeof(utf16) - 1), 0);
	free(th_write(dir, "pw8.txt",
	              "\xef\xbb\xbf"
	              "Canary-\xce\xa9-Bom\r\n"));
	free(th_write(
	    dir, "policy.yaml",
	    "enforcer: 1\nname: canary\nresources:\n"
	    "  - {type: service, id: a, name: A, logon: '.\\svc-a', password: 'file:pw16.txt'}\n"
	    "  - {type: service, id: b, name: B, logon: '.\\svc-b', password: 'file:pw8.txt'}\n"
	    "  - {type: service, id: c, name: C, logon: '.\\svc-c', password: 'env:ENFTEST_CANARY'}\n"
	    "  - {type: service, id: d, name: D, logon: '.\\svc-d', password: 'dpapi:pw8.txt'}\n"));
	const char *env = "ENFTEST_CANARY=Canary-\xce\xa9-Env";
	const char *const *runs[] = {
	    ARGS("plan", "-v", "--format", "json", "--target", "snapshot:server.json",
	         "--report-dir", "r-plan", "policy.yaml"),
	    ARGS("apply", "-v", "--target", "snapshot:server.json", "--state-dir", "state",
	         "--report-dir", "r-apply", "policy.yaml"),
	};
	for (size_t k = 0; k < ENF_ARRAY_SIZE(runs); k++) {
		th_cli_result r = th_run_cli(dir, runs[k], env);
		/* D is missing and fails; A, B and C are set. */
		cr_expect_eq(r.code, 6, "run %zu: %s", k, r.err);
		cr_expect(!strstr(r.out, "Canary") && !strstr(r.err, "Canary"),
		          "run %zu printed a password", k);
		th_cli_free(&r);
	}
	char *server = enf_asprintf("%s/server.json", dir);
	json_t *s = th_json_file(server);
	free(server);
	cr_expect_str_eq(svc_str(s, "A", "password_passed"), "secret");
	cr_expect_str_eq(svc_str(s, "B", "password_passed"), "secret");
	cr_expect_str_eq(svc_str(s, "C", "password_passed"), "secret");
	json_decref(s);
	char *cmd = enf_asprintf("grep -r -a -e Canary-Ω -e Canary-Env -e Canary-Bom '%s/r-plan' "
	                         "'%s/r-apply' '%s/state' '%s/server.json' >/dev/null",
	                         dir, dir, dir, dir);
	cr_expect_neq(system(cmd), 0, "a password leaked into a report, a journal or the snapshot");
	free(cmd);
	free(pw16);
	free(dir);
}
