/*
 * enforcer export: the current state of what is selected, or of what the
 * server is (its role's services, its Schannel and TLS keys, its Root and CA
 * stores), written as a v1 policy, to start a policy from a server that is
 * known to be good.
 *
 * What is written is export_write.c's and export_role.c's (export.h); the
 * result is loaded with the real policy loader before it is printed, so
 * export never prints a policy that `enforcer validate` rejects.
 */
#include "cli.h"
#include "export.h"

#include "enforcer/cert.h"
#include "enforcer/engine.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "enforcer/provider.h"
#include "enforcer/types.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_export_usage[] =
    "usage: enforcer export [--target local|snapshot:FILE] [--store STORE]...\n"
    "                       [--key HKLM\\PATH]... [--service NAME]... [--name NAME]\n"
    "                       [-o FILE]\n\n"
    "Writes the current state of what is selected as a v1 policy on standard\n"
    "output, to start a policy from a server that is right. Without a selection,\n"
    "the policy of what the server is, by its role fact: the role's services\n"
    "that are present (log-on account, startup, state), the values of the\n"
    "Schannel and TLS keys that exist, and Root and CA as trust stores whose\n"
    "allow lists are what they hold now; it validates, and a plan of it on the\n"
    "same server changes nothing. A selection is:\n"
    "  --store STORE     every certificate of a LocalMachine store (CA, My,\n"
    "                    TrustedPeople, TrustedPublisher, Disallowed), by thumbprint;\n"
    "                    Root: one trust-store resource allowing what it holds\n"
    "  --key HKLM\\PATH   every value of that registry key (not its subkeys), with\n"
    "                    its kind and data\n"
    "  --service NAME    the service's log-on account, startup and state; NAME may\n"
    "                    hold * and ? (RTC*: every service whose name starts with RTC)\n"
    "Each may be given several times. Passwords are never exported: a user\n"
    "account's password is written as password: env:VAR, a variable to set\n"
    "before apply. Review the result before committing it.\n\n"
    "Options:\n"
    "  --target local|snapshot:FILE  the machine itself (default), or a state file\n"
    "  --name NAME                   the policy's name (default: exported-HOST)\n"
    "  -o, --output FILE             write the policy to FILE (UTF-8, no byte-order\n"
    "                                mark, whatever the shell) instead of standard output\n\n"
    "Exit status: 0 written, 1 usage error or the target cannot be opened,\n"
    "4 something selected, or the facts of a role export, could not be read\n"
    "(nothing is written).\n";

#define MAX_SELECTED 1000

/* "HKLM\A\B" from "HKLM\A\B" or "HKEY_LOCAL_MACHINE\A\B"; NULL when a policy could not name it. */
static char *normal_key(const char *key)
{
	const char *rest = enf_starts_with_nocase(key, "HKLM\\")                 ? key + 5
	                   : enf_starts_with_nocase(key, "HKEY_LOCAL_MACHINE\\") ? key + 19
	                                                                         : NULL;
	if (!rest || !*rest || rest[strlen(rest) - 1] == '\\' || strstr(rest, "\\\\") ||
	    *rest == '\\')
		return NULL;
	for (const unsigned char *p = (const unsigned char *)rest; *p; p++)
		if (*p < 0x20)
			return NULL;
	return enf_asprintf("HKLM\\%s", rest);
}

/* The policy name for a host: "exported-edge01". */
static char *default_name(const char *host)
{
	enf_buf b = ENF_BUF_INIT;
	enf_buf_puts(&b, "exported");
	size_t before = b.len;
	enf_buf_puts(&b, "-");
	cli_pw_slug(&b, host ? host : "", 40);
	if (b.len == before + 1)
		b.len = before; /* a host name without a usable character */
	b.ptr[b.len] = '\0';
	return enf_buf_detach(&b);
}

typedef struct selection {
	const char *target;
	const char *output; /* -o FILE */
	const char *name;
	enf_store stores[MAX_SELECTED];
	size_t store_count;
	char *keys[MAX_SELECTED];
	size_t key_count;
	const char *services[MAX_SELECTED];
	size_t service_count;
} selection;

static int parse_args(selection *sel, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int takes = strcmp(a, "--target") == 0 || strcmp(a, "--store") == 0 ||
		            strcmp(a, "--key") == 0 || strcmp(a, "--service") == 0 ||
		            strcmp(a, "--name") == 0 || strcmp(a, "-o") == 0 ||
		            strcmp(a, "--output") == 0;
		if (!takes) {
			cli_usage_error("export", "unexpected argument '%s'", a);
			return -1;
		}
		if (i + 1 >= argc) {
			cli_usage_error("export", "%s needs a value", a);
			return -1;
		}
		const char *v = argv[++i];
		if (sel->store_count + sel->key_count + sel->service_count >= MAX_SELECTED) {
			cli_usage_error("export", "at most %d selections at once", MAX_SELECTED);
			return -1;
		}
		if (strcmp(a, "--target") == 0) {
			sel->target = v;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			sel->output = v;
		} else if (strcmp(a, "--name") == 0) {
			if (!cli_pw_valid_name(v)) {
				cli_usage_error(
				    "export",
				    "invalid policy name '%s': use lower-case letters, digits and '-', starting with a letter or digit",
				    v);
				return -1;
			}
			sel->name = v;
		} else if (strcmp(a, "--store") == 0) {
			if (enf_store_parse(&sel->stores[sel->store_count], v)) {
				cli_usage_error(
				    "export",
				    "'%s' is not a store: use Root, CA, My, TrustedPeople, TrustedPublisher or Disallowed",
				    v);
				return -1;
			}
			sel->store_count++;
		} else if (strcmp(a, "--key") == 0) {
			if (!(sel->keys[sel->key_count] = normal_key(v))) {
				cli_usage_error(
				    "export",
				    "'%s' is not a registry key under HKLM\\ (no empty parts, no trailing '\\')",
				    v);
				return -1;
			}
			sel->key_count++;
		} else {
			sel->services[sel->service_count++] = v;
		}
	}
	return 0;
}

/* A service name against a pattern with * and ?, case-insensitively as the SCM compares names. */
static int name_like(const char *pattern, const char *name)
{
	for (;; pattern++, name++) {
		if (*pattern == '*') {
			while (*pattern == '*')
				pattern++;
			if (!*pattern)
				return 1;
			for (; *name; name++)
				if (name_like(pattern, name))
					return 1;
			return 0;
		}
		if (!*name || !*pattern)
			return !*name && !*pattern;
		char p = *pattern, c = *name;
		p = (char)(p >= 'a' && p <= 'z' ? p - 32 : p);
		c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		if (p != '?' && p != c)
			return 0;
	}
}

/* --service RTC*: every service whose name matches; none is an error, as a missing name is. */
static int export_services_like(cli_exporter *x, const char *pattern)
{
	char **names = NULL;
	size_t count = 0, matched = 0;
	const enf_provider *p = x->target->provider;
	int rc = p->svc_list ? p->svc_list(&names, &count, x->target->self) : 0;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		if (!name_like(pattern, names[i]))
			continue;
		matched++;
		rc = cli_export_service(x, names[i]);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && matched == 0) {
		enf_error_set(ENF_ERRCLASS_PROVIDER, "no service name matches '%s'", pattern);
		rc = ENF_ENOTFOUND;
	}
	return rc;
}

/* "an Edge Server (Skype for Business Server 2019 on Windows Server 2019)", for the description. */
static char *what_it_is(const enf_facts *facts)
{
	const char *role = enf_facts_get(facts, "role");
	const char *lync = enf_product_name("lync.product", enf_facts_get(facts, "lync.product"));
	const char *os = enf_product_name("os.product", enf_facts_get(facts, "os.product"));
	const char *edition = enf_facts_get(facts, "role.edition");
	const char *kind =
	    !role                       ? "a server whose role is unknown"
	    : strcmp(role, "edge") == 0 ? "an Edge Server"
	    : strcmp(role, "front-end") == 0
	        ? (!edition                           ? "a Front End Server"
	           : strcmp(edition, "standard") == 0 ? "a Standard Edition Server"
	                                              : "an Enterprise Edition Front End Server")
	    : strcmp(role, "director") == 0  ? "a Director"
	    : strcmp(role, "mediation") == 0 ? "a Mediation Server"
	    : strcmp(role, "unknown") == 0   ? "a server whose role is unknown"
	                                     : "a server with no Lync role";
	return enf_asprintf("%s%s%s%s%s%s", kind, lync || os ? " (" : "", lync ? lync : "",
	                    lync && os ? " on " : "", os ? os : "", lync || os ? ")" : "");
}

int cmd_export(int argc, char **argv)
{
	selection sel;
	cli_exporter x = {{ENF_BUF_INIT, NULL, 0, 0}, NULL};
	enf_facts facts = {0};
	char *name = NULL, *description = NULL;
	int exit_code = CLI_EXIT_ERROR, rc = 0;
	memset(&sel, 0, sizeof(sel));
	sel.target = "local";
	if (parse_args(&sel, argc, argv))
		goto done;
	int by_role = sel.store_count + sel.key_count + sel.service_count == 0;
	if (enf_target_open(&x.target, sel.target)) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (x.target->provider->facts && x.target->provider->facts(&facts, x.target->self)) {
		/* The role decides what a role export holds: without facts there is none to trust.
		 */
		if (by_role) {
			cli_print_last_error(
			    "cannot read the facts, which say what this server is");
			exit_code = CLI_EXIT_FAILURES;
			goto done;
		}
		enf_error_clear(); /* the host name is only for the header */
	}
	const char *host = enf_facts_get(&facts, "host.name");
	const char *role = enf_facts_get(&facts, "role");
	name = sel.name ? enf_strdup(sel.name) : default_name(host);
	char *origin = enf_asprintf("%s (host %s)", sel.target, host ? host : "unknown");
	char *what = by_role ? what_it_is(&facts) : NULL;
	description = origin && (what || !by_role)
	                  ? enf_asprintf("The state of %s when it was exported%s%s", origin,
	                                 by_role ? ": " : "", by_role ? what : "")
	                  : NULL;
	if (!name || !origin || !description) {
		free(origin);
		free(what);
		cli_fprintf(stderr, "enforcer: out of memory\n");
		goto done;
	}
	enf_buf_printf(&x.w.out, "# Exported by enforcer %s from ", ENF_VERSION);
	cli_pw_text(&x.w.out, origin, 0);
	free(origin);
	free(what);
	enf_buf_puts(&x.w.out,
	             ".\n# Review it before use. Passwords are never exported.\nenforcer: 1\n");
	enf_buf_printf(&x.w.out, "name: \"%s\"\n", name);
	rc = cli_pw_key_string(&x.w, "", "description", description);
	/* A role's policy is for servers of that role. */
	if (rc == 0 && by_role && role && strcmp(role, "none") != 0 && strcmp(role, "unknown") != 0)
		enf_buf_printf(&x.w.out, "when:\n  role: \"%s\"\n", role);
	enf_buf_puts(&x.w.out, "resources:\n");
	if (rc == 0 && by_role)
		rc = cli_export_role(&x, role);
	for (size_t i = 0; rc == 0 && i < sel.store_count; i++)
		rc = sel.stores[i] == ENF_STORE_ROOT ? cli_export_trust_store(&x, sel.stores[i])
		                                     : cli_export_store(&x, sel.stores[i]);
	for (size_t i = 0; rc == 0 && i < sel.key_count; i++)
		rc = cli_export_key(&x, sel.keys[i], 1, 0);
	for (size_t i = 0; rc == 0 && i < sel.service_count; i++)
		rc = strpbrk(sel.services[i], "*?") ? export_services_like(&x, sel.services[i])
		                                    : cli_export_service(&x, sel.services[i]);
	if (rc == 0 && x.w.id_count == 0)
		enf_buf_puts(&x.w.out,
		             "  []\n"); /* only comments so far: an empty list, not null */
	if (rc == 0 && x.w.out.failed)
		rc = enf_error_oom();
	if (rc) {
		cli_print_last_error("cannot export");
		exit_code = rc == ENF_ENOMEM ? CLI_EXIT_ERROR : CLI_EXIT_FAILURES;
		goto done;
	}
	if (cli_pw_check(&x.w, "exported")) {
		cli_print_last_error(NULL);
		goto done;
	}
	/*
	 * -o: the bytes as they are. PowerShell 5's '>' would write UTF-16 with a
	 * byte-order mark, which a policy is not. Written whole or not at all.
	 */
	if (sel.output && enf_write_file_atomic(sel.output, x.w.out.ptr, x.w.out.len)) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (!sel.output) {
		fputs(x.w.out.ptr, stdout);
		fflush(stdout);
	}
	exit_code = CLI_EXIT_OK;
done:
	cli_pw_clear(&x.w);
	for (size_t i = 0; i < sel.key_count; i++)
		free(sel.keys[i]);
	enf_facts_clear(&facts);
	enf_target_close(x.target);
	free(name);
	free(description);
	return exit_code;
}
