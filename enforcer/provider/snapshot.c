/* The snapshot provider's vtable: a machine described by a JSON file. */
#include "providers.h"
#include "snapshot.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Reads and checks the file: a damaged snapshot is refused whole. */
static int load_doc(json_t **out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = enf_read_file(&data, &len, path, ENF_SNAPSHOT_MAX_BYTES);
	if (rc) {
		if (rc == ENF_ENOTFOUND)
			enf_error_set(ENF_ERRCLASS_INVALID, "snapshot '%s' does not exist", path);
		/*
		 * Parsed, a snapshot takes about 12.5 times its size in memory (a
		 * jansson object per value): refused before it is read, saying what to do.
		 */
		if (rc == ENF_ELIMIT)
			enf_error_set(
			    ENF_ERRCLASS_INVALID,
			    "snapshot '%s' is larger than %u MiB, the most a snapshot may "
			    "hold: keep in it only the registry keys, services and "
			    "certificate stores your policies read (docs/snapshot.md, "
			    "\"Size\")",
			    path, ENF_SNAPSHOT_MAX_BYTES / (1024u * 1024u));
		return rc == ENF_ENOTFOUND ? ENF_EINVALID : rc;
	}
	json_error_t err;
	json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	free(data);
	if (!doc) {
		enf_error_set(ENF_ERRCLASS_INVALID, "snapshot '%s':%d:%d: %s", path, err.line,
		              err.column, err.text);
		return ENF_EINVALID;
	}
	if ((rc = enf_snapshot_check(doc, path))) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

static int snap_open(void **out, const char *path)
{
	json_t *doc = NULL;
	int rc = load_doc(&doc, path);
	if (rc)
		return rc;
	snapshot *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = enf_strdup(path))) {
		free(s);
		json_decref(doc);
		return enf_error_oom();
	}
	s->doc = doc;
	*out = s;
	return 0;
}

/*
 * The document as text, written once into a buffer of its exact size (a
 * first pass only counts), with the trailing newline that keeps the file
 * friendly to diff and git: json_dumps would grow a buffer by doubling and
 * then copy it, and a copy with the newline made a third. Indented while
 * that fits in the size a snapshot may have, compact when only that does.
 */
static int snap_text(char **out, size_t *len, const snapshot *s)
{
	size_t flags = JSON_INDENT(2) | JSON_ENSURE_ASCII;
	size_t n = json_dumpb(s->doc, NULL, 0, flags);
	if (n >= ENF_SNAPSHOT_MAX_BYTES) {
		flags = JSON_COMPACT | JSON_ENSURE_ASCII;
		n = json_dumpb(s->doc, NULL, 0, flags);
	}
	if (n == 0)
		return enf_error_oom();
	if (n >= ENF_SNAPSHOT_MAX_BYTES) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "snapshot '%s' would grow past %u MiB, the most a snapshot may hold; "
		              "it is left as it was: keep in it only the registry keys, services "
		              "and certificate stores your policies read (docs/snapshot.md, "
		              "\"Size\")",
		              s->path, ENF_SNAPSHOT_MAX_BYTES / (1024u * 1024u));
		return ENF_ELIMIT;
	}
	char *text = malloc(n + 1);
	if (!text || json_dumpb(s->doc, text, n, flags) != n) {
		free(text);
		return enf_error_oom();
	}
	text[n] = '\n';
	*out = text;
	*len = n + 1;
	return 0;
}

/*
 * Test builds only (docs/journal.md, "Fault injection"): with
 * ENFORCER_FAULT_FAIL_WRITE=N the Nth write of the file this run, and every
 * one after it, fails as on a disk that filled up.
 */
static int fault_write(snapshot *s)
{
	s->writes++;
#ifdef ENF_TEST_HOOKS
	const char *v = getenv("ENFORCER_FAULT_FAIL_WRITE");
	long n = v && *v ? strtol(v, NULL, 10) : 0;
	if (n > 0 && s->writes >= n) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "cannot write '%s': write %ld failed (ENFORCER_FAULT_FAIL_WRITE)",
		              s->path, s->writes);
		return ENF_ERROR;
	}
#endif
	return 0;
}

static int snap_commit(void *self)
{
	snapshot *s = self;
	if (!s->dirty)
		return 0;
	char *text = NULL;
	size_t len = 0;
	int rc = fault_write(s);
	if (rc == 0)
		rc = snap_text(&text, &len, s);
	if (rc == 0)
		rc = enf_write_file_atomic(s->path, text, len);
	free(text);
	if (rc == 0)
		s->dirty = 0;
	return rc;
}

static int snap_reload(void *self)
{
	snapshot *s = self;
	if (s->dirty) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "snapshot '%s' has changes not yet written",
		              s->path);
		return ENF_ERROR;
	}
	/*
	 * The document read at open goes first: parsed, a snapshot takes about
	 * 12.5 times its size, and holding both at once doubled an apply's peak.
	 * A file that cannot be read now leaves no document: the engine reloads
	 * only before its first change and stops on the error, and an empty
	 * target reads as nothing and is never written (it is not dirty).
	 */
	json_decref(s->doc);
	s->doc = NULL;
	return load_doc(&s->doc, s->path);
}

/*
 * One run at a time changes a snapshot, whatever its state folder: two
 * applies that each read the file and write it whole would lose each
 * other's changes. The lock is a file beside it, FILE.lock (the file itself
 * is replaced by every write, so a lock on it would not hold).
 */
static int snap_lock(void *self, unsigned wait_ms)
{
	snapshot *s = self;
	if (s->lock)
		return 0;
	char *path = enf_asprintf("%s.lock", s->path);
	int rc = path ? enf_lock_acquire(&s->lock, path, wait_ms) : enf_error_oom();
	if (rc == ENF_ELOCKED)
		enf_error_set(ENF_ERRCLASS_STATE,
		              "another enforcer run is changing the snapshot '%s' (it holds '%s'); "
		              "wait for it to finish or use --wait SECONDS",
		              s->path, path);
	free(path);
	return rc;
}

static void snap_close(void *self)
{
	snapshot *s = self;
	if (!s)
		return;
	enf_lock_release(s->lock);
	json_decref(s->doc);
	free(s->path);
	free(s);
}

/* The member object `name` of the document, created when asked to. */
static json_t *section(snapshot *s, const char *name, int create)
{
	json_t *o = json_object_get(s->doc, name);
	if (!o && create) {
		o = json_object();
		json_object_set_new(s->doc, name, o);
	}
	return o;
}

static int snap_facts(enf_facts *out, void *self)
{
	snapshot *s = self;
	const char *key;
	json_t *v;
	enf_facts facts = {0};
	json_object_foreach(section(s, "facts", 0), key, v)
	{
		char buf[32];
		const char *text = json_string_value(v);
		if (!text) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
			text = buf;
		}
		if (enf_facts_set(&facts, key, text)) {
			enf_facts_clear(&facts);
			return ENF_ENOMEM;
		}
	}
	*out = facts;
	return 0;
}

/* A certificate's key: the entry of the first physical store that has it. */
static json_t *cert_object(snapshot *s, enf_store store, const unsigned char thumbprint[20])
{
	return enf_snapshot_cert_find(s, store, thumbprint);
}

static int snap_key_acl_get(enf_key_acl *out, void *self, enf_store store,
                            const unsigned char thumbprint[20])
{
	snapshot *s = self;
	json_t *c = cert_object(s, store, thumbprint);
	if (!c)
		return ENF_ENOTFOUND;
	if (!json_is_true(json_object_get(c, "private_key"))) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "the certificate has no private key");
		return ENF_ENOTFOUND;
	}
	json_t *acl = json_object_get(c, "key_acl");
	enf_key_acl a = {0};
	size_t n = json_array_size(acl);
	a.items = calloc(n ? n : 1, sizeof(enf_key_ace));
	/* The descriptor a rollback restores: the entries as the file has them. */
	json_t *none = acl ? NULL : json_array();
	a.sddl = json_dumps(acl ? acl : none, JSON_COMPACT);
	json_decref(none);
	if (!a.items || !a.sddl) {
		enf_key_acl_clear(&a);
		return enf_error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(acl, i);
		enf_key_ace *ace = &a.items[a.count++];
		ace->account = enf_strdup(json_string_value(json_object_get(e, "account")));
		ace->sid = enf_strdup(json_string_value(json_object_get(e, "sid")));
		ace->allow = !json_is_true(json_object_get(e, "deny"));
		ace->mask = strcmp(json_string_value(json_object_get(e, "rights")), "full") == 0
		                ? 0x10000000u  /* GENERIC_ALL */
		                : 0x80000000u; /* GENERIC_READ */
	}
	*out = a;
	return 0;
}

static int snap_key_acl_grant(void *self, enf_store store, const unsigned char thumbprint[20],
                              const char *account, enf_key_rights rights)
{
	snapshot *s = self;
	json_t *c = cert_object(s, store, thumbprint);
	if (!c)
		return ENF_ENOTFOUND;
	if (enf_snapshot_fault(s, "deny_keys", enf_store_name(store), 0)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "cannot change the private key's permissions: access denied");
		return ENF_EACCESS;
	}
	json_t *acl = json_object_get(c, "key_acl");
	if (!acl) {
		acl = json_array();
		json_object_set_new(c, "key_acl", acl);
	}
	const char *r = rights == ENF_RIGHTS_FULL ? "full" : "read";
	size_t i;
	json_t *e;
	json_array_foreach(acl, i, e)
	{
		/*
		 * One entry per account, whatever its spelling: Windows merges a
		 * grant into the allow entry of the same SID (SetEntriesInAcl),
		 * and rights only grow.
		 */
		const char *have = json_string_value(json_object_get(e, "account"));
		const char *have_sid = json_string_value(json_object_get(e, "sid"));
		/* A deny entry stays as it is: a grant adds or widens an allow entry. */
		if (json_is_true(json_object_get(e, "deny")))
			continue;
		if (enf_snapshot_same_account(s, have, account) ||
		    enf_snapshot_same_account(s, have_sid, account)) {
			if (strcmp(json_string_value(json_object_get(e, "rights")), "full") != 0)
				json_object_set_new(e, "rights", json_string(r));
			s->dirty = 1;
			return 0;
		}
	}
	json_array_append_new(acl, json_pack("{s:s, s:s}", "account", account, "rights", r));
	s->dirty = 1;
	return 0;
}

static int snap_key_acl_restore(void *self, enf_store store, const unsigned char thumbprint[20],
                                const char *sddl)
{
	snapshot *s = self;
	json_t *c = cert_object(s, store, thumbprint);
	if (!c)
		return ENF_ENOTFOUND;
	json_t *acl = sddl ? json_loads(sddl, JSON_REJECT_DUPLICATES, NULL) : NULL;
	size_t i;
	json_t *e;
	int valid = json_is_array(acl);
	/* The entries as snapshot_check wants them: a bad one would make the file unopenable. */
	json_array_foreach(acl, i, e)
	{
		const char *rights = json_string_value(json_object_get(e, "rights"));
		json_t *deny = json_object_get(e, "deny");
		if (!json_string_value(json_object_get(e, "account")) || !rights ||
		    (strcmp(rights, "read") != 0 && strcmp(rights, "full") != 0) ||
		    (deny && !json_is_boolean(deny)))
			valid = 0;
	}
	if (!valid) {
		json_decref(acl);
		enf_error_set(ENF_ERRCLASS_PROVIDER, "the saved key permissions cannot be read");
		return ENF_EINVALID;
	}
	json_object_set_new(c, "key_acl", acl);
	s->dirty = 1;
	return 0;
}

const enf_provider enf_provider_snapshot = {
    .version = ENF_PROVIDER_VERSION,
    .name = "snapshot",
    .caps = ENF_CAP_CERTS | ENF_CAP_REGISTRY | ENF_CAP_SERVICES | ENF_CAP_KEYS | ENF_CAP_FACTS |
            ENF_CAP_RIGHTS,
    .open = snap_open,
    .commit = snap_commit,
    .close = snap_close,
    .lock = snap_lock,
    .facts = snap_facts,
    .cert_list = enf_snap_cert_list,
    .cert_add = enf_snap_cert_add,
    .cert_remove = enf_snap_cert_remove,
    .key_acl_get = snap_key_acl_get,
    .key_acl_grant = snap_key_acl_grant,
    .key_acl_restore = snap_key_acl_restore,
    .reg_get = enf_snap_reg_get,
    .reg_set = enf_snap_reg_set,
    .reg_delete = enf_snap_reg_delete,
    .svc_get = enf_snap_svc_get,
    .svc_list = enf_snap_svc_list,
    .svc_configure = enf_snap_svc_configure,
    .svc_start = enf_snap_svc_start,
    .svc_stop = enf_snap_svc_stop,
    .account_sid = enf_snap_account_sid,
    .reg_values = enf_snap_reg_values,
    .reg_key_info = enf_snap_reg_key_info,
    .reg_key_remove = enf_snap_reg_key_remove,
    .reload = snap_reload,
    .right_holders = enf_snap_right_holders,
    .right_grant = enf_snap_right_grant,
    .right_revoke = enf_snap_right_revoke,
    .right_gpo = enf_snap_right_gpo,
    .cert_element = enf_snap_cert_element,
    .cert_add_element = enf_snap_cert_add_element,
};
