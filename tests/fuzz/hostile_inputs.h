/*
 * Hostile policy inputs, generated in memory, with the first error each must
 * produce. One table serves the hostile tests (tests/test_hostile.c) and the
 * loader benchmark (bench/bench_loader.c), so that both measure and check the
 * same inputs. Header-only because it is test support code compiled into
 * those two programs and nothing else; every function is reached through the
 * table, so no including file leaves one unused.
 */
#ifndef ENFORCER_HOSTILE_INPUTS_H
#define ENFORCER_HOSTILE_INPUTS_H

#include "enforcer/policy.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct hostile_input {
	const char *name;
	/* Appends the input to an empty buffer. */
	void (*make)(enf_buf *b);
	/* The first error, "LINE:COL: message"; NULL when the input is a valid policy. */
	const char *first_error;
} hostile_input;

static void hi_repeat(enf_buf *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		enf_buf_puts(b, s);
}

static void hi_deep_flow(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: deep\ndescription: ");
	hi_repeat(b, "[", 100000);
	hi_repeat(b, "]", 100000);
	enf_buf_puts(b, "\nresources: []\n");
}

static void hi_deep_flow_map(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: deep\ndescription: ");
	hi_repeat(b, "{a: ", 100000);
	enf_buf_puts(b, "x");
	hi_repeat(b, "}", 100000);
	enf_buf_puts(b, "\n");
}

/* Compact block sequences, "- - - x": 100 000 levels in 200 KB. */
static void hi_deep_block(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: deep\ndescription:\n");
	hi_repeat(b, "- ", 100000);
	enf_buf_puts(b, "x\n");
}

/* Block mappings indented one more space per level, as deep as 1 MiB allows. */
static void hi_deep_block_map(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: deep\ndescription:\n");
	for (size_t level = 1; level < 1400; level++) {
		for (size_t i = 0; i < level; i++)
			enf_buf_puts(b, " ");
		enf_buf_puts(b, "a:\n");
	}
}

/* "Billion laughs": nine levels of nine aliases each, 9^9 strings if expanded. */
static void hi_alias_bomb(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: lol\nresources:\n"
	                "  - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (char c = 'b'; c <= 'i'; c++) {
		enf_buf_printf(b, "  - &%c [", c);
		for (int i = 0; i < 9; i++)
			enf_buf_printf(b, "%s*%c", i ? ", " : "", c - 1);
		enf_buf_puts(b, "]\n");
	}
}

static void hi_alias_wide(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: wide\nx: &x lol\ndescription: [");
	for (int i = 0; i < 100000; i++)
		enf_buf_puts(b, i ? ", *x" : "*x");
	enf_buf_puts(b, "]\nresources: []\n");
}

static void hi_alias_cycle(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: cycle\ndescription: &loop [*loop, [*loop]]\n"
	                "resources: &r [*r]\n");
}

static void hi_two_mib(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: big\nresources: []\n");
	while (b->len < 2 * 1024 * 1024 && !b->failed)
		enf_buf_puts(b,
		             "# padding padding padding padding padding padding padding padding\n");
	b->len = 2 * 1024 * 1024;
}

static void hi_scalar_100k(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: big\ndescription: ");
	hi_repeat(b, "lorem ipsum ", 100 * 1024 / 12 + 1);
	enf_buf_puts(b, "\nresources: []\n");
}

static void hi_nul_bytes(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: nul\n");
	enf_buf_put(b, "description: a\0b\0c\n", 19);
	enf_buf_puts(b, "resources: []\n");
}

static void hi_all_nul(enf_buf *b)
{
	static const char zeros[4096];
	for (int i = 0; i < 16; i++)
		enf_buf_put(b, zeros, sizeof(zeros));
}

/* 64 KiB of bytes from 0x80 to 0xFF: no UTF-8 sequence can start there. */
static void hi_invalid_utf8(enf_buf *b)
{
	uint32_t x = 2463534242u; /* xorshift32: the same bytes every run */
	for (int i = 0; i < 65536; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		unsigned char c = (unsigned char)(0x80 | (x & 0x3F));
		enf_buf_put(b, &c, 1);
	}
}

/* Valid UTF-8 up to a cut in the middle of a four-byte sequence, many times over. */
static void hi_utf8_mixed(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: mixed\ndescription: ");
	hi_repeat(b, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92", 10000);
	enf_buf_puts(b, "\xf0\x9f\x94\nresources: []\n");
}

static void hi_resources(enf_buf *b, int count)
{
	enf_buf_puts(b, "enforcer: 1\nname: many\nresources:\n");
	for (int i = 0; i < count; i++)
		enf_buf_printf(b,
		               "  - {type: registry, id: r%d, key: 'HKLM\\Software\\Contoso', "
		               "value: V%d, kind: dword, data: %d}\n",
		               i, i, i);
}

static void hi_resources_10001(enf_buf *b)
{
	hi_resources(b, ENF_POLICY_MAX_RESOURCES + 1);
}

static void hi_map_10000_keys(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: keys\nresources: []\n");
	for (int i = 0; i < 10000; i++)
		enf_buf_printf(b, "key%d: %d\n", i, i);
}

static void hi_flow_map_10000_keys(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: keys\nresources:\n  - {type: restart, id: r");
	for (int i = 0; i < 10000; i++)
		enf_buf_printf(b, ", k%d: %d", i, i);
	enf_buf_puts(b, "}\n");
}

/* libyaml keeps a plain key possible for 1024 characters only. */
static void hi_long_key(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: long\n");
	hi_repeat(b, "k", 5000);
	enf_buf_puts(b, ": value\nresources: []\n");
}

/* One 950 KB line of 120 000 services, the last a repeat of the first. */
static void hi_long_services_line(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: long\nresources:\n  - {type: restart, id: r, "
	                "reboot: true, services: [");
	for (int i = 0; i < 120000; i++)
		enf_buf_printf(b, "S%d, ", i);
	enf_buf_puts(b, "S0]}\n");
}

static void hi_long_comment_line(enf_buf *b)
{
	enf_buf_puts(b, "# ");
	hi_repeat(b, "comment ", 120000);
	enf_buf_puts(b, "\nenforcer: 2\nname: long\nresources: []\n");
}

/* Every resource with a 60-character unknown key: each costs a did-you-mean. */
static void hi_unknown_keys(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: unknown\nresources:\n");
	for (int i = 0; i < 8000; i++)
		enf_buf_printf(b,
		               "  - {type: restart, id: r%d, reboot: true, "
		               "%060d: 1}\n",
		               i, i);
}

/* 10 000 resources, each after the one before it: the longest 'after' chain. */
static void hi_after_chain(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: chain\nresources:\n"
	                "  - {type: service, id: s0, name: S0, state: running}\n");
	for (int i = 1; i < ENF_POLICY_MAX_RESOURCES; i++)
		enf_buf_printf(b,
		               "  - {type: service, id: s%d, name: S%d, state: running, "
		               "after: s%d}\n",
		               i, i, i - 1);
}

/* The same chain closed into one cycle of 10 000 resources. */
static void hi_after_cycle(enf_buf *b)
{
	enf_buf_puts(b, "enforcer: 1\nname: cycle\nresources:\n");
	for (int i = 0; i < ENF_POLICY_MAX_RESOURCES; i++)
		enf_buf_printf(b, "  - {type: service, id: s%d, name: S%d, after: s%d}\n", i, i,
		               (i + 1) % ENF_POLICY_MAX_RESOURCES);
}

/* A valid policy of about 1 MB: the benchmark's reference input. */
static void hi_large_valid(enf_buf *b)
{
	hi_resources(b, ENF_POLICY_MAX_RESOURCES);
}

static const hostile_input hostile_inputs[] = {
    {"deep-flow-seq", hi_deep_flow,
     "3:45: nesting deeper than 32 levels; a policy never needs that: check the indentation"},
    {"deep-flow-map", hi_deep_flow_map,
     "3:138: nesting deeper than 32 levels; a policy never needs that: check the indentation"},
    {"deep-block-seq", hi_deep_block,
     "4:63: nesting deeper than 32 levels; a policy never needs that: check the indentation"},
    {"deep-block-map", hi_deep_block_map,
     "35:33: nesting deeper than 32 levels; a policy never needs that: check the indentation"},
    {"alias-bomb", hi_alias_bomb,
     "4:5: anchors (&a) are not allowed in a policy; write the value out"},
    {"alias-wide", hi_alias_wide,
     "3:4: anchors (&x) are not allowed in a policy; write the value out"},
    {"alias-cycle", hi_alias_cycle,
     "3:14: anchors (&loop) are not allowed in a policy; write the value out"},
    {"file-2mib", hi_two_mib,
     "1:1: the file is 2097152 bytes; a policy may be at most 1048576 bytes (1 MiB): split "
     "it into several policy files"},
    {"scalar-100kib", hi_scalar_100k,
     "3:14: a value of 102407 bytes; the limit is 65536 bytes (64 KiB): put large data (a "
     "certificate) in a file the policy refers to"},
    {"nul-bytes", hi_nul_bytes, "3:15: the file has a NUL byte; a policy is plain UTF-8 text"},
    {"all-nul", hi_all_nul, "1:1: the file has a NUL byte; a policy is plain UTF-8 text"},
    {"invalid-utf8", hi_invalid_utf8,
     "1:1: the file is not valid UTF-8 (0xa3: invalid leading UTF-8 octet); "
     "save it as UTF-8, not ANSI or Windows-1252"},
    {"utf8-cut", hi_utf8_mixed,
     "3:30014: the file is not valid UTF-8 (0xf0 0x9f 0x94 0x0a: invalid trailing UTF-8 "
     "octet); save it as UTF-8, not ANSI or Windows-1252"},
    {"resources-10001", hi_resources_10001,
     "10004:5: more than 10000 resources; split the policy into several files"},
    {"map-10000-keys", hi_map_10000_keys, "257:1: more than 256 keys in one mapping"},
    {"flow-map-10000-keys", hi_flow_map_10000_keys, "4:2602: more than 256 keys in one mapping"},
    {"long-key", hi_long_key, "3:5001: YAML syntax error: could not find expected ':'"},
    {"long-services-line", hi_long_services_line,
     "4:968943: service 'S0' is listed more than once (service names ignore case)"},
    {"long-comment-line", hi_long_comment_line,
     "2:11: policy format version 2 is not supported; this enforcer reads version 1"},
    {"unknown-keys-8000", hi_unknown_keys,
     "4:43: unknown key '000000000000000000000000000000000000000000000000000000000000' in "
     "the restart resource 'r0'; the keys are: type, id, services, reboot, timeout, defer, when, after, "
     "notify, mode, waiver"},
    {"after-cycle-10000", hi_after_cycle,
     "10003:52: 'after' makes a cycle: s0 after s1 after s2 after s3 after s4 after s5 after "
     "... (9993 more) ... after s9999 after s0; remove one of these 'after' entries"},
    {"after-chain-10000", hi_after_chain, NULL},
    {"large-valid-10000", hi_large_valid, NULL},
};

#endif
