/*
 * Planning a trust-store resource: the hygiene of Root or CA as a whole.
 *
 * Intermediates in Root are what stops Lync/SfB Front End services from
 * starting on Windows Server 2012 and later, so in Root every certificate
 * that is not self-signed is misplaced and by default moved to CA. In CA a
 * self-signed certificate is misplaced too, but it is only reported:
 * moving it to Root would add trust, which enforcer never does on its own.
 *
 * Findings are of two weights:
 *  - violations, which the policy asked to be reported rather than fixed
 *    (`misplaced: report`, extras with `extras: report`, `max-certs`): the
 *    resource fails with them as the reason, after its other changes are
 *    made (the verification after the apply names them);
 *  - notes, which only inform (duplicates, self-signed certificates in CA
 *    under the default `move`, certificates OpenSSL cannot read): they go
 *    into the message and the report, and leave the outcome alone.
 *
 * Only the .Default physical store is changed. A certificate that would be
 * moved, removed or reported but sits in another physical store (Group
 * Policy, Active Directory, AuthRoot, a smart card) is managed elsewhere:
 * enforcer says where to remove it and never fights it; that is a violation
 * unless the policy says `managed-elsewhere: report`, then a note.
 */
#include "engine_int.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct ts_entry {
	const enf_cert_entry *raw;
	enf_cert *cert; /* NULL when OpenSSL cannot read it */
	char *label;    /* "'NAME' (THUMBPRINT)" */
	int acted;      /* moved or removed by this plan */
} ts_entry;

typedef struct ts_state {
	const enf_res_trust_store *t;
	const char *store;
	ts_entry *entries;
	size_t count;
	enf_buf violations, notes;
	json_t *misplaced, *extras, *duplicates, *unreadable; /* before */
	json_t *elsewhere;                                    /* before and after */
	json_t *left_misplaced, *left_extras;                 /* after */
	unsigned char *readable; /* the thumbprints OpenSSL reads, sorted (n_readable) */
	size_t n_readable;
	size_t
	    *same_sha1; /* the next entry with the same thumbprint (enf_cert_group_thumbprints) */
	unsigned char *copy; /* 1 for an entry an earlier one that stays has the thumbprint of */
} ts_state;

/* {thumbprint, subject}, and the physical store when it is not .Default. */
static json_t *cert_ref_json(const ts_entry *en)
{
	char *hex = enf_hex(en->raw->thumbprint, 20, 1);
	const enf_cert_info *i = en->cert ? enf_cert_info_get(en->cert) : NULL;
	json_t *o = json_pack("{s:s, s:s}", "thumbprint", hex ? hex : "", "subject",
	                      i ? i->subject : "(unreadable)");
	if (o && en->raw->physical != ENF_PHYS_DEFAULT)
		json_object_set_new(o, "physical",
		                    json_string(enf_phys_store_name(en->raw->physical)));
	free(hex);
	return o;
}

/* Findings are joined with "; ", one sentence each. */
static enf_buf *next_finding(enf_buf *b)
{
	enf_buf_puts(b, b->len ? "; " : "");
	return b;
}

/* True when the store holds a certificate OpenSSL reads with this thumbprint. */
static int readable_in_store(const ts_state *s, const unsigned char sha1[20])
{
	return enf_cert_thumbprints_has(s->readable, s->n_readable, sha1);
}

/* The look-ups of a store's entries (cert_groups.c): each pass is then linear. */
static int index_entries(ts_state *s)
{
	const unsigned char **sha1 = calloc(s->count ? s->count : 1, sizeof(*sha1));
	s->readable = calloc(s->count ? s->count : 1, 20);
	s->same_sha1 = calloc(s->count ? s->count : 1, sizeof(size_t));
	s->copy = calloc(s->count ? s->count : 1, 1);
	int rc = sha1 && s->readable && s->same_sha1 && s->copy ? 0 : enf_error_oom();
	for (size_t i = 0; rc == 0 && i < s->count; i++) {
		sha1[i] = s->entries[i].raw->thumbprint;
		if (s->entries[i].cert)
			memcpy(s->readable + 20 * s->n_readable++, sha1[i], 20);
	}
	if (rc == 0) {
		enf_cert_thumbprints_sort(s->readable, s->n_readable);
		rc = enf_cert_group_thumbprints(s->same_sha1, sha1, s->count);
	}
	free(sha1);
	return rc;
}

/* is_copy for every entry, once the plan has acted: walking each thumbprint's group in order. */
static void mark_copies(ts_state *s)
{
	memset(s->copy, 0, s->count);
	unsigned char *later = calloc(s->count ? s->count : 1, 1);
	if (!later) {
		s->notes.failed = 1;
		return;
	}
	for (size_t i = 0; i < s->count; i++)
		if (s->same_sha1[i] != SIZE_MAX)
			later[s->same_sha1[i]] = 1;
	for (size_t i = 0; i < s->count; i++) {
		if (later[i])
			continue; /* not the first of its group */
		int kept = 0;
		for (size_t j = i; j != SIZE_MAX; j = s->same_sha1[j]) {
			s->copy[j] = (unsigned char)kept;
			kept |= !s->entries[j].acted;
		}
	}
	free(later);
}

/*
 * The allow list's files, read on a second thread while this one parses the
 * store (engine_cert_parsed): under Wine every file is three round trips to
 * the wineserver, which a list of 300 files waited for one after the other.
 * The thread reads the files in the list's order and stops at the first it
 * cannot read, as reading them here did; which files were read (and so the
 * report's dirty flag) does not change.
 */
typedef struct allow_files {
	engine *e;
	const enf_res_trust_store *t;
	char **data; /* per allow entry; NULL for thumbprints and what was not read */
	size_t *len;
	size_t failed;         /* the entry that could not be read, or allow_count */
	int rc;                /* its error */
	enf_error_class klass; /* and the last error it set, handed to this thread */
	char *message;
} allow_files;

/* A thread pays for itself from about this many files (0.1 to 0.3 ms each under Wine). */
#define ALLOW_FILES_THREAD_MIN 8

static void read_allow_files(void *arg)
{
	allow_files *f = arg;
	for (size_t i = 0; i < f->t->allow_count; i++) {
		const enf_allow *a = &f->t->allow[i];
		if (a->is_thumbprint)
			continue;
		f->rc = enf_policy_file_read(f->e, a->file, &f->data[i], &f->len[i]);
		if (f->rc) {
			const enf_error *err = enf_error_last();
			f->failed = i;
			f->klass = err ? err->klass : ENF_ERRCLASS_NONE;
			f->message = err ? enf_strdup(err->message) : NULL;
			enf_error_clear();
			return;
		}
	}
}

static void allow_files_clear(allow_files *f)
{
	for (size_t i = 0; f->data && i < f->t->allow_count; i++)
		free(f->data[i]);
	free(f->data);
	free(f->len);
	free(f->message);
}

/*
 * The thumbprint of an allow-list file. Parsing every file was most of the
 * cost of a long allow list, so a file is first only hashed: when the hash
 * is that of a store certificate OpenSSL reads, the file holds those very
 * bytes and is a certificate. Any other file is parsed in full, so that a
 * damaged one fails the resource (and never turns a root into an extra)
 * and a certificate not in the store counts as it always has.
 */
static int allowed_file(const ts_state *s, const char *file, const char *data, size_t n,
                        unsigned char out[20])
{
	unsigned char *der = NULL;
	size_t len = 0;
	int rc = 0;
	if (enf_cert_file_sha1(out, data, n) || !readable_in_store(s, out)) {
		if ((rc = enf_cert_file_der(&der, &len, file, data, n)) == 0)
			enf_sha1(out, der, len);
	}
	free(der);
	return rc;
}

/* The thumbprints the allow list names: given, or of the files it lists (read in `f`). */
static int allowed_thumbprints(const ts_state *s, const allow_files *f, unsigned char **out,
                               res_plan *plan)
{
	const enf_res_trust_store *t = s->t;
	unsigned char *set = calloc(t->allow_count ? t->allow_count : 1, 20);
	if (!set)
		return enf_error_oom();
	for (size_t i = 0; i < t->allow_count; i++) {
		const enf_allow *a = &t->allow[i];
		if (a->is_thumbprint) {
			memcpy(set + 20 * i, a->thumbprint, 20);
			continue;
		}
		int rc = f->rc && f->failed == i ? f->rc : 0;
		if (rc) {
			/* What the reading thread was told, as if it had been read here. */
			if (f->message)
				enf_error_set(f->klass, "%s", f->message);
			else
				enf_error_clear();
		}
		if (rc || allowed_file(s, a->file, f->data[i], f->len[i], set + 20 * i)) {
			char *what = enf_asprintf("allow: cannot load '%s'", a->file);
			enf_plan_fail_last(plan, what ? what : "allow: cannot load a file");
			free(what);
			free(set);
			return 0;
		}
	}
	enf_cert_thumbprints_sort(set, t->allow_count);
	*out = set;
	return 0;
}

/* `set`: the allow list's thumbprints, sorted by allowed_thumbprints. */
static int is_allowed(const enf_res_trust_store *t, const unsigned char *set,
                      const unsigned char thumbprint[20])
{
	return enf_cert_thumbprints_has(set, t->allow_count, thumbprint);
}

/* In the list's .Default: what a move's rollback leaves alone. */
static int in_list(const enf_cert_list *list, const unsigned char thumbprint[20])
{
	for (size_t i = 0; list && i < list->count; i++)
		if (list->items[i].physical == ENF_PHYS_DEFAULT &&
		    memcmp(list->items[i].thumbprint, thumbprint, 20) == 0)
			return 1;
	return 0;
}

/*
 * A change that takes a certificate out of this store (`text` is its
 * action, taken over); the DER goes into the journal for rollback.
 */
static int take_out(engine *e, res_plan *plan, ts_entry *en, const change_ops *ops, enf_store store,
                    const enf_cert_list *dest_list, char *text)
{
	change *ch = text ? enf_plan_add(plan, ops, "%s", text) : NULL;
	free(text);
	if (!ch || !(ch->der = malloc(en->raw->der_len)))
		return enf_error_oom();
	memcpy(ch->der, en->raw->der, en->raw->der_len);
	ch->der_len = en->raw->der_len;
	ch->store = store;
	memcpy(ch->thumbprint, en->raw->thumbprint, 20);
	if (ops == &enf_change_cert_move) {
		ch->dest = ENF_STORE_CA;
		ch->dest_had = in_list(dest_list, en->raw->thumbprint);
	}
	en->acted = 1;
	return enf_change_cert_element(e, ch);
}

/*
 * A finding on a certificate another physical store holds: where to remove
 * it, as a violation, or as a note under `managed-elsewhere: report`.
 */
static int managed_elsewhere(ts_state *s, ts_entry *en, const char *why)
{
	char *text = enf_cert_managed_elsewhere(en->label, s->t->store, en->raw->physical);
	json_t *ref = cert_ref_json(en);
	if (!text || !ref) {
		free(text);
		json_decref(ref);
		return enf_error_oom();
	}
	json_object_set_new(ref, "finding", json_string(why));
	json_array_append_new(s->elsewhere, ref);
	enf_buf_printf(next_finding(s->t->managed_elsewhere_report ? &s->notes : &s->violations),
	               "%s (%s)", text, why);
	free(text);
	return 0;
}

static int plan_misplaced(engine *e, ts_state *s, ts_entry *en, res_plan *plan,
                          const enf_cert_list *ca)
{
	const enf_res_trust_store *t = s->t;
	int root = t->store == ENF_STORE_ROOT;
	const char *what = root ? "it is not self-signed (an intermediate)" : "it is self-signed";
	int acts =
	    (root && t->misplaced == ENF_MISPLACED_MOVE) || t->misplaced == ENF_MISPLACED_REMOVE;
	json_array_append_new(s->misplaced, cert_ref_json(en));
	if (en->raw->physical != ENF_PHYS_DEFAULT &&
	    (acts || t->misplaced == ENF_MISPLACED_REPORT)) {
		json_array_append_new(s->left_misplaced, cert_ref_json(en));
		return managed_elsewhere(s, en, root ? "an intermediate" : "self-signed");
	}
	if (root && t->misplaced == ENF_MISPLACED_MOVE)
		return take_out(e, plan, en, &enf_change_cert_move, t->store, ca,
		                enf_asprintf("move %s Root -> CA", en->label));
	if (t->misplaced == ENF_MISPLACED_REMOVE)
		return take_out(e, plan, en, &enf_change_cert_remove, t->store, NULL,
		                enf_asprintf("remove %s from %s: %s", en->label, s->store, what));
	json_array_append_new(s->left_misplaced, cert_ref_json(en));
	if (t->misplaced == ENF_MISPLACED_REPORT)
		enf_buf_printf(next_finding(&s->violations), "%s is in %s but %s", en->label,
		               s->store, what);
	else
		enf_buf_printf(
		    next_finding(&s->notes),
		    "%s is in CA but %s; a root belongs in Root, and enforcer never moves one there itself",
		    en->label, what);
	return 0;
}

static int plan_extra(engine *e, ts_state *s, ts_entry *en, res_plan *plan)
{
	json_array_append_new(s->extras, cert_ref_json(en));
	if (en->raw->physical != ENF_PHYS_DEFAULT) {
		json_array_append_new(s->left_extras, cert_ref_json(en));
		return managed_elsewhere(s, en, "not in the allow list");
	}
	if (s->t->extras == ENF_EXTRAS_REMOVE)
		return take_out(
		    e, plan, en, &enf_change_cert_remove, s->t->store, NULL,
		    enf_asprintf("remove %s from %s: not in the allow list", en->label, s->store));
	json_array_append_new(s->left_extras, cert_ref_json(en));
	enf_buf_printf(next_finding(&s->violations), "%s is in %s but not in the allow list",
	               en->label, s->store);
	return 0;
}

/* Whether an entry before entry i that stays holds the same certificate. */
/* An earlier entry that stays has its thumbprint (mark_copies). */
static int is_copy(const ts_state *s, size_t i)
{
	return s->copy[i];
}

/* The same certificate (thumbprint) in more than one physical store. */
static void find_copies(ts_state *s)
{
	for (size_t i = 0; i < s->count; i++) {
		ts_entry *a = &s->entries[i];
		if (a->acted || is_copy(s, i))
			continue;
		enf_buf where = ENF_BUF_INIT;
		size_t copies = 1;
		for (size_t j = s->same_sha1[i]; j != SIZE_MAX; j = s->same_sha1[j]) {
			ts_entry *b = &s->entries[j];
			if (b->acted)
				continue;
			if (copies++ == 1)
				json_array_append_new(s->duplicates, cert_ref_json(a));
			json_array_append_new(s->duplicates, cert_ref_json(b));
			enf_buf_printf(&where, ", %s", enf_phys_store_name(b->raw->physical));
		}
		if (copies > 1)
			enf_buf_printf(next_finding(&s->notes), "%s is in %s %zu times, in %s%s",
			               a->label, s->store, copies,
			               enf_phys_store_name(a->raw->physical),
			               where.ptr ? where.ptr : "");
		s->notes.failed |= where.failed;
		enf_buf_clear(&where);
	}
}

/*
 * The same subject and key more than once among what stays in the store:
 * two certificates (thumbprints), such as a renewal on the same key; one
 * certificate in two physical stores is find_copies'.
 */
static void find_duplicates(ts_state *s)
{
	unsigned char *seen = calloc(s->count ? s->count : 1, 1);
	size_t *same = calloc(s->count ? s->count : 1, sizeof(size_t));
	enf_cert **certs = calloc(s->count ? s->count : 1, sizeof(enf_cert *));
	for (size_t i = 0; certs && i < s->count; i++)
		certs[i] = s->entries[i].cert;
	if (!seen || !same || !certs || enf_cert_group_subject_key(same, certs, s->count)) {
		s->notes.failed = 1;
		free(seen);
		free(same);
		free(certs);
		return;
	}
	free(certs);
	for (size_t i = 0; i < s->count; i++) {
		ts_entry *a = &s->entries[i];
		if (seen[i] || a->acted || !a->cert || is_copy(s, i))
			continue;
		enf_buf list = ENF_BUF_INIT;
		size_t copies = 1;
		/* Only the entries of its group: the same subject and key. */
		for (size_t j = same[i]; j != SIZE_MAX; j = same[j]) {
			ts_entry *b = &s->entries[j];
			if (seen[j] || b->acted || !b->cert || is_copy(s, j))
				continue;
			if (copies++ == 1)
				json_array_append_new(s->duplicates, cert_ref_json(a));
			json_array_append_new(s->duplicates, cert_ref_json(b));
			enf_buf_printf(&list, ", %s", enf_cert_info_get(b->cert)->thumbprint);
			seen[j] = 1;
		}
		if (copies > 1) {
			enf_buf_printf(
			    next_finding(&s->notes),
			    "'%s' is in %s %zu times with the same subject and key: %s%s",
			    enf_cert_info_get(a->cert)->name, s->store, copies,
			    enf_cert_info_get(a->cert)->thumbprint, list.ptr ? list.ptr : "");
		}
		enf_buf_clear(&list);
	}
	free(seen);
	free(same);
}

static int classify(engine *e, ts_state *s, res_plan *plan, const enf_cert_list *ca,
                    const unsigned char *allowed)
{
	const enf_res_trust_store *t = s->t;
	int rc = 0;
	for (size_t i = 0; i < s->count && rc == 0; i++) {
		ts_entry *en = &s->entries[i];
		char *hex = enf_hex(en->raw->thumbprint, 20, 1);
		const enf_cert_info *info = en->cert ? enf_cert_info_get(en->cert) : NULL;
		en->label = info ? enf_asprintf("'%s' (%s)", info->name, info->thumbprint)
		                 : enf_asprintf("an unreadable certificate (%s)", hex ? hex : "?");
		free(hex);
		if (!en->label)
			return enf_error_oom();
		int extra = t->has_allow && !is_allowed(t, allowed, en->raw->thumbprint);
		int misplaced =
		    info && (t->store == ENF_STORE_ROOT ? !info->self_signed : info->self_signed);
		if (!info)
			json_array_append_new(s->unreadable, cert_ref_json(en));
		if (misplaced)
			rc = plan_misplaced(e, s, en, plan, ca);
		else if (extra)
			rc = plan_extra(e, s, en, plan);
		else if (!info)
			enf_buf_printf(next_finding(&s->notes),
			               "%s cannot be read as an X.509 certificate", en->label);
	}
	return rc;
}

/*
 * What max-certs and the report's count count (docs/certificates.md): each
 * certificate once, whatever physical stores hold it, leaving out those
 * only AuthRoot holds, the roots Windows downloads when it needs them.
 * `after`: what stays once the plan's changes are made.
 */
static size_t counted(const ts_state *s, int after)
{
	size_t n = 0;
	for (size_t i = 0; i < s->count; i++) {
		const ts_entry *en = &s->entries[i];
		int first = en->raw->physical != ENF_PHYS_AUTHROOT && !(after && en->acted);
		for (size_t j = 0; j < i && first; j++) {
			const ts_entry *o = &s->entries[j];
			if (o->raw->physical != ENF_PHYS_AUTHROOT && !(after && o->acted) &&
			    memcmp(o->raw->thumbprint, en->raw->thumbprint, 20) == 0)
				first = 0;
		}
		n += (size_t)first;
	}
	return n;
}

static void finish(ts_state *s, res_plan *plan)
{
	size_t total = counted(s, 0), left = counted(s, 1);
	if (s->t->max_certs >= 0 && left > (size_t)s->t->max_certs) {
		enf_buf_printf(next_finding(&s->violations),
		               "%s %s %zu certificates, more than max-certs %ld", s->store,
		               left == total ? "holds" : "will still hold", left, s->t->max_certs);
	}
	plan->before = json_pack("{s:s, s:I, s:O, s:O, s:O, s:O}", "store", s->store, "count",
	                         (json_int_t)total, "misplaced", s->misplaced, "extras", s->extras,
	                         "duplicates", s->duplicates, "unreadable", s->unreadable);
	plan->after = json_pack("{s:s, s:I, s:O, s:O, s:O}", "store", s->store, "count",
	                        (json_int_t)left, "misplaced", s->left_misplaced, "extras",
	                        s->left_extras, "duplicates", s->duplicates);
	/* Only where there are some: a store of .Default alone is reported as it always was. */
	if (json_array_size(s->elsewhere)) {
		json_object_set(plan->before, "managed_elsewhere", s->elsewhere);
		json_object_set(plan->after, "managed_elsewhere", s->elsewhere);
	}
}

static int plan_trust_store(engine *e, const enf_resource *res, res_plan *plan)
{
	const enf_res_trust_store *t = &res->u.trust;
	ts_state s = {.t = t, .store = enf_store_name(t->store)};
	enf_cert_list list = {0}, ca = {0};
	enf_cert *const *parsed = NULL;
	size_t parsed_count = 0;
	unsigned char *allowed = NULL;
	allow_files files = {.e = e, .t = t, .failed = t->allow_count};
	enf_thread *reader = NULL;
	int rc = 0;
	if (enf_engine_cert_list(e, &list, t->store)) {
		enf_plan_fail_last(plan, "cannot read the store");
		goto done;
	}
	/* Whether a moved certificate was in CA already decides what its rollback takes out. */
	if (t->store == ENF_STORE_ROOT && t->misplaced == ENF_MISPLACED_MOVE &&
	    enf_engine_cert_list(e, &ca, ENF_STORE_CA)) {
		enf_plan_fail_last(plan,
		                   "cannot read the CA store, where misplaced certificates go");
		goto done;
	}
	s.entries = calloc(list.count ? list.count : 1, sizeof(ts_entry));
	s.misplaced = json_array();
	s.extras = json_array();
	s.duplicates = json_array();
	s.unreadable = json_array();
	s.elsewhere = json_array();
	s.left_misplaced = json_array();
	s.left_extras = json_array();
	if (!s.entries || !s.misplaced || !s.extras || !s.duplicates || !s.unreadable ||
	    !s.elsewhere || !s.left_misplaced || !s.left_extras) {
		rc = enf_error_oom();
		goto done;
	}
	if (t->has_allow) {
		files.data = calloc(t->allow_count ? t->allow_count : 1, sizeof(char *));
		files.len = calloc(t->allow_count ? t->allow_count : 1, sizeof(size_t));
		if (!files.data || !files.len) {
			rc = enf_error_oom();
			goto done;
		}
		size_t n_files = 0;
		for (size_t i = 0; i < t->allow_count; i++)
			n_files += !t->allow[i].is_thumbprint;
		if (n_files >= ALLOW_FILES_THREAD_MIN)
			reader = enf_thread_run(read_allow_files, &files);
		else
			read_allow_files(&files);
	}
	/* Parsed as the list was read: entry i of one is entry i of the other. */
	rc = enf_engine_cert_parsed(e, &parsed, &parsed_count, t->store);
	enf_thread_join(reader);
	reader = NULL;
	if (rc)
		goto done;
	for (; s.count < list.count; s.count++) {
		ts_entry *en = &s.entries[s.count];
		en->raw = &list.items[s.count];
		if (s.count < parsed_count && parsed[s.count]) /* else reported as unreadable */
			en->cert = enf_cert_ref(parsed[s.count]);
	}
	if ((rc = index_entries(&s)))
		goto done;
	if (t->has_allow &&
	    ((rc = allowed_thumbprints(&s, &files, &allowed, plan)) || plan->failed))
		goto done;
	if ((rc = classify(e, &s, plan, &ca, allowed)))
		goto done;
	mark_copies(&s);
	find_copies(&s);
	find_duplicates(&s);
	finish(&s, plan);
	if (s.violations.failed || s.notes.failed) {
		rc = enf_error_oom();
		goto done;
	}
	/*
	 * Violations fail the resource. With changes planned they are only the
	 * message: the changes are still made, and the verification after them
	 * finds the violations and fails the resource then.
	 */
	if (s.violations.len && s.notes.len)
		enf_buf_printf(&s.violations, "; %s", s.notes.ptr);
	if (s.violations.len && plan->count == 0) {
		enf_plan_fail(plan, "%s", s.violations.ptr);
		plan->finding = 1;
	} else if (s.violations.len || s.notes.len)
		plan->message = enf_strdup(s.violations.len ? s.violations.ptr : s.notes.ptr);
done:
	enf_thread_join(reader);
	allow_files_clear(&files);
	for (size_t i = 0; i < s.count; i++) {
		enf_cert_free(s.entries[i].cert);
		free(s.entries[i].label);
	}
	free(s.entries);
	json_decref(s.misplaced);
	json_decref(s.extras);
	json_decref(s.duplicates);
	json_decref(s.unreadable);
	json_decref(s.elsewhere);
	json_decref(s.left_misplaced);
	json_decref(s.left_extras);
	enf_buf_clear(&s.violations);
	enf_buf_clear(&s.notes);
	free(allowed);
	free(s.readable);
	free(s.same_sha1);
	free(s.copy);
	enf_cert_list_clear(&list);
	enf_cert_list_clear(&ca);
	return rc;
}
static const change_ops *const changes[] = {&enf_change_cert_move, &enf_change_cert_remove, NULL};

const engine_type enf_engine_type_trust_store = {
    .caps = ENF_CAP_CERTS,
    .plan = plan_trust_store,
    .changes = changes,
};
