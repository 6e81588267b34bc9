/* enforcer policy diff: what changed between two commits of a policy, per resource. */
#include "cli.h"
#include "cli_source.h"

#include "enforcer/errors.h"
#include "enforcer/engine.h"
#include "enforcer/source.h"

#include <stdlib.h>
#include <string.h>

const char cmd_policy_usage[] =
    "usage: enforcer policy diff [--format text|json] --repo DIR REV1 REV2 PATH\n"
    "       enforcer policy schema\n\n"
    "policy schema writes the JSON Schema of policy format 1 (draft-07) on\n"
    "standard output, made from the loader's own tables: point an editor's YAML\n"
    "language server at it (docs/policy.schema.json is the same text).\n\n"
    "Shows what changed in the policy PATH between commits REV1 and REV2 of the\n"
    "git repository DIR (read from the commits, never the working tree): each\n"
    "resource added (+) or removed (-), and for a changed resource (~) every key\n"
    "that changed, from what to what, e.g.\n\n"
    "  ~ registry schannel.session-ticket: data 1 -> 2\n\n"
    "Values are compared as the policy means them ('0x2' is '2'); a certificate\n"
    "file with new content at the same path is a change too ('content of FILE',\n"
    "as git blob ids). Policy-level changes (name, description, when) come first.\n\n"
    "Options:\n"
    "  --repo DIR          the policy repository (required)\n"
    "  --format text|json  text (default), or one JSON document\n"
    "                      (schema enforcer-policy-diff/1)\n\n"
    "Exit status: 0 no differences, 2 differences, 1 error (usage, unknown\n"
    "commit, invalid policy).\n";

static void print_diags(const enf_diag_list *diags)
{
	for (size_t i = 0; i < diags->count; i++) {
		char *line = enf_diag_format(diags, &diags->items[i]);
		cli_fprintf(stderr, "%s\n", line ? line : diags->items[i].message);
		free(line);
	}
}

/* One version of the policy; prints why not and returns 1. */
static int load_rev(enf_source **src, enf_policy **policy, const char *repo, const char *rev,
                    const char *path)
{
	enf_diag_list diags = {0};
	int rc = 1;
	char *in_repo = cli_repo_path(path); /* "policies\edge.yaml" on Windows */
	if (!in_repo || enf_source_open_git(src, repo, rev, in_repo, NULL)) {
		if (in_repo)
			cli_print_last_error(NULL);
		else
			cli_fprintf(stderr, "enforcer: out of memory\n");
		free(in_repo);
		return 1;
	}
	free(in_repo);
	if (enf_diag_list_init(&diags, enf_source_name(*src)) == 0) {
		if (enf_source_load_policy(policy, &diags, *src) == 0)
			rc = 0;
		print_diags(&diags);
		if (rc)
			cli_fprintf(stderr, "enforcer policy diff: %s is not a valid policy\n",
			            enf_source_name(*src));
	}
	enf_diag_list_clear(&diags);
	return rc;
}

static int policy_diff(int argc, char **argv)
{
	const char *repo = NULL, *args[3] = {NULL, NULL, NULL};
	int json = 0, nargs = 0, code = CLI_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--repo") == 0 || strcmp(a, "--format") == 0) && i + 1 >= argc) {
			cli_usage_error("policy diff", "%s needs a value", a);
			return CLI_EXIT_ERROR;
		} else if (strcmp(a, "--repo") == 0) {
			repo = argv[++i];
		} else if (strcmp(a, "--format") == 0) {
			const char *f = argv[++i];
			if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0) {
				cli_usage_error("policy diff",
				                "--format must be text or json, not '%s'", f);
				return CLI_EXIT_ERROR;
			}
			json = strcmp(f, "json") == 0;
		} else if (a[0] == '-' && a[1]) {
			cli_usage_error("policy diff", "unknown option '%s'", a);
			return CLI_EXIT_ERROR;
		} else if (nargs < 3) {
			args[nargs++] = a;
		} else {
			nargs++;
		}
	}
	if (!repo || nargs != 3) {
		cli_usage_error("policy diff", "%s",
		                !repo ? "name the policy repository with --repo DIR"
		                      : "give two commits and the policy's path: REV1 REV2 PATH");
		return CLI_EXIT_ERROR;
	}
	enf_source *from_src = NULL, *to_src = NULL;
	enf_policy *from = NULL, *to = NULL;
	enf_policy_changes *diff = NULL;
	if (load_rev(&from_src, &from, repo, args[0], args[2]) ||
	    load_rev(&to_src, &to, repo, args[1], args[2]))
		goto done;
	if (enf_policy_diff(&diff, from, from_src, to, to_src)) {
		cli_print_last_error(NULL);
		goto done;
	}
	if (json) {
		enf_diff_origin origin = {repo,    args[2],
		                          args[0], enf_source_commit(from_src),
		                          args[1], enf_source_commit(to_src)};
		char *text = enf_policy_changes_json(diff, &origin);
		if (!text) {
			cli_print_last_error(NULL);
			goto done;
		}
		cli_put_json(stdout, text);
		putchar('\n');
		free(text);
	} else {
		char *text = enf_policy_changes_text(diff);
		cli_printf("policy %s: %s (%.12s) -> %s (%.12s)\n", args[2], args[0],
		           enf_source_commit(from_src), args[1], enf_source_commit(to_src));
		cli_put_text(stdout, text);
		free(text);
	}
	code = enf_policy_changes_count(diff) ? CLI_EXIT_CHANGES : CLI_EXIT_OK;
done:
	enf_policy_changes_free(diff);
	enf_policy_free(from);
	enf_policy_free(to);
	enf_source_free(from_src);
	enf_source_free(to_src);
	return code;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage_error("policy", "name a subcommand: diff or schema");
		return CLI_EXIT_ERROR;
	}
	if (strcmp(argv[1], "schema") == 0) {
		if (argc > 2) {
			cli_usage_error("policy schema", "takes no arguments");
			return CLI_EXIT_ERROR;
		}
		char *text = enf_policy_schema();
		if (!text) {
			cli_print_last_error("policy schema");
			return CLI_EXIT_ERROR;
		}
		cli_put_json(stdout, text);
		putchar('\n');
		free(text);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "diff") == 0) {
		if (argc >= 3 && cli_is_help(argv[2])) {
			fputs(cmd_policy_usage, stdout);
			return CLI_EXIT_OK;
		}
		return policy_diff(argc - 1, argv + 1);
	}
	cli_usage_error("policy", "'%s' is not a policy subcommand; they are diff and schema",
	                argv[1]);
	return CLI_EXIT_ERROR;
}
