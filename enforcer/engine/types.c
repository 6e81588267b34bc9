/*
 * The engine's resource-type table, built from ENF_RESOURCE_TYPES (policy.h):
 * planning, handlers and change kinds dispatch through it, never through a
 * switch on the type.
 */
#include "engine_int.h"

#include <string.h>

#define ENF_X_ROW(upper, lower) [ENF_RES_##upper] = &enf_engine_type_##lower,
static const engine_type *const types[ENF_RES__COUNT] = {ENF_RESOURCE_TYPES(ENF_X_ROW)};
#undef ENF_X_ROW

const engine_type *enf_engine_type_of(enf_resource_type type)
{
	return (unsigned)type < ENF_RES__COUNT ? types[type] : NULL;
}

const change_ops *enf_change_ops_find(const char *op)
{
	for (size_t t = 0; op && t < ENF_RES__COUNT; t++)
		for (const change_ops *const *k = types[t]->changes; k && *k; k++)
			if (strcmp((*k)->op, op) == 0)
				return *k;
	return NULL;
}
