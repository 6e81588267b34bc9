/* The Linux build has no Windows event log. */
#include "enforcer/render.h"

int enf_event_write(const enf_event *ev)
{
	(void)ev;
	return 0;
}
