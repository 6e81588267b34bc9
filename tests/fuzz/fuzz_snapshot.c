/*
 * libFuzzer harness for the snapshot provider. Each input is written to one
 * temporary file (made once per process) and opened as --target
 * snapshot:FILE. When it opens, the harness reads it as the engine does (the
 * facts, every store, every registry value and service the document names,
 * the accounts, the private keys' permissions) and then changes it through
 * the provider, as apply and rollback do. Besides crashes, leaks and undefined
 * behaviour it aborts when the provider breaks its contract: a document it
 * changed must still be a snapshot it would open (docs/snapshot.md), or the
 * next run could not read the machine.
 *
 * Build and run: see docs/benchmarks.md, section "Fuzzing".
 */
#include "enforcer/errors.h"
#include "enforcer/provider.h"
#include "fuzz_file.h"
#include "provider/snapshot.h"
#include "util/util.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_registry(const enf_provider *p, void *self, const json_t *registry)
{
	const char *key;
	json_t *values;
	json_object_foreach((json_t *)registry, key, values)
	{
		char **names = NULL;
		size_t count = 0;
		if (p->reg_values(&names, &count, self, key) == 0) {
			for (size_t i = 0; i < count; i++) {
				enf_reg_value v = {0};
				if (p->reg_get(&v, self, key, names[i]) == 0)
					enf_reg_value_clear(&v);
				free(names[i]);
			}
			free(names);
		}
		/* Change one value and remove another, as apply and rollback do. */
		enf_reg_value dword = {.type = ENF_REG_DWORD, .number = 2};
		p->reg_set(self, key, "EnableSessionTicket", &dword);
		const char *first = NULL;
		json_t *v;
		json_object_foreach(values, first, v)
		{
			break;
		}
		if (first)
			p->reg_delete(self, key, first);
	}
}

static void use_services(const enf_provider *p, void *self, const json_t *services)
{
	const char *name;
	json_t *s;
	json_object_foreach((json_t *)services, name, s)
	{
		enf_service_info info = {0};
		if (p->svc_get(&info, self, name) == 0)
			enf_service_info_clear(&info);
		char *sid = NULL;
		if (p->account_sid(&sid, self, name) == 0)
			free(sid);
		enf_service_change c = {"NT AUTHORITY\\LocalService", "", ENF_STARTUP_MANUAL};
		p->svc_configure(self, name, &c);
		p->svc_stop(self, name, 1000);
		p->svc_start(self, name, 1000);
	}
}

static void use_stores(const enf_provider *p, void *self)
{
	for (int s = 0; s < ENF_STORE__COUNT; s++) {
		enf_cert_list list = {0};
		if (p->cert_list(&list, self, (enf_store)s))
			continue;
		for (size_t i = 0; i < list.count; i++) {
			enf_cert_entry *e = &list.items[i];
			enf_key_acl acl = {0};
			if (p->key_acl_get(&acl, self, (enf_store)s, e->thumbprint) == 0) {
				char *sddl = acl.sddl ? strdup(acl.sddl) : NULL;
				enf_key_acl_clear(&acl);
				p->key_acl_grant(self, (enf_store)s, e->thumbprint,
				                 "NT AUTHORITY\\NetworkService", ENF_RIGHTS_READ);
				p->key_acl_restore(self, (enf_store)s, e->thumbprint, sddl);
				free(sddl);
			}
		}
		/* Move the first certificate to the next store, as a misplaced one is. */
		if (list.count) {
			enf_store next = (enf_store)((s + 1) % ENF_STORE__COUNT);
			if (p->cert_add(self, next, list.items[0].der, list.items[0].der_len) == 0)
				p->cert_remove(self, (enf_store)s, list.items[0].thumbprint);
		}
		enf_cert_list_clear(&list);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_file("snapshot", data, size);
	char *spec = path ? enf_asprintf("snapshot:%s", path) : NULL;
	enf_target *t = NULL;
	if (!spec || enf_target_open(&t, spec) != 0) {
		enf_error_clear();
		free(spec);
		return 0;
	}
	free(spec);
	const enf_provider *p = t->provider;
	snapshot *s = t->self;
	enf_facts facts = {0};
	if (p->facts(&facts, t->self) == 0)
		enf_facts_clear(&facts);
	/* The names to ask for come from the document, as a policy would name them. */
	json_t *registry = json_deep_copy(json_object_get(s->doc, "registry"));
	json_t *services = json_deep_copy(json_object_get(s->doc, "services"));
	use_stores(p, t->self);
	read_registry(p, t->self, registry);
	use_services(p, t->self, services);
	json_decref(registry);
	json_decref(services);
	/* What commit() would write must open again. */
	char *text = json_dumps(s->doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_t *again = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!again || enf_snapshot_check(again, path) != 0)
		abort();
	json_decref(again);
	free(text);
	enf_target_close(t);
	enf_error_clear();
	return 0;
}
