/*
 * enforcer import-reg (issue 18): .reg files written here in every encoding
 * regedit uses, with every kind it writes, turned into policies that
 * validate; the errors, each with its line and nothing on standard output;
 * and the round trip: import, apply to a snapshot, the snapshot holds the
 * file's values.
 */
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

TestSuite(importreg, .init = th_dir_init, .fini = th_dir_fini);

/* Every kind regedit writes, a deletion, comments and a wrapped byte list. */
static const char every_kind[] =
    "Windows Registry Editor Version 5.00\r\n"
    "\r\n"
    "; Schannel hardening, as IIS Crypto exports it\r\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\"
    "Protocols\\TLS 1.0\\Server]\r\n"
    "\"Enabled\"=dword:00000000\r\n"
    "\"DisabledByDefault\"=dword:00000001\r\n"
    "\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Lync]\r\n"
    "@=\"say \\\"hi\\\" C:\\\\x\"\r\n"
    "\"Max\"=dword:ffffffff\r\n"
    "\"Path\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,\\\r\n"
    "  25,00,00,00\r\n"
    "\"Pools\"=hex(7):66,00,65,00,30,00,31,00,00,00,65,00,64,00,67,00,65,00,00,00,00,00\r\n"
    "\"Big\"=hex(b):01,00,00,00,00,00,00,80\r\n"
    "\"Blob\"=hex:de,ad,be,ef\r\n"
    "\"Old\"=-\r\n";

static const char every_kind_policy[] =
    "# Imported by enforcer import-reg from every.reg (Windows Registry Editor Version 5.00).\n"
    "# Review it before use.\n"
    "enforcer: 1\n"
    "name: every\n"
    "resources:\n"
    "  - type: registry\n"
    "    id: reg.tls-1-0-server-enabled\n"
    "    key: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
    "TLS 1.0\\Server'\n"
    "    value: 'Enabled'\n"
    "    kind: dword\n"
    "    data: 0\n"
    "  - type: registry\n"
    "    id: reg.tls-1-0-server-disabledbydefault\n"
    "    key: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
    "TLS 1.0\\Server'\n"
    "    value: 'DisabledByDefault'\n"
    "    kind: dword\n"
    "    data: 1\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-default\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: ''\n"
    "    kind: sz\n"
    "    data: \"say \\\"hi\\\" C:\\\\x\"\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-max\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: 'Max'\n"
    "    kind: dword\n"
    "    data: 4294967295\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-path\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: 'Path'\n"
    "    kind: expand-sz\n"
    "    data: \"%SystemRoot%\"\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-pools\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: 'Pools'\n"
    "    kind: multi-sz\n"
    "    data:\n"
    "      - \"fe01\"\n"
    "      - \"edge\"\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-big\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: 'Big'\n"
    "    kind: qword\n"
    "    data: 9223372036854775809\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-blob\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: 'Blob'\n"
    "    kind: binary\n"
    "    data: \"deadbeef\"\n"
    "  - type: registry\n"
    "    id: reg.contoso-lync-old\n"
    "    key: 'HKLM\\SOFTWARE\\Contoso\\Lync'\n"
    "    value: 'Old'\n"
    "    ensure: absent\n";

/* Writes `text` (UTF-8) as UTF-16 LE with a byte-order mark, as regedit saves a file. */
static void write_utf16(const char *name, const char *text)
{
	char *path = enf_asprintf("%s/%s", th_dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("\xff\xfe", f);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		/* The texts here are ASCII but for 'é' (C3 A9). */
		unsigned cp = *p;
		if (*p == 0xC3) {
			cp = 0xC0 | (p[1] & 0x3F);
			p++;
		}
		fputc((int)(cp & 0xFF), f);
		fputc((int)(cp >> 8), f);
	}
	fclose(f);
	free(path);
}

static th_cli_result import(const char *file)
{
	return th_run_cli(th_dir, ARGS("import-reg", file), NULL);
}

Test(importreg, every_kind_in_utf16_becomes_a_policy_that_validates)
{
	write_utf16("every.reg", every_kind);
	th_cli_result r = import("every.reg");
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, every_kind_policy);
	cr_expect_str_eq(r.err, "");
	free(th_write(th_dir, "every.yaml", r.out));
	th_cli_free(&r);
	r = th_run_cli(th_dir, ARGS("validate", "every.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	th_cli_free(&r);
}

Test(importreg, utf8_with_and_without_a_byte_order_mark_reads_the_same)
{
	free(th_write(th_dir, "every.reg", every_kind));
	th_cli_result r = import("every.reg");
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, every_kind_policy);
	th_cli_free(&r);
	char *bom = enf_asprintf("\xef\xbb\xbf%s", every_kind);
	free(th_write(th_dir, "every.reg", bom));
	free(bom);
	r = import("every.reg");
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.out, every_kind_policy);
	th_cli_free(&r);
}

Test(importreg, regedit4_files_are_read_in_the_ansi_code_page)
{
	/* REGEDIT4: ANSI text (0xE9 is 'é' in Windows-1252), hex(2) as ANSI bytes. */
	free(th_write(th_dir, "old.reg",
	              "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Caf\xe9]\r\n"
	              "\"Name\"=\"Soci\xe9t\xe9\"\r\n"
	              "\"Path\"=hex(2):25,54,45,4d,50,25,00\r\n"));
	th_cli_result r = th_run_cli(th_dir, ARGS("import-reg", "--name", "cafe", "old.reg"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "(REGEDIT4).\n"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "name: cafe\n"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "    key: 'HKLM\\SOFTWARE\\Caf\xc3\xa9'\n"
	                                 "    value: 'Name'\n    kind: sz\n"
	                                 "    data: \"Soci\xc3\xa9t\xc3\xa9\"\n"),
	                   "%s", r.out);
	cr_expect_not_null(strstr(r.out, "    kind: expand-sz\n    data: \"%TEMP%\"\n"), "%s",
	                   r.out);
	th_cli_free(&r);
}

typedef struct bad_case {
	const char *text;
	const char *err;
} bad_case;

static const char head[] = "Windows Registry Editor Version 5.00\r\n\r\n";

Test(importreg, what_cannot_be_imported_is_an_error_with_its_line_and_nothing_printed)
{
	static const bad_case cases[] = {
	    {"[HKEY_CURRENT_USER\\Software\\X]\r\n\"A\"=dword:1\r\n",
	     "bad.reg:3: key 'HKEY_CURRENT_USER\\Software\\X' is outside HKEY_LOCAL_MACHINE: "
	     "enforcer manages machine settings only"},
	    {"[-HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n",
	     "bad.reg:3: [-HKEY_LOCAL_MACHINE\\SOFTWARE\\X] deletes a whole key, which a policy of "
	     "registry values cannot express: list its values as \"NAME\"=- instead, or delete it "
	     "by hand"},
	    {"\"A\"=dword:1\r\n",
	     "bad.reg:3: a value before any [HKEY_LOCAL_MACHINE\\...] key line"},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=hex(0):\r\n",
	     "bad.reg:4: hex(0) is a registry type no policy kind holds: the kinds are dword "
	     "(hex(4)), qword (hex(b)), sz (hex(1)), expand-sz (hex(2)), multi-sz (hex(7)) and "
	     "binary (hex or hex(3))"},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=dword:123456789\r\n",
	     "bad.reg:4: 'dword:123456789' is not dword: followed by 1 to 8 hex digits"},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=word:1\r\n",
	     "bad.reg:4: 'word:1' is none of the data regedit writes: \"text\", dword:, hex:, "
	     "hex(TYPE): or - (delete)"},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=\"C:\\temp\"\r\n",
	     "bad.reg:4: unknown escape '\\t' in a string: regedit writes only \\\\ and \\\""},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=hex:0g,01\r\n",
	     "bad.reg:4: '0g,01' is not a list of hex bytes such as 0a,ff,00"},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=hex(7):61,00,00,00,00,00,62,00,00,00,00,00\r\n",
	     "bad.reg:4: the multi-sz data holds an empty string before its end: programs "
	     "reading it stop there, and a policy cannot hold it"},
	    {"[HKEY_LOCAL_MACHINE\\SOFTWARE\\X\r\n",
	     "bad.reg:3: a key line must end with ']': [HKEY_LOCAL_MACHINE\\SOFTWARE\\X"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = enf_asprintf("%s%s", head, cases[i].text);
		write_utf16("bad.reg", text);
		free(text);
		th_cli_result r = import("bad.reg");
		char *want =
		    enf_asprintf("%s\nenforcer import-reg: nothing was written\n", cases[i].err);
		cr_expect_eq(r.code, 1, "case %zu", i);
		cr_expect_str_eq(r.out, "", "case %zu printed a policy", i);
		cr_expect_str_eq(r.err, want, "case %zu", i);
		free(want);
		th_cli_free(&r);
	}
	free(th_write(th_dir, "notreg.reg", "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n\"A\"=dword:1\n"));
	th_cli_result r = import("notreg.reg");
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.err, "notreg.reg:1: not a .reg file: its first line must be 'Windows "
	                        "Registry Editor Version 5.00' or 'REGEDIT4', not "
	                        "'[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]'\n"
	                        "enforcer import-reg: nothing was written\n");
	th_cli_free(&r);
	r = th_run_cli(th_dir, ARGS("import-reg", "--id-prefix", "Bad Prefix", "notreg.reg"), NULL);
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.out, "");
	th_cli_free(&r);
}

Test(importreg, notify_adds_a_handler_and_the_result_validates)
{
	free(th_write(th_dir, "tls.reg", every_kind));
	th_cli_result r = th_run_cli(th_dir,
	                             ARGS("import-reg", "--name", "tls", "--id-prefix", "tls.",
	                                  "--notify", "reboot-for-tls", "tls.reg"),
	                             NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "    id: tls.contoso-lync-blob\n"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "    data: \"deadbeef\"\n    notify: reboot-for-tls\n"),
	                   "%s", r.out);
	cr_expect_not_null(
	    strstr(r.out, "  - type: restart\n    id: reboot-for-tls\n    reboot: true\n"), "%s",
	    r.out);
	free(th_write(th_dir, "tls.yaml", r.out));
	th_cli_free(&r);
	r = th_run_cli(th_dir, ARGS("validate", "tls.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	th_cli_free(&r);
}

static json_t *value_of(json_t *snap, const char *key, const char *name)
{
	return json_object_get(json_object_get(json_object_get(snap, "registry"), key), name);
}

Test(importreg, the_imported_policy_applied_to_a_snapshot_leaves_the_files_values)
{
	write_utf16("every.reg", every_kind);
	th_cli_result r = import("every.reg");
	cr_assert_eq(r.code, 0, "%s", r.err);
	free(th_write(th_dir, "every.yaml", r.out));
	th_cli_free(&r);
	/* A server with other data in every value, and the value the file deletes. */
	free(th_write(th_dir, "server.json",
	              "{\"schema\": \"enforcer-snapshot/1\", \"registry\": {"
	              "\"HKLM\\\\SOFTWARE\\\\Contoso\\\\Lync\": {\"Old\": {\"kind\": \"sz\", "
	              "\"data\": \"x\"}, \"Max\": {\"kind\": \"dword\", \"data\": 7}}}}\n"));
	r = th_run_cli(
	    th_dir,
	    ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state", "every.yaml"),
	    NULL);
	cr_expect_eq(r.code, 2, "%s%s", r.out, r.err);
	th_cli_free(&r);
	char *path = enf_asprintf("%s/server.json", th_dir);
	json_t *snap = th_json_file(path);
	free(path);
	const char *lync = "HKLM\\SOFTWARE\\Contoso\\Lync";
	const char *tls = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\"
	                  "Protocols\\TLS 1.0\\Server";
	char *got = json_dumps(json_object_get(json_object_get(snap, "registry"), lync),
	                       JSON_SORT_KEYS | JSON_COMPACT);
	cr_expect_str_eq(got, "{\"\":{\"data\":\"say \\\"hi\\\" C:\\\\x\",\"kind\":\"sz\"},"
	                      "\"Big\":{\"data\":\"9223372036854775809\",\"kind\":\"qword\"},"
	                      "\"Blob\":{\"data\":\"deadbeef\",\"kind\":\"binary\"},"
	                      "\"Max\":{\"data\":4294967295,\"kind\":\"dword\"},"
	                      "\"Path\":{\"data\":\"%SystemRoot%\",\"kind\":\"expand-sz\"},"
	                      "\"Pools\":{\"data\":[\"fe01\",\"edge\"],\"kind\":\"multi-sz\"}}");
	free(got);
	cr_expect_null(value_of(snap, lync, "Old"), "the deleted value is still there");
	cr_expect_eq(json_integer_value(json_object_get(value_of(snap, tls, "Enabled"), "data")),
	             0);
	cr_expect_eq(
	    json_integer_value(json_object_get(value_of(snap, tls, "DisabledByDefault"), "data")),
	    1);
	json_decref(snap);
	/* Converged: a second apply changes nothing. */
	r = th_run_cli(
	    th_dir,
	    ARGS("apply", "--target", "snapshot:server.json", "--state-dir", "state", "every.yaml"),
	    NULL);
	cr_expect_eq(r.code, 0, "%s%s", r.out, r.err);
	th_cli_free(&r);
}
