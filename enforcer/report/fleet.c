/*
 * The fleet report: reading an audit repository (or fetching it from a
 * remote first), the options' checks, and the report's JSON and files.
 */
#include "fleet_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#define STALE_HOURS_MAX (24u * 3660u) /* ten years */
#define FLAP_RUNS_MAX   1000u

/* `n` decimal digits at *p, advancing it; -1 when they are not there. */
static long digits(const char **p, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

int enf_fleet_parse_time(double *out, const char *text)
{
	const char *p = text;
	long y = digits(&p, 4), m = *p == '-' ? (p++, digits(&p, 2)) : -1;
	long d = *p == '-' ? (p++, digits(&p, 2)) : -1, hh = 0, mm = 0, ss = 0, ms = 0;
	int ok = y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
	if (ok && *p == 'T') {
		p++;
		hh = digits(&p, 2);
		mm = *p == ':' ? (p++, digits(&p, 2)) : -1;
		ss = *p == ':' ? (p++, digits(&p, 2)) : -1;
		if (*p == '.')
			p++, ms = digits(&p, 3);
		ok = hh >= 0 && hh < 24 && mm >= 0 && mm < 60 && ss >= 0 && ss < 61 && ms >= 0 &&
		     *p++ == 'Z';
	}
	if (!ok || *p) {
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "'%s' is not a date: give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)",
		              text);
		return ENF_EINVALID;
	}
	/* Days since the epoch by the civil calendar. */
	long yy = y - (m <= 2), era = yy / 400, yoe = yy - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	*out = (double)days * 86400.0 + (double)(hh * 3600 + mm * 60 + ss) + (double)ms / 1000.0;
	return 0;
}

/* "https://...", "ssh://...", "file://...", or scp's "user@host:path". */
static int is_url(const char *where)
{
	if (strstr(where, "://"))
		return 1;
	const char *at = strchr(where, '@'), *colon = strchr(where, ':');
	const char *slash = strpbrk(where, "/\\");
	return at && colon && colon > at && (!slash || slash > colon);
}

int enf_fleet__fetch(git_repository **out, const char *url, const char *dir, const char *prefix)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_fetch_options fo;
	char *spec = enf_asprintf("+refs/heads/%s*:refs/heads/%s*", prefix, prefix);
	char *specs[1] = {spec};
	git_strarray refspecs = {specs, 1};
	int rc = 0;
	if (!spec)
		return enf_error_oom();
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	int grc = git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (grc == GIT_ENOTFOUND) {
		git_error_clear();
		grc = git_repository_init(&repo, dir, 1);
	}
	/*
	 * Anonymous, and without url.*.insteadOf rewriting: the URL given is the
	 * one fetched (and libgit2 1.5's insteadOf lookup leaks its pattern).
	 */
	git_remote_create_options ro;
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (grc == 0)
		grc = git_remote_create_with_opts(&remote, url, &ro);
	if (grc == 0)
		grc = git_remote_fetch(remote, &refspecs, &fo, NULL);
	if (grc) {
		const git_error *ge = git_error_last();
		enf_error_set(ENF_ERRCLASS_REPORT,
		              "cannot fetch the audit branches of '%s' into '%s': %s", url, dir,
		              ge && ge->message ? ge->message : "unknown error");
		git_error_clear();
		rc = ENF_ERROR;
	}
	git_remote_free(remote);
	free(spec);
	if (rc) {
		git_repository_free(repo);
		return rc;
	}
	*out = repo;
	return 0;
}

/* Removes the temporary fetch folder we made: git writes files and folders only. */
static void remove_tree(const char *path)
{
	char **names = NULL;
	size_t n = 0;
	if (enf_remove_file(path) == 0)
		return;
	enf_error_clear();
	if (enf_dir_entries(&names, &n, path) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *child = enf_asprintf("%s/%s", path, names[i]);
			if (child)
				remove_tree(child);
			free(child);
			free(names[i]);
		}
		free(names);
	}
	enf_remove_dir(path);
	enf_error_clear();
}

static int check_options(const enf_fleet_options *o)
{
	if (!o || o->version != ENF_FLEET_OPTIONS_VERSION) {
		enf_error_set(ENF_ERRCLASS_INVALID, "fleet options of another version");
		return ENF_EINVALID;
	}
	const char *p = o->branch_prefix;
	if (!p || !*p || strstr(p, "..") || strchr(p, '*') || strchr(p, ':') || *p == '/') {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "'%s' is not a branch prefix: give the part of the branch names before "
		    "the host, such as audit/",
		    p ? p : "");
		return ENF_EINVALID;
	}
	if (o->stale_hours < 1 || o->stale_hours > STALE_HOURS_MAX) {
		enf_error_set(ENF_ERRCLASS_INVALID, "stale hours must be 1 to %u", STALE_HOURS_MAX);
		return ENF_EINVALID;
	}
	if (o->flap_runs < 2 || o->flap_runs > FLAP_RUNS_MAX) {
		enf_error_set(
		    ENF_ERRCLASS_INVALID,
		    "flapping needs 2 to %u applies to look at (a change and its undoing)",
		    FLAP_RUNS_MAX);
		return ENF_EINVALID;
	}
	return 0;
}

int enf_fleet_read(enf_fleet **out, const char *where, const enf_fleet_options *given)
{
	int rc = check_options(given);
	if (rc)
		return rc;
	enf_fleet_options opts = *given;
	char *temp = NULL;
	fleet_data data;
	json_t *doc = NULL;
	if (opts.now <= 0)
		opts.now = enf_now();
	if (opts.since <= 0)
		opts.since = opts.now - ENF_FLEET_DEFAULT_DAYS * 86400.0;
	if (is_url(where) && !opts.fetch_dir) {
		if ((rc = enf_temp_dir(&temp)))
			return rc;
		opts.fetch_dir = temp;
	} else if (!is_url(where)) {
		opts.fetch_dir = NULL;
	}
	git_libgit2_init();
	/*
	 * Each commit, tree and blob is read once: libgit2's object cache (up to
	 * 256 MiB by default) would only hold what is never asked for again.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	rc = enf_fleet__load(&data, where, &opts);
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 1);
	if (rc == 0)
		rc = enf_fleet__verdicts(&doc, &data, &opts);
	enf_fleet__data_clear(&data);
	git_libgit2_shutdown();
	if (temp) {
		/* Removing the folder must not lose why the report failed. */
		const enf_error *e = rc ? enf_error_last() : NULL;
		char *why = e ? enf_strdup(e->message) : NULL;
		remove_tree(temp);
		if (why)
			enf_error_set(ENF_ERRCLASS_REPORT, "%s", why);
		free(why);
	}
	free(temp);
	if (rc)
		return rc;
	enf_fleet *f = calloc(1, sizeof(*f));
	if (!f) {
		json_decref(doc);
		return enf_error_oom();
	}
	f->doc = doc;
	*out = f;
	return 0;
}

int enf_fleet_exit_code(const enf_fleet *f)
{
	return (int)enf_rj_num(f->doc, "exit_code");
}

int enf_fleet_json(char **out, size_t *out_len, const enf_fleet *f)
{
	char *json = json_dumps(f->doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	char *text = json ? enf_asprintf("%s\n", json) : NULL;
	free(json);
	if (!text)
		return enf_error_oom();
	*out = text;
	*out_len = strlen(text);
	return 0;
}

int enf_fleet_write_dir(const enf_fleet *f, const char *dir)
{
	static const char *const names[] = {"fleet.json", "fleet.txt", "fleet.xml", "fleet.html"};
	char *texts[4] = {NULL, NULL, NULL, NULL};
	size_t len = 0;
	int rc = enf_mkdir_p(dir);
	if (rc == 0)
		rc = enf_fleet_json(&texts[0], &len, f);
	if (rc == 0) {
		texts[1] = enf_text_crlf(enf_fleet_render_text(f, 0), ENF_TEXT_FILE_CRLF);
		texts[2] = enf_fleet_render_junit(f);
		texts[3] = enf_fleet_render_html(f);
		if (!texts[1] || !texts[2] || !texts[3])
			rc = enf_error_oom();
	}
	for (int i = 0; rc == 0 && i < 4; i++) {
		char *path = enf_asprintf("%s/%s", dir, names[i]);
		rc = path ? enf_write_file_atomic(path, texts[i], strlen(texts[i]))
		          : enf_error_oom();
		free(path);
	}
	for (int i = 0; i < 4; i++)
		free(texts[i]);
	return rc;
}

void enf_fleet_free(enf_fleet *f)
{
	if (!f)
		return;
	json_decref(f->doc);
	free(f);
}
