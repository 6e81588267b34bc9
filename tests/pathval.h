/*
 * What the path validation tests share (test_pathval.c and
 * test_pathval_engine.c): the second every verdict is made at, a trust
 * anchor with a CA under it, and how their certificates are issued.
 */
#ifndef ENFORCER_TEST_PATHVAL_H
#define ENFORCER_TEST_PATHVAL_H

#include "pki.h"

/* Every verdict is made at this second: a Friday afternoon in 2030. */
#define PV_AT ((time_t)(pki_date(2030, 3, 15) + 13 * 3600 + 14 * 60 + 15))

/* "Pathval Trust Anchor" (self-signed CA) and "Pathval Good CA" under it. */
extern pki_cert *pv_ta, *pv_good;

/* Issues with an EC key (fast) and a validity of 2020 to 2049 unless given. */
pki_cert *pv_issue(pki_opts o, const pki_cert *issuer);

/* The suites' .init and .fini: make pv_ta and pv_good; free them and the test's folders. */
void pv_init(void);
void pv_fini(void);

#endif
