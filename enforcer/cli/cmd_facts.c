/* enforcer facts: what a policy's `when:` conditions can test on a target. */
#include "cli.h"

#include "enforcer/errors.h"
#include "enforcer/provider.h"
#include "enforcer/types.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_facts_usage[] =
    "usage: enforcer facts [--target local|snapshot:FILE] [--format text|json]\n\n"
    "Shows the facts that 'when:' conditions test, as the target reports them:\n"
    "os.build, os.version, os.major, os.product (the Windows Server release,\n"
    "e.g. windows-server-2019), host.name, role (edge, front-end, director,\n"
    "mediation, unknown or none, from the RtcSrv service, the services beside it\n"
    "and the installed products), lync.version (the installed Lync or Skype for\n"
    "Business Server Core Components) and lync.product (lync-2013, sfb-2015,\n"
    "sfb-2019 or sfb-se); the text shows each product's name beside its\n"
    "version. A fact the target does not have is shown as absent; a condition\n"
    "on it fails except \"!= X\". Where they can be told, role.edition\n"
    "(standard or enterprise, of a Front End) and role.description (what\n"
    "RtcSrv says, when the role is unknown) follow. Nothing is changed.\n\n"
    "Options:\n"
    "  --target local|snapshot:FILE  the machine itself (default), or a state file\n"
    "  --format text|json            what goes to standard output\n\n"
    "Exit status: 0 shown, 1 usage error or the target cannot be read.\n";

/* The facts POLICY.md defines, shown in this order (absent ones too). */
static const char *const known[] = {"os.build",  "os.version", "os.major",     "os.product",
                                    "host.name", "role",       "lync.version", "lync.product"};

/* The fact whose product name is shown beside a fact's value: the version beside its product. */
static const char *product_fact_of(const char *fact)
{
	if (strcmp(fact, "os.build") == 0)
		return "os.product";
	if (strcmp(fact, "lync.version") == 0)
		return "lync.product";
	return NULL;
}

static int is_known(const char *name)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i], name) == 0)
			return 1;
	return 0;
}

static void print_text(const enf_facts *f)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *v = enf_facts_get(f, known[i]);
		const char *pf = product_fact_of(known[i]);
		const char *name = pf ? enf_product_name(pf, enf_facts_get(f, pf)) : NULL;
		if (v && name)
			cli_printf("%-13s %s (%s)\n", known[i], v, name);
		else
			cli_printf("%-13s %s\n", known[i], v ? v : "(absent)");
	}
	for (size_t i = 0; i < f->count; i++)
		if (!is_known(f->items[i].name))
			cli_printf("%-13s %s\n", f->items[i].name, f->items[i].value);
}

static void print_json(const enf_facts *f, const char *target)
{
	json_t *facts = json_object();
	for (size_t i = 0; i < f->count; i++)
		json_object_set_new(facts, f->items[i].name, json_string(f->items[i].value));
	json_t *doc = json_pack("{s:s, s:s, s:o}", "schema", "enforcer-facts/1", "target", target,
	                        "facts", facts);
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(doc);
}

int cmd_facts(int argc, char **argv)
{
	const char *target_spec = "local";
	int json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--target") == 0 || strcmp(a, "--format") == 0) && i + 1 >= argc) {
			cli_usage_error("facts", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		}
		if (strcmp(a, "--target") == 0) {
			target_spec = argv[++i];
		} else if (strcmp(a, "--format") == 0) {
			const char *f = argv[++i];
			if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0) {
				cli_usage_error("facts", "--format must be text or json, not '%s'",
				                f);
				return CLI_EXIT_ERROR;
			}
			json = strcmp(f, "json") == 0;
		} else {
			cli_usage_error("facts", "unexpected argument '%s'", a);
			return CLI_EXIT_ERROR;
		}
	}
	enf_target *target = NULL;
	enf_facts facts = {0};
	int exit_code = CLI_EXIT_ERROR;
	if (enf_target_open(&target, target_spec)) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (!target->provider->facts) {
		cli_fprintf(stderr, "enforcer: the %s target has no facts\n",
		            target->provider->name);
		goto done;
	}
	if (target->provider->facts(&facts, target->self)) {
		cli_print_last_error("cannot read the facts");
		goto done;
	}
	if (json)
		print_json(&facts, target_spec);
	else
		print_text(&facts);
	exit_code = CLI_EXIT_OK;
done:
	enf_facts_clear(&facts);
	enf_target_close(target);
	return exit_code;
}
