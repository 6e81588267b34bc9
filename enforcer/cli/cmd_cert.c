/*
 * enforcer cert inspect FILE | --store S, and enforcer cert find-serial:
 * what certlm.msc shows, plus what it does not (the serial the way event
 * logs print it), from a file, a store of a snapshot or the machine itself.
 */
#include "cli.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"
#include "enforcer/provider.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_cert_usage[] =
    "usage: enforcer cert inspect FILE [--format text|json]\n"
    "       enforcer cert inspect --store STORE [--target local|snapshot:FILE] [--format text|json]\n"
    "       enforcer cert find-serial SERIAL [--target local|snapshot:FILE] [--format text|json]\n\n"
    "inspect shows every certificate of a PEM, DER or PKCS#7 file, or of one\n"
    "LocalMachine store (Root, CA, My, TrustedPeople, TrustedPublisher,\n"
    "Disallowed): thumbprint (SHA-1, as Windows shows it), SHA-256, serial as\n"
    "stored and byte-reversed, subject, issuer, self-signed, CA and path length,\n"
    "EKU, key, validity, the DNS names of the subject alternative name, and the\n"
    "certificate template a Microsoft CA wrote (name and/or OID).\n\n"
    "find-serial looks for a serial number in every LocalMachine store of the\n"
    "target and says which form matched: as written, byte-reversed (as Lync\n"
    "event logs print it) or character-reversed. Spaces, colons and lower case\n"
    "are fine: '25 20 bf 7a fc 41 78'.\n\n"
    "Options:\n"
    "  --target local|snapshot:FILE  the machine itself (default), or a state file\n"
    "  --store STORE                 inspect: the store to list\n"
    "  --format text|json            what goes to standard output\n\n"
    "Exit status: 0 shown or found, 1 not found, usage error or unreadable input.\n";

/* The SAN's DNS names and the template, in JSON; an unreadable one is an error text. */
static void names_json(json_t *o, const enf_cert *c)
{
	enf_cert_dns dns;
	enf_cert_template t;
	if (enf_cert_dns_get(&dns, c) == 0) {
		json_t *list = json_array();
		for (size_t k = 0; k < dns.san_count; k++)
			json_array_append_new(list, json_string(dns.san[k]));
		json_object_set_new(o, "san_dns", list);
		enf_cert_dns_clear(&dns);
	} else {
		json_object_set_new(o, "san_dns", json_null());
		json_object_set_new(o, "san_error", json_string(enf_error_last()->message));
	}
	if (enf_cert_template_get(&t, c)) {
		json_object_set_new(o, "template", json_null());
		json_object_set_new(o, "template_error", json_string(enf_error_last()->message));
	} else if (!t.name && !t.oid) {
		json_object_set_new(o, "template", json_null());
	} else {
		json_t *j = json_object();
		json_object_set_new(j, "name", t.name ? json_string(t.name) : json_null());
		json_object_set_new(j, "oid", t.oid ? json_string(t.oid) : json_null());
		json_object_set_new(j, "major", t.major >= 0 ? json_integer(t.major) : json_null());
		json_object_set_new(j, "minor", t.minor >= 0 ? json_integer(t.minor) : json_null());
		json_object_set_new(o, "template", j);
	}
	enf_cert_template_clear(&t);
	enf_error_clear();
}

static void print_names(const enf_cert *c)
{
	enf_cert_dns dns;
	enf_cert_template t;
	if (enf_cert_dns_get(&dns, c) == 0) {
		cli_printf("SAN DNS:      ");
		for (size_t k = 0; k < dns.san_count; k++)
			cli_printf("%s%s", k ? ", " : "", dns.san[k]);
		cli_printf("%s\n", dns.san_count ? "" : "none");
		enf_cert_dns_clear(&dns);
	} else {
		cli_printf("SAN DNS:      %s\n", enf_error_last()->message);
	}
	if (enf_cert_template_get(&t, c) == 0) {
		char *text = enf_cert_template_text(&t);
		cli_printf("Template:     %s\n", text ? text : "?");
		free(text);
	} else {
		cli_printf("Template:     %s\n", enf_error_last()->message);
	}
	enf_cert_template_clear(&t);
	enf_error_clear();
}

static json_t *cert_json(const enf_cert *c, int64_t now)
{
	const enf_cert_info *i = enf_cert_info_get(c);
	json_t *eku = json_array();
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:s, s:b, s:{s:s, s:i},"
	    " s:s, s:s, s:I, s:s, s:i}",
	    "thumbprint", i->thumbprint, "sha256", i->sha256_hex, "serial", i->serial,
	    "serial_byte_reversed", i->serial_reversed, "serial_char_reversed",
	    i->serial_char_reversed, "subject", i->subject, "issuer", i->issuer, "name", i->name,
	    "self_signed", i->self_signed, "ca", i->is_ca, "path_length",
	    i->path_len >= 0 ? json_integer(i->path_len) : json_null(), "eku_text", i->eku_text,
	    "eku_any", i->eku_any, "key", "type", i->key_type, "bits", i->key_bits, "not_before",
	    i->not_before_iso, "not_after", i->not_after_iso, "days_left",
	    (json_int_t)enf_cert_days_left(c, now), "signature_algorithm", i->signature_algorithm,
	    "version", i->version);
	/* The list form of the purposes, for scripts: the text split at ", ". */
	if (i->has_eku) {
		const char *p = i->eku_text;
		while (*p) {
			const char *end = strstr(p, ", ");
			size_t n = end ? (size_t)(end - p) : strlen(p);
			json_array_append_new(eku, json_stringn(p, n));
			p += n + (end ? 2 : 0);
		}
	}
	json_object_set_new(o, "eku", eku);
	names_json(o, c);
	return o;
}

static void print_cert(const enf_cert *c, int64_t now)
{
	const enf_cert_info *i = enf_cert_info_get(c);
	long days = enf_cert_days_left(c, now);
	cli_printf("Thumbprint:   %s\n", i->thumbprint);
	cli_printf("SHA-256:      %s\n", i->sha256_hex);
	cli_printf("Serial:       %s (byte-reversed, as event logs show it: %s)\n", i->serial,
	           i->serial_reversed);
	cli_printf("Subject:      %s\n", i->subject);
	cli_printf("Issuer:       %s\n", i->issuer);
	cli_printf(
	    "Self-signed:  %s\n",
	    i->self_signed ? "yes"
	    : i->self_issued
	        ? "no (issuer equals subject, but the signature does not verify with its own key)"
	        : "no");
	if (!i->is_ca)
		cli_printf("CA:           no\n");
	else if (i->path_len >= 0)
		cli_printf("CA:           yes, path length %ld\n", i->path_len);
	else
		cli_printf("CA:           yes, no path length limit\n");
	cli_printf("EKU:          %s\n", i->eku_text);
	cli_printf("Key:          %s\n", i->key_text);
	if (now < i->not_before)
		cli_printf("Valid:        %s to %s (not valid yet)\n", i->not_before_iso,
		           i->not_after_iso);
	else if (days < 0)
		cli_printf("Valid:        %s to %s (EXPIRED %ld days ago)\n", i->not_before_iso,
		           i->not_after_iso, -days);
	else
		cli_printf("Valid:        %s to %s (%ld days left)\n", i->not_before_iso,
		           i->not_after_iso, days);
	cli_printf("Signature:    %s\n", i->signature_algorithm);
	print_names(c);
}

static const char *tristate_text(enf_tristate t)
{
	return t == ENF_YES ? "yes" : t == ENF_NO ? "no" : "unknown";
}

static int inspect_file(int json, const char *path, int64_t now)
{
	enf_cert_set set = {0};
	if (enf_cert_load_file(&set, path)) {
		cli_print_last_error(NULL);
		return CLI_EXIT_ERROR;
	}
	if (json) {
		json_t *list = json_array();
		for (size_t k = 0; k < set.count; k++)
			json_array_append_new(list, cert_json(set.items[k], now));
		json_t *doc = json_pack("{s:s, s:o}", "file", path, "certificates", list);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(doc);
	} else {
		for (size_t k = 0; k < set.count; k++) {
			if (set.count > 1 && k)
				putchar('\n');
			if (set.count > 1)
				cli_printf("[%zu/%zu] %s\n", k + 1, set.count, path);
			print_cert(set.items[k], now);
		}
	}
	enf_cert_set_clear(&set);
	return CLI_EXIT_OK;
}

static int inspect_store(int json, enf_target *t, enf_store store, int64_t now)
{
	enf_cert_list list = {0};
	const char *name = enf_store_name(store);
	if (t->provider->cert_list(&list, t->self, store)) {
		cli_print_last_error(NULL);
		return CLI_EXIT_ERROR;
	}
	json_t *certs = json_array();
	if (!json && list.count == 0)
		cli_printf("LocalMachine\\%s of %s is empty\n", name, t->spec);
	for (size_t k = 0; k < list.count; k++) {
		const enf_cert_entry *en = &list.items[k];
		enf_cert *c = NULL;
		char *hex = enf_hex(en->thumbprint, 20, 1);
		if (enf_cert_from_der(&c, en->der, en->der_len)) {
			/* One damaged certificate does not hide the others. */
			const enf_error *err = enf_error_last();
			if (json)
				json_array_append_new(certs, json_pack("{s:s, s:s}", "thumbprint",
				                                       hex ? hex : "", "error",
				                                       err ? err->message : "?"));
			else if (k)
				putchar('\n');
			if (!json)
				cli_printf("[%zu/%zu] %s: %s cannot be read: %s\n", k + 1,
				           list.count, name, hex ? hex : "?",
				           err ? err->message : "?");
		} else if (json) {
			json_t *j = cert_json(c, now);
			json_object_set_new(j, "private_key",
			                    json_string(tristate_text(en->has_private_key)));
			json_object_set_new(j, "exportable",
			                    json_string(tristate_text(en->exportable)));
			json_array_append_new(certs, j);
		} else {
			if (k)
				putchar('\n');
			cli_printf("[%zu/%zu] LocalMachine\\%s: '%s'\n", k + 1, list.count, name,
			           enf_cert_info_get(c)->name);
			print_cert(c, now);
			cli_printf("Private key:  %s", tristate_text(en->has_private_key));
			if (en->has_private_key == ENF_YES)
				cli_printf(" (exportable: %s)", tristate_text(en->exportable));
			putchar('\n');
		}
		enf_cert_free(c);
		free(hex);
	}
	if (json) {
		json_t *doc = json_pack("{s:s, s:s, s:o}", "target", t->spec, "store", name,
		                        "certificates", certs);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(doc);
	} else {
		json_decref(certs);
	}
	enf_cert_list_clear(&list);
	return CLI_EXIT_OK;
}

/* Looks in every store; a store that cannot be read is named, and the search goes on. */
static int find_serial(int json, enf_target *t, const char *serial, int64_t now)
{
	json_t *found = json_array();
	enf_buf unread = ENF_BUF_INIT;
	size_t matches = 0;
	for (int s = 0; s < ENF_STORE__COUNT; s++) {
		enf_cert_list list = {0};
		const char *name = enf_store_name((enf_store)s);
		if (t->provider->cert_list(&list, t->self, (enf_store)s)) {
			const enf_error *err = enf_error_last();
			cli_fprintf(stderr,
			            "enforcer: warning: LocalMachine\\%s not searched: %s\n", name,
			            err ? err->message : "cannot be read");
			enf_buf_printf(&unread, "%s%s", unread.len ? ", " : "", name);
			continue;
		}
		for (size_t k = 0; k < list.count; k++) {
			enf_cert *c = NULL;
			if (enf_cert_from_der(&c, list.items[k].der, list.items[k].der_len))
				continue;
			enf_serial_form form = enf_cert_serial_match(c, serial);
			const enf_cert_info *i = enf_cert_info_get(c);
			if (form != ENF_SERIAL_NO_MATCH) {
				matches++;
				json_t *j = cert_json(c, now);
				json_object_set_new(j, "store", json_string(name));
				json_object_set_new(j, "matched",
				                    json_string(enf_serial_form_name(form)));
				json_array_append_new(found, j);
				if (!json) {
					if (matches > 1)
						putchar('\n');
					cli_printf("found in LocalMachine\\%s: '%s' (%s)\n", name,
					           i->name, i->thumbprint);
					cli_printf("Matched:      %s %s (as stored: %s)\n", serial,
					           enf_serial_form_name(form), i->serial);
					print_cert(c, now);
				}
			}
			enf_cert_free(c);
		}
		enf_cert_list_clear(&list);
	}
	if (json) {
		json_t *doc = json_pack("{s:s, s:s, s:o}", "target", t->spec, "serial", serial,
		                        "matches", found);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(doc);
	} else {
		json_decref(found);
	}
	if (matches == 0)
		cli_fprintf(
		    stderr,
		    "enforcer cert find-serial: no certificate in the LocalMachine stores of %s has serial %s, as written, byte-reversed or character-reversed%s%s%s\n",
		    t->spec, serial, unread.len ? " (not searched: " : "",
		    unread.len ? unread.ptr : "", unread.len ? ")" : "");
	enf_buf_clear(&unread);
	return matches ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

/* What cert takes: a few options of its own, not the run options of plan and apply. */
typedef struct cert_opts {
	const char *target;
	const char *store;
	int json;
	int target_given;
	const char *args[2];
	int nargs;
} cert_opts;

static int parse_opts(cert_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->target = "local";
	int rest = 0; /* after "--" everything is an argument */
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!rest && strcmp(a, "--") == 0) {
			rest = 1;
			continue;
		}
		if (rest || a[0] != '-' || !a[1]) {
			if (o->nargs >= 2) {
				cli_usage_error("cert", "too many arguments ('%s')", a);
				return 1;
			}
			o->args[o->nargs++] = a;
			continue;
		}
		if (strcmp(a, "--target") && strcmp(a, "--store") && strcmp(a, "--format")) {
			cli_usage_error("cert", "unknown option '%s'", a);
			return 1;
		}
		if (i + 1 >= argc) {
			cli_usage_error("cert", "%s needs a value", a);
			return 1;
		}
		const char *v = argv[++i];
		if (strcmp(a, "--target") == 0) {
			o->target = v;
			o->target_given = 1;
		} else if (strcmp(a, "--store") == 0) {
			o->store = v;
		} else if (strcmp(v, "json") == 0 || strcmp(v, "text") == 0) {
			o->json = strcmp(v, "json") == 0;
		} else {
			cli_usage_error("cert", "--format must be text or json, not '%s'", v);
			return 1;
		}
	}
	return 0;
}

int cmd_cert(int argc, char **argv)
{
	cert_opts o;
	enf_target *target = NULL;
	enf_store store = ENF_STORE_ROOT;
	int exit_code = CLI_EXIT_ERROR;
	char *serial = NULL;
	int64_t now = (int64_t)enf_now();
	for (int k = 1; k < argc; k++) {
		if (cli_is_help(argv[k])) {
			fputs(cmd_cert_usage, stdout);
			return CLI_EXIT_OK;
		}
	}
	if (argc < 2) {
		cli_usage_error("cert", "name a subcommand: inspect or find-serial");
		return CLI_EXIT_ERROR;
	}
	const char *sub = argv[1];
	int inspect = strcmp(sub, "inspect") == 0;
	if (!inspect && strcmp(sub, "find-serial") != 0) {
		cli_usage_error("cert", "'%s' is not a cert subcommand: inspect or find-serial",
		                sub);
		return CLI_EXIT_ERROR;
	}
	if (parse_opts(&o, argc, argv))
		goto done;
	if (o.store && !inspect) {
		cli_usage_error("cert", "--store is for inspect; find-serial searches every store");
		goto done;
	}
	if (o.store && enf_store_parse(&store, o.store)) {
		cli_usage_error(
		    "cert",
		    "'%s' is not a store: Root, CA, My, TrustedPeople, TrustedPublisher or Disallowed",
		    o.store);
		goto done;
	}
	if (inspect && (o.store ? o.nargs != 0 : o.nargs != 1)) {
		cli_usage_error("cert", o.store ? "inspect --store takes no file"
		                                : "inspect needs one FILE, or --store STORE");
		goto done;
	}
	if (inspect && !o.store && o.target_given) {
		cli_usage_error("cert", "--target goes with --store; a file is read as it is");
		goto done;
	}
	if (!inspect && o.nargs != 1) {
		cli_usage_error("cert", "find-serial needs one SERIAL (quote it if it has spaces)");
		goto done;
	}
	if (!inspect && enf_serial_normalize(&serial, o.args[0])) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (inspect && !o.store) {
		exit_code = inspect_file(o.json, o.args[0], now);
		goto done;
	}
	if (enf_target_open(&target, o.target)) {
		cli_print_last_error(NULL);
		goto done;
	}
	exit_code = inspect ? inspect_store(o.json, target, store, now)
	                    : find_serial(o.json, target, serial, now);
done:
	fflush(stdout);
	enf_target_close(target);
	free(serial);
	return exit_code;
}
