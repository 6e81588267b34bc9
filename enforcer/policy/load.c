/* The policy loader: the file, the top level, and the keys every resource has. */
#include "loader.h"

#include "../util/util.h"
#include "enforcer/errors.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_facts[] = {
    "os.build",     "os.version",   "os.major",     "os.product",       "host.name", "role",
    "lync.version", "lync.product", "role.edition", "role.description", NULL};
/* The policy's own keys. */
static const char *const top_req[] = {"enforcer", "name", "resources", NULL};
static const char *const top_opt[] = {"description", "when", NULL};

/* Facts compared as numbers or dotted versions. */
static int is_numeric_operand(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++) {
		if (*s == '.' && isdigit((unsigned char)s[1]))
			continue;
		if (!isdigit((unsigned char)*s))
			return 0;
	}
	return 1;
}

/* A fact test value as text: a string, or a plain whole number or version. */
static int test_text(loader *ld, const ynode *n, const char *fact, char **out)
{
	if (n->kind == YNODE_SCALAR && n->plain && is_numeric_operand(n->value)) {
		*out = enf_strdup(n->value);
		return *out ? 0 : enf_ld_oom(ld);
	}
	return enf_ld_nonempty_string(ld, n, fact, out);
}

/*
 * The facts whose values are one of a list: role and role.edition
 * (util/roles.c) and the products (util/products.c).
 */
static int check_role(loader *ld, const ynode *at, const char *fact, const char *value)
{
	const char *const *roles = enf_role_values(fact);
	const char *const *values = roles ? roles : enf_product_values(fact);
	if (!values)
		return 0;
	for (int i = 0; values[i]; i++)
		if (strcmp(values[i], value) == 0)
			return 0;
	char *all = enf_ld_join(values);
	/* The products' values are made up names, easy to get nearly right. */
	const char *hint = values != roles ? enf_ld_closest(value, values) : NULL;
	if (hint)
		enf_ld_error(ld, at, "'%s' must be one of %s; got '%s' (did you mean '%s'?)", fact,
		             all ? all : "", value, hint);
	else
		enf_ld_error(ld, at, "'%s' must be one of %s; got '%s'", fact, all ? all : "",
		             value);
	free(all);
	return ENF_EINVALID;
}

static int check_fact(loader *ld, const ynode *key)
{
	for (int i = 0; known_facts[i]; i++)
		if (strcmp(known_facts[i], key->value) == 0)
			return 0;
	const char *hint = enf_ld_closest(key->value, known_facts);
	if (hint) {
		enf_ld_error(ld, key, "unknown fact '%s'; did you mean '%s'?", key->value, hint);
	} else {
		char *all = enf_ld_join(known_facts);
		enf_ld_error(ld, key, "unknown fact '%s'; the facts are %s", key->value,
		             all ? all : "");
		free(all);
	}
	return ENF_EINVALID;
}

/* True if a value starts with a comparison operator. */
static int starts_with_operator(const char *s)
{
	return *s == '<' || *s == '>' || strncmp(s, "==", 2) == 0 || strncmp(s, "!=", 2) == 0;
}

static int load_condition(loader *ld, const ynode *key, const ynode *val, enf_condition *c)
{
	if (check_fact(ld, key))
		return ENF_EINVALID;
	c->loc.line = key->line;
	c->loc.col = key->col;
	if (!(c->fact = enf_strdup(key->value)))
		return enf_ld_oom(ld);
	if (val->kind == YNODE_SEQ) {
		c->op = ENF_CMP_IN;
		if (val->count == 0) {
			enf_ld_error(ld, val, "the list of allowed values for %s is empty",
			             c->fact);
			return ENF_EINVALID;
		}
		if (!(c->values = calloc(val->count, sizeof(char *))))
			return enf_ld_oom(ld);
		int rc = 0;
		for (size_t i = 0; i < val->count; i++) {
			const ynode *item = val->vals[i];
			if (test_text(ld, item, c->fact, &c->values[c->count])) {
				rc = ENF_EINVALID;
				continue;
			}
			/* A list is matched literally: a test in it could never match. */
			if (starts_with_operator(c->values[c->count])) {
				enf_ld_error(
				    ld, item,
				    "'%s' is a test, but a list holds allowed values; write the test alone, without a list",
				    c->values[c->count]);
				rc = ENF_EINVALID;
				c->count++;
				continue;
			}
			if (check_role(ld, item, c->fact, c->values[c->count])) {
				rc = ENF_EINVALID;
				if (c->values[c->count])
					c->count++;
				continue;
			}
			c->count++;
		}
		return rc;
	}
	char *text = NULL;
	if (test_text(ld, val, c->fact, &text))
		return ENF_EINVALID;
	static const struct {
		const char *op;
		enf_cmp cmp;
	} ops[] = {{"==", ENF_CMP_EQ}, {"!=", ENF_CMP_NE}, {">=", ENF_CMP_GE},
	           {"<=", ENF_CMP_LE}, {">", ENF_CMP_GT},  {"<", ENF_CMP_LT}};
	const char *operand = text;
	c->op = ENF_CMP_EQ;
	for (size_t i = 0; i < ENF_ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].op);
		if (strncmp(text, ops[i].op, n) == 0) {
			c->op = ops[i].cmp;
			operand = text + n;
			break;
		}
	}
	while (*operand == ' ')
		operand++;
	int rc = 0;
	if (!*operand) {
		enf_ld_error(ld, val, "the test for %s has an operator but no value", c->fact);
		rc = ENF_EINVALID;
	} else if (c->op != ENF_CMP_EQ && c->op != ENF_CMP_NE && !is_numeric_operand(operand)) {
		enf_ld_error(ld, val, "'%s' compares numbers or dotted versions; '%s' is neither",
		             text, operand);
		rc = ENF_EINVALID;
	} else if (check_role(ld, val, c->fact, operand)) {
		rc = ENF_EINVALID;
	} else if ((c->values = malloc(sizeof(char *))) && (c->values[0] = enf_strdup(operand))) {
		c->count = 1;
	} else {
		rc = enf_ld_oom(ld);
	}
	free(text);
	return rc;
}

int enf_ld_when(loader *ld, const ynode *n, enf_when *out)
{
	if (n->kind != YNODE_MAP) {
		if (n->kind != YNODE_INVALID)
			enf_ld_error(
			    ld, n,
			    "'when' must be a mapping of fact to test, e.g. os.build: \">= 9600\"");
		return ENF_EINVALID;
	}
	if (n->count == 0)
		return 0;
	out->items = calloc(n->count, sizeof(enf_condition));
	if (!out->items)
		return enf_ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < n->count; i++) {
		if (n->keys[i]->kind != YNODE_SCALAR)
			continue;
		if (load_condition(ld, n->keys[i], n->vals[i], &out->items[out->count]))
			rc = ENF_EINVALID;
		out->count++;
	}
	return rc;
}

void enf_ld_when_clear(enf_when *when)
{
	for (size_t i = 0; i < when->count; i++) {
		free(when->items[i].fact);
		enf_ld_free_strings(when->items[i].values, when->items[i].count);
	}
	free(when->items);
	memset(when, 0, sizeof(*when));
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int load_date(loader *ld, const ynode *n, enf_waiver *w)
{
	if (n->kind != YNODE_SCALAR) {
		if (n->kind != YNODE_INVALID)
			enf_ld_error(ld, n, "'expires' must be a date, YYYY-MM-DD");
		return ENF_EINVALID;
	}
	const char *s = n->value;
	int ok = n->len == 10 && s[4] == '-' && s[7] == '-';
	for (int i = 0; ok && i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			ok = 0;
	if (ok) {
		w->year =
		    (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		w->month = (s[5] - '0') * 10 + (s[6] - '0');
		w->day = (s[8] - '0') * 10 + (s[9] - '0');
		ok = w->year >= 2000 && w->month >= 1 && w->month <= 12 && w->day >= 1 &&
		     w->day <= days_in_month(w->year, w->month);
	}
	if (!ok) {
		enf_ld_error(ld, n, "'expires' must be a real date written YYYY-MM-DD; got '%s'",
		             s);
		return ENF_EINVALID;
	}
	return 0;
}

static const char *const waiver_req[] = {"reason", "expires", NULL};
static const char *const waiver_opt[] = {"ticket", NULL};

static int load_waiver(loader *ld, const ynode *n, enf_waiver *w)
{
	static const ld_keys keys = {waiver_req, waiver_opt, NULL};
	if (enf_ld_check_keys(ld, n, &keys, "a waiver"))
		return ENF_EINVALID;
	w->present = 1;
	w->loc.line = n->line;
	w->loc.col = n->col;
	int rc = 0;
	const ynode *v;
	if ((v = enf_ytree_get(n, "reason")) && enf_ld_nonempty_string(ld, v, "reason", &w->reason))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "ticket")) && enf_ld_nonempty_string(ld, v, "ticket", &w->ticket))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "expires")) && load_date(ld, v, w))
		rc = ENF_EINVALID;
	return rc;
}

static int valid_id(const char *s, int allow_dot_underscore)
{
	if (!*s || strlen(s) > ENF_POLICY_MAX_ID)
		return 0;
	if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (islower(c) || isdigit(c) || c == '-')
			continue;
		if (allow_dot_underscore && (c == '.' || c == '_'))
			continue;
		return 0;
	}
	return 1;
}

static const char *const common_keys[] = {"when", "after", "notify", "mode", "waiver", NULL};
static const char *const modes[] = {"enforce", "audit", NULL};

static int load_resource(loader *ld, const ynode *n, enf_resource *res)
{
	if (n->kind != YNODE_MAP) {
		if (n->kind != YNODE_INVALID)
			enf_ld_error(
			    ld, n, "each resource must be a mapping with 'type' and 'id', not a %s",
			    n->kind == YNODE_SEQ ? "list" : "value");
		return ENF_EINVALID;
	}
	res->loc.line = n->line;
	res->loc.col = n->col;
	int rc = 0;
	const ynode *v;
	int type = -1;
	if ((v = enf_ytree_get(n, "type")) &&
	    enf_ld_enum(ld, v, "type", enf_restype_names(), &type))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "id"))) {
		if (enf_ld_nonempty_string(ld, v, "id", &res->id)) {
			rc = ENF_EINVALID;
		} else if (!valid_id(res->id, 1)) {
			enf_ld_error(
			    ld, v,
			    "invalid id '%s': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (at most %d)",
			    res->id, ENF_POLICY_MAX_ID);
			rc = ENF_EINVALID;
		}
	}
	char what[200];
	if (type >= 0) {
		res->type = (enf_resource_type)type;
		const enf_restype *t = enf_restype_of(res->type);
		const ld_keys keys = {t->required, t->optional, enf_ld_common_keys()};
		snprintf(what, sizeof(what), "the %s resource%s%s%s", t->name, res->id ? " '" : "",
		         res->id ? res->id : "", res->id ? "'" : "");
		if (enf_ld_check_keys(ld, n, &keys, what))
			rc = ENF_EINVALID;
	} else {
		/*
		 * Without a known type, only the common keys can be checked. The
		 * type stays out of range so that checks across resources (notify
		 * names a restart) do not report a type nobody wrote.
		 */
		res->type = ENF_RES__COUNT;
		static const char *const req[] = {"type", "id", NULL};
		for (const char *const *k = req; *k; k++)
			if (!enf_ytree_get(n, *k))
				enf_ld_error(ld, n, "the resource is missing the required key '%s'",
				             *k);
		if (!enf_ytree_get(n, "type"))
			rc = ENF_EINVALID;
		return ENF_EINVALID;
	}
	if ((v = enf_ytree_get(n, "when")) && enf_ld_when(ld, v, &res->when))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "after")) &&
	    enf_ld_string_list(ld, v, "after", 1, &res->after, &res->after_count))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(n, "notify")) &&
	    enf_ld_string_list(ld, v, "notify", 1, &res->notify, &res->notify_count))
		rc = ENF_EINVALID;
	int mode = 0;
	if ((v = enf_ytree_get(n, "mode")) && enf_ld_enum(ld, v, "mode", modes, &mode))
		rc = ENF_EINVALID;
	res->mode = (enf_mode)mode;
	if ((v = enf_ytree_get(n, "waiver")) && load_waiver(ld, v, &res->waiver))
		rc = ENF_EINVALID;
	if (enf_restype_of(res->type)->load(ld, n, res))
		rc = ENF_EINVALID;
	return rc;
}

const char *const *enf_ld_common_keys(void)
{
	return common_keys;
}

static const enf_keydoc waiver_docs[] = {
    {"reason", ENF_KK_STRING, "why the drift is accepted, shown in every report", NULL, NULL, NULL,
     NULL},
    {"expires", ENF_KK_STRING, "YYYY-MM-DD: from that day on the waiver no longer applies", NULL,
     NULL, NULL, NULL},
    {"ticket", ENF_KK_STRING, "the change or exception ticket that approved it", NULL, NULL, NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

static const enf_keydoc common_docs[] = {
    {"type", ENF_KK_ENUM, "the resource type", NULL, NULL, NULL, NULL},
    {"id", ENF_KK_ID, "unique in the policy; reports, notify, after and waivers refer to it", NULL,
     NULL, NULL, NULL},
    {"when", ENF_KK_CONDITION,
     "facts that must all hold, else the resource is skipped, e.g. os.build: \">= 9600\"", NULL,
     NULL, NULL, NULL},
    {"after", ENF_KK_STRING_OR_LIST,
     "ids of resources that must be handled first; skipped if one of them fails", NULL, NULL, NULL,
     NULL},
    {"notify", ENF_KK_STRING_OR_LIST, "ids of restart resources to run if this resource changed",
     NULL, NULL, NULL, NULL},
    {"mode", ENF_KK_ENUM, "enforce (default) changes the server; audit only reports drift", modes,
     NULL, NULL, NULL},
    {"waiver", ENF_KK_MAP, "accepted drift: reported as waived until it expires", NULL, waiver_req,
     waiver_opt, waiver_docs},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

static const enf_keydoc top_docs[] = {
    {"enforcer", ENF_KK_VERSION, "the policy format version: 1", NULL, NULL, NULL, NULL},
    {"name", ENF_KK_NAME,
     "the policy's name: lower-case letters, digits and '-'; names its journals and pending restarts",
     NULL, NULL, NULL, NULL},
    {"description", ENF_KK_STRING, "what the policy is for, shown in reports", NULL, NULL, NULL,
     NULL},
    {"when", ENF_KK_CONDITION,
     "facts that must all hold, else every resource is skipped, e.g. os.build: \">= 9600\"", NULL,
     NULL, NULL, NULL},
    {"resources", ENF_KK_RESOURCES, "what the server must look like: one mapping per resource",
     NULL, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const enf_keydoc *enf_ld_common_keydocs(void)
{
	return common_docs;
}

void enf_ld_policy_keys(const char *const **req, const char *const **opt, const enf_keydoc **docs)
{
	*req = top_req;
	*opt = top_opt;
	*docs = top_docs;
}

const char *const *enf_ld_known_facts(void)
{
	return known_facts;
}

static void resource_clear(enf_resource *res)
{
	free(res->id);
	enf_ld_when_clear(&res->when);
	enf_ld_free_strings(res->after, res->after_count);
	enf_ld_free_strings(res->notify, res->notify_count);
	free(res->waiver.reason);
	free(res->waiver.ticket);
	const enf_restype *t = enf_restype_of(res->type);
	if (t && t->clear)
		t->clear(res);
}

void enf_policy_free(enf_policy *policy)
{
	if (!policy)
		return;
	for (size_t i = 0; i < policy->count; i++)
		resource_clear(&policy->resources[i]);
	free(policy->resources);
	free(policy->order);
	enf_ld_when_clear(&policy->when);
	free(policy->path);
	free(policy->name);
	free(policy->description);
	free(policy);
}

static int load_version(loader *ld, const ynode *v)
{
	uint64_t version = 0;
	if (enf_ld_uint(ld, v, "enforcer", UINT32_MAX, &version))
		return ENF_EINVALID;
	if (version != 1) {
		enf_ld_error(
		    ld, v,
		    "policy format version %llu is not supported; this enforcer reads version 1",
		    (unsigned long long)version);
		return ENF_EINVALID;
	}
	return 0;
}

static int load_resources(loader *ld, const ynode *list, enf_policy *p)
{
	if (list->kind != YNODE_SEQ) {
		if (list->kind != YNODE_INVALID)
			enf_ld_error(
			    ld, list,
			    "'resources' must be a list of resources, each starting with '- ', not a %s",
			    list->kind == YNODE_MAP ? "mapping" : "single value");
		return ENF_EINVALID;
	}
	if (list->count > ENF_POLICY_MAX_RESOURCES) {
		enf_ld_error(ld, list->vals[ENF_POLICY_MAX_RESOURCES],
		             "more than %d resources; split the policy into several files",
		             ENF_POLICY_MAX_RESOURCES);
		return ENF_EINVALID;
	}
	p->resources = calloc(list->count ? list->count : 1, sizeof(enf_resource));
	if (!p->resources)
		return enf_ld_oom(ld);
	int rc = 0;
	for (size_t i = 0; i < list->count; i++) {
		if (load_resource(ld, list->vals[i], &p->resources[i]))
			rc = ENF_EINVALID;
		p->count = i + 1;
	}
	return rc;
}

static int load_top(loader *ld, const ynode *root, enf_policy *p)
{
	static const ld_keys keys = {top_req, top_opt, NULL};
	if (root->kind != YNODE_MAP) {
		if (root->kind == YNODE_SCALAR && root->plain && root->len == 0)
			enf_ld_error(
			    ld, root,
			    "the document is empty; a policy is a mapping that starts with 'enforcer: 1'");
		else if (root->kind != YNODE_INVALID)
			enf_ld_error(
			    ld, root,
			    "a policy is a mapping that starts with 'enforcer: 1', not a %s",
			    root->kind == YNODE_SEQ ? "list" : "single value");
		return ENF_EINVALID;
	}
	const ynode *v = enf_ytree_get(root, "enforcer");
	if (v && load_version(ld, v))
		return ENF_EINVALID; /* other versions have other rules: stop here */
	int rc = enf_ld_check_keys(ld, root, &keys, "the policy");
	if ((v = enf_ytree_get(root, "name"))) {
		if (enf_ld_nonempty_string(ld, v, "name", &p->name)) {
			rc = ENF_EINVALID;
		} else if (!valid_id(p->name, 0)) {
			enf_ld_error(
			    ld, v,
			    "invalid policy name '%s': use lower-case letters, digits and '-', starting with a letter or digit (at most %d)",
			    p->name, ENF_POLICY_MAX_ID);
			rc = ENF_EINVALID;
		}
	}
	if ((v = enf_ytree_get(root, "description")) &&
	    enf_ld_string(ld, v, "description", &p->description))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(root, "when")) && enf_ld_when(ld, v, &p->when))
		rc = ENF_EINVALID;
	if ((v = enf_ytree_get(root, "resources"))) {
		if (load_resources(ld, v, p))
			rc = ENF_EINVALID;
		if (enf_ld_check_graph(ld, p, v))
			rc = ENF_EINVALID;
	}
	return rc;
}

int enf_policy_load_buffer(enf_policy **out, enf_diag_list *diags, const char *name,
                           const char *data, size_t len)
{
	loader ld = {diags, 0};
	size_t errors_before = diags->errors;
	if (len > ENF_POLICY_MAX_BYTES) {
		enf_diag_add(diags, ENF_SEV_ERROR, 1, 1,
		             "the file is %zu bytes; a policy may be at most %d bytes (1 MiB): "
		             "split it into several policy files",
		             len, ENF_POLICY_MAX_BYTES);
		return ENF_EINVALID;
	}
	ynode *root = NULL;
	int rc = enf_ytree_parse(&root, diags, data, len);
	if (rc)
		return rc;
	enf_policy *p = calloc(1, sizeof(*p));
	if (!p) {
		enf_ytree_free(root);
		return enf_error_oom();
	}
	p->path = enf_strdup(name);
	if (name && !p->path)
		ld.oom = 1;
	enf_sha256(p->sha256, data, len);
	rc = load_top(&ld, root, p);
	enf_ytree_free(root);
	/* A failure that reported nothing can only be an allocation failure. */
	if (ld.oom || (rc && diags->errors == errors_before)) {
		enf_policy_free(p);
		return enf_error_oom();
	}
	if (rc || diags->errors > errors_before) {
		enf_diag_sort(diags);
		enf_policy_free(p);
		return ENF_EINVALID;
	}
	*out = p;
	return 0;
}

int enf_policy_load_file(enf_policy **out, enf_diag_list *diags, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, ENF_POLICY_MAX_BYTES);
	if (rc) {
		const enf_error *e = enf_error_last();
		if (rc == ENF_ELIMIT)
			enf_diag_add(
			    diags, ENF_SEV_ERROR, 1, 1,
			    "the file is larger than %d bytes (1 MiB), the limit for a policy: "
			    "split it into several policy files",
			    ENF_POLICY_MAX_BYTES);
		else
			enf_diag_add(diags, ENF_SEV_ERROR, 0, 0, "%s",
			             e ? e->message : "cannot read the file");
		return rc == ENF_ELIMIT ? ENF_EINVALID : rc;
	}
	rc = enf_policy_load_buffer(out, diags, path, data, len);
	free(data);
	return rc;
}

const enf_resource *enf_policy_find(const enf_policy *policy, const char *id)
{
	for (size_t i = 0; i < policy->count; i++)
		if (policy->resources[i].id && strcmp(policy->resources[i].id, id) == 0)
			return &policy->resources[i];
	return NULL;
}
