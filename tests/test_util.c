/* Utilities: strings, hex, registry value helpers, store names. */
#include "helpers.h"

#include "enforcer/types.h"
#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(util, store_names_parse_case_insensitively_with_prefix)
{
	enf_store s;
	cr_assert_eq(enf_store_parse(&s, "root"), 0);
	cr_assert_eq(s, ENF_STORE_ROOT);
	cr_assert_eq(enf_store_parse(&s, "LocalMachine\\CA"), 0);
	cr_assert_eq(s, ENF_STORE_CA);
	cr_assert_eq(enf_store_parse(&s, "trustedpeople"), 0);
	cr_assert_eq(s, ENF_STORE_TRUSTED_PEOPLE);
	cr_assert_eq(enf_store_parse(&s, "Roots"), ENF_EINVALID);
	cr_assert_eq(enf_store_parse(&s, "CurrentUser\\Root"), ENF_EINVALID);
}

Test(util, dword_describe_is_unsigned)
{
	enf_reg_value v = {.type = ENF_REG_DWORD, .number = 0xFFFFFFFFu};
	char *s = enf_reg_value_describe(&v);
	cr_assert_str_eq(s, "DWORD 4294967295 (0xffffffff)");
	free(s);
}

Test(util, reg_value_equality_needs_same_kind)
{
	enf_reg_value a = {.type = ENF_REG_DWORD, .number = 2};
	enf_reg_value b = {.type = ENF_REG_QWORD, .number = 2};
	cr_assert(!enf_reg_value_equal(&a, &b));
	b.type = ENF_REG_DWORD;
	cr_assert(enf_reg_value_equal(&a, &b));
}

Test(util, hex_round_trip_and_rejects_odd_length)
{
	unsigned char *bytes = NULL;
	size_t len = 0;
	cr_assert_eq(enf_unhex(&bytes, &len, "01 ff 0A"), 0);
	cr_assert_eq(len, 3);
	char *hex = enf_hex(bytes, len, 1);
	cr_assert_str_eq(hex, "01FF0A");
	free(hex);
	free(bytes);
	cr_assert_eq(enf_unhex(&bytes, &len, "abc"), ENF_EINVALID);
	cr_assert_eq(enf_unhex(&bytes, &len, "zz"), ENF_EINVALID);
}

Test(util, edit_distance_is_capped)
{
	cr_assert_eq(enf_edit_distance("store", "stor", 3), 1);
	cr_assert_eq(enf_edit_distance("kitten", "sitting", 3), 3);
	cr_assert_eq(enf_edit_distance("a", "abcdef", 3), 3);
}

Test(util, text_crlf_turns_bare_line_feeds_into_crlf)
{
	char *t = enf_text_crlf(enf_strdup("plan: 2 changes\nregistry a\r\n\nend"), 1);
	cr_assert_str_eq(t, "plan: 2 changes\r\nregistry a\r\n\r\nend");
	free(t);
	t = enf_text_crlf(enf_strdup("\n"), 1);
	cr_assert_str_eq(t, "\r\n");
	free(t);
	t = enf_text_crlf(enf_strdup("no line end"), 1);
	cr_assert_str_eq(t, "no line end");
	free(t);
	/* Off: the text as it is (the Linux build's report.txt). */
	t = enf_text_crlf(enf_strdup("a\nb\n"), 0);
	cr_assert_str_eq(t, "a\nb\n");
	free(t);
	cr_assert_null(enf_text_crlf(NULL, 1));
	cr_assert_eq(ENF_TEXT_FILE_CRLF, 0, "the Linux build writes LF text files");
}
