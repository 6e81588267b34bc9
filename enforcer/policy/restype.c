/*
 * The loader's resource-type table, built from ENF_RESOURCE_TYPES: the only
 * list of types, so a new type is one row there and its own files.
 */
#include "loader.h"
#include "restype.h"

#include <string.h>

#define ENF_X_ROW(upper, lower) [ENF_RES_##upper] = &enf_restype_##lower,
static const enf_restype *const types[ENF_RES__COUNT] = {ENF_RESOURCE_TYPES(ENF_X_ROW)};
#undef ENF_X_ROW

const enf_restype *enf_restype_of(enf_resource_type type)
{
	return (unsigned)type < ENF_RES__COUNT ? types[type] : NULL;
}

const char *enf_resource_type_name(enf_resource_type type)
{
	const enf_restype *t = enf_restype_of(type);
	return t ? t->name : "?";
}

const char *const *enf_restype_names(void)
{
	static const char *names[ENF_RES__COUNT + 1];
	if (!names[0])
		for (size_t i = 0; i < ENF_RES__COUNT; i++)
			names[i] = types[i]->name;
	return names;
}

enf_resource_type enf_restype_find(const char *name)
{
	for (size_t i = 0; i < ENF_RES__COUNT; i++)
		if (strcmp(types[i]->name, name) == 0)
			return (enf_resource_type)i;
	return ENF_RES__COUNT;
}

const char *enf_resource_file(const enf_resource *res, size_t i, enf_loc *loc)
{
	const enf_restype *t = enf_restype_of(res->type);
	*loc = res->loc;
	return t && t->file ? t->file(res, i, loc) : NULL;
}
