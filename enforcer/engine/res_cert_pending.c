/* TEMPORARY (not for commit): replaced by the certificate module. */
#include "engine_int.h"
int plan_trust_store(engine *e, const enf_resource *res, res_plan *plan)
{
	(void)e; (void)res;
	plan_fail(plan, "trust-store pending");
	return 0;
}
int plan_cert_checks(engine *e, const enf_resource *res, const unsigned char thumbprint[20],
		     const enf_cert_entry *found, res_plan *plan)
{
	(void)e; (void)res; (void)thumbprint; (void)found; (void)plan;
	return 0;
}
