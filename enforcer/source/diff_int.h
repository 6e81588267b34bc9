/* Internal to `policy diff`: the model as JSON (policy_json.c) and the comparison (diff.c). */
#ifndef ENFORCER_DIFF_INT_H
#define ENFORCER_DIFF_INT_H

#include "enforcer/source.h"

#include <jansson.h>

/* One resource's keys and values, as a policy writes them; unset keys left out. */
json_t *diff_resource_json(const enf_resource *r);

/* The policy-level keys: name, description, when. */
json_t *diff_policy_json(const enf_policy *p);

#endif
