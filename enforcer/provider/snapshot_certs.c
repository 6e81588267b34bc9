/*
 * The snapshot's certificate stores (docs/snapshot.md), built as Windows
 * builds a LocalMachine system store: a store is a plain list (its .Default
 * physical store) or an object of physical stores, ".Default",
 * ".GroupPolicy", ".Enterprise", ".AuthRoot", ".SmartCard", as Windows has
 * them for that store. Reads see every physical store; writes change only
 * .Default, as the win32 provider does (docs/windows-semantics.md).
 *
 * A certificate's serialized element (cert_element, for the journal) is the
 * entry itself as compact JSON: its DER and the properties the snapshot
 * models (friendly_name, eku_property, and the key link: private_key,
 * exportable, key_acl).
 */
#include "snapshot.h"

#include "enforcer/errors.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A policy's `eku` names, which an eku_property lists too. */
static const char *const eku_names[] = {
    "server-auth",  "client-auth", "code-signing", "email-protection", "time-stamping",
    "ocsp-signing", NULL};

static int bad(const char *path, const char *where, const char *what)
{
	enf_error_set(ENF_ERRCLASS_INVALID, "snapshot '%s': %s %s", path, where, what);
	return ENF_EINVALID;
}

static int known_eku(const char *name)
{
	for (size_t i = 0; name && eku_names[i]; i++)
		if (strcmp(eku_names[i], name) == 0)
			return 1;
	return 0;
}

/* Properties: a friendly name, and an EKU restriction as a policy's eku names. */
static int check_properties(const char *path, const char *where, const json_t *c)
{
	const json_t *name = json_object_get(c, "friendly_name");
	if (name && !json_is_string(name))
		return bad(path, where, "has a \"friendly_name\" that is not a string");
	const json_t *eku = json_object_get(c, "eku_property");
	if (eku && !json_is_array(eku))
		return bad(
		    path, where,
		    "has an \"eku_property\" that is not a list of purposes (server-auth...)");
	size_t k;
	json_t *e;
	json_array_foreach(eku, k, e)
	{
		if (!known_eku(json_string_value(e)))
			return bad(
			    path, where,
			    "has an \"eku_property\" entry that is not server-auth, client-auth, code-signing, email-protection, time-stamping or ocsp-signing");
	}
	return 0;
}

static int check_cert(const char *path, const char *where, const json_t *c)
{
	const char *der = json_string_value(json_object_get(c, "der"));
	unsigned char *bytes = NULL;
	size_t len = 0;
	if (!json_is_object(c) || !der)
		return bad(path, where, "needs \"der\": the certificate in base64");
	if (enf_base64_decode(&bytes, &len, der) || len == 0)
		return bad(path, where, "has a \"der\" that is not base64");
	free(bytes);
	json_t *acl = json_object_get(c, "key_acl");
	if (acl && !json_is_array(acl))
		return bad(path, where, "has a \"key_acl\" that is not a list");
	size_t k;
	json_t *e;
	json_array_foreach(acl, k, e)
	{
		const char *rights = json_string_value(json_object_get(e, "rights"));
		json_t *deny = json_object_get(e, "deny");
		if (!json_string_value(json_object_get(e, "account")) || !rights ||
		    (strcmp(rights, "read") != 0 && strcmp(rights, "full") != 0))
			return bad(path, where,
			           "has a key_acl entry without account and rights read/full");
		if (deny && !json_is_boolean(deny))
			return bad(path, where,
			           "has a key_acl entry whose \"deny\" is not true or false");
	}
	return check_properties(path, where, c);
}

static int check_list(const char *path, const char *where, const json_t *list)
{
	char at[160];
	if (!json_is_array(list))
		return bad(path, where, "must be a list of certificates");
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		int rc = check_cert(path, at, c);
		if (rc)
			return rc;
	}
	return 0;
}

/* The physical store a member of a store object names, or ENF_PHYS__COUNT. */
static enf_phys_store phys_parse(const char *name)
{
	for (int p = 0; p < ENF_PHYS__COUNT; p++)
		if (enf_strcaseeq(name, enf_phys_store_name((enf_phys_store)p)))
			return (enf_phys_store)p;
	return ENF_PHYS__COUNT;
}

int enf_snapshot_check_store(const char *path, const char *name, const json_t *v)
{
	enf_store store;
	char where[160];
	if (enf_store_parse(&store, name))
		return bad(
		    path, name,
		    "is not a store name (Root, CA, My, TrustedPeople, TrustedPublisher, Disallowed)");
	snprintf(where, sizeof(where), "stores.%s", name);
	if (!json_is_object(v))
		return json_is_array(v) ? check_list(path, where, v)
		                        : bad(path, where,
		                              "must be a list of certificates or an object of "
		                              "physical stores (\".Default\": [...])");
	const char *key;
	json_t *list;
	unsigned seen = 0;
	json_object_foreach((json_t *)v, key, list)
	{
		enf_phys_store p = phys_parse(key);
		snprintf(where, sizeof(where), "stores.%s\\%s", name, key);
		/* Names are case-insensitive, as on Windows: ".default" is ".Default" again. */
		if (p < ENF_PHYS__COUNT && (seen & (1u << p)))
			return bad(path, where, "names a physical store given twice");
		seen |= p < ENF_PHYS__COUNT ? 1u << p : 0;
		if (!enf_phys_store_in(store, p)) {
			char what[200];
			snprintf(what, sizeof(what),
			         "is not a physical store of LocalMachine\\%s (%s)", name,
			         store == ENF_STORE_ROOT ? ".Default, .GroupPolicy, .Enterprise, "
			                                   ".AuthRoot, .SmartCard"
			         : store == ENF_STORE_CA ? ".Default, .GroupPolicy, .Enterprise"
			                                 : ".Default");
			return bad(path, where, what);
		}
		int rc = check_list(path, where, list);
		if (rc)
			return rc;
	}
	return 0;
}

/* The list of one physical store; created, for .Default only, when asked to. */
static json_t *phys_list(snapshot *s, enf_store store, enf_phys_store phys, int create)
{
	json_t *stores = json_object_get(s->doc, "stores");
	const char *name = enf_store_name(store);
	json_t *v = enf_snapshot_get_nocase(stores, name, NULL);
	if (json_is_array(v))
		return phys == ENF_PHYS_DEFAULT ? v : NULL;
	create = create && phys == ENF_PHYS_DEFAULT;
	json_t *list = NULL;
	if (json_is_object(v))
		list = enf_snapshot_get_nocase(v, enf_phys_store_name(phys), NULL);
	if (list || !create)
		return list;
	list = json_array();
	if (json_is_object(v)) {
		json_object_set_new(v, enf_phys_store_name(phys), list);
		return list;
	}
	if (!stores) {
		stores = json_object();
		json_object_set_new(s->doc, "stores", stores);
	}
	/* A store first written by a run is a plain list, as older snapshots have them. */
	json_object_set_new(stores, name, list);
	return list;
}

static int cert_thumbprint(const json_t *c, unsigned char out[20], unsigned char **der,
                           size_t *der_len)
{
	unsigned char *bytes = NULL;
	size_t len = 0;
	if (enf_base64_decode(&bytes, &len, json_string_value(json_object_get(c, "der"))))
		return ENF_EINVALID;
	enf_sha1(out, bytes, len);
	if (der) {
		*der = bytes;
		*der_len = len;
	} else {
		free(bytes);
	}
	return 0;
}

static enf_tristate tri(const json_t *v)
{
	return json_is_boolean(v) ? (json_is_true(v) ? ENF_YES : ENF_NO) : ENF_NO;
}

int enf_snap_cert_list(enf_cert_list *out, void *self, enf_store store)
{
	snapshot *s = self;
	if (enf_snapshot_fault(s, "unreadable_stores", enf_store_name(store), 0)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "cannot open the LocalMachine\\%s store: access denied",
		              enf_store_name(store));
		return ENF_EACCESS;
	}
	size_t n = 0;
	for (int p = 0; p < ENF_PHYS__COUNT; p++)
		n += json_array_size(phys_list(s, store, (enf_phys_store)p, 0));
	enf_cert_list l = {0};
	l.items = calloc(n ? n : 1, sizeof(enf_cert_entry));
	if (!l.items)
		return enf_error_oom();
	for (int p = 0; p < ENF_PHYS__COUNT; p++) {
		json_t *list = phys_list(s, store, (enf_phys_store)p, 0);
		for (size_t i = 0; i < json_array_size(list); i++) {
			const json_t *c = json_array_get(list, i);
			enf_cert_entry *e = &l.items[l.count];
			if (cert_thumbprint(c, e->thumbprint, &e->der, &e->der_len)) {
				enf_cert_list_clear(&l);
				return enf_error_oom();
			}
			e->has_private_key = tri(json_object_get(c, "private_key"));
			e->exportable = tri(json_object_get(c, "exportable"));
			e->physical = (enf_phys_store)p;
			l.count++;
		}
	}
	*out = l;
	return 0;
}

/* The index of the certificate in the store's .Default, or -1. */
static long find_default(snapshot *s, enf_store store, const unsigned char thumbprint[20])
{
	json_t *list = phys_list(s, store, ENF_PHYS_DEFAULT, 0);
	for (size_t i = 0; i < json_array_size(list); i++) {
		unsigned char t[20];
		if (cert_thumbprint(json_array_get(list, i), t, NULL, NULL) == 0 &&
		    memcmp(t, thumbprint, 20) == 0)
			return (long)i;
	}
	return -1;
}

static int not_in_default(enf_store store)
{
	enf_error_set(ENF_ERRCLASS_PROVIDER, "no such certificate in LocalMachine\\%s\\.Default",
	              enf_store_name(store));
	return ENF_ENOTFOUND;
}

json_t *enf_snapshot_cert_find(snapshot *s, enf_store store, const unsigned char thumbprint[20])
{
	for (int p = 0; p < ENF_PHYS__COUNT; p++) {
		json_t *list = phys_list(s, store, (enf_phys_store)p, 0);
		for (size_t i = 0; i < json_array_size(list); i++) {
			unsigned char t[20];
			if (cert_thumbprint(json_array_get(list, i), t, NULL, NULL) == 0 &&
			    memcmp(t, thumbprint, 20) == 0)
				return json_array_get(list, i);
		}
	}
	enf_error_set(ENF_ERRCLASS_PROVIDER, "no such certificate in LocalMachine\\%s",
	              enf_store_name(store));
	return NULL;
}

static int store_denied(snapshot *s, enf_store store)
{
	if (enf_snapshot_fault(s, "readonly_stores", enf_store_name(store), 0) ||
	    enf_snapshot_fault(s, "unreadable_stores", enf_store_name(store), 0)) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "cannot change the LocalMachine\\%s store: access denied",
		              enf_store_name(store));
		return ENF_EACCESS;
	}
	return 0;
}

int enf_snap_cert_add(void *self, enf_store store, const unsigned char *der, size_t der_len)
{
	snapshot *s = self;
	unsigned char t[20];
	int rc = store_denied(s, store);
	if (rc)
		return rc;
	if (!der || der_len == 0) {
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "cannot add an empty certificate to LocalMachine\\%s",
		              enf_store_name(store));
		return ENF_EINVALID;
	}
	enf_sha1(t, der, der_len);
	if (find_default(s, store, t) >= 0)
		return 0; /* as CertAddEncodedCertificateToStore(..USE_EXISTING..) */
	char *b64 = enf_base64_encode(der, der_len);
	if (!b64)
		return enf_error_oom();
	json_array_append_new(phys_list(s, store, ENF_PHYS_DEFAULT, 1),
	                      json_pack("{s:s}", "der", b64));
	free(b64);
	s->dirty = 1;
	return 0;
}

int enf_snap_cert_remove(void *self, enf_store store, const unsigned char thumbprint[20])
{
	snapshot *s = self;
	int rc = store_denied(s, store);
	if (rc)
		return rc;
	long i = find_default(s, store, thumbprint);
	if (i < 0)
		return not_in_default(store);
	json_array_remove(phys_list(s, store, ENF_PHYS_DEFAULT, 0), (size_t)i);
	s->dirty = 1;
	return 0;
}

int enf_snap_cert_element(unsigned char **out, size_t *len, void *self, enf_store store,
                          const unsigned char thumbprint[20])
{
	snapshot *s = self;
	long i = find_default(s, store, thumbprint);
	if (i < 0)
		return not_in_default(store);
	json_t *c = json_array_get(phys_list(s, store, ENF_PHYS_DEFAULT, 0), (size_t)i);
	char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return enf_error_oom();
	*len = strlen(text);
	*out = (unsigned char *)text;
	return 0;
}

int enf_snap_cert_add_element(void *self, enf_store store, const unsigned char thumbprint[20],
                              const unsigned char *element, size_t len)
{
	snapshot *s = self;
	unsigned char t[20];
	int rc = store_denied(s, store);
	if (rc)
		return rc;
	json_t *c = json_loadb((const char *)element, len, JSON_REJECT_DUPLICATES, NULL);
	/* Checked as the file is when opened: a bad element would make it unopenable. */
	if (!c || check_cert(s->path, "the saved certificate", c) ||
	    cert_thumbprint(c, t, NULL, NULL) || memcmp(t, thumbprint, 20) != 0) {
		json_decref(c);
		enf_error_set(ENF_ERRCLASS_PROVIDER,
		              "the saved certificate cannot be read, or is not the one named");
		return ENF_EINVALID;
	}
	long i = find_default(s, store, thumbprint);
	if (i < 0) {
		json_array_append_new(phys_list(s, store, ENF_PHYS_DEFAULT, 1), c);
	} else {
		/* As CertAddSerializedElementToStore(..USE_EXISTING..): only properties it lacks.
		 */
		json_t *have = json_array_get(phys_list(s, store, ENF_PHYS_DEFAULT, 0), (size_t)i);
		json_object_update_missing(have, c);
		json_decref(c);
	}
	s->dirty = 1;
	return 0;
}
