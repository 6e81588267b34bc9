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
