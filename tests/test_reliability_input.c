/*
 * Reliability (issue 9), what a run meets from outside it: another run at
 * the same time, which the lock keeps out or makes wait, and bad input of
 * every kind, refused without changing anything: invalid policies, damaged
 * snapshots, journals and pending restart records, unreadable certificate
 * files, denied keys and missing services. The scenarios, idempotency and
 * kills are in test_reliability.c.
 */
#include "engine_fixture.h"
#include "helpers.h"
#include "reliability.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_MESSAGE                                                                               \
	"enforcer: another enforcer run holds the lock 'state/enforcer.lock'; "                    \
	"wait for it to finish or use --wait SECONDS\n"

/* ---- Two applies at once ---- */

#define BULK 150

/* 150 values, each change flushed to disk: an apply long enough for two to overlap. */
static char *bulk_dir(void)
{
	char *dir = th_tmpdir();
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "enforcer: 1\nname: bulk\nresources:\n");
	for (int i = 0; i < BULK; i++)
		enf_buf_printf(&b,
		               "  - {type: registry, id: v%d, key: 'HKLM\\Software\\Bulk', value: "
		               "V%d, kind: dword, data: %d}\n",
		               i, i, i);
	char *policy = enf_buf_detach(&b);
	free(th_write(dir, "policy.yaml", policy));
	free(policy);
	free(th_write(dir, "server.json",
	              "{\"schema\": \"enforcer-snapshot/1\", \"registry\": "
	              "{\"HKLM\\\\Software\\\\Bulk\": {}}}\n"));
	return dir;
}

/* The run that did the work, and the state both leave: whole and compliant. */
static void expect_one_run_did_it(const char *dir, size_t journals)
{
	char **ids = NULL;
	size_t n = rl_journal_ids(dir, &ids), changes = 0, done = 0;
	cr_expect_eq(n, journals);
	for (size_t i = 0; i < n; i++) {
		json_t *records = rl_journal_records(dir, ids[i]);
		changes += rl_count_records(records, "change");
		done += rl_count_records(records, "done");
		cr_expect_eq(rl_count_records(records, "end"), 1, "journal %s did not end", ids[i]);
		json_decref(records);
	}
	cr_expect_eq(changes, BULK);
	cr_expect_eq(done, BULK);
	rl_free_ids(ids, n);
	json_decref(rl_whole_snapshot(dir, "after two applies"));
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "check", ARGS(PLAN, "policy.yaml"), NULL)), 0);
}

Test(reliability, two_applies_at_once_one_runs_the_other_is_refused)
{
	char *dir = bulk_dir();
	pid_t a = rl_spawn_cli(dir, "a", ARGS(APPLY, "policy.yaml"), NULL);
	pid_t b = rl_spawn_cli(dir, "b", ARGS(APPLY, "policy.yaml"), NULL);
	int ca = rl_wait_cli(a), cb = rl_wait_cli(b);
	cr_assert((ca == 2 && cb == 1) || (ca == 1 && cb == 2), "exit codes %d and %d", ca, cb);
	char *err = rl_cli_text(dir, ca == 1 ? "a" : "b", "err");
	char *out = rl_cli_text(dir, ca == 1 ? "a" : "b", "out");
	cr_expect_str_eq(err, LOCK_MESSAGE);
	cr_expect_str_eq(out, "");
	free(err);
	free(out);
	expect_one_run_did_it(dir, 1);
	free(dir);
}

Test(reliability, two_applies_at_once_with_wait_the_second_finds_nothing_to_do)
{
	char *dir = bulk_dir();
	pid_t a = rl_spawn_cli(dir, "a", ARGS(APPLY, "--wait", "10", "policy.yaml"), NULL);
	pid_t b = rl_spawn_cli(dir, "b", ARGS(APPLY, "--wait", "10", "policy.yaml"), NULL);
	int ca = rl_wait_cli(a), cb = rl_wait_cli(b);
	cr_assert((ca == 2 && cb == 0) || (ca == 0 && cb == 2), "exit codes %d and %d", ca, cb);
	char *out = rl_cli_text(dir, ca == 0 ? "a" : "b", "out");
	cr_expect(strncmp(out, "Apply: 0 changed, 0 failed, 150 compliant", 41) == 0, "%s", out);
	free(out);
	/* The second changed nothing, so it kept no journal (issue 19). */
	expect_one_run_did_it(dir, 1);
	free(dir);
}

Test(reliability, a_rollback_that_waited_for_the_run_undoes_all_of_it)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
	cr_assert_eq(rl_wait_cli(rl_spawn_cli(dir, "apply", ARGS(APPLY, "policy.yaml"), NULL)), 2);
	char **ids = NULL;
	cr_assert_eq(rl_journal_ids(dir, &ids), 1);
	char *path = enf_asprintf("%s/state/journal/%s.jsonl", dir, ids[0]);
	char *lock_path = enf_asprintf("%s/state/enforcer.lock", dir);
	char *whole = th_read(path, NULL);
	/* As if the run were still going: one change journaled so far, and the lock held. */
	char *cut = whole;
	for (int i = 0; i < 3; i++)
		cut = strchr(cut, '\n') + 1;
	cr_assert_eq(enf_write_file_atomic(path, whole, (size_t)(cut - whole)), 0);
	enf_lock *lock = NULL;
	cr_assert_eq(enf_lock_acquire(&lock, lock_path, 0), 0);
	pid_t pid = rl_spawn_cli(dir, "rollback", ARGS(ROLLBACK, "--wait", "10", ids[0]), NULL);
	usleep(300 * 1000);
	cr_assert_eq(enf_write_file_atomic(path, whole, strlen(whole)), 0);
	enf_lock_release(lock);
	int code = rl_wait_cli(pid);
	char *out = rl_cli_text(dir, "rollback", "out");
	cr_expect_eq(code, 2, "%s", out);
	cr_expect(strstr(out, "Rollback: 2 changed"), "%s", out);
	json_t *orig = json_loads(fx_seed_snapshot, 0, NULL);
	json_t *now = rl_whole_snapshot(dir, "rollback");
	json_t *records = rl_journal_records(dir, ids[0]);
	rl_expect_restored(orig, now, records, "rollback after a wait");
	json_decref(records);
	json_decref(now);
	json_decref(orig);
	free(out);
	free(whole);
	free(lock_path);
	free(path);
	rl_free_ids(ids, 1);
	free(dir);
}

/* ---- Bad input: refused, with nothing changed ---- */

/*
 * Nothing changed: the snapshot's bytes are as written, and no journal holds
 * a change that was made (with `begun_may_fail`, a change may have been begun
 * and failed, as a denied write is: journaled first, then refused).
 */
static void expect_unchanged(const char *dir, const char *snapshot, int begun_may_fail,
                             const char *label)
{
	char *path = enf_asprintf("%s/server.json", dir);
	char *now = th_read(path, NULL);
	cr_expect_str_eq(now, snapshot, "%s: the snapshot changed", label);
	free(now);
	free(path);
	char **ids = NULL;
	size_t n = rl_journal_ids(dir, &ids);
	for (size_t i = 0; i < n; i++) {
		json_t *records = rl_journal_records(dir, ids[i]);
		size_t begun = rl_count_records(records, "change");
		cr_expect_eq(rl_count_records(records, "done"), 0, "%s: a change was made", label);
		cr_expect_eq(begun, begun_may_fail ? rl_count_records(records, "failed") : 0,
		             "%s: %zu changes journaled", label, begun);
		json_decref(records);
	}
	rl_free_ids(ids, n);
}

/* Runs the CLI in DIR and expects this exit code; returns standard output and error. */
static void expect_cli(const char *dir, const char *const *argv, int want, char **out, char **err,
                       const char *label)
{
	int code = rl_wait_cli(rl_spawn_cli(dir, "bad", argv, NULL));
	*out = rl_cli_text(dir, "bad", "out");
	*err = rl_cli_text(dir, "bad", "err");
	cr_expect_eq(code, want, "%s: exit %d, not %d: %s%s", label, code, want, *out, *err);
}

Test(reliability, every_invalid_policy_is_refused_before_the_target_is_read)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "server.json", fx_seed_snapshot));
	char *corpus = th_resource_path("invalid");
	char **names = NULL;
	size_t n = 0, checked = 0;
	cr_assert_eq(enf_dir_entries(&names, &n, corpus), 0);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		if (len > 5 && strcmp(names[i] + len - 5, ".yaml") == 0) {
			char *policy = enf_asprintf("%s/%s", corpus, names[i]), *out, *err;
			expect_cli(dir, ARGS(APPLY, policy), 1, &out, &err, names[i]);
			const char *last = "enforcer apply: the policy is not valid; nothing was "
			                   "read or changed\n";
			size_t el = strlen(err), ll = strlen(last);
			cr_expect(el > ll && strcmp(err + el - ll, last) == 0, "%s: %s", names[i],
			          err);
			free(out);
			free(err);
			free(policy);
			checked++;
		}
		free(names[i]);
	}
	free(names);
	cr_expect_geq(checked, 80);
	expect_unchanged(dir, fx_seed_snapshot, 0, "invalid policies");
	char *state = enf_asprintf("%s/state", dir);
	cr_expect(!enf_path_exists(state), "an invalid policy created the state folder");
	free(state);
	free(corpus);
	free(dir);
}

static const struct {
	const char *name;
	const char *text; /* NULL: made below */
	const char *message;
} damaged_snapshots[] = {
    {"truncated",
     "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": \"Local",
     "enforcer: snapshot 'server.json':1:73: premature end of input near '\"Local'\n"},
    {"wrong schema", "{\"schema\": \"enforcer-snapshot/2\"}\n",
     "enforcer: snapshot 'server.json': the document needs \"schema\": \"enforcer-snapshot/1\"\n"},
    {"unknown member", "{\"schema\": \"enforcer-snapshot/1\", \"sevrices\": {}}\n",
     "enforcer: snapshot 'server.json': sevrices is not a snapshot member (facts, stores, "
     "registry, services, accounts, faults, rights, gpo_rights)\n"},
    {"unknown value kind",
     "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {\"HKLM\\\\X\": {\"V\": {\"kind\": "
     "\"dword-le\", \"data\": 1}}}}\n",
     "enforcer: snapshot 'server.json': registry value 'HKLM\\X\\V' needs kind and data as in a "
     "policy, or type and hex\n"},
    {"text kind as raw bytes that are not UTF-16",
     "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {\"HKLM\\\\X\": {\"V\": {\"type\": 1, "
     "\"hex\": \"00d80000\"}}}}\n",
     "enforcer: snapshot 'server.json': registry value 'HKLM\\X\\V' needs kind and data as in a "
     "policy, or type and hex\n"},
    {"service without state",
     "{\"schema\": \"enforcer-snapshot/1\", \"services\": {\"RTCSRV\": {\"logon\": "
     "\"LocalSystem\", \"startup\": \"manual\"}}}\n",
     "enforcer: snapshot 'server.json': services.RTCSRV needs \"state\": running or stopped\n"},
    {"duplicate keys", "{\"schema\": \"enforcer-snapshot/1\", \"facts\": {}, \"facts\": {}}\n",
     "enforcer: snapshot 'server.json':1:54: duplicate object key near '\"facts\"'\n"},
    {"empty file", "",
     "enforcer: snapshot 'server.json':1:0: '[' or '{' expected near end of file\n"},
    {"a folder", NULL, "enforcer: 'server.json' is not a regular file\n"},
    {"a FIFO", NULL, "enforcer: 'server.json' is not a regular file\n"},
    {"missing", NULL, "enforcer: snapshot 'server.json' does not exist\n"},
};

Test(reliability, damaged_snapshots_are_refused_whole)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(damaged_snapshots); i++) {
		const char *name = damaged_snapshots[i].name;
		char *dir = th_tmpdir(), *out, *err;
		char *path = enf_asprintf("%s/server.json", dir);
		free(th_write(dir, "policy.yaml", fx_seed_policy));
		if (damaged_snapshots[i].text)
			free(th_write(dir, "server.json", damaged_snapshots[i].text));
		else if (strcmp(name, "a folder") == 0)
			cr_assert_eq(mkdir(path, 0700), 0);
		else if (strcmp(name, "a FIFO") == 0)
			cr_assert_eq(mkfifo(path, 0600), 0); /* must not wait for a writer */
		const char *const *runs[] = {ARGS(APPLY, "policy.yaml"), ARGS(PLAN, "policy.yaml")};
		for (size_t r = 0; r < 2; r++) {
			expect_cli(dir, runs[r], 1, &out, &err, name);
			cr_expect_str_eq(err, damaged_snapshots[i].message, "%s: %s", name, err);
			cr_expect_str_eq(out, "", "%s", name);
			free(out);
			free(err);
		}
		if (damaged_snapshots[i].text)
			expect_unchanged(dir, damaged_snapshots[i].text, 0, name);
		char *state = enf_asprintf("%s/state", dir);
		cr_expect(!enf_path_exists(state), "%s: the state folder was created", name);
		free(state);
		free(path);
		free(dir);
	}
}

/* TEXT with the first FROM on line LINE (0-based) replaced by TO; "" inserts at its start. */
static char *edit_line(const char *text, int line, const char *from, const char *to)
{
	const char *start = text;
	for (int i = 0; i < line; i++)
		start = strchr(start, '\n') + 1;
	const char *at = *from ? strstr(start, from) : start;
	cr_assert(at && (!*from || at < strchr(start, '\n')), "'%s' is not on line %d", from, line);
	return enf_asprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

Test(reliability, damaged_journals_roll_back_nothing_or_what_they_can)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "server.json", fx_seed_snapshot));
	free(th_write(dir, "policy.yaml", fx_seed_policy));
	cr_assert_eq(rl_wait_cli(rl_spawn_cli(dir, "apply", ARGS(APPLY, "policy.yaml"), NULL)), 2);
	char **ids = NULL;
	cr_assert_eq(rl_journal_ids(dir, &ids), 1);
	const char *id = ids[0];
	char *path = enf_asprintf("%s/state/journal/%s.jsonl", dir, id);
	char *shown = enf_asprintf("state/journal/%s.jsonl", id);
	char *good = th_read(path, NULL);
	char *snap_path = enf_asprintf("%s/server.json", dir);
	char *applied = th_read(snap_path, NULL);
	/*
	 * Lines: 0 the run, 1 seq 1 registry-set, 2 done, 3 seq 2 service-config,
	 * 4 done, 5 seq 3 service-start, 6 done, 7 the restart, 8 the end.
	 */
	struct {
		const char *name;
		char *text;
		char *message; /* after "enforcer: " */
	} cases[] = {
	    {"garbage in the middle", edit_line(good, 3, "", "garbage\n"),
	     enf_asprintf("journal '%s' line 4 is damaged: '[' or '{' expected near 'garbage'",
	                  shown)},
	    {"wrong schema", edit_line(good, 0, "enforcer-journal/1", "enforcer-journal/9"),
	     enf_asprintf("'%s' is not an enforcer journal (enforcer-journal/1)", shown)},
	    {"no resource", edit_line(good, 3, "\"resource\":\"access-edge\",", ""),
	     enf_asprintf("journal '%s' line 4: the change record is damaged (no \"resource\")",
	                  shown)},
	    {"no seq", edit_line(good, 3, "\"seq\":2,", ""),
	     enf_asprintf("journal '%s' line 4: the change record is damaged (no \"seq\")", shown)},
	    {"no old value", edit_line(good, 1, "\"old\":null,", ""),
	     enf_asprintf("journal '%s' line 2: the change record is damaged (no \"old\" value)",
	                  shown)},
	    {"no service", edit_line(good, 3, "\"service\":\"RTCSRV\",", ""),
	     enf_asprintf("journal '%s' line 4: the change record is damaged", shown)},
	    {"unknown op", edit_line(good, 5, "service-start", "service-explode"),
	     enf_asprintf("journal '%s' line 6: the change record is damaged (an unknown \"op\")",
	                  shown)},
	    {"empty", enf_strdup(""), enf_asprintf("journal '%s' is empty or damaged", shown)},
	    {"cut in its first line", enf_strndup(good, 40),
	     enf_asprintf("journal '%s' is empty or damaged", shown)},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(cases); i++) {
		char *out, *err;
		char *want = enf_asprintf("enforcer: %s\n", cases[i].message);
		free(th_write(dir, "server.json", applied));
		cr_assert_eq(enf_write_file_atomic(path, cases[i].text, strlen(cases[i].text)), 0);
		expect_cli(dir, ARGS(ROLLBACK, id), 1, &out, &err, cases[i].name);
		cr_expect_str_eq(err, want, "%s: %s", cases[i].name, err);
		char *now = th_read(snap_path, NULL);
		cr_expect_str_eq(now, applied, "%s: the snapshot changed", cases[i].name);
		free(now);
		char **after = NULL;
		cr_expect_eq(rl_journal_ids(dir, &after), 1, "%s: a rollback journal was written",
		             cases[i].name);
		rl_free_ids(after, 1);
		free(want);
		free(out);
		free(err);
		free(cases[i].text);
		free(cases[i].message);
	}

	/* A last line cut short (by a crash) is a change never begun: the rest is undone. */
	char *cut = enf_strndup(good, (size_t)(strstr(good, "\"op\":\"service-config\"") - good));
	free(th_write(dir, "server.json", applied));
	cr_assert_eq(enf_write_file_atomic(path, cut, strlen(cut)), 0);
	char *out, *err;
	expect_cli(dir, ARGS(ROLLBACK, id), 2, &out, &err, "cut last line");
	cr_expect(strstr(out, "changed     schannel.session-ticket: delete "
	                      "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\"
	                      "Schannel\\EnableSessionTicket (restoring: it did not exist)\n"),
	          "%s", out);
	cr_expect(strstr(out, "Rollback: 1 changed"), "%s", out);
	json_t *now = rl_whole_snapshot(dir, "cut last line");
	json_t *key = json_object_get(
	    json_object_get(now, "registry"),
	    "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel");
	cr_expect_eq(json_object_size(key), 0);
	json_decref(now);
	free(out);
	free(err);

	expect_cli(dir, ARGS(ROLLBACK, "20261122T030512Z-000000"), 1, &out, &err, "unknown run");
	char *want = enf_asprintf("enforcer: there is no journal for run 20261122T030512Z-000000 "
	                          "('state/journal/20261122T030512Z-000000.jsonl')\n");
	cr_expect_str_eq(err, want);
	free(want);
	free(out);
	free(err);
	free(cut);
	free(applied);
	free(snap_path);
	free(good);
	free(shown);
	free(path);
	rl_free_ids(ids, 1);
	free(dir);
}

Test(reliability, a_damaged_pending_restart_record_stops_the_apply)
{
	const char *damaged[] = {
	    "{not json",
	    "{\"run\": \"20261122T030512Z-4f3a9c\", \"handlers\": \"restart-lync\"}",
	    "{\"run\": \"20261122T030512Z-4f3a9c\", \"handlers\": [1, \"restart-lync\"]}",
	    "{\"handlers\": [\"restart-lync\"]}",
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(damaged); i++) {
		char *dir = th_tmpdir(), *out, *err;
		free(th_write(dir, "server.json", fx_seed_snapshot));
		free(th_write(dir, "policy.yaml", fx_seed_policy));
		char *pending = enf_asprintf("%s/state/pending", dir);
		cr_assert_eq(enf_mkdir_p(pending), 0);
		free(th_write(pending, "lync-edge.json", damaged[i]));
		expect_cli(dir, ARGS(APPLY, "policy.yaml"), 1, &out, &err, damaged[i]);
		cr_expect_str_eq(err,
		                 "enforcer: 'state/pending/lync-edge.json' is damaged; delete it "
		                 "after restarting the services of policy lync-edge by hand\n",
		                 "%s", damaged[i]);
		expect_unchanged(dir, fx_seed_snapshot, 0, damaged[i]);
		free(out);
		free(err);
		free(pending);
		free(dir);
	}
}

Test(reliability, an_unreadable_or_missing_certificate_file_fails_its_resource)
{
	static const struct {
		const char *name, *message;
	} cases[] = {
	    {"missing", "'%s/root.cer' does not exist (file: root.cer, relative to the policy's "
	                "folder %s)"},
	    {"a folder", "'./root.cer' is not a regular file"},
	    {"a FIFO", "'./root.cer' is not a regular file"},
	    {"not a certificate", "'root.cer' is not a certificate in PEM or DER form"},
	    {"a PEM key", "'root.cer' is not a certificate in PEM or DER form"},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(cases); i++) {
		char *dir = th_tmpdir(), *out, *err;
		char *file = enf_asprintf("%s/root.cer", dir);
		free(th_write(dir, "server.json", fx_seed_snapshot));
		free(th_write(dir, "policy.yaml",
		              "enforcer: 1\nname: certs\nresources:\n"
		              "  - {type: certificate, id: root, store: Root, file: root.cer}\n"));
		if (i == 1)
			cr_assert_eq(mkdir(file, 0700), 0);
		else if (i == 2)
			cr_assert_eq(mkfifo(file, 0600), 0); /* must not wait for a writer */
		else if (i == 3)
			free(th_write(dir, "root.cer", "Contoso Root CA\n"));
		else if (i == 4)
			free(th_write(
			    dir, "root.cer",
			    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END "
			    "PRIVATE KEY-----\n"));
		expect_cli(dir, ARGS(APPLY, "policy.yaml"), 4, &out, &err, cases[i].name);
		char *real = enf_path_absolute(dir);
		char *message = enf_asprintf(cases[i].message, real, real);
		char *want = enf_asprintf(
		    "failed      root: cannot load the certificate file: %s\n", message);
		free(message);
		free(real);
		cr_expect(strncmp(out, want, strlen(want)) == 0, "%s: %s", cases[i].name, out);
		expect_unchanged(dir, fx_seed_snapshot, 0, cases[i].name);
		free(want);
		free(out);
		free(err);
		free(file);
		free(dir);
	}
}

Test(reliability, a_denied_key_or_a_missing_service_fails_and_changes_nothing)
{
	static const char snapshot[] =
	    "{\"schema\": \"enforcer-snapshot/1\",\n"
	    " \"registry\": {\"HKLM\\\\Software\\\\Locked\": {}, \"HKLM\\\\Software\\\\Secret\": "
	    "{}},\n"
	    " \"services\": {\"RTCSRV\": {\"logon\": \"LocalSystem\", \"startup\": \"manual\", "
	    "\"state\": \"stopped\"}},\n"
	    " \"faults\": {\"deny_registry\": [\"HKLM\\\\Software\\\\Locked\"],\n"
	    "            \"unreadable_registry\": [\"HKLM\\\\Software\\\\Secret\"]}}\n";
	static const struct {
		const char *resource, *line;
		int begun;
	} cases[] = {
	    {"{type: registry, id: locked, key: 'HKLM\\Software\\Locked\\Sub', value: V, kind: "
	     "dword, data: 2}",
	     "failed      locked: create V = DWORD 2 (0x2) under HKLM\\Software\\Locked\\Sub "
	     "(failed) -- create V = DWORD 2 (0x2) under HKLM\\Software\\Locked\\Sub: cannot open "
	     "registry key 'HKLM\\Software\\Locked\\Sub': access denied\n",
	     1},
	    {"{type: registry, id: secret, key: 'HKLM\\Software\\Secret', value: V, kind: dword, "
	     "data: 2}",
	     "failed      secret: cannot read the value: cannot read registry key "
	     "'HKLM\\Software\\Secret': access denied\n",
	     0},
	    {"{type: service, id: nope, name: NOPE, state: running}",
	     "failed      nope: the service is missing: service 'NOPE' does not exist "
	     "(OpenService: error 1060)\n",
	     0},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(cases); i++) {
		char *dir = th_tmpdir(), *out, *err;
		char *policy = enf_asprintf("enforcer: 1\nname: denied\nresources:\n  - %s\n",
		                            cases[i].resource);
		free(th_write(dir, "server.json", snapshot));
		free(th_write(dir, "policy.yaml", policy));
		expect_cli(dir, ARGS(APPLY, "policy.yaml"), 4, &out, &err, cases[i].resource);
		cr_expect(strncmp(out, cases[i].line, strlen(cases[i].line)) == 0, "%s", out);
		cr_expect_str_eq(err, "");
		expect_unchanged(dir, snapshot, cases[i].begun, cases[i].resource);
		free(out);
		free(err);
		free(policy);
		free(dir);
	}
}
