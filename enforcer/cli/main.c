/* enforcer: the command table and dispatch. */
#include "cli.h"

#include "enforcer/common.h"
#include "enforcer/errors.h"
#include "enforcer/guard.h"
#include "util/console.h"
#include "util/util.h"

#include <git2.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

const cli_cmd cli_cmds[] = {
    {"validate", cmd_validate, "check policies; errors as FILE:LINE:COL: message",
     cmd_validate_usage},
    {"plan", cmd_plan, "show the drift and exactly what apply would change", cmd_plan_usage},
    {"apply", cmd_apply, "converge, verify, journal; --dry-run is plan", cmd_apply_usage},
    {"restart", cmd_restart, "restart --pending: perform the restarts applies deferred",
     cmd_restart_usage},
    {"rollback", cmd_rollback, "restore what a run changed or removed", cmd_rollback_usage},
    {"runs", cmd_runs, "list the applies and rollbacks of the state folder (--keep-days N)",
     cmd_runs_usage},
    {"export", cmd_export, "write the current state as a v1 policy (start a policy from a server)",
     cmd_export_usage},
    {"import-reg", cmd_import_reg, "turn a .reg file into a policy of registry values",
     cmd_import_reg_usage},
    {"facts", cmd_facts, "show the facts that 'when:' conditions test", cmd_facts_usage},
    {"cert", cmd_cert, "inspect certificates; find one by the serial an event log shows",
     cmd_cert_usage},
    {"policy", cmd_policy, "policy diff: what changed between two commits, per resource",
     cmd_policy_usage},
    {"report", cmd_report, "report show: render a saved report; report verify: check a signature",
     cmd_report_usage},
    {"fleet", cmd_fleet, "fleet report: the pool's compliance from the audit repository",
     cmd_fleet_usage},
    {"secret", cmd_secret, "secret protect: encrypt a service password for this machine (DPAPI)",
     cmd_secret_usage},
    {"install", cmd_install, "set this server up: state folder, event source, nightly task",
     cmd_install_usage},
    {"uninstall", cmd_uninstall, "remove the event source and task (--purge: the state folder)",
     cmd_uninstall_usage},
    {NULL, NULL, NULL, NULL},
};

int cli_is_help(const char *arg)
{
	/* "/?" is how Windows' own commands are asked for help. */
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "/?") == 0;
}

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	cli_fprintf(stderr, "enforcer %s: ", cmd);
	va_start(ap, fmt);
	cli_vfprintf(stderr, fmt, ap);
	va_end(ap);
	cli_fprintf(stderr, "\nSee 'enforcer %s --help'.\n", cmd);
}

void cli_print_last_error(const char *context)
{
	const enf_error *e = enf_error_last();
	cli_fprintf(stderr, "enforcer: %s%s%s\n", context ? context : "", context ? ": " : "",
	            e ? e->message : "unknown error");
}

static void print_help(FILE *out)
{
	cli_fprintf(out, "usage: enforcer COMMAND [OPTIONS] [ARGS]\n"
	                 "       enforcer --version | --help | help [COMMAND] | COMMAND --help\n\n"
	                 "Configuration-as-code compliance for Windows servers.\n\n"
	                 "Commands:\n");
	for (const cli_cmd *c = cli_cmds; c->name; c++)
		cli_fprintf(out, "  %-10s %s\n", c->name, c->summary);
	cli_fprintf(out, "\nExit codes: 0 compliant, 2 drift/changed, 4 failures, 6 both,\n"
	                 "1 usage error, invalid policy, lock held or internal error.\n");
}

static void print_version(void)
{
	int major, minor, rev;
	git_libgit2_version(&major, &minor, &rev);
	cli_printf("enforcer %s\n", ENF_VERSION);
	cli_printf("libyaml %s, libgit2 %d.%d.%d, %s, jansson %s\n", yaml_get_version_string(),
	           major, minor, rev, OpenSSL_version(OPENSSL_VERSION), JANSSON_VERSION);
}

/*
 * Process-wide settings of the libraries, made before anything uses them.
 *
 * OpenSSL does not read an openssl.cnf: enforcer runs as an administrator or
 * SYSTEM, and a configuration file (OPENSSL_CONF, or OpenSSL's built-in
 * folder) can load engines and providers into it. Nothing of enforcer's
 * needs one, and skipping it saves 0.4 MiB per run under Wine.
 *
 * jansson seeds its hash tables on first use; on Windows it asks a CryptoAPI
 * provider for the seed, which loads rsaenh.dll and crypt32.dll into every
 * run (under Wine ~8 MiB and ~20 ms). A seed from the system's generator,
 * taken here, is as good and costs nothing.
 */
static void init_libraries(void)
{
	size_t seed = 0;
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (enf_random_bytes(&seed, sizeof(seed)) == 0 && seed != 0)
		json_object_seed(seed);
	enf_error_clear();
}

/*
 * Windows: the arguments as UTF-16 (a policy path with "é", a Greek or
 * Cyrillic folder name), converted to UTF-8 like everything else here,
 * and console output shown as what it is (util/console.h).
 */
static void init_console(int *argc, char ***argv)
{
	if (enf_main_args(argc, argv)) {
		cli_fprintf(stderr, "enforcer: out of memory\n");
		exit(CLI_EXIT_ERROR);
	}
	if (enf_console_begin() == 0)
		atexit(enf_console_end);
}

int main(int argc, char **argv)
{
	/* Before anything can load a DLL: the delay-loaded ones come from System32 only. */
	if (enf_guard_process()) {
		cli_print_last_error(NULL);
		return CLI_EXIT_ERROR;
	}
	init_libraries();
	init_console(&argc, &argv);
	if (argc < 2) {
		print_help(stderr);
		return CLI_EXIT_ERROR;
	}
	const char *name = argv[1];
	if (cli_is_help(name) || (strcmp(name, "help") == 0 && argc == 2)) {
		print_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		print_version();
		return CLI_EXIT_OK;
	}
	if (strcmp(name, "help") == 0 && argc >= 3)
		name = argv[2];
	for (const cli_cmd *c = cli_cmds; c->name; c++) {
		if (strcmp(c->name, name) != 0)
			continue;
		if (strcmp(argv[1], "help") == 0 || (argc >= 3 && cli_is_help(argv[2]))) {
			fputs(c->usage, stdout);
			return CLI_EXIT_OK;
		}
		int rc = c->fn(argc - 1, argv + 1);
		enf_error_clear();
		return rc;
	}
	cli_fprintf(stderr, "enforcer: '%s' is not a command. See 'enforcer --help'.\n", name);
	return CLI_EXIT_ERROR;
}
