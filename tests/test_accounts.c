/*
 * The one table of built-in accounts (util/accounts.c): every spelling and
 * its SID in any case, the name the SCM is given, the classes of the other
 * names, and which take a password. docs/windows-semantics.md cites the
 * Microsoft pages these rules come from.
 */
#include "helpers.h"

#include "util/accounts.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *spelling, *sid, *scm;
} spellings[] = {
    {"LocalSystem", "S-1-5-18", "LocalSystem"},
    {".\\LocalSystem", "S-1-5-18", "LocalSystem"},
    {"SYSTEM", "S-1-5-18", "LocalSystem"},
    {"NT AUTHORITY\\SYSTEM", "S-1-5-18", "LocalSystem"},
    {"Local System", "S-1-5-18", "LocalSystem"},
    {"S-1-5-18", "S-1-5-18", "LocalSystem"},
    {"LocalService", "S-1-5-19", "NT AUTHORITY\\LocalService"},
    {"NT AUTHORITY\\LocalService", "S-1-5-19", "NT AUTHORITY\\LocalService"},
    {"NT AUTHORITY\\LOCAL SERVICE", "S-1-5-19", "NT AUTHORITY\\LocalService"},
    {"Local Service", "S-1-5-19", "NT AUTHORITY\\LocalService"},
    {"S-1-5-19", "S-1-5-19", "NT AUTHORITY\\LocalService"},
    {"NetworkService", "S-1-5-20", "NT AUTHORITY\\NetworkService"},
    {"NT AUTHORITY\\NetworkService", "S-1-5-20", "NT AUTHORITY\\NetworkService"},
    {"NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20", "NT AUTHORITY\\NetworkService"},
    {"Network Service", "S-1-5-20", "NT AUTHORITY\\NetworkService"},
    {"S-1-5-20", "S-1-5-20", "NT AUTHORITY\\NetworkService"},
};

/* `s` with every letter in upper case (up = 1), lower case (0), or alternating (-1). */
static char *recase(const char *s, int up)
{
	char *out = enf_strdup(s);
	cr_assert_not_null(out);
	for (size_t i = 0; out[i]; i++) {
		int u = up < 0 ? (int)(i % 2) : up;
		out[i] =
		    (char)(u ? toupper((unsigned char)out[i]) : tolower((unsigned char)out[i]));
	}
	return out;
}

Test(accounts, every_spelling_maps_to_its_sid_and_scm_name_in_any_case)
{
	for (size_t i = 0; i < ENF_ARRAY_SIZE(spellings); i++) {
		for (int up = -1; up <= 2; up++) {
			char *name = up == 2 ? enf_strdup(spellings[i].spelling)
			                     : recase(spellings[i].spelling, up);
			cr_expect_str_eq(enf_account_builtin_sid(name), spellings[i].sid, "%s",
			                 name);
			cr_expect_str_eq(enf_account_scm_name(name), spellings[i].scm, "%s", name);
			cr_expect_eq(enf_account_classify(name), ENF_ACCOUNT_BUILTIN, "%s", name);
			cr_expect_eq(enf_account_takes_password(name), 0, "%s", name);
			const enf_account_builtin *b = enf_account_builtin_find(name, NULL);
			cr_assert_not_null(b, "%s", name);
			cr_expect_str_eq(b->sid, spellings[i].sid);
			free(name);
		}
	}
	cr_expect_str_eq(enf_account_builtin_find("network service", NULL)->name, "NetworkService");
	cr_expect_str_eq(enf_account_builtin_find("system", NULL)->name, "LocalSystem");
	cr_expect_str_eq(enf_account_builtin_find("nt authority\\local service", NULL)->name,
	                 "LocalService");
}

Test(accounts, only_local_system_takes_the_computer_name)
{
	cr_expect_str_eq(enf_account_builtin_find("EDGE01\\LocalSystem", "edge01")->sid,
	                 "S-1-5-18");
	cr_expect_str_eq(enf_account_builtin_find("edge01\\localsystem", "EDGE01")->sid,
	                 "S-1-5-18");
	cr_expect_null(enf_account_builtin_find("EDGE01\\LocalSystem", NULL));
	cr_expect_null(enf_account_builtin_find("EDGE01\\LocalSystem", "EDGE02"));
	cr_expect_null(enf_account_builtin_find("EDGE01\\LocalSystem", ""));
	cr_expect_null(enf_account_builtin_find("CONTOSO\\LocalSystem", "EDGE01"));
	cr_expect_null(enf_account_builtin_find("EDGE01\\NetworkService", "EDGE01"));
	cr_expect_null(enf_account_builtin_find("EDGE01\\SYSTEM", "EDGE01"));
	cr_expect_null(enf_account_builtin_find(".\\NetworkService", NULL));
	cr_expect_null(enf_account_builtin_find(".\\SYSTEM", NULL));
	/* Without the computer's name, "HOST\LocalSystem" is an ordinary account. */
	cr_expect_eq(enf_account_classify("EDGE01\\LocalSystem"), ENF_ACCOUNT_USER);
}

Test(accounts, near_misses_are_not_built_in)
{
	static const char *const others[] = {
	    "NT AUTHORITY\\Local System",
	    "NT AUTHORITY\\LocalSystem",
	    "LocalSystem2",
	    "SYSTEM ",
	    " SYSTEM",
	    "Network  Service",
	    "NetworkServices",
	    "NT AUTHORITY\\",
	    "NT AUTHORITY",
	    "S-1-5-180",
	    "S-1-5-2",
	    "S-1-5-18-1",
	    "CONTOSO\\NetworkService",
	    "",
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(others); i++) {
		cr_expect_null(enf_account_builtin_find(others[i], NULL), "'%s'", others[i]);
		cr_expect_null(enf_account_builtin_sid(others[i]), "'%s'", others[i]);
		cr_expect_null(enf_account_scm_name(others[i]), "'%s'", others[i]);
		cr_expect_neq(enf_account_classify(others[i]), ENF_ACCOUNT_BUILTIN, "'%s'",
		              others[i]);
	}
	cr_expect_null(enf_account_builtin_find(NULL, NULL));
}

Test(accounts, classes_of_other_names)
{
	static const struct {
		const char *name;
		enf_account_class want;
		int password;
	} names[] = {
	    {"NT SERVICE\\RTCSRV", ENF_ACCOUNT_VIRTUAL, 0},
	    {"nt service\\MSSQL$LYNC", ENF_ACCOUNT_VIRTUAL, 0},
	    {"S-1-5-80-1594061079-2183290469-1227286385-3345282658", ENF_ACCOUNT_VIRTUAL, 0},
	    {"CONTOSO\\gmsa-lync$", ENF_ACCOUNT_MANAGED, 0},
	    {"gmsa-lync$", ENF_ACCOUNT_MANAGED, 0},
	    {"S-1-5-21-1-2-3-1105", ENF_ACCOUNT_SID, 1},
	    {"s-1-5-32-544", ENF_ACCOUNT_SID, 1},
	    /* The group of all services, not a virtual account. */
	    {"S-1-5-80-0", ENF_ACCOUNT_SID, 1},
	    {"CONTOSO\\svc-lync", ENF_ACCOUNT_USER, 1},
	    {".\\svc-lync", ENF_ACCOUNT_USER, 1},
	    {"svc-lync", ENF_ACCOUNT_USER, 1},
	    {"svc-lync@contoso.com", ENF_ACCOUNT_USER, 1},
	    {"NT SERVICE\\", ENF_ACCOUNT_USER, 1},
	    {"CONTOSO\\$", ENF_ACCOUNT_USER, 1},
	    {"$", ENF_ACCOUNT_USER, 1},
	    {"S-1-5-", ENF_ACCOUNT_USER, 1},
	    {"S-1-x-18", ENF_ACCOUNT_USER, 1},
	};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(names); i++) {
		cr_expect_eq(enf_account_classify(names[i].name), names[i].want, "'%s' is class %d",
		             names[i].name, (int)enf_account_classify(names[i].name));
		cr_expect_eq(enf_account_takes_password(names[i].name), names[i].password, "'%s'",
		             names[i].name);
		cr_expect_null(enf_account_scm_name(names[i].name), "'%s'", names[i].name);
	}
}

Test(accounts, sid_strings_are_recognised_by_their_shape)
{
	static const char *const sids[] = {"S-1-5-18", "s-1-5-20", "S-1-5-21-1-2-3-1105", "S-1-0-0",
	                                   "S-1-16-12288"};
	static const char *const not_sids[] = {"S-1-",       "S-1-5",       "S-1-5-",   "S-1-5--18",
	                                       "S-1-5-18-",  "S-2-5-18",    "S-1-5-1a", "S-1-5-18 ",
	                                       "SID-1-5-18", "LocalSystem", ""};
	for (size_t i = 0; i < ENF_ARRAY_SIZE(sids); i++)
		cr_expect(enf_account_is_sid(sids[i]), "'%s'", sids[i]);
	for (size_t i = 0; i < ENF_ARRAY_SIZE(not_sids); i++)
		cr_expect(!enf_account_is_sid(not_sids[i]), "'%s'", not_sids[i]);
}
