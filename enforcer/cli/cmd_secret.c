/*
 * enforcer secret protect PATH: a service password, typed (or piped) in,
 * written to PATH encrypted with DPAPI for this machine, for a policy's
 * `password: dpapi:PATH`. The password is never an argument: a command
 * line is visible to every process on the machine and kept in histories.
 */
#include "cli.h"

#include "enforcer/errors.h"
#include "util/secret.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char cmd_secret_usage[] =
    "usage: enforcer secret protect PATH\n\n"
    "Reads a service account's password from standard input and writes PATH,\n"
    "the password encrypted with DPAPI for this machine (CryptProtectData at\n"
    "machine scope), for a policy's 'password: dpapi:PATH'. At a console the\n"
    "password is typed twice and not shown; from a pipe or file, the input is\n"
    "the password (UTF-8, or UTF-16 with a byte-order mark; a final newline is\n"
    "dropped). PATH is created readable only by SYSTEM and Administrators, as\n"
    "enforcer requires of a password file, and replaced if it exists.\n\n"
    "Only this machine can decrypt PATH, and any account on it could: keep the\n"
    "file's permissions as they are. Run it where the policy is applied (the\n"
    "Windows build); the Linux build cannot encrypt or decrypt DPAPI files.\n\n"
    "Exit status: 0 PATH was written and reads back; 1 otherwise.\n";

/* The password, typed twice at a console (a typo would lock the service out). */
static int read_password(char **out)
{
	char *first = NULL, *again = NULL;
	int typed = 0;
	int rc = enf_secret_read_stdin(&first, "Password: ", &typed);
	if (rc)
		return rc;
	if (typed && (rc = enf_secret_read_stdin(&again, "Again: ", &typed))) {
		enf_secret_free(first);
		return rc;
	}
	if (again && strcmp(first, again) != 0) {
		enf_secret_free(first);
		enf_secret_free(again);
		enf_error_set(ENF_ERRCLASS_INVALID,
		              "the two passwords differ; nothing was written");
		return ENF_EINVALID;
	}
	enf_secret_free(again);
	enf_error_clear();
	*out = first;
	return 0;
}

/* 0 or an error code; *written says whether PATH was written before the error. */
static int protect(const char *path, int *written)
{
	char *password = NULL, *check = NULL;
	unsigned char *blob = NULL, *back = NULL;
	size_t len = 0, back_len = 0;
	int rc = read_password(&password);
	if (rc == 0)
		rc = enf_secret_dpapi_protect(&blob, &len, password);
	if (rc == 0)
		rc = enf_secret_file_write(path, blob, len);
	*written = rc == 0;
	/* Read back exactly as a run will: the file's permissions, then the decryption. */
	if (rc == 0)
		rc = enf_secret_file_read(&back, &back_len, path);
	if (rc == 0)
		rc = enf_secret_dpapi_unprotect(&check, back, back_len);
	if (rc == 0 && strcmp(check, password) != 0) {
		enf_error_set(ENF_ERRCLASS_INVALID, "it does not decrypt to what was written");
		rc = ENF_ERROR;
	}
	enf_secret_free(password);
	enf_secret_free(check);
	free(blob);
	free(back);
	return rc;
}

int cmd_secret(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(cmd_secret_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "protect") != 0) {
		cli_usage_error("secret", "'%s' is not a secret command (protect)", argv[1]);
		return CLI_EXIT_ERROR;
	}
	if (argc == 3 && cli_is_help(argv[2])) {
		fputs(cmd_secret_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc != 3 || (argv[2][0] == '-' && argv[2][1])) {
		cli_usage_error("secret protect", "name the one file to write");
		return CLI_EXIT_ERROR;
	}
	/* Before anything is typed: the Linux build has no DPAPI. */
	if (!enf_secret_dpapi_available()) {
		cli_fprintf(
		    stderr,
		    "enforcer secret protect: DPAPI is a Windows API: run 'enforcer.exe secret protect %s' on the server that will use the file; nothing was written\n",
		    argv[2]);
		return CLI_EXIT_ERROR;
	}
	int written = 0;
	if (protect(argv[2], &written)) {
		const enf_error *e = enf_error_last();
		if (written)
			cli_fprintf(
			    stderr,
			    "enforcer secret protect: '%s' was written, but a run would refuse it: %s\n",
			    argv[2], e ? e->message : "?");
		else
			cli_print_last_error("secret protect");
		return CLI_EXIT_ERROR;
	}
	cli_printf(
	    "%s: written, encrypted for this machine (DPAPI); only SYSTEM and Administrators can "
	    "open it\n",
	    argv[2]);
	return CLI_EXIT_OK;
}
