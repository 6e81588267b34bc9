/* Internal to the renderers: reading report.json fields and escaping markup. */
#ifndef ENFORCER_RENDER_INT_H
#define ENFORCER_RENDER_INT_H

#include "util/util.h"

#include <jansson.h>

/* A string member, or "" when absent or not a string. */
const char *rj_str(const json_t *o, const char *key);

/* An integer member, or 0. */
long long rj_num(const json_t *o, const char *key);

/*
 * Appends text escaped for HTML and XML alike: & < > " ' as entities, and
 * the control characters XML 1.0 forbids dropped (a registry value may hold
 * any of them).
 */
void rj_escape(enf_buf *b, const char *s);

#endif
