/*
 * The products the facts name (docs/POLICY.md, "Facts and conditions"):
 * `os.product`, the Windows Server release of a build, and `lync.product`,
 * the Lync or Skype for Business Server release installed. One table each,
 * for the win32 provider (which reads them), the policy loader and the
 * snapshot (which check a value against them) and `enforcer facts` (which
 * shows a product's name beside its version).
 */
#include "enforcer/types.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct product {
	const char *value; /* the fact's value, as conditions test it */
	const char *name;  /* as Microsoft names the product */
} product;

/* Windows Server releases by the build number each keeps for its life (docs/windows-semantics.md).
 */
static const struct {
	product p;
	unsigned long build;
} os_products[] = {
    {{"windows-server-2012", "Windows Server 2012"}, 9200},
    {{"windows-server-2012-r2", "Windows Server 2012 R2"}, 9600},
    {{"windows-server-2016", "Windows Server 2016"}, 14393},
    {{"windows-server-2019", "Windows Server 2019"}, 17763},
    {{"windows-server-2022", "Windows Server 2022"}, 20348},
    {{"windows-server-2025", "Windows Server 2025"}, 26100},
};

/*
 * Lync and Skype for Business Server releases, by the words of their
 * installed products' names and the first part of their versions. 2019
 * and Subscription Edition share the 7.0.2046 version line, so only the
 * name tells them apart.
 */
static const struct {
	product p;
	const char *words;
	const char *major; /* NULL: the version alone does not tell */
} lync_products[] = {
    {{"lync-2013", "Lync Server 2013"}, "Lync Server 2013", "5"},
    {{"sfb-2015", "Skype for Business Server 2015"}, "Skype for Business Server 2015", "6"},
    {{"sfb-2019", "Skype for Business Server 2019"}, "Skype for Business Server 2019", NULL},
    {{"sfb-se", "Skype for Business Server Subscription Edition"}, "Subscription Edition", NULL},
};

static const char *const os_values[] = {"windows-server-2012",
                                        "windows-server-2012-r2",
                                        "windows-server-2016",
                                        "windows-server-2019",
                                        "windows-server-2022",
                                        "windows-server-2025",
                                        NULL};
static const char *const lync_values[] = {"lync-2013", "sfb-2015", "sfb-2019", "sfb-se", NULL};

const char *const *enf_product_values(const char *fact)
{
	if (strcmp(fact, "os.product") == 0)
		return os_values;
	if (strcmp(fact, "lync.product") == 0)
		return lync_values;
	return NULL;
}

const char *enf_product_name(const char *fact, const char *value)
{
	if (!fact || !value)
		return NULL;
	if (strcmp(fact, "os.product") == 0) {
		for (size_t i = 0; i < ENF_ARRAY_SIZE(os_products); i++)
			if (enf_strcaseeq(os_products[i].p.value, value))
				return os_products[i].p.name;
	} else if (strcmp(fact, "lync.product") == 0) {
		for (size_t i = 0; i < ENF_ARRAY_SIZE(lync_products); i++)
			if (enf_strcaseeq(lync_products[i].p.value, value))
				return lync_products[i].p.name;
	}
	return NULL;
}

const char *enf_os_product_of_build(unsigned long build)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(os_products); i++)
		if (os_products[i].build == build)
			return os_products[i].p.value;
	return NULL;
}

const char *enf_lync_product_of(const char *display_name, const char *version)
{
	/* Subscription Edition first: its name may well carry "2019" words too. */
	for (size_t i = ENF_ARRAY_SIZE(lync_products); i-- > 0;)
		if (display_name && enf_contains_nocase(display_name, lync_products[i].words))
			return lync_products[i].p.value;
	if (!version)
		return NULL;
	size_t n = strspn(version, "0123456789");
	for (size_t i = 0; i < ENF_ARRAY_SIZE(lync_products); i++) {
		const char *major = lync_products[i].major;
		if (major && n == strlen(major) && strncmp(version, major, n) == 0 &&
		    version[n] == '.')
			return lync_products[i].p.value;
	}
	return NULL;
}
