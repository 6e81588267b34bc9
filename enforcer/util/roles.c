/*
 * The `role` fact (docs/POLICY.md, "Facts and conditions") from what a
 * server shows of its Lync or Skype for Business role: the RtcSrv service's
 * texts, the Mediation service, Standard Edition's own SQL Server instance
 * and the installed products' names. The win32 provider gathers the
 * evidence; the decision is here, so that the Linux tests check every role.
 * docs/windows-semantics.md names the Microsoft sources for each sign.
 */
#include "enforcer/errors.h"
#include "enforcer/types.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

/* A role description is the target's own text: kept short, as a fact's value should be. */
#define DESCRIPTION_MAX 200

/* 1 when an installed product is the Lync/SfB server role `part` ("..., Director"). */
static int has_product(const enf_role_evidence *e, const char *part)
{
	for (size_t i = 0; e->products && e->products[i]; i++) {
		const char *name = e->products[i];
		const char *comma = strrchr(name, ',');
		if (!comma || !(enf_contains_nocase(name, "Lync Server") ||
		                enf_contains_nocase(name, "Skype for Business Server")))
			continue;
		comma++;
		while (*comma == ' ')
			comma++;
		if (enf_strcaseeq(comma, part))
			return 1;
	}
	return 0;
}

/* 1 when RtcSrv's description or display name says `words`. */
static int rtcsrv_says(const enf_role_evidence *e, const char *words)
{
	return e->rtcsrv && (enf_contains_nocase(e->rtcsrv_description, words) ||
	                     enf_contains_nocase(e->rtcsrv_display_name, words));
}

/* "display name 'X', description 'Y'": what RtcSrv said, for role.description. */
static char *what_rtcsrv_says(const enf_role_evidence *e)
{
	const char *d = e->rtcsrv_display_name, *t = e->rtcsrv_description;
	char *s =
	    enf_asprintf("RtcSrv: display name '%s', description '%s'", d ? d : "", t ? t : "");
	if (s && strlen(s) > DESCRIPTION_MAX) {
		/* Cut on a character boundary: UTF-8 continuation bytes are 10xxxxxx. */
		size_t n = DESCRIPTION_MAX - 3;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		memcpy(s + n, "...", 4);
	}
	return s;
}

static const char *const role_values[] = {"edge",    "front-end", "director", "mediation",
                                          "unknown", "none",      NULL};
static const char *const edition_values[] = {"standard", "enterprise", NULL};

const char *const *enf_role_values(const char *fact)
{
	if (strcmp(fact, "role") == 0)
		return role_values;
	if (strcmp(fact, "role.edition") == 0)
		return edition_values;
	return NULL;
}

int enf_role_of(enf_role *out, const enf_role_evidence *e)
{
	enf_role r = {NULL, NULL, NULL};
	/*
	 * The most specific sign first: an Edge Server's RtcSrv is its Access
	 * Edge; a Director runs the Front End's RtcSrv without being one; a
	 * Front End collocates the Mediation service, so Mediation alone is a
	 * stand-alone Mediation Server.
	 */
	if (rtcsrv_says(e, "Access Edge") || has_product(e, "Edge Server"))
		r.role = "edge";
	else if (rtcsrv_says(e, "Director") || has_product(e, "Director"))
		r.role = "director";
	else if (rtcsrv_says(e, "Front-End") || rtcsrv_says(e, "Front End") ||
	         has_product(e, "Front End Server"))
		r.role = "front-end";
	else if (e->medsrv || has_product(e, "Mediation Server"))
		r.role = "mediation";
	else if (e->rtcsrv)
		r.role = "unknown";
	else
		r.role = "none";
	/* Standard Edition holds its pool's databases in its own instance, RTC; Enterprise
	 * Edition's Front Ends only the local ones (RTCLOCAL, LYNCLOCAL). */
	if (strcmp(r.role, "front-end") == 0 && e->sql_rtc)
		r.edition = "standard";
	else if (strcmp(r.role, "front-end") == 0 && e->sql_rtclocal)
		r.edition = "enterprise";
	if (strcmp(r.role, "unknown") == 0 && !(r.description = what_rtcsrv_says(e)))
		return enf_error_oom();
	*out = r;
	return 0;
}

unsigned enf_role_questions(const enf_role *role, const enf_role_evidence *e)
{
	if (strcmp(role->role, "front-end") == 0)
		return ENF_ROLE_ASK_SQL;
	if (strcmp(role->role, "unknown") == 0)
		return ENF_ROLE_ASK_MEDSRV;
	/* "none": a Mediation Server without RtcSrv still has a Lync/SfB server product. */
	for (size_t i = 0; strcmp(role->role, "none") == 0 && e->products && e->products[i]; i++)
		if (enf_contains_nocase(e->products[i], "Lync Server") ||
		    enf_contains_nocase(e->products[i], "Skype for Business Server"))
			return ENF_ROLE_ASK_MEDSRV;
	return 0;
}

void enf_role_clear(enf_role *role)
{
	if (!role)
		return;
	free(role->description);
	role->description = NULL;
}
