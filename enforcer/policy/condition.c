/*
 * What a `when:` test means (docs/POLICY.md, "Facts and conditions"): the
 * engine evaluates conditions with it against the target's facts, and
 * `validate --lint` with it finds conditions that can never hold together.
 */
#include "enforcer/policy.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Compares dotted numbers ("6.3" < "10.0", "9600" > "7601"); strcmp-like. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long long x = 0, y = 0;
		while (isdigit((unsigned char)*a))
			x = x * 10 + (unsigned long long)(*a++ - '0');
		while (isdigit((unsigned char)*b))
			y = y * 10 + (unsigned long long)(*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b)))
			return strcmp(a, b);
	}
	return 0;
}

static int is_number(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return 0;
	return 1;
}

/* Equality: numbers and versions by value, everything else case-insensitively. */
static int values_equal(const char *fact, const char *want)
{
	if (is_number(fact) && is_number(want))
		return version_cmp(fact, want) == 0;
	return enf_strcaseeq(fact, want);
}

int enf_condition_holds(const enf_condition *c, const char *value)
{
	if (!value)
		return c->op == ENF_CMP_NE;
	switch (c->op) {
	case ENF_CMP_EQ:
		return values_equal(value, c->values[0]);
	case ENF_CMP_NE:
		return !values_equal(value, c->values[0]);
	case ENF_CMP_IN:
		for (size_t i = 0; i < c->count; i++)
			if (values_equal(value, c->values[i]))
				return 1;
		return 0;
	default:
		if (!is_number(value))
			return 0;
		int cmp = version_cmp(value, c->values[0]);
		return c->op == ENF_CMP_GE   ? cmp >= 0
		       : c->op == ENF_CMP_GT ? cmp > 0
		       : c->op == ENF_CMP_LE ? cmp <= 0
		                             : cmp < 0;
	}
}
