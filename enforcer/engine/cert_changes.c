/*
 * The changes certificate and trust-store resources make: certificate-add,
 * certificate-remove and certificate-move (with the certificate's DER in the
 * journal, so a rollback can put it back), key-grant and key-restore (a
 * private key's permissions, with the old security descriptor).
 *
 * Only a store's .Default physical store is changed (provider.h): the
 * presence that decides an undo is presence there. A certificate taken out
 * is journaled with its serialized element as well as its DER, so that it
 * comes back with its friendly name, EKU restriction and key link.
 */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/json_util.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Adds c's certificate to `store`: with its properties when the journal has them. */
static int add_cert(engine *e, enf_store store, const change *c)
{
	if (c->element && e->p->cert_add_element)
		return e->p->cert_add_element(e->self, store, c->thumbprint, c->element,
		                              c->element_len);
	return e->p->cert_add(e->self, store, c->der, c->der_len);
}

static int apply_add(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return add_cert(e, c->store, c);
}

static int apply_remove(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return e->p->cert_remove(e->self, c->store, c->thumbprint);
}

/*
 * A move adds to the destination before it removes the source copy: a run
 * killed in between leaves the certificate in both stores, never in
 * neither. (On Windows each store commits its own change; a snapshot writes
 * both with the rest of the run, in one atomic rewrite of its file.)
 */
static int apply_move(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	/*
	 * A copy already in the destination is left as it is (cert_add keeps an
	 * existing certificate untouched), so the rollback, which leaves it
	 * there, restores the destination exactly; otherwise the certificate
	 * goes there with its properties.
	 */
	int rc = c->dest_had ? e->p->cert_add(e->self, c->dest, c->der, c->der_len)
	                     : add_cert(e, c->dest, c);
	return rc ? rc : e->p->cert_remove(e->self, c->store, c->thumbprint);
}

static int apply_grant(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return e->p->key_acl_grant(e->self, c->store, c->thumbprint, c->account, c->rights);
}

static int apply_restore(engine *e, const change *c, const enf_resource *res)
{
	(void)res;
	return e->p->key_acl_restore(e->self, c->store, c->thumbprint, c->new_sddl);
}

/* The DER and element of `c` into `out`, the change that undoes it. */
static int copy_payload(change *out, const change *c)
{
	if (c->der) {
		if (!(out->der = malloc(c->der_len)))
			return ENF_ENOMEM;
		memcpy(out->der, c->der, c->der_len);
		out->der_len = c->der_len;
	}
	if (c->element) {
		if (!(out->element = malloc(c->element_len)))
			return ENF_ENOMEM;
		memcpy(out->element, c->element, c->element_len);
		out->element_len = c->element_len;
	}
	return 0;
}

static int cert_present(engine *e, enf_store store, const unsigned char thumbprint[20],
                        int *present)
{
	enf_cert_list list = {0};
	int rc = enf_engine_cert_list(e, &list, store);
	*present = 0;
	for (size_t i = 0; rc == 0 && i < list.count; i++)
		*present |= list.items[i].physical == ENF_PHYS_DEFAULT &&
		            memcmp(list.items[i].thumbprint, thumbprint, 20) == 0;
	enf_cert_list_clear(&list);
	return rc;
}

static int invert_cert(engine *e, const change *c, change *out)
{
	int present = 0;
	int rc = cert_present(e, c->store, c->thumbprint, &present);
	if (rc)
		return rc;
	out->store = c->store;
	memcpy(out->thumbprint, c->thumbprint, 20);
	char *hex = enf_hex(c->thumbprint, 20, 1);
	if (c->ops == &enf_change_cert_add && present) {
		out->ops = &enf_change_cert_remove;
		out->text = enf_asprintf("remove %s from %s (it was added)", hex ? hex : "?",
		                         enf_store_name(c->store));
	} else if (c->ops == &enf_change_cert_remove && !present) {
		out->ops = &enf_change_cert_add;
		out->text =
		    enf_asprintf("add %s back to %s", hex ? hex : "?", enf_store_name(c->store));
	}
	free(hex);
	return out->text ? copy_payload(out, c) : 0;
}

/*
 * Undoing a move: the certificate goes back where it was, and leaves the
 * destination unless it was there before the move.
 */
static int invert_move(engine *e, const change *c, change *out)
{
	int in_src = 0, in_dest = 0;
	int rc = cert_present(e, c->store, c->thumbprint, &in_src);
	if (rc == 0)
		rc = cert_present(e, c->dest, c->thumbprint, &in_dest);
	if (rc)
		return rc;
	int added = in_dest && !c->dest_had;
	const char *src = enf_store_name(c->store), *dest = enf_store_name(c->dest);
	/* Named as the move was, so the rollback report reads against the apply's. */
	enf_cert *cert = NULL;
	char *hex = enf_hex(c->thumbprint, 20, 1);
	char *label =
	    c->der && enf_cert_from_der(&cert, c->der, c->der_len) == 0
	        ? enf_asprintf("'%s' (%s)", enf_cert_info_get(cert)->name, hex ? hex : "?")
	        : enf_strdup(hex ? hex : "?");
	enf_cert_free(cert);
	enf_error_clear();
	memcpy(out->thumbprint, c->thumbprint, 20);
	if (!in_src && added) {
		out->ops = &enf_change_cert_move;
		out->store = c->dest;
		out->dest = c->store;
		out->text = enf_asprintf("move %s back %s -> %s", label ? label : "?", dest, src);
	} else if (!in_src) {
		out->ops = &enf_change_cert_add;
		out->store = c->store;
		out->text = enf_asprintf("add %s back to %s", label ? label : "?", src);
	} else if (added) {
		out->ops = &enf_change_cert_remove;
		out->store = c->dest;
		out->text = enf_asprintf("remove %s from %s (the move put it there)",
		                         label ? label : "?", dest);
	}
	free(label);
	free(hex);
	return out->text ? copy_payload(out, c) : 0;
}

/* Undoing a grant or a restore puts the permissions the journal holds back. */
static int invert_key(engine *e, const change *c, change *out)
{
	if (!c->old_sddl)
		return 0;
	out->ops = &enf_change_key_restore;
	out->store = c->store;
	memcpy(out->thumbprint, c->thumbprint, 20);
	out->new_sddl = enf_strdup(c->old_sddl);
	{
		enf_key_acl cur = {0};
		if (e->p->key_acl_get(&cur, e->self, c->store, c->thumbprint) == 0) {
			out->old_sddl = cur.sddl;
			cur.sddl = NULL;
		}
		enf_key_acl_clear(&cur);
	}
	/* Already as before the run: nothing to undo, so a second rollback changes nothing. */
	if (out->old_sddl && strcmp(out->old_sddl, c->old_sddl) == 0) {
		enf_change_clear(out);
		return 0;
	}
	out->text =
	    enf_asprintf("restore the private key's permissions in %s", enf_store_name(c->store));
	return out->new_sddl && out->text ? 0 : ENF_ENOMEM;
}

int enf_change_cert_element(engine *e, change *c)
{
	if (!e->p->cert_element)
		return 0;
	return e->p->cert_element(&c->element, &c->element_len, e->self, c->store, c->thumbprint);
}

/*
 * {"store", "thumbprint", "der", "element", "account", "rights", "old_sddl",
 * "new_sddl", "to", "to_had"}.
 */
static int encode(json_t *o, const change *c)
{
	char *hex = enf_hex(c->thumbprint, 20, 1);
	char *der = c->der ? enf_base64_encode(c->der, c->der_len) : NULL;
	char *element = c->element ? enf_base64_encode(c->element, c->element_len) : NULL;
	int rc = hex && (der || !c->der) && (element || !c->element) ? 0 : ENF_ENOMEM;
	enf_json_set_str(o, "store", enf_store_name(c->store));
	enf_json_set_str(o, "thumbprint", hex);
	enf_json_set_str(o, "der", der);
	enf_json_set_str(o, "element", element);
	enf_json_set_str(o, "account", c->account);
	if (c->ops == &enf_change_key_grant)
		enf_json_set_str(o, "rights", c->rights == ENF_RIGHTS_FULL ? "full" : "read");
	enf_json_set_str(o, "old_sddl", c->old_sddl);
	enf_json_set_str(o, "new_sddl", c->new_sddl);
	if (c->ops == &enf_change_cert_move) {
		enf_json_set_str(o, "to", enf_store_name(c->dest));
		json_object_set_new(o, "to_had", json_boolean(c->dest_had));
	}
	free(hex);
	free(der);
	free(element);
	return rc;
}

static int decode(change *c, const json_t *o)
{
	const char *store = json_string_value(json_object_get(o, "store"));
	const char *thumb = json_string_value(json_object_get(o, "thumbprint"));
	const char *der = json_string_value(json_object_get(o, "der"));
	unsigned char *bytes = NULL;
	size_t len = 0;
	if (!store || enf_store_parse(&c->store, store) || !thumb || enf_unhex(&bytes, &len, thumb))
		return ENF_EINVALID;
	if (len != 20) {
		free(bytes);
		return ENF_EINVALID;
	}
	memcpy(c->thumbprint, bytes, 20);
	free(bytes);
	if (der && enf_base64_decode(&c->der, &c->der_len, der))
		return ENF_EINVALID;
	/* Journals written before elements were kept have none: the DER alone is restored. */
	const json_t *element = json_object_get(o, "element");
	if (element &&
	    (!json_is_string(element) ||
	     enf_base64_decode(&c->element, &c->element_len, json_string_value(element)) ||
	     c->element_len == 0))
		return ENF_EINVALID;
	/* A rollback adds back the DER it finds here: it must be the certificate named. */
	if (c->der) {
		unsigned char sha1[20];
		enf_sha1(sha1, c->der, c->der_len);
		if (c->der_len == 0 || memcmp(sha1, c->thumbprint, 20) != 0)
			return ENF_EINVALID;
	} else if (c->ops == &enf_change_cert_remove) {
		return ENF_EINVALID;
	}
	const char *rights = json_string_value(json_object_get(o, "rights"));
	c->rights = rights && strcmp(rights, "full") == 0 ? ENF_RIGHTS_FULL : ENF_RIGHTS_READ;
	if (enf_json_get_str(&c->account, o, "account") ||
	    enf_json_get_str(&c->old_sddl, o, "old_sddl") ||
	    enf_json_get_str(&c->new_sddl, o, "new_sddl"))
		return ENF_EINVALID;
	const char *to = json_string_value(json_object_get(o, "to"));
	if (c->ops == &enf_change_cert_move && (!to || enf_store_parse(&c->dest, to) || !c->der))
		return ENF_EINVALID;
	c->dest_had = json_is_true(json_object_get(o, "to_had"));
	return 0;
}

const change_ops enf_change_cert_add = {
    .op = "certificate-add",
    .flags = CHANGE_CERTS,
    .apply = apply_add,
    .inverse = invert_cert,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_cert_remove = {
    .op = "certificate-remove",
    .flags = CHANGE_CERTS,
    .apply = apply_remove,
    .inverse = invert_cert,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_cert_move = {
    .op = "certificate-move",
    .flags = CHANGE_CERTS,
    .apply = apply_move,
    .inverse = invert_move,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_key_grant = {
    .op = "key-grant",
    .flags = CHANGE_CERTS,
    .apply = apply_grant,
    .inverse = invert_key,
    .encode = encode,
    .decode = decode,
};

const change_ops enf_change_key_restore = {
    .op = "key-restore",
    .flags = CHANGE_CERTS,
    .apply = apply_restore,
    .inverse = invert_key,
    .encode = encode,
    .decode = decode,
};
