/*
 * The state folder and the inputs as trust boundaries (include/enforcer/guard.h):
 * a folder or file that another user can change, or a symbolic link, is
 * refused with a message that names it and what to run, exit 1, and
 * nothing changes. Tests that give a file to another user need root (as CI
 * runs them); as another user they are skipped and say so.
 */
#include "engine_fixture.h"
#include "gitrepo.h"
#include "helpers.h"

#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "enforcer/source.h"
#include "util/secret.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <git2.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(guard, .fini = th_cleanup);

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A uid no account here has: "another user" for the chown tests. */
#define OTHER_UID 4242

static void needs_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to give a file to another user (chown); CI runs this "
		             "suite as root");
}

static void give_away(const char *path)
{
	cr_assert_eq(lchown(path, OTHER_UID, OTHER_UID), 0, "chown %s", path);
}

static char *path_in(const char *dir, const char *name)
{
	char *p = enf_asprintf("%s/%s", dir, name);
	cr_assert(p);
	return p;
}

/* The names in a folder as one string, "a b c", "" when empty or missing. */
static char *listing(const char *dir)
{
	char **names = NULL;
	size_t n = 0;
	enf_buf b = ENF_BUF_INIT;
	if (enf_dir_entries(&names, &n, dir) == 0) {
		for (size_t i = 0; i < n; i++) {
			enf_buf_printf(&b, "%s%s", i ? " " : "", names[i]);
			free(names[i]);
		}
		free(names);
	}
	enf_error_clear();
	enf_buf_puts(&b, "");
	return enf_buf_detach(&b);
}

static char *own_group(void)
{
	struct group *gr = getgrgid(getegid());
	return gr ? enf_strdup(gr->gr_name) : enf_asprintf("%lu", (unsigned long)getegid());
}

/* Runs enforcer in f->dir; the snapshot must be byte for byte what it was. */
static th_cli_result run_unchanged(fixture *f, const char *const *argv)
{
	char *before = th_read(f->snapshot, NULL);
	th_cli_result r = th_run_cli(f->dir, argv, NULL);
	char *after = th_read(f->snapshot, NULL);
	cr_expect_str_eq(after, before, "the snapshot changed");
	free(before);
	free(after);
	return r;
}

/* Applies the seed policy once and returns the run id of its journal. */
static char *first_apply(fixture *f)
{
	th_cli_result r = th_run_cli(f->dir,
	                             ARGS("apply", "--target", "snapshot:server.json",
	                                  "--state-dir", "state", "policy.yaml"),
	                             NULL);
	cr_assert_eq(r.code, 2, "%s", r.err);
	th_cli_free(&r);
	char *journal = path_in(f->state, "journal");
	char *names = listing(journal);
	free(journal);
	cr_assert(strlen(names) == strlen("20261122T030512Z-4f3a9c.jsonl"), "%s", names);
	names[strlen(names) - strlen(".jsonl")] = '\0';
	return names;
}

Test(guard, a_group_writable_state_folder_is_refused_and_nothing_changes)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	cr_assert_eq(mkdir(f.state, 0700), 0);
	cr_assert_eq(chmod(f.state, 0775), 0);
	char *group = own_group();
	th_cli_result r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json",
	                                         "--state-dir", "state", "policy.yaml"));
	char *want = enf_asprintf(
	    "enforcer: 'state' is writable by group '%s' (mode 0775): run chmod g-w 'state'\n",
	    group);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	cr_expect_str_eq(r.out, "");
	char *left = listing(f.state);
	cr_expect_str_eq(left, "", "the run wrote into the state folder: %s", left);
	free(left);
	free(want);
	free(group);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_planted_journal_owned_by_another_user_is_not_rolled_back)
{
	needs_root();
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	char *id = first_apply(&f);
	/* A copy of a real journal, as a user would plant it: only its owner differs. */
	char *real = enf_asprintf("%s/journal/%s.jsonl", f.state, id);
	char *planted = enf_asprintf("%s/journal/20261201T000000Z-abcdef.jsonl", f.state);
	size_t len;
	char *text = th_read(real, &len);
	cr_assert_eq(enf_write_file_atomic(planted, text, len), 0);
	give_away(planted);
	th_cli_result r =
	    run_unchanged(&f, ARGS("rollback", "--target", "snapshot:server.json", "--state-dir",
	                           "state", "20261201T000000Z-abcdef"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer: 'state/journal/20261201T000000Z-abcdef.jsonl' belongs to uid 4242, not to root or user 'root' (uid 0) who runs enforcer, so that user can change it: run chown 0 'state/journal/20261201T000000Z-abcdef.jsonl' (or remove it if you did not make it)\n");
	char *journals = path_in(f.state, "journal");
	char *left = listing(journals);
	char *want = enf_asprintf("20261201T000000Z-abcdef.jsonl %s.jsonl", id);
	cr_expect_str_eq(left, want, "the rollback wrote a journal of its own");
	free(want);
	free(left);
	free(journals);
	free(text);
	free(real);
	free(planted);
	free(id);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_symlinked_journal_is_not_rolled_back)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	char *id = first_apply(&f);
	char *real = enf_asprintf("%s/journal/%s.jsonl", f.state, id);
	char *outside = path_in(f.dir, "elsewhere.jsonl");
	size_t len;
	char *text = th_read(real, &len);
	cr_assert_eq(enf_write_file_atomic(outside, text, len), 0);
	char *link = enf_asprintf("%s/journal/20261201T000000Z-abcdef.jsonl", f.state);
	cr_assert_eq(symlink(outside, link), 0);
	th_cli_result r =
	    run_unchanged(&f, ARGS("rollback", "--target", "snapshot:server.json", "--state-dir",
	                           "state", "20261201T000000Z-abcdef"));
	char *want = enf_asprintf(
	    "enforcer: 'state/journal/20261201T000000Z-abcdef.jsonl' is a symbolic link (to '%s'): enforcer does not follow links in its state folder or inputs; put the real file or folder there\n",
	    outside);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	free(want);
	free(link);
	free(text);
	free(outside);
	free(real);
	free(id);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_state_folder_owned_by_another_user_is_refused)
{
	needs_root();
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	cr_assert_eq(mkdir(f.state, 0700), 0);
	give_away(f.state);
	th_cli_result r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json",
	                                         "--state-dir", "state", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer: 'state' belongs to uid 4242, not to root or user 'root' (uid 0) who runs enforcer, so that user can change it: run chown 0 'state' (or remove it if you did not make it)\n");
	char *left = listing(f.state);
	cr_expect_str_eq(left, "");
	free(left);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_lock_planted_as_a_link_is_refused)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	cr_assert_eq(mkdir(f.state, 0700), 0);
	char *lock = path_in(f.state, "enforcer.lock");
	char *victim = path_in(f.dir, "victim");
	cr_assert_eq(symlink(victim, lock), 0);
	th_cli_result r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json",
	                                         "--state-dir", "state", "policy.yaml"));
	char *want = enf_asprintf(
	    "enforcer: 'state/enforcer.lock' is a symbolic link (to '%s'): enforcer does not follow links in its state folder or inputs; put the real file or folder there\n",
	    victim);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	cr_expect(!enf_path_exists(victim), "the link was followed");
	free(want);
	free(victim);
	free(lock);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_pending_record_others_can_write_is_refused_even_by_plan)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	char *pending = path_in(f.state, "pending");
	cr_assert_eq(enf_mkdir_p(pending), 0);
	char *record = th_write(pending, "lync-edge.json", "{\"run\": \"x\", \"handlers\": []}");
	cr_assert_eq(chmod(record, 0646), 0);
	th_cli_result r = run_unchanged(&f, ARGS("plan", "--target", "snapshot:server.json",
	                                         "--state-dir", "state", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer: 'state/pending/lync-edge.json' is writable by every user (mode 0646): run chmod o-w 'state/pending/lync-edge.json'\n");
	free(record);
	free(pending);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_folder_above_that_others_can_write_is_refused_unless_sticky)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	char *shared = path_in(f.dir, "shared");
	cr_assert_eq(mkdir(shared, 0700), 0);
	cr_assert_eq(chmod(shared, 0777), 0);
	th_cli_result r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json",
	                                         "--state-dir", "shared/state", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer: 'shared' is writable by every user (mode 0777): run chmod o-w 'shared'\n");
	char *left = path_in(shared, "state");
	cr_expect(!enf_path_exists(left), "the refused run made the state folder");
	th_cli_free(&r);
	/* Sticky, as /tmp is: others cannot rename or delete what is not theirs. */
	cr_assert_eq(chmod(shared, 01777), 0);
	r = th_run_cli(f.dir,
	               ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                    "shared/state", "policy.yaml"),
	               NULL);
	cr_expect_eq(r.code, 2, "%s", r.err);
	th_cli_free(&r);
	/* The state folder is there now; the folder above it, met on the way up, is refused. */
	cr_assert_eq(chmod(shared, 0777), 0);
	char *real = enf_path_absolute(shared);
	r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                           "shared/state", "policy.yaml"));
	char *want = enf_asprintf(
	    "enforcer: '%s' is writable by every user (mode 0777): run chmod o-w '%s'\n", real,
	    real);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	th_cli_free(&r);
	free(want);
	free(real);
	free(left);
	free(shared);
	fx_fini(&f);
}

Test(guard, the_state_folder_is_made_for_its_owner_alone)
{
	char *dir = th_tmpdir();
	char *state = path_in(dir, "var/lib/enforcer");
	cr_assert_eq(enf_state_dir_create(state), 0, "%s", enf_error_last()->message);
	struct stat st;
	cr_assert_eq(lstat(state, &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0700);
	cr_expect_eq(st.st_uid, geteuid());
	/* Made already: checked, not changed. */
	cr_expect_eq(enf_state_dir_create(state), 0);
	cr_assert_eq(chmod(state, 0770), 0);
	cr_expect_eq(enf_state_dir_create(state), ENF_EACCESS);
	cr_assert_eq(rmdir(state), 0);
	char *elsewhere = path_in(dir, "elsewhere");
	cr_assert_eq(mkdir(elsewhere, 0700), 0);
	cr_assert_eq(symlink(elsewhere, state), 0);
	cr_expect_eq(enf_state_dir_create(state), ENF_EACCESS);
	cr_expect(strstr(enf_error_last()->message, "is a symbolic link"), "%s",
	          enf_error_last()->message);
	free(elsewhere);
	free(state);
	free(dir);
}

Test(guard, a_policy_key_or_report_folder_others_can_change_is_refused)
{
	fixture f;
	fx_init(&f, fx_seed_snapshot, fx_seed_policy);
	cr_assert_eq(chmod(f.policy, 0664), 0);
	char *group = own_group();
	th_cli_result r =
	    run_unchanged(&f, ARGS("plan", "--target", "snapshot:server.json", "policy.yaml"));
	char *want = enf_asprintf(
	    "enforcer: 'policy.yaml' is writable by group '%s' (mode 0664): run chmod g-w 'policy.yaml'\nNothing was read or changed.\n",
	    group);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	th_cli_free(&r);
	cr_assert_eq(chmod(f.policy, 0644), 0);
	free(th_write(f.dir, "sign.key", "not read"));
	free(th_write(f.dir, "sign.pem", "not read"));
	char *key = path_in(f.dir, "sign.key");
	cr_assert_eq(chmod(key, 0602), 0);
	r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                           "state", "--report-dir", "r", "--sign-key", "sign.key",
	                           "--sign-cert", "sign.pem", "policy.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer apply: 'sign.key' is writable by every user (mode 0602): run chmod o-w 'sign.key'\nNothing was read or changed.\n");
	th_cli_free(&r);
	char *elsewhere = path_in(f.dir, "elsewhere");
	cr_assert_eq(mkdir(elsewhere, 0700), 0);
	char *reports = path_in(f.dir, "r");
	cr_assert_eq(symlink(elsewhere, reports), 0);
	r = run_unchanged(&f, ARGS("apply", "--target", "snapshot:server.json", "--state-dir",
	                           "state", "--report-dir", "r", "policy.yaml"));
	free(want);
	want = enf_asprintf(
	    "enforcer apply: 'r' is a symbolic link (to '%s'): enforcer does not follow links in its state folder or inputs; put the real file or folder there\nNothing was read or changed.\n",
	    elsewhere);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, want);
	cr_expect(!enf_path_exists(f.state), "the refused run made the state folder");
	char *left = listing(elsewhere);
	cr_expect_str_eq(left, "");
	free(left);
	free(reports);
	free(elsewhere);
	free(key);
	free(want);
	free(group);
	th_cli_free(&r);
	fx_fini(&f);
}

Test(guard, a_file_is_never_written_through_a_link_at_a_temporary_name)
{
	char *dir = th_tmpdir();
	char *target = path_in(dir, "report.json");
	char *victim = path_in(dir, "victim");
	/* The name the previous version used: the path, ".tmp." and the process id. */
	char *old_tmp = enf_asprintf("%s.tmp.%ld", target, (long)getpid());
	cr_assert_eq(symlink(victim, old_tmp), 0);
	cr_assert_eq(enf_write_file_atomic(target, "{}\n", 3), 0, "%s", enf_error_last()->message);
	cr_expect(!enf_path_exists(victim), "the write went through the planted link");
	char *left = listing(dir);
	char *want = enf_asprintf("report.json report.json.tmp.%ld", (long)getpid());
	cr_expect_str_eq(left, want, "a temporary file was left behind");
	char *tmp = enf_temp_name(target);
	cr_assert(tmp);
	cr_expect_eq(strlen(tmp), strlen(target) + strlen(".tmp-") + 16, "%s", tmp);
	char *again = enf_temp_name(target);
	cr_expect_str_neq(tmp, again, "two temporary names were the same");
	free(again);
	free(tmp);
	free(want);
	free(left);
	free(old_tmp);
	free(victim);
	free(target);
	free(dir);
}

Test(guard, libgit2_reads_no_system_xdg_or_programdata_configuration)
{
	static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
	                             GIT_CONFIG_LEVEL_PROGRAMDATA};
	cr_assert_eq(enf_source_git_init(), 0);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(levels); i++) {
		git_buf buf = {0};
		cr_assert_eq(git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, levels[i], &buf), 0);
		cr_expect_str_eq(buf.ptr ? buf.ptr : "", "", "level %d searches '%s'", levels[i],
		                 buf.ptr);
		git_buf_dispose(&buf);
	}
	/* The running account's own configuration stays. */
	git_buf global = {0};
	cr_assert_eq(git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, &global),
	             0);
	cr_expect(global.ptr && *global.ptr, "the global level was emptied too");
	git_buf_dispose(&global);
	git_libgit2_shutdown();
}

Test(guard, a_repository_of_another_owner_is_refused_in_plain_words)
{
	needs_root();
	char *dir = th_tmpdir();
	char *repo = gr_init(dir, "policies");
	gr_write(repo, "edge.yaml", fx_seed_policy);
	free(gr_commit(repo, NULL, NULL, "edge"));
	free(gr_sh(dir, "chown -R %d:%d policies", OTHER_UID, OTHER_UID));
	/* validate and policy diff do not check owners; libgit2 itself refuses it. */
	enf_source *src = NULL;
	enf_source_git_options opts = ENF_SOURCE_GIT_OPTIONS_INIT;
	cr_expect_eq(enf_source_open_git(&src, repo, "HEAD", "edge.yaml", &opts), ENF_EACCESS);
	char *want = enf_asprintf(
	    "cannot read the repository '%s': it belongs to another account than root, which runs enforcer, and git refuses such repositories (that account could change what it holds); make this account or Administrators its owner (Windows: takeown /F DIR /R /A; POSIX: chown -R), or clone it again as this account",
	    repo);
	cr_expect_str_eq(enf_error_last()->message, want);
	free(want);
	/* plan and apply check it first, themselves. */
	gr_run r = gr_cli(dir, GR_ARGS("plan", "--target", "snapshot:none.json", "--repo",
	                               "policies", "edge.yaml"));
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(
	    r.err,
	    "enforcer plan: 'policies' belongs to uid 4242, not to root or user 'root' (uid 0) who runs enforcer, so that user can change it: run chown 0 'policies' (or remove it if you did not make it)\nNothing was read or changed.\n");
	gr_run_free(&r);
	free(repo);
	free(dir);
}

Test(guard, a_repository_others_can_write_inside_its_git_folder_is_refused)
{
	char *dir = th_tmpdir();
	char *repo = gr_init(dir, "policies");
	gr_write(repo, "edge.yaml", fx_seed_policy);
	free(gr_commit(repo, NULL, NULL, "edge"));
	char *refs = path_in(repo, ".git/refs/heads");
	cr_assert_eq(chmod(refs, 0777), 0);
	enf_source *src = NULL;
	enf_source_git_options opts = ENF_SOURCE_GIT_OPTIONS_INIT;
	opts.guard = 1;
	cr_expect_eq(enf_source_open_git(&src, repo, "HEAD", "edge.yaml", &opts), ENF_EACCESS);
	char *want = enf_asprintf(
	    "'%s/.git/refs/heads' is writable by every user (mode 0777): run chmod o-w '%s/.git/refs/heads'",
	    repo, repo);
	cr_expect_str_eq(enf_error_last()->message, want);
	/* Without the guard (validate, policy diff) it is read. */
	opts.guard = 0;
	cr_expect_eq(enf_source_open_git(&src, repo, "HEAD", "edge.yaml", &opts), 0);
	enf_source_free(src);
	free(want);
	free(refs);
	free(repo);
	free(dir);
}

Test(guard, a_password_file_reached_through_a_link_is_refused)
{
	char *dir = th_tmpdir();
	char *real = th_write(dir, "real.pw", "Secret\n");
	cr_assert_eq(chmod(real, 0600), 0);
	char *link = path_in(dir, "svc.pw");
	cr_assert_eq(symlink(real, link), 0);
	unsigned char *data = NULL;
	size_t len = 0;
	cr_expect_eq(enf_secret_file_read(&data, &len, link), ENF_EACCESS);
	char *want = enf_asprintf(
	    "'%s' is a symbolic link (to '%s'): enforcer does not follow links in its state folder or inputs; put the real file or folder there",
	    link, real);
	cr_expect_str_eq(enf_error_last()->message, want);
	cr_expect_null(data);
	/* The file itself is read. */
	cr_expect_eq(enf_secret_file_read(&data, &len, real), 0);
	cr_expect_eq(len, 7);
	enf_secret_wipe(data, len);
	free(data);
	free(want);
	free(link);
	free(real);
	free(dir);
}
