/*
 * `policy diff`: what changed between two versions of a policy, per
 * resource id, key by key, for change-control boards reading a review.
 */
#include "source_int.h"

#include "policy/restype.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <string.h>

#define SHORT_ID 12

/* Every key whose value differs: keys of `to` in its order, then keys only `from` has. */
static json_t *key_changes(json_t *from, json_t *to)
{
	json_t *list = json_array();
	const char *key;
	json_t *v;
	json_object_foreach(to, key, v)
	{
		json_t *old = json_object_get(from, key);
		if (!old || !json_equal(old, v))
			json_array_append_new(list, json_pack("{s:s, s:O, s:O}", "key", key, "from",
			                                      old ? old : json_null(), "to", v));
	}
	json_object_foreach(from, key, v)
	{
		if (!json_object_get(to, key))
			json_array_append_new(
			    list, json_pack("{s:s, s:O, s:n}", "key", key, "from", v, "to"));
	}
	return list;
}

/* The i-th certificate file a resource refers to, or NULL past the last. */
static const char *referenced_file(const enf_resource *r, size_t i)
{
	enf_loc loc;
	return enf_resource_file(r, i, &loc);
}

static int refers_to(const enf_resource *r, const char *file)
{
	const char *f;
	for (size_t i = 0; (f = referenced_file(r, i)); i++)
		if (strcmp(f, file) == 0)
			return 1;
	return 0;
}

/* "1a2b3c4d5e6f" for a file of a commit, NULL when it is not there. */
static json_t *short_blob(enf_source *src, const char *file)
{
	char *id = NULL;
	json_t *j;
	if (enf_source_file_id(&id, src, file)) {
		enf_error_clear();
		return json_null();
	}
	j = json_stringn(id, SHORT_ID);
	free(id);
	return j;
}

/*
 * A certificate file at the same path in both versions, with new content,
 * changes what the resource enforces though no key of the policy changed.
 */
static void content_changes(json_t *keys, const enf_resource *old, enf_source *from_src,
                            const enf_resource *r, enf_source *to_src)
{
	const char *f;
	if (!from_src || !to_src)
		return;
	for (size_t i = 0; (f = referenced_file(r, i)); i++) {
		if (!refers_to(old, f))
			continue;
		json_t *a = short_blob(from_src, f), *b = short_blob(to_src, f);
		if (!json_equal(a, b)) {
			char *key = enf_asprintf("content of %s", f);
			json_array_append_new(keys, json_pack("{s:s, s:o, s:o}", "key",
			                                      key ? key : f, "from", a, "to", b));
			free(key);
		} else {
			json_decref(a);
			json_decref(b);
		}
	}
}

struct enf_policy_changes {
	json_t *doc; /* schema enforcer-policy-diff/1 */
};

int enf_policy_diff(enf_policy_changes **out, const enf_policy *from, enf_source *from_src,
                    const enf_policy *to, enf_source *to_src)
{
	json_t *pf = enf_policy_to_json(from), *pt = enf_policy_to_json(to);
	json_t *added = json_array(), *removed = json_array(), *changed = json_array();
	json_t *policy = pf && pt ? key_changes(pf, pt) : NULL;
	json_decref(pf);
	json_decref(pt);
	for (size_t i = 0; i < to->count; i++) {
		const enf_resource *r = &to->resources[i];
		const enf_resource *old = enf_policy_find(from, r->id);
		const char *type = enf_resource_type_name(r->type);
		if (!old) {
			json_array_append_new(added,
			                      json_pack("{s:s, s:s}", "id", r->id, "type", type));
			continue;
		}
		json_t *a = enf_resource_to_json(old), *b = enf_resource_to_json(r);
		json_t *keys = a && b ? key_changes(a, b) : NULL;
		json_decref(a);
		json_decref(b);
		if (keys)
			content_changes(keys, old, from_src, r, to_src);
		if (keys && json_array_size(keys))
			json_array_append_new(changed, json_pack("{s:s, s:s, s:O}", "id", r->id,
			                                         "type", type, "keys", keys));
		json_decref(keys);
	}
	for (size_t i = 0; i < from->count; i++) {
		const enf_resource *r = &from->resources[i];
		if (!enf_policy_find(to, r->id))
			json_array_append_new(removed, json_pack("{s:s, s:s}", "id", r->id, "type",
			                                         enf_resource_type_name(r->type)));
	}
	size_t n = json_array_size(policy) + json_array_size(added) + json_array_size(removed) +
	           json_array_size(changed);
	json_t *doc =
	    json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I}", "schema", "enforcer-policy-diff/1",
	              "name", to->name, "policy", policy, "added", added, "removed", removed,
	              "changed", changed, "differences", (json_int_t)n);
	enf_policy_changes *d = doc ? calloc(1, sizeof(*d)) : NULL;
	if (!d) {
		json_decref(doc);
		return enf_error_oom();
	}
	d->doc = doc;
	*out = d;
	return 0;
}

size_t enf_policy_changes_count(const enf_policy_changes *d)
{
	return (size_t)json_integer_value(json_object_get(d->doc, "differences"));
}

static json_t *rev_json(const char *ref, const char *commit)
{
	json_t *o = json_object();
	if (o && ref)
		json_object_set_new(o, "ref", json_string(ref));
	if (o && commit)
		json_object_set_new(o, "commit", json_string(commit));
	return o;
}

char *enf_policy_changes_json(const enf_policy_changes *d, const enf_diff_origin *origin)
{
	json_t *doc = json_copy(d->doc);
	if (doc && origin) {
		if (origin->repo)
			json_object_set_new(doc, "repo", json_string(origin->repo));
		if (origin->path)
			json_object_set_new(doc, "path", json_string(origin->path));
		json_object_set_new(doc, "from", rev_json(origin->from_ref, origin->from_commit));
		json_object_set_new(doc, "to", rev_json(origin->to_ref, origin->to_commit));
	}
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	return text;
}

void enf_policy_changes_free(enf_policy_changes *d)
{
	if (!d)
		return;
	json_decref(d->doc);
	free(d);
}

/* Strings as they would be written in a policy; quoted when that is needed to read them back. */
static void value_text(enf_buf *b, const json_t *v)
{
	size_t i;
	const char *key;
	json_t *item;
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		if (*s && !strpbrk(s, " ,:[]{}\"'#\t\r\n") && s[0] != '-') {
			enf_buf_puts(b, s);
		} else {
			char *q = json_dumps(v, JSON_ENCODE_ANY);
			enf_buf_puts(b, q ? q : "\"?\"");
			free(q);
		}
		break;
	}
	case JSON_INTEGER:
		enf_buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_TRUE:
		enf_buf_puts(b, "true");
		break;
	case JSON_FALSE:
		enf_buf_puts(b, "false");
		break;
	case JSON_ARRAY:
		enf_buf_puts(b, "[");
		json_array_foreach(v, i, item)
		{
			enf_buf_puts(b, i ? ", " : "");
			value_text(b, item);
		}
		enf_buf_puts(b, "]");
		break;
	case JSON_OBJECT:
		enf_buf_puts(b, "{");
		i = 0;
		json_object_foreach((json_t *)v, key, item)
		{
			enf_buf_printf(b, "%s%s: ", i++ ? ", " : "", key);
			value_text(b, item);
		}
		enf_buf_puts(b, "}");
		break;
	default:
		enf_buf_puts(b, "(none)");
	}
}

static void change_text(enf_buf *b, const json_t *c)
{
	enf_buf_printf(b, "%s ", json_string_value(json_object_get(c, "key")));
	value_text(b, json_object_get(c, "from"));
	enf_buf_puts(b, " -> ");
	value_text(b, json_object_get(c, "to"));
}

char *enf_policy_changes_text(const enf_policy_changes *d)
{
	const json_t *diff = d->doc;
	enf_buf b = ENF_BUF_INIT;
	const json_t *policy = json_object_get(diff, "policy");
	const json_t *changed = json_object_get(diff, "changed");
	size_t i, k;
	json_t *c, *key;
	json_array_foreach(policy, i, c)
	{
		enf_buf_printf(&b,
		               "~ policy %s: ", json_string_value(json_object_get(diff, "name")));
		change_text(&b, c);
		enf_buf_puts(&b, "\n");
	}
	json_array_foreach(json_object_get(diff, "removed"), i, c)
	    enf_buf_printf(&b, "- %s %s\n", json_string_value(json_object_get(c, "type")),
	                   json_string_value(json_object_get(c, "id")));
	json_array_foreach(json_object_get(diff, "added"), i, c)
	    enf_buf_printf(&b, "+ %s %s\n", json_string_value(json_object_get(c, "type")),
	                   json_string_value(json_object_get(c, "id")));
	json_array_foreach(changed, i, c)
	{
		json_array_foreach(json_object_get(c, "keys"), k, key)
		{
			enf_buf_printf(&b,
			               "~ %s %s: ", json_string_value(json_object_get(c, "type")),
			               json_string_value(json_object_get(c, "id")));
			change_text(&b, key);
			enf_buf_puts(&b, "\n");
		}
	}
	size_t np = json_array_size(policy);
	if (json_integer_value(json_object_get(diff, "differences")) == 0)
		enf_buf_puts(&b, "no differences\n");
	else
		enf_buf_printf(
		    &b, "%zu added, %zu removed, %zu changed%s%zu policy setting%s changed\n",
		    json_array_size(json_object_get(diff, "added")),
		    json_array_size(json_object_get(diff, "removed")), json_array_size(changed),
		    ", ", np, np == 1 ? "" : "s");
	return enf_buf_detach(&b);
}
