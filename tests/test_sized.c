/*
 * Inputs sized to hurt (issue 20), journal and snapshot: a rollback of many
 * resources and of a journal whose "done" lines are far from their changes,
 * a snapshot larger than the limit, and a run killed between changes before
 * the snapshot is written (the file is written once, at the end of a run).
 * Outcomes only: the benchmarks (bench/bench_sized.py) measure the time.
 */
#define _GNU_SOURCE /* unshare, for a full disk of our own */
#include "engine/engine_int.h"
#include "engine_fixture.h"
#include "helpers.h"
#include "reliability.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(sized, .fini = th_cleanup);

#define MANY 2000

/*
 * A policy of n registry values in keys of 100 and a snapshot where each is
 * drifted: one in three is missing, one in three a DWORD of another value,
 * one in three odd bytes (a REG_DWORD of 3 bytes) that a rollback must
 * write back exactly.
 */
static void many_values(char **snapshot, char **policy, int n)
{
	enf_buf s = ENF_BUF_INIT, p = ENF_BUF_INIT;
	enf_buf_puts(&s, "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {");
	enf_buf_puts(&p, "enforcer: 1\nname: many\nresources:\n");
	const char *sep = "";
	for (int i = 0; i < n; i++) {
		if (i % 100 == 0) {
			enf_buf_printf(&s, "%s\"HKLM\\\\Software\\\\Many\\\\K%d\": {",
			               i ? "}, " : "", i / 100);
			sep = "";
		}
		if (i % 3 == 1)
			enf_buf_printf(&s, "%s\"V%d\": {\"kind\": \"dword\", \"data\": %d}", sep, i,
			               i + 7);
		else if (i % 3 == 2)
			enf_buf_printf(&s, "%s\"V%d\": {\"type\": 4, \"hex\": \"ff%04x\"}", sep, i,
			               i);
		if (i % 3)
			sep = ", ";
		enf_buf_printf(&p,
		               "  - {type: registry, id: r%d, key: 'HKLM\\Software\\Many\\K%d', "
		               "value: V%d, kind: dword, data: %d}\n",
		               i, i / 100, i, i);
	}
	enf_buf_puts(&s, "}}}\n");
	*snapshot = enf_buf_detach(&s);
	*policy = enf_buf_detach(&p);
}

Test(sized, a_rollback_of_many_resources_restores_every_value_exactly_newest_first)
{
	char *snap = NULL, *policy = NULL;
	many_values(&snap, &policy, MANY);
	fixture f;
	fx_init(&f, snap, policy);
	json_t *orig = fx_state(&f);
	enf_run *run = fx_run(&f, ENF_RUN_APPLY, 0);
	cr_assert_eq(run->counts[ENF_OUTCOME_CHANGED], MANY, "%zu changed, %zu failed: %s",
	             run->counts[ENF_OUTCOME_CHANGED], run->counts[ENF_OUTCOME_FAILED],
	             run->results[0].message ? run->results[0].message : "");
	char *id = enf_strdup(run->run_id);
	json_t *applied = fx_state(&f);
	json_t *k7 =
	    json_object_get(json_object_get(applied, "registry"), "HKLM\\Software\\Many\\K7");
	cr_expect_eq(json_object_size(k7), 100, "the apply's values were not all written");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(k7, "V777"), "data")), 777);
	json_decref(applied);

	run = fx_rollback(&f, id);
	cr_assert_eq(run->count, MANY, "one result per resource of the undone run");
	cr_expect_eq(run->counts[ENF_OUTCOME_CHANGED], MANY);
	cr_expect_str_eq(run->results[0].id, "r1999", "newest first");
	cr_expect_str_eq(run->results[MANY - 1].id, "r0");
	json_t *now = fx_state(&f);
	cr_expect(json_equal(json_object_get(orig, "registry"), json_object_get(now, "registry")),
	          "the rollback did not restore every value as it was");
	json_decref(now);
	json_decref(orig);
	free(id);
	free(snap);
	free(policy);
	fx_fini(&f);
}

/* A journal's first line, for run `id` on the snapshot server.json. */
static char *journal_head(const char *id)
{
	return enf_asprintf("{\"journal\":\"enforcer-journal/1\",\"run_id\":\"%s\",\"mode\":"
	                    "\"apply\",\"host\":\"T\",\"user\":\"t\",\"target\":"
	                    "\"snapshot:server.json\",\"policy\":\"p\",\"started\":1.0}\n",
	                    id);
}

static void change_line(enf_buf *b, long seq, int i)
{
	enf_buf_printf(b,
	               "{\"seq\":%ld,\"resource\":\"r%d\",\"change\":{\"op\":\"registry-set\","
	               "\"text\":\"set V%d\",\"key\":\"HKLM\\\\Software\\\\J\",\"name\":\"V%d\","
	               "\"old\":null,\"new\":{\"kind\":\"dword\",\"data\":%d}}}\n",
	               seq, i, i, i, i);
}

/*
 * Every "done" line after the last change, in reverse order, and lines that
 * name no change or a seq two records share: each line still marks the
 * latest change record of its seq before it, as a scan back did.
 */
Test(sized, done_lines_far_from_their_changes_mark_the_latest_record_of_their_seq)
{
	enum { N = 5000 };
	char *dir = th_tmpdir();
	char *head = journal_head("20261206T120000Z-0b1a5e");
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, head);
	for (int i = 1; i <= N; i++)
		change_line(&b, i, i);
	for (int i = N; i >= 1; i--)
		enf_buf_printf(&b,
		               i == 7 ? "{\"seq\":%d,\"failed\":\"denied\"}\n"
		                      : "{\"seq\":%d,\"done\":true}\n",
		               i);
	enf_buf_puts(&b, "{\"seq\":999999,\"done\":true}\n");
	change_line(&b, 3, N + 1); /* seq 3 again: the done below is this one's */
	enf_buf_puts(&b, "{\"seq\":3,\"failed\":\"x\"}\n");
	char *text = enf_buf_detach(&b);
	char *path = th_write(dir, "j.jsonl", text);
	journal_read jr = {0};
	cr_assert_eq(enf_journal_load(&jr, path), 0, "%s", enf_error_last()->message);
	cr_assert_eq(jr.count, N + 1);
	size_t done = 0;
	for (size_t i = 0; i < N; i++)
		done += jr.entries[i].done;
	cr_expect_eq(done, N - 1, "every change but seq 7 is done");
	cr_expect(jr.entries[6].failed && !jr.entries[6].done);
	cr_expect(jr.entries[2].done && !jr.entries[2].failed,
	          "the first record of seq 3 took the later record's line");
	cr_expect(jr.entries[N].failed && !jr.entries[N].done);
	cr_expect_str_eq(jr.entries[N].resource, "r5001");
	enf_journal_read_clear(&jr);
	free(path);
	free(text);
	free(head);
	free(dir);
}

/* The same kind of journal rolled back on a snapshot that holds its values. */
Test(sized, a_journal_of_many_resources_is_rolled_back_whole)
{
	enum { N = 3000 };
	char *dir = th_tmpdir();
	enf_buf s = ENF_BUF_INIT, b = ENF_BUF_INIT;
	enf_buf_puts(&s, "{\"schema\": \"enforcer-snapshot/1\", \"registry\": "
	                 "{\"HKLM\\\\Software\\\\J\": {\"Keep\": {\"kind\": \"sz\", \"data\": "
	                 "\"k\"}");
	char *head = journal_head("20261206T120000Z-0b1a5e");
	enf_buf_puts(&b, head);
	for (int i = 1; i <= N; i++) {
		enf_buf_printf(&s, ", \"V%d\": {\"kind\": \"dword\", \"data\": %d}", i, i);
		change_line(&b, i, i);
	}
	for (int i = 1; i <= N; i++)
		enf_buf_printf(&b, "{\"seq\":%d,\"done\":true}\n", i);
	enf_buf_puts(&s, "}}}\n");
	char *snap = enf_buf_detach(&s), *text = enf_buf_detach(&b);
	free(th_write(dir, "server.json", snap));
	char *jdir = enf_asprintf("%s/state/journal", dir);
	cr_assert_eq(enf_mkdir_p(jdir), 0);
	char *state = enf_asprintf("%s/state", dir);
	chmod(state, 0700);
	chmod(jdir, 0700);
	free(th_write(jdir, "20261206T120000Z-0b1a5e.jsonl", text));
	cr_assert_eq(rl_wait_cli(rl_spawn_cli(dir, "rollback",
	                                      ARGS(ROLLBACK, "20261206T120000Z-0b1a5e"), NULL)),
	             2);
	json_t *now = rl_whole_snapshot(dir, "rolled back");
	json_t *key = json_object_get(json_object_get(now, "registry"), "HKLM\\Software\\J");
	cr_expect_eq(json_object_size(key), 1, "the %d values the journal set are not all gone", N);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(key, "Keep"), "data")),
	                 "k");
	char *out = rl_cli_text(dir, "rollback", "out");
	cr_expect(strstr(out, "3000 changed"), "%s", out);
	free(out);
	json_decref(now);
	free(state);
	free(jdir);
	free(snap);
	free(text);
	free(head);
	free(dir);
}

#define LIMIT_MESSAGE                                                                              \
	"enforcer: snapshot 'server.json' is larger than 64 MiB, the most a snapshot may hold: "   \
	"keep in it only the registry keys, services and certificate stores your policies read "   \
	"(docs/snapshot.md, \"Size\")\n"

/* Refused by its size, before a byte is read: the file here is sparse. */
Test(sized, a_snapshot_larger_than_the_limit_is_refused_and_one_at_it_is_read)
{
	char *dir = th_tmpdir();
	free(th_write(dir, "policy.yaml",
	              "enforcer: 1\nname: one\nresources:\n  - {type: registry, id: r, key: "
	              "'HKLM\\Software\\X', value: V, kind: dword, data: 1}\n"));
	char *path = th_write(dir, "server.json", "");
	cr_assert_eq(truncate(path, 64l * 1024 * 1024 + 1), 0);
	const char *const *runs[] = {ARGS(APPLY, "policy.yaml"), ARGS(PLAN, "policy.yaml")};
	for (size_t r = 0; r < 2; r++) {
		cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "big", runs[r], NULL)), 1);
		char *err = rl_cli_text(dir, "big", "err");
		cr_expect_str_eq(err, LIMIT_MESSAGE);
		free(err);
	}
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_size, 64l * 1024 * 1024 + 1, "the refused snapshot changed");
	char *state = enf_asprintf("%s/state", dir);
	cr_expect(!enf_path_exists(state), "the state folder was created");

	/* Exactly the limit: read (white space fills it out). */
	const char *doc = "{\"schema\": \"enforcer-snapshot/1\"}";
	FILE *fp = fopen(path, "w");
	cr_assert(fp);
	fputs(doc, fp);
	for (long i = (long)strlen(doc); i < 64l * 1024 * 1024; i++)
		fputc(' ', fp);
	fclose(fp);
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "limit", ARGS(PLAN, "policy.yaml"), NULL)), 2);
	free(state);
	free(path);
	free(dir);
}

/*
 * Killed after change k of 5, before the file is written: the snapshot is
 * byte for byte as it was, the journal names the k changes begun, their
 * rollback finds nothing to undo and leaves the file as it is, and the next
 * apply makes all five.
 */
Test(sized, a_run_killed_between_changes_leaves_the_snapshot_as_it_was)
{
	th_needs_test_hooks();
	char *snap = NULL, *policy = NULL;
	many_values(&snap, &policy, 5);
	for (long k = 1; k <= 5; k++) {
		char env[64];
		snprintf(env, sizeof(env), "ENFORCER_FAULT_KILL_AFTER=%ld", k);
		char *dir = th_tmpdir();
		char *path = th_write(dir, "server.json", snap);
		free(th_write(dir, "policy.yaml", policy));
		cr_assert_eq(
		    rl_wait_cli(rl_spawn_cli(dir, "apply", ARGS(APPLY, "policy.yaml"), env)),
		    128 + SIGKILL);
		char *now = th_read(path, NULL);
		cr_expect_str_eq(now, snap, "killed after %ld: the snapshot was written", k);
		free(now);
		char **ids = NULL;
		cr_assert_eq(rl_journal_ids(dir, &ids), 1);
		json_t *records = rl_journal_records(dir, ids[0]);
		cr_expect_eq(rl_count_records(records, "change"), (size_t)k);
		json_decref(records);
		cr_expect_eq(
		    rl_wait_cli(rl_spawn_cli(dir, "rollback", ARGS(ROLLBACK, ids[0]), NULL)), 0,
		    "killed after %ld: the rollback found something to undo", k);
		now = th_read(path, NULL);
		cr_expect_str_eq(now, snap, "killed after %ld: the rollback changed the file", k);
		free(now);
		cr_expect_eq(
		    rl_wait_cli(rl_spawn_cli(dir, "rerun", ARGS(APPLY, "policy.yaml"), NULL)), 2);
		char *out = rl_cli_text(dir, "rerun", "out");
		cr_expect(strstr(out, "5 changed"), "killed after %ld: %s", k, out);
		free(out);
		cr_expect_eq(
		    rl_wait_cli(rl_spawn_cli(dir, "check", ARGS(PLAN, "policy.yaml"), NULL)), 0);
		rl_free_ids(ids, 1);
		free(path);
		free(dir);
	}
	free(snap);
	free(policy);
}

#define JOURNAL_TOO_LARGE                                                                           \
	"journal 'state/journal/20261206T120000Z-0b1a5e.jsonl' is larger than 128 MiB, the most a " \
	"journal may hold: enforcer never writes one that large, and it is not read; move it out "  \
	"of the state folder (docs/journal.md, \"Size\")"

/*
 * A journal past its limit is refused by its size, unread (sparse here), by
 * every reader of journals (rollback, rollback last, runs), and nothing changes.
 */
Test(sized, a_journal_larger_than_the_limit_is_refused)
{
	char *dir = th_tmpdir();
	char *snap = th_write(dir, "server.json", fx_seed_snapshot);
	char *jdir = enf_asprintf("%s/state/journal", dir);
	char *state = enf_asprintf("%s/state", dir);
	cr_assert_eq(enf_mkdir_p(jdir), 0);
	chmod(state, 0700);
	chmod(jdir, 0700);
	char *head = journal_head("20261206T120000Z-0b1a5e");
	char *path = th_write(jdir, "20261206T120000Z-0b1a5e.jsonl", head);
	chmod(path, 0600);
	cr_assert_eq(truncate(path, 128l * 1024 * 1024 + 1), 0);
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "rollback",
	                                      ARGS(ROLLBACK, "20261206T120000Z-0b1a5e"), NULL)),
	             1);
	char *err = rl_cli_text(dir, "rollback", "err");
	/* The refusal says what to do (issue 20's "limits" check): the text changed. */
	char *want = enf_asprintf("enforcer: %s\n", JOURNAL_TOO_LARGE);
	cr_expect_str_eq(err, want);
	free(err);
	/* `rollback last` finds it the latest, and refuses it the same way. */
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "last", ARGS(ROLLBACK, "last"), NULL)), 1);
	err = rl_cli_text(dir, "last", "err");
	cr_expect_str_eq(err, want);
	free(err);
	/* `runs` reads journals with the same limit: listed as unreadable, with the reason. */
	const char *const runs[] = {"runs", "--state-dir", "state", NULL};
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "runs", runs, NULL)), 0);
	char *out = rl_cli_text(dir, "runs", "out");
	cr_expect_str_eq(out,
	                 "RUN                      STARTED (UTC)       MODE     CHANGED FAILED "
	                 "EXIT JOURNAL POLICY\n"
	                 "20261206T120000Z-0b1a5e  2026-12-06 12:00:00 ?              ?      ?    "
	                 "? refused\n"
	                 "  not readable: " JOURNAL_TOO_LARGE "\n");
	free(out);
	const char *const runs_json[] = {"runs", "--state-dir", "state", "--format", "json", NULL};
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "json", runs_json, NULL)), 0);
	out = rl_cli_text(dir, "json", "out");
	json_t *list = json_loads(out, 0, NULL);
	json_t *want_list =
	    json_pack("[{s:s, s:f, s:n, s:n, s:n, s:n, s:n, s:b, s:s}]", "run_id",
	              "20261206T120000Z-0b1a5e", "started", 1796558400.0, "mode", "policy",
	              "changed", "failed", "exit", "journal", 1, "unreadable", JOURNAL_TOO_LARGE);
	cr_expect(json_equal(list, want_list), "%s", out);
	json_decref(list);
	json_decref(want_list);
	free(out);
	char *now = th_read(snap, NULL);
	cr_expect_str_eq(now, fx_seed_snapshot, "the snapshot changed");
	free(now);
	free(want);
	free(path);
	free(head);
	free(state);
	free(jdir);
	free(snap);
	free(dir);
}

/*
 * A full disk: a 40 KiB tmpfs at DIR/disk, in a mount namespace of the
 * test's own, holding the 27 KB snapshot of 600 values as disk/server.json,
 * and DIR/policy.yaml with the first `resources` of them. The snapshot's path.
 */
static char *full_disk(char **dir, char **disk, char **snap, int resources)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		cr_skip_test("needs root and a mount namespace for a full disk of its own");
	char *policy = NULL;
	many_values(snap, &policy, 600);
	char cut[64];
	snprintf(cut, sizeof(cut), "  - {type: registry, id: r%d,", resources);
	if (strstr(policy, cut))
		*strstr(policy, cut) = '\0';
	*dir = th_tmpdir();
	*disk = enf_asprintf("%s/disk", *dir);
	cr_assert_eq(mkdir(*disk, 0700), 0);
	cr_assert_eq(mount("tmpfs", *disk, "tmpfs", 0, "size=40k"), 0);
	free(th_write(*dir, "policy.yaml", policy));
	free(policy);
	return th_write(*disk, "server.json", *snap);
}

/*
 * The file cannot be written at the end (a full disk: a 40 KiB tmpfs in a
 * mount namespace of this test's own, holding a 27 KB snapshot that an
 * apply of 600 values must write again whole). Every resource reported
 * changed is failed instead, saying why; the journal says so too; the file
 * is as it was, and the rollback of the run finds nothing to undo.
 */
Test(sized, a_snapshot_that_cannot_be_written_at_the_end_fails_what_changed)
{
	char *dir = NULL, *disk = NULL, *snap = NULL;
	char *path = full_disk(&dir, &disk, &snap, 600);
	const char *const apply[] = {"apply",       "--target", "snapshot:disk/server.json",
	                             "--state-dir", "state",    "policy.yaml",
	                             NULL};
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "apply", apply, NULL)), 6);
	char *out = rl_cli_text(dir, "apply", "out");
	cr_expect(strstr(out, "Apply: 0 changed, 600 failed, 0 compliant"), "%s", out);
	cr_expect(strstr(out, "changed, but the change could not be written to the target: "), "%s",
	          out);
	free(out);
	char *now = th_read(path, NULL);
	cr_expect_str_eq(now, snap, "the snapshot changed");
	free(now);
	char **ids = NULL;
	cr_assert_eq(rl_journal_ids(dir, &ids), 1);
	json_t *records = rl_journal_records(dir, ids[0]);
	cr_expect_eq(rl_count_records(records, "change"), 600);
	json_t *event = json_array_get(records, json_array_size(records) - 2);
	cr_expect(strstr(json_string_value(json_object_get(event, "event")), "disk/server.json"),
	          "the journal does not say why");
	json_decref(records);
	const char *const rollback[] = {"rollback",    "--target", "snapshot:disk/server.json",
	                                "--state-dir", "state",    ids[0],
	                                NULL};
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "rollback", rollback, NULL)), 0);
	now = th_read(path, NULL);
	cr_expect_str_eq(now, snap, "the rollback changed the snapshot");
	free(now);
	rl_free_ids(ids, 1);
	umount(disk);
	free(path);
	free(disk);
	free(dir);
	free(snap);
}

#define NO_SPACE  "cannot write 'disk/server.json.tmp-X': No space left on device"
#define UNWRITTEN "changed, but the change could not be written to the target: " NO_SPACE

/* The output with the temporary file's random name as X and the run id as RUN. */
static char *masked(char *text)
{
	enf_buf b = ENF_BUF_INIT;
	for (const char *p = text; *p;) {
		size_t hex = 0;
		if (strncmp(p, ".tmp-", 5) == 0)
			while (hex < 16 && p[5 + hex] && strchr("0123456789abcdef", p[5 + hex]))
				hex++;
		if (hex == 16) {
			enf_buf_puts(&b, ".tmp-X");
			p += 21;
		} else if (strncmp(p, "; run ", 6) == 0 && p[6] >= '0' && p[6] <= '9' &&
		           strlen(p) > 29) {
			enf_buf_puts(&b, "; run RUN");
			p += 29;
		} else {
			enf_buf_put(&b, p++, 1);
		}
	}
	free(text);
	return enf_buf_detach(&b);
}

/*
 * The same full disk watched with -v: the progress lines said "changed" as
 * each change was made in memory; when the file then cannot be written, the
 * terminal says which of them were not made, and the summary counts them
 * failed (three changes to a 27 KB snapshot that the 40 KiB disk cannot hold twice).
 */
Test(sized, a_failed_write_at_the_end_is_said_after_the_progress_lines)
{
	char *dir = NULL, *disk = NULL, *snap = NULL;
	char *path = full_disk(&dir, &disk, &snap, 3);
	const char *const apply[] = {"apply",       "--target", "snapshot:disk/server.json",
	                             "--state-dir", "state",    "-v",
	                             "policy.yaml", NULL};
	cr_expect_eq(rl_wait_cli(rl_spawn_cli(dir, "apply", apply, NULL)), 6);
	char *now = th_read(path, NULL);
	cr_expect_str_eq(now, snap, "the snapshot changed");
	free(now);
	char *err = masked(rl_cli_text(dir, "apply", "err"));
	cr_expect_str_eq(err, "[1/3] r0 changed\n"
	                      "[2/3] r1 changed\n"
	                      "[3/3] r2 changed\n"
	                      "not written: snapshot:disk/server.json could not be saved (" NO_SPACE
	                      "): these 3 changes reported above were not made, and are failed:\n"
	                      "  r0\n"
	                      "  r1\n"
	                      "  r2\n");
	free(err);
	char *out = masked(rl_cli_text(dir, "apply", "out"));
	cr_expect_str_eq(
	    out,
	    "failed      r0: create V0 = DWORD 0 (0x0) under HKLM\\Software\\Many\\K0 -- " UNWRITTEN
	    "\n"
	    "failed      r1: set DWORD V1 8 -> 1 -- " UNWRITTEN "\n"
	    "failed      r2: set DWORD V2 131327 -> 2 -- " UNWRITTEN "\n"
	    "Apply: 0 changed, 3 failed, 0 compliant, 0 skipped, 0 waived, 0 audit drift; run "
	    "RUN, exit 6\n");
	free(out);
	umount(disk);
	free(path);
	free(disk);
	free(dir);
	free(snap);
}
