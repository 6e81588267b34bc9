/* Helpers every provider and the engine share: freeing results, facts. */
#include "enforcer/provider.h"
#include "util/util.h"
#include "enforcer/errors.h"

#include <stdlib.h>
#include <string.h>

void enf_cert_list_clear(enf_cert_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].der);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

const char *enf_phys_store_name(enf_phys_store phys)
{
	static const char *const names[ENF_PHYS__COUNT] = {
	    ".Default", ".GroupPolicy", ".Enterprise", ".AuthRoot", ".SmartCard"};
	return (unsigned)phys < ENF_PHYS__COUNT ? names[phys] : "?";
}

/*
 * "System Store Locations" lists LocalMachine Root with .Default, .AuthRoot,
 * .GroupPolicy, .Enterprise and .SmartCard, CA with .Default, .GroupPolicy
 * and .Enterprise, MY with .Default; the page names no others, so the other
 * stores are taken as .Default alone.
 */
int enf_phys_store_in(enf_store store, enf_phys_store phys)
{
	if ((unsigned)phys >= ENF_PHYS__COUNT)
		return 0;
	if (store == ENF_STORE_ROOT)
		return 1;
	if (store == ENF_STORE_CA)
		return phys <= ENF_PHYS_ENTERPRISE;
	return phys == ENF_PHYS_DEFAULT;
}

void enf_key_acl_clear(enf_key_acl *acl)
{
	if (!acl)
		return;
	for (size_t i = 0; i < acl->count; i++) {
		free(acl->items[i].account);
		free(acl->items[i].sid);
	}
	free(acl->items);
	free(acl->sddl);
	memset(acl, 0, sizeof(*acl));
}

int enf_key_mask_covers(uint32_t mask, enf_key_rights rights)
{
	/* Grants are written as GENERIC_ALL/GENERIC_READ; key files show file rights. */
	const uint32_t generic_all = 0x10000000u, generic_read = 0x80000000u;
	const uint32_t file_all = 0x001F01FFu, file_read = 0x00120089u;
	int full = (mask & generic_all) || (mask & file_all) == file_all;
	if (rights == ENF_RIGHTS_FULL)
		return full;
	return full || (mask & generic_read) || (mask & file_read) == file_read;
}

void enf_service_info_clear(enf_service_info *info)
{
	if (!info)
		return;
	free(info->name);
	free(info->display_name);
	free(info->description);
	free(info->logon);
	free(info->running_as);
	free(info->running_as_unknown);
	memset(info, 0, sizeof(*info));
}

const char *enf_facts_get(const enf_facts *facts, const char *name)
{
	for (size_t i = 0; i < facts->count; i++)
		if (strcmp(facts->items[i].name, name) == 0)
			return facts->items[i].value;
	return NULL;
}

int enf_facts_set(enf_facts *facts, const char *name, const char *value)
{
	char *v = enf_strdup(value);
	if (!v)
		return enf_error_oom();
	for (size_t i = 0; i < facts->count; i++) {
		if (strcmp(facts->items[i].name, name) == 0) {
			free(facts->items[i].value);
			facts->items[i].value = v;
			return 0;
		}
	}
	enf_fact *items = realloc(facts->items, (facts->count + 1) * sizeof(enf_fact));
	char *n = enf_strdup(name);
	if (!items || !n) {
		if (items)
			facts->items = items;
		free(n);
		free(v);
		return enf_error_oom();
	}
	facts->items = items;
	facts->items[facts->count].name = n;
	facts->items[facts->count].value = v;
	facts->count++;
	return 0;
}

void enf_facts_clear(enf_facts *facts)
{
	if (!facts)
		return;
	for (size_t i = 0; i < facts->count; i++) {
		free(facts->items[i].name);
		free(facts->items[i].value);
	}
	free(facts->items);
	memset(facts, 0, sizeof(*facts));
}

void enf_right_holders_clear(enf_right_holders *holders)
{
	if (!holders)
		return;
	for (size_t i = 0; i < holders->count; i++) {
		free(holders->items[i].sid);
		free(holders->items[i].name);
	}
	free(holders->items);
	memset(holders, 0, sizeof(*holders));
}
