/* enforcer validate: check policy files without touching any server. */
#include "cli.h"
#include "cli_source.h"
#include "embedded.h"

#include "enforcer/diag.h"
#include "enforcer/errors.h"
#include "enforcer/policy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char cmd_validate_usage[] =
    "usage: enforcer validate [-q] [--format text|json] [--no-files] POLICY...\n"
    "       enforcer validate [OPTIONS] --repo DIR [--ref REF] PATH-IN-REPO...\n\n"
    "Checks each policy file strictly against the v1 format: unknown or\n"
    "duplicate keys, wrong types, anchors, tags, bad ids, unknown 'after' and\n"
    "'notify' targets, dependency cycles, limits. Every error is printed as\n"
    "FILE:LINE:COL: message. Every file a policy refers to (a certificate's\n"
    "'file', a trust-store 'allow' entry's file) must exist, relative to the\n"
    "policy's folder (with --repo: in the commit), and hold a certificate; an\n"
    "error names the file at the line of its reference. Nothing on the machine\n"
    "is read or changed. Prints \"FILE: valid (...)\" per valid policy on stdout\n"
    "and every problem on stderr.\n\n"
    "Options:\n"
    "  -q, --quiet        print only errors and warnings: nothing when all is valid\n"
    "  --no-files         do not read the files a policy refers to (they are\n"
    "                     supplied later); with --repo they must still be in the\n"
    "                     commit\n"
    "  --format text|json text (default), or one JSON document on stdout\n"
    "  --repo DIR         read each PATH from commit REF (default HEAD) of the git\n"
    "  --ref REF          repository DIR, with the files it refers to\n"
    "  --trusted-signers PEM, --require-signed, --signer-eku OID\n"
    "                     check the commit's x509 signature (see enforcer plan --help)\n"
    "  --lint             also warn about what is valid but probably not meant: the\n"
    "                     same registry value set twice, a value or start mode a\n"
    "                     shipped baseline sets differently, one service restarted\n"
    "                     twice by a change, conditions that can never hold together\n"
    "  --strict           warnings count as errors (exit 1)\n\n"
    "Exit status: 0 when every policy is valid (with warnings, unless --strict),\n"
    "1 otherwise.\n";

static void print_text(const enf_diag_list *diags, const enf_policy *policy, int quiet)
{
	for (size_t i = 0; i < diags->count; i++) {
		char *line = enf_diag_format(diags, &diags->items[i]);
		cli_fprintf(stderr, "%s\n", line ? line : diags->items[i].message);
		free(line);
	}
	if (diags->truncated)
		cli_fprintf(stderr, "%s: %zu more problems not shown\n", diags->file,
		            diags->errors + diags->warnings - diags->count);
	if (policy && !quiet)
		cli_printf("%s: valid (policy '%s', %zu resource%s)\n", diags->file, policy->name,
		           policy->count, policy->count == 1 ? "" : "s");
}

static json_t *diags_json(const enf_diag_list *diags, const enf_policy *policy)
{
	json_t *list = json_array();
	for (size_t i = 0; i < diags->count; i++) {
		const enf_diag *d = &diags->items[i];
		json_array_append_new(list,
		                      json_pack("{s:s, s:I, s:I, s:s}", "severity",
		                                d->severity == ENF_SEV_ERROR ? "error" : "warning",
		                                "line", (json_int_t)d->line, "column",
		                                (json_int_t)d->col, "message", d->message));
	}
	json_t *o = json_pack("{s:s, s:b, s:o}", "file", diags->file, "valid", policy != NULL,
	                      "diagnostics", list);
	if (policy) {
		json_object_set_new(o, "name", json_string(policy->name));
		json_object_set_new(o, "resources", json_integer((json_int_t)policy->count));
	}
	return o;
}

/* The shipped baselines, as built into the exe; the caller frees them with free_baselines. */
static enf_policy **load_baselines(size_t *count)
{
	size_t n = 0;
	while (cli_baselines[n].name)
		n++;
	enf_policy **list = calloc(n ? n : 1, sizeof(enf_policy *));
	for (size_t i = 0; list && i < n; i++) {
		enf_diag_list d;
		if (enf_diag_list_init(&d, cli_baselines[i].name) == 0 &&
		    enf_policy_load_buffer(&list[i], &d, cli_baselines[i].name,
		                           cli_baselines[i].data, cli_baselines[i].len) != 0)
			list[i] = NULL; /* a shipped baseline is valid: the tests see to it */
		enf_diag_list_clear(&d);
	}
	*count = list ? n : 0;
	return list;
}

static void free_baselines(enf_policy **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		enf_policy_free(list[i]);
	free(list);
}

int cmd_validate(int argc, char **argv)
{
	int quiet = 0, json = 0, files = 0, no_files = 0, invalid = 0, argi = 1, taken, lint = 0,
	    strict = 0;
	cli_source_opts src = {0};
	for (; argi < argc && argv[argi][0] == '-' && argv[argi][1]; argi++) {
		const char *a = argv[argi];
		if (strcmp(a, "--") == 0) {
			argi++;
			break;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(a, "--no-files") == 0) {
			no_files = 1;
		} else if (strcmp(a, "--lint") == 0) {
			lint = 1;
		} else if (strcmp(a, "--strict") == 0) {
			strict = 1;
		} else if (strcmp(a, "--format") == 0 && argi + 1 < argc) {
			const char *f = argv[++argi];
			if (strcmp(f, "json") == 0) {
				json = 1;
			} else if (strcmp(f, "text") != 0) {
				cli_usage_error("validate",
				                "--format must be text or json, not '%s'", f);
				return CLI_EXIT_ERROR;
			}
		} else if ((taken = cli_parse_source_opt(&src, "validate", argc, argv, &argi)) !=
		           0) {
			if (taken < 0) /* --repo, --ref, ...: run_source.c */
				return CLI_EXIT_ERROR;
		} else {
			cli_usage_error("validate", "unknown option '%s'", a);
			return CLI_EXIT_ERROR;
		}
	}
	if (cli_check_source_opts(&src, "validate"))
		return CLI_EXIT_ERROR;
	if (src.signer_eku_count && !src.trusted_signers) {
		cli_usage_error("validate",
		                "--signer-eku names what a commit's signer may be: give "
		                "it with --trusted-signers PEM");
		return CLI_EXIT_ERROR;
	}
	if (argi >= argc) {
		cli_usage_error("validate", "name at least one policy file");
		return CLI_EXIT_ERROR;
	}
	size_t nbase = 0;
	enf_policy **baselines = lint ? load_baselines(&nbase) : NULL;
	json_t *results = json ? json_array() : NULL;
	for (; argi < argc; argi++) {
		enf_diag_list diags = {0};
		enf_policy *policy = NULL;
		/* Issue 6: with --repo, a file of a git commit (run_source.c). */
		int rc = src.repo
		             ? cli_load_git_policy(&policy, &diags, &src, argv[argi], !no_files)
		             : cli_load_file_policy(&policy, &diags, argv[argi], !no_files);
		if (!diags.file) {
			cli_fprintf(stderr, "enforcer: out of memory\n");
			return CLI_EXIT_ERROR;
		}
		files++;
		if (rc) {
			invalid++;
			if (diags.count == 0) {
				const enf_error *e = enf_error_last();
				enf_diag_add(&diags, ENF_SEV_ERROR, 0, 0, "%s",
				             e ? e->message : "cannot be loaded");
			}
		}
		if (policy && lint)
			enf_policy_lint(policy, &diags, (const enf_policy *const *)baselines,
			                nbase);
		if (policy && strict && diags.warnings) {
			/* --strict: a warning makes the file fail, as an error would. */
			invalid++;
			enf_policy_free(policy);
			policy = NULL;
		}
		if (json)
			json_array_append_new(results, diags_json(&diags, policy));
		else
			print_text(&diags, policy, quiet);
		enf_policy_free(policy);
		enf_diag_list_clear(&diags);
	}
	free_baselines(baselines, nbase);
	if (json) {
		json_t *doc = json_pack("{s:s, s:b, s:o}", "schema", "enforcer-validate/1", "valid",
		                        invalid == 0, "policies", results);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(doc);
	} else if (!quiet || invalid) {
		if (files > 1 || invalid)
			cli_printf("%d of %d polic%s valid\n", files - invalid, files,
			           files == 1 ? "y" : "ies");
	}
	return invalid ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
