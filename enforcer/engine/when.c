/* Evaluating `when:` conditions against the target's facts. */
#include "engine_int.h"

#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_words[] = {"==", "!=", ">=", ">", "<=", "<", "in"};

int enf_when_holds(const enf_when *when, const enf_facts *facts, char **why)
{
	for (size_t i = 0; i < when->count; i++) {
		const enf_condition *c = &when->items[i];
		const char *value = enf_facts_get(facts, c->fact);
		if (enf_condition_holds(c, value))
			continue;
		if (why) {
			enf_buf b = ENF_BUF_INIT;
			for (size_t k = 0; k < c->count; k++)
				enf_buf_printf(&b, "%s%s", k ? ", " : "", c->values[k]);
			if (!value)
				*why = enf_asprintf(
				    "%s is not known on this target (the condition is %s %s)",
				    c->fact, op_words[c->op], b.ptr ? b.ptr : "");
			else
				*why = enf_asprintf(
				    "%s is %s, and the condition is %s %s%s%s", c->fact, value,
				    op_words[c->op], c->op == ENF_CMP_IN ? "[" : "",
				    b.ptr ? b.ptr : "", c->op == ENF_CMP_IN ? "]" : "");
			enf_buf_clear(&b);
		}
		return 0;
	}
	return 1;
}
