/* The providers compiled into this build. */
#ifndef ENFORCER_PROVIDERS_H
#define ENFORCER_PROVIDERS_H

#include "enforcer/provider.h"

extern const enf_provider enf_provider_snapshot;

/*
 * The provider for "--target local": the Windows machine itself in the
 * Windows build (win32/), NULL in the Linux build (local_none.c).
 */
const enf_provider *enf_provider_local(void);

#endif
