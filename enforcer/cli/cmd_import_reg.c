/*
 * enforcer import-reg: a .reg file (as regedit, Microsoft's articles or IIS
 * Crypto write them) turned into a v1 policy of registry resources, printed
 * on standard output. The file is read by the library (enf_regfile_parse);
 * this writes the policy and checks it with the real loader, so that what is
 * printed is always a policy `enforcer validate` accepts, and nothing is
 * printed on standard output when anything is wrong.
 */
#include "cli.h"
#include "policy_writer.h"

#include "enforcer/errors.h"
#include "enforcer/policy.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_import_reg_usage[] =
    "usage: enforcer import-reg [--name NAME] [--id-prefix P] [--notify HANDLER] FILE.reg\n\n"
    "Writes a v1 policy on standard output with one registry resource per value\n"
    "the .reg file sets under HKEY_LOCAL_MACHINE (ensure: absent for \"NAME\"=-).\n"
    "Reads 'Windows Registry Editor Version 5.00' files (UTF-16 as regedit saves\n"
    "them, or UTF-8) and REGEDIT4 files (ANSI); every kind a policy holds: \"text\",\n"
    "dword:, hex(b): (qword), hex(2): (expand-sz), hex(7): (multi-sz), hex: (binary).\n"
    "A key outside HKLM, a deleted key ([-KEY]), a malformed line or another type\n"
    "is an error naming the file's line; then nothing is written.\n\n"
    "Options:\n"
    "  --name NAME        the policy's name (default: the file's name, e.g. tls-hardening)\n"
    "  --id-prefix P      the resources' ids start with P (default: reg.)\n"
    "  --notify HANDLER   every resource notifies HANDLER, written as a restart\n"
    "                     resource that reports a reboot as pending (replace it with\n"
    "                     services: [...] to restart services instead)\n\n"
    "Exit status: 0 written, 1 usage error or a file that cannot be imported.\n";

typedef struct import_opts {
	const char *file, *name, *prefix, *notify;
} import_opts;

static int parse_args(import_opts *o, int argc, char **argv)
{
	o->prefix = "reg.";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = strcmp(a, "--name") == 0        ? &o->name
		                    : strcmp(a, "--id-prefix") == 0 ? &o->prefix
		                    : strcmp(a, "--notify") == 0    ? &o->notify
		                                                    : NULL;
		if (slot && !next) {
			cli_usage_error("import-reg", "%s needs a value", a);
			return 1;
		} else if (slot) {
			*slot = next;
			i++;
		} else if (a[0] == '-' && a[1]) {
			cli_usage_error("import-reg", "unknown option '%s'", a);
			return 1;
		} else if (o->file) {
			cli_usage_error("import-reg", "name one .reg file, not '%s' as well", a);
			return 1;
		} else {
			o->file = a;
		}
	}
	if (!o->file) {
		cli_usage_error("import-reg", "name a .reg file");
		return 1;
	}
	if (o->name && !cli_pw_valid_name(o->name)) {
		cli_usage_error("import-reg",
		                "--name '%s': use lower-case letters, digits and '-' (at most 64)",
		                o->name);
		return 1;
	}
	/* The prefix starts every id: the loader's id rule, with room for the rest. */
	size_t n = strlen(o->prefix);
	int ok = n > 0 && n <= 32 &&
	         ((o->prefix[0] >= 'a' && o->prefix[0] <= 'z') ||
	          (o->prefix[0] >= '0' && o->prefix[0] <= '9'));
	for (const char *p = o->prefix; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._", *p);
	const char *h = o->notify;
	int handler_ok =
	    !h || (*h && strlen(h) <= 64 && ((*h >= 'a' && *h <= 'z') || (*h >= '0' && *h <= '9')));
	for (; handler_ok && h && *h; h++)
		handler_ok =
		    (*h >= 'a' && *h <= 'z') || (*h >= '0' && *h <= '9') || strchr("-._", *h);
	if (!ok || !handler_ok) {
		cli_usage_error(
		    "import-reg",
		    "%s '%s': use lower-case letters, digits, '.', '_' and '-', starting "
		    "with a letter or digit",
		    ok ? "--notify" : "--id-prefix", ok ? o->notify : o->prefix);
		return 1;
	}
	return 0;
}

/* "tls-hardening" from "C:\x\TLS Hardening.reg". */
static char *name_of_file(const char *path)
{
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	char *stem = enf_strdup(base);
	char *dot = stem ? strrchr(stem, '.') : NULL;
	if (dot && dot != stem)
		*dot = '\0';
	enf_buf b = ENF_BUF_INIT;
	cli_pw_slug(&b, stem ? stem : "", 64);
	free(stem);
	if (b.len == 0)
		enf_buf_puts(&b, "imported-reg");
	return enf_buf_detach(&b);
}

/* The last two parts of the key and the value's name: "tls-1-2-server-enabled". */
static char *id_words(const enf_regfile_entry *e)
{
	const char *last = strrchr(e->key, '\\');
	const char *second = last;
	while (second && second > e->key && second[-1] != '\\')
		second--;
	const char *from = second && second > e->key + 5 ? second : last ? last + 1 : e->key;
	return enf_asprintf("%s %s", from, *e->name ? e->name : "default");
}

static int write_entry(cli_policy_writer *w, const import_opts *o, const enf_regfile_entry *e)
{
	char *words = id_words(e);
	int rc = words ? cli_pw_resource_head(w, "registry", o->prefix, words, "value")
	               : enf_error_oom();
	free(words);
	if (rc == 0)
		rc = cli_pw_key_literal(w, "    ", "key", e->key);
	if (rc == 0)
		rc = cli_pw_key_literal(w, "    ", "value", e->name);
	if (rc == 0 && e->remove)
		enf_buf_puts(&w->out, "    ensure: absent\n");
	else if (rc == 0)
		rc = cli_pw_reg_value(w, &e->value);
	if (rc == 0 && o->notify)
		enf_buf_printf(&w->out, "    notify: %s\n", o->notify);
	if (rc) {
		/* Which value, and where: the writer's message names only the problem. */
		const enf_error *err = enf_error_last();
		char *msg = enf_asprintf("%s:%u: %s", o->file, e->line,
		                         err && err->message ? err->message : "cannot be written");
		enf_error_set(ENF_ERRCLASS_POLICY, "%s", msg ? msg : "cannot be written");
		free(msg);
	}
	return rc;
}

/* The reason (for the file: "FILE:LINE: message", as validate writes its errors), and the outcome.
 */
static void print_failure(void)
{
	const enf_error *e = enf_error_last();
	cli_fprintf(stderr, "%s\nenforcer import-reg: nothing was written\n",
	            e && e->message ? e->message : "unknown error");
}

int cmd_import_reg(int argc, char **argv)
{
	import_opts o = {0};
	cli_policy_writer w = {ENF_BUF_INIT, NULL, 0, 0};
	enf_regfile *rf = NULL;
	char *data = NULL, *name = NULL;
	size_t len = 0;
	int exit_code = CLI_EXIT_ERROR, rc;
	if (parse_args(&o, argc, argv))
		return CLI_EXIT_ERROR;
	/* A .reg file of Microsoft's or IIS Crypto's is kilobytes; 16 MiB is generous. */
	if ((rc = enf_read_file(&data, &len, o.file, 16u * 1024 * 1024)) != 0 ||
	    (rc = enf_regfile_parse(&rf, (const unsigned char *)data, len, o.file)) != 0) {
		print_failure();
		goto done;
	}
	name = o.name ? enf_strdup(o.name) : name_of_file(o.file);
	if (!name) {
		cli_fprintf(stderr, "enforcer: out of memory\n");
		goto done;
	}
	enf_buf_puts(&w.out, "# Imported by enforcer import-reg from ");
	cli_pw_text(&w.out, o.file, 0);
	enf_buf_printf(&w.out, " (%s).\n# Review it before use.\nenforcer: 1\nname: %s\n",
	               rf->version == 5 ? "Windows Registry Editor Version 5.00" : "REGEDIT4",
	               name);
	enf_buf_puts(&w.out, "resources:\n");
	rc = 0;
	for (size_t i = 0; rc == 0 && i < rf->count; i++)
		rc = write_entry(&w, &o, &rf->entries[i]);
	if (rc == 0 && o.notify)
		enf_buf_printf(
		    &w.out,
		    "  # A Schannel or .NET change takes effect after a restart: this\n"
		    "  # handler reports a reboot as pending (enforcer never reboots).\n"
		    "  # Replace reboot: true with services: [...] to restart services.\n"
		    "  - type: restart\n    id: %s\n    reboot: true\n",
		    o.notify);
	if (rc == 0 && rf->count == 0 && !o.notify)
		enf_buf_puts(&w.out, "  []\n");
	if (rc == 0 && w.out.failed)
		rc = enf_error_oom();
	if (rc == 0)
		rc = cli_pw_check(&w, "imported");
	if (rc) {
		print_failure();
		goto done;
	}
	fputs(w.out.ptr, stdout);
	fflush(stdout);
	exit_code = CLI_EXIT_OK;
done:
	cli_pw_clear(&w);
	enf_regfile_free(rf);
	free(data);
	free(name);
	return exit_code;
}
