/* Checks across resources: unique ids, `after`/`notify` targets, cycles, order. */
#include "loader.h"

#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct id_entry {
	const char *id;
	size_t index;
} id_entry;

static int cmp_entry(const void *a, const void *b)
{
	const id_entry *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static long lookup(const id_entry *ids, size_t n, const char *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ids[mid].id, id);
		if (c == 0) {
			/* The first definition wins; duplicates are reported. */
			while (mid > 0 && strcmp(ids[mid - 1].id, id) == 0)
				mid--;
			return (long)ids[mid].index;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The node of the i-th item of key `key` in resource r, for error positions. */
static const ynode *item_node(const ynode *resources, size_t r, const char *key, size_t i)
{
	const ynode *v = enf_ytree_get(resources->vals[r], key);
	if (v && v->kind == YNODE_SEQ && i < v->count)
		return v->vals[i];
	return v ? v : resources->vals[r];
}

enum { WHITE = 0, GREY, BLACK };

/*
 * Depth-first placement: each resource is placed after the resources it
 * names in `after`, otherwise in list order. A grey node met again closes a
 * cycle, which is reported with its path at the `after` entry that closes
 * it; the search goes on so that every cycle is reported. Iterative, so
 * 10 000 chained resources cannot overflow the stack. Called only when every
 * `after` entry names another resource, so deps[r][i] is after[i].
 */
static int place_all(loader *ld, enf_policy *p, const ynode *resources, long **deps, size_t *ndeps)
{
	size_t n = p->count, placed = 0;
	unsigned char *color = calloc(n ? n : 1, 1);
	size_t *stack = malloc((n ? n : 1) * sizeof(size_t));
	size_t *next = calloc(n ? n : 1, sizeof(size_t));
	int rc = 0;
	if (!color || !stack || !next) {
		rc = enf_ld_oom(ld);
		goto done;
	}
	for (size_t start = 0; start < n && !ld->oom; start++) {
		if (color[start] != WHITE)
			continue;
		size_t depth = 0;
		stack[depth++] = start;
		color[start] = GREY;
		while (depth > 0) {
			size_t cur = stack[depth - 1];
			if (next[cur] < ndeps[cur]) {
				long d = deps[cur][next[cur]++];
				if (d < 0 || color[d] == BLACK)
					continue;
				if (color[d] == GREY) {
					enf_buf b = ENF_BUF_INIT;
					size_t from = depth;
					while (from > 0 && stack[from - 1] != (size_t)d)
						from--;
					/* A long cycle is named by its ends: the message stays
					 * readable. */
					size_t len = depth - (from - 1);
					for (size_t k = from - 1; k < depth; k++) {
						size_t at = k - (from - 1);
						if (len > 10 && at == 6)
							enf_buf_printf(&b,
							               "... (%zu more) ... after ",
							               len - 7);
						if (len <= 10 || at < 6 || at == len - 1)
							enf_buf_printf(&b, "%s after ",
							               p->resources[stack[k]].id);
					}
					enf_buf_puts(&b, p->resources[d].id);
					enf_ld_error(
					    ld, item_node(resources, cur, "after", next[cur] - 1),
					    "'after' makes a cycle: %s; remove one of these 'after' entries",
					    b.ptr ? b.ptr : "");
					enf_buf_clear(&b);
					rc = ENF_EINVALID;
					continue;
				}
				color[d] = GREY;
				stack[depth++] = (size_t)d;
				continue;
			}
			color[cur] = BLACK;
			p->order[placed++] = cur;
			depth--;
		}
	}
done:
	free(color);
	free(stack);
	free(next);
	return rc;
}

int enf_ld_check_graph(loader *ld, enf_policy *p, const ynode *resources)
{
	size_t n = p->count;
	int rc = 0;
	id_entry *ids = calloc(n ? n : 1, sizeof(id_entry));
	long **deps = calloc(n ? n : 1, sizeof(long *));
	size_t *ndeps = calloc(n ? n : 1, sizeof(size_t));
	unsigned char *notified = calloc(n ? n : 1, 1);
	if (!ids || !deps || !ndeps || !notified) {
		ld->oom = 1;
		rc = ENF_ENOMEM;
		goto done;
	}
	size_t nids = 0;
	for (size_t i = 0; i < n; i++)
		if (p->resources[i].id)
			ids[nids++] = (id_entry){p->resources[i].id, i};
	qsort(ids, nids, sizeof(id_entry), cmp_entry);
	for (size_t i = 1; i < nids; i++) {
		if (strcmp(ids[i].id, ids[i - 1].id) == 0) {
			const ynode *first =
			    enf_ytree_get(resources->vals[lookup(ids, nids, ids[i].id)], "id");
			enf_ld_error(ld, enf_ytree_get(resources->vals[ids[i].index], "id"),
			             "duplicate id '%s' (first used at line %u)", ids[i].id,
			             first->line);
			rc = ENF_EINVALID;
		}
	}
	for (size_t r = 0; r < n; r++) {
		const enf_resource *res = &p->resources[r];
		if (!res->id)
			continue;
		deps[r] = calloc(res->after_count ? res->after_count : 1, sizeof(long));
		if (!deps[r]) {
			ld->oom = 1;
			rc = ENF_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < res->after_count; i++) {
			long t = lookup(ids, nids, res->after[i]);
			const ynode *at = item_node(resources, r, "after", i);
			if (t < 0) {
				enf_ld_error(
				    ld, at,
				    "'after' names '%s', which is not a resource of this policy",
				    res->after[i]);
				rc = ENF_EINVALID;
			} else if ((size_t)t == r) {
				enf_ld_error(ld, at, "'%s' cannot come after itself", res->id);
				rc = ENF_EINVALID;
			} else {
				deps[r][ndeps[r]++] = t;
			}
		}
		for (size_t i = 0; i < res->notify_count; i++) {
			long t = lookup(ids, nids, res->notify[i]);
			const ynode *at = item_node(resources, r, "notify", i);
			if (t < 0) {
				enf_ld_error(
				    ld, at,
				    "'notify' names '%s', which is not a resource of this policy",
				    res->notify[i]);
				rc = ENF_EINVALID;
			} else if (p->resources[t].type == ENF_RES__COUNT) {
				continue; /* its unknown type is reported already */
			} else if (!(enf_restype_of(p->resources[t].type)->flags &
			             ENF_RESTYPE_HANDLER)) {
				enf_ld_error(
				    ld, at,
				    "'notify' names '%s', a %s resource; notify names restart resources",
				    res->notify[i], enf_resource_type_name(p->resources[t].type));
				rc = ENF_EINVALID;
			} else {
				notified[t] = 1;
			}
		}
	}
	for (size_t r = 0; r < n; r++) {
		const enf_resource *res = &p->resources[r];
		const enf_restype *type = enf_restype_of(res->type);
		if (type && (type->flags & ENF_RESTYPE_HANDLER) && res->id && !notified[r])
			enf_diag_add(ld->diags, ENF_SEV_WARNING, res->loc.line, res->loc.col,
			             "restart resource '%s' is never notified, so it never runs",
			             res->id);
	}
	if (rc || ld->diags->errors)
		goto done;
	p->order = malloc((n ? n : 1) * sizeof(size_t));
	if (!p->order) {
		ld->oom = 1;
		rc = ENF_ENOMEM;
		goto done;
	}
	rc = place_all(ld, p, resources, deps, ndeps);
done:
	for (size_t i = 0; deps && i < n; i++)
		free(deps[i]);
	free(deps);
	free(ndeps);
	free(notified);
	free(ids);
	return rc;
}
