/*
 * Pending restarts. A change that notifies a restart handler records the
 * handler in the state folder before the change is made; the record is
 * cleared only when the handler has run. So a run killed between a change
 * (say, EnableSessionTicket) and its restart does not leave the services
 * running with the old setting: the next apply runs the pending handler even
 * though nothing else changes. A handler that ran and failed stays recorded
 * as one to finish: the next apply starts what is not running, and does not
 * stop everything again (docs/journal.md). A handler deferred (apply
 * --defer-restarts, or defer: true) stays in the list and is marked as
 * deferred, with the run that deferred it, until `enforcer restart --pending`
 * (or an apply that does not defer) performs it.
 */
#include "engine_int.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *pending_path(const engine *e)
{
	char *dir = enf_engine_state_dir(e->opts);
	char *path = dir ? enf_asprintf("%s%cpending%c%s.json", dir, ENF_PATH_SEP, ENF_PATH_SEP,
	                                e->policy->name)
	                 : NULL;
	free(dir);
	return path;
}

/* An absent member, or an object of handler id to RUN-ID. */
static int run_map_valid(const json_t *map)
{
	const char *key;
	json_t *v;
	if (map && !json_is_object(map))
		return 0;
	json_object_foreach((json_t *)map, key, v)
	{
		if (!json_is_string(v))
			return 0;
	}
	return 1;
}

/*
 * {"run": "RUN-ID", "handlers": ["id", ...], "finish": {"id": "RUN-ID", ...},
 * "deferred": {"id": "RUN-ID", ...}}, as pending_add, pending_finish and
 * pending_defer write it; "finish" (restarts a run began and did not finish)
 * and "deferred" are absent in records of older versions.
 */
static int pending_valid(const json_t *doc)
{
	const json_t *list = json_object_get(doc, "handlers");
	size_t i;
	json_t *v;
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "run")) ||
	    !json_is_array(list) || !run_map_valid(json_object_get(doc, "finish")) ||
	    !run_map_valid(json_object_get(doc, "deferred")))
		return 0;
	json_array_foreach(list, i, v)
	{
		if (!json_is_string(v))
			return 0;
	}
	return 1;
}

int enf_pending_load(engine *e, json_t **out)
{
	char *path = pending_path(e);
	char *data = NULL;
	size_t len = 0;
	*out = NULL;
	if (!path)
		return enf_error_oom();
	/* A record someone else could write would decide which services to restart. */
	int rc = enf_engine_state_file_guard(e->opts, path);
	if (rc == 0)
		rc = enf_read_file(&data, &len, path, 1024 * 1024);
	if (rc == ENF_ENOTFOUND) {
		enf_error_clear();
		free(path);
		return 0;
	}
	if (rc == 0) {
		json_t *doc = json_loadb(data, len, 0, NULL);
		if (!pending_valid(doc)) {
			/* A damaged record must not hide a needed restart: say so. */
			enf_error_set(
			    ENF_ERRCLASS_STATE,
			    "'%s' is damaged; delete it after restarting the services of policy %s by hand",
			    path, e->policy->name);
			json_decref(doc);
			rc = ENF_EINVALID;
		} else {
			*out = doc;
		}
	}
	free(data);
	free(path);
	return rc;
}

int enf_pending_contains(const json_t *doc, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(doc, "handlers"), i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	}
	return 0;
}

static int pending_write(engine *e, json_t *doc)
{
	char *path = pending_path(e);
	char *dir = path ? enf_strndup(path, (size_t)(strrchr(path, ENF_PATH_SEP) - path)) : NULL;
	char *text = json_dumps(doc, JSON_INDENT(2));
	int rc = path && dir && text ? enf_mkdir_p(dir) : enf_error_oom();
	if (rc == 0)
		rc = enf_write_file_atomic(path, text, strlen(text));
	free(text);
	free(dir);
	free(path);
	return rc;
}

int enf_pending_add(engine *e, json_t **doc, const enf_resource *res)
{
	if (!*doc)
		*doc = json_pack("{s:s, s:[]}", "run", e->run->run_id, "handlers");
	if (!*doc)
		return enf_error_oom();
	int added = 0;
	for (size_t i = 0; i < res->notify_count; i++) {
		if (enf_pending_contains(*doc, res->notify[i]))
			continue;
		json_array_append_new(json_object_get(*doc, "handlers"),
		                      json_string(res->notify[i]));
		added = 1;
	}
	return added ? pending_write(e, *doc) : 0;
}

static void remove_handler(json_t *doc, const char *id)
{
	json_t *list = json_object_get(doc, "handlers");
	for (size_t i = 0; i < json_array_size(list); i++) {
		if (strcmp(json_string_value(json_array_get(list, i)), id) == 0) {
			json_array_remove(list, i);
			break;
		}
	}
}

const char *enf_pending_finishing(const json_t *doc, const char *id)
{
	return json_string_value(json_object_get(json_object_get(doc, "finish"), id));
}

int enf_pending_finish(engine *e, json_t *doc, const char *id)
{
	json_t *finish = json_object_get(doc, "finish");
	if (!finish) {
		finish = json_object();
		json_object_set_new(doc, "finish", finish);
	}
	remove_handler(doc, id);
	/* Begun, so no longer deferred: what is left is to start what is down. */
	json_object_del(json_object_get(doc, "deferred"), id);
	if (!finish || json_object_set_new(finish, id, json_string(e->run->run_id)))
		return enf_error_oom();
	return pending_write(e, doc);
}

const char *enf_pending_deferred(const json_t *doc, const char *id)
{
	return json_string_value(json_object_get(json_object_get(doc, "deferred"), id));
}

int enf_pending_defer(engine *e, json_t *doc, const char *id)
{
	json_t *deferred = json_object_get(doc, "deferred");
	if (!deferred) {
		deferred = json_object();
		json_object_set_new(doc, "deferred", deferred);
	}
	if (!deferred)
		return enf_error_oom();
	/* The first run that deferred it is the one an admin looks for. */
	if (enf_pending_deferred(doc, id))
		return 0;
	if (!enf_pending_contains(doc, id) &&
	    json_array_append_new(json_object_get(doc, "handlers"), json_string(id)))
		return enf_error_oom();
	if (json_object_set_new(deferred, id, json_string(e->run->run_id)))
		return enf_error_oom();
	return pending_write(e, doc);
}

int enf_pending_done(engine *e, json_t *doc, const char *id)
{
	json_t *list = json_object_get(doc, "handlers");
	json_t *finish = json_object_get(doc, "finish");
	json_t *deferred = json_object_get(doc, "deferred");
	remove_handler(doc, id);
	json_object_del(finish, id);
	json_object_del(deferred, id);
	if (json_array_size(list) > 0 || json_object_size(finish) > 0 ||
	    json_object_size(deferred) > 0)
		return pending_write(e, doc);
	char *path = pending_path(e);
	int rc = path ? 0 : enf_error_oom();
	if (path && remove(path) != 0 && enf_path_exists(path)) {
		enf_error_set(ENF_ERRCLASS_STATE, "cannot remove '%s'", path);
		rc = ENF_ERROR;
	}
	free(path);
	return rc;
}
