/* The Linux build has no local Windows machine to manage. */
#include "providers.h"

#include <stddef.h>

const enf_provider *enf_provider_local(void)
{
	return NULL;
}
