/*
 * A result's before and after states (enf_state in engine.h) are jansson
 * values: the engine builds them, the report and the tests read them. The
 * public header keeps them opaque; these two conversions are the only place
 * that knows what they are.
 */
#ifndef ENFORCER_ENGINE_STATE_H
#define ENFORCER_ENGINE_STATE_H

#include "enforcer/engine.h"

#include <jansson.h>

static inline json_t *enf_state_value(const enf_state *state)
{
	return (json_t *)(void *)(uintptr_t)state;
}

static inline enf_state *enf_state_of(json_t *value)
{
	return (enf_state *)(void *)value;
}

#endif
