/*
 * Value types shared by the policy model, the providers and the engine:
 * certificate stores, registry values, service settings.
 */
#ifndef ENFORCER_TYPES_H
#define ENFORCER_TYPES_H

#include "common.h"

/* The LocalMachine certificate stores the enforcer manages. */
typedef enum enf_store {
	ENF_STORE_ROOT = 0,
	ENF_STORE_CA,
	ENF_STORE_MY,
	ENF_STORE_TRUSTED_PEOPLE,
	ENF_STORE_TRUSTED_PUBLISHER,
	ENF_STORE_DISALLOWED,
	ENF_STORE__COUNT
} enf_store;

/* "Root", "CA", "My", ... as Windows names the system stores. */
const char *enf_store_name(enf_store store);

/*
 * Parses a store name, case-insensitively, with or without a
 * "LocalMachine\" prefix. Returns 0 or ENF_EINVALID.
 */
int enf_store_parse(enf_store *out, const char *name);
/* Every store's name, NULL-terminated (parsed in any case). */
const char *const *enf_store_names(void);

/* Registry value kinds, with the Windows REG_* numbers they stand for. */
typedef enum enf_reg_kind {
	ENF_REG_NONE = 0,      /* REG_NONE */
	ENF_REG_SZ = 1,        /* REG_SZ */
	ENF_REG_EXPAND_SZ = 2, /* REG_EXPAND_SZ */
	ENF_REG_BINARY = 3,    /* REG_BINARY */
	ENF_REG_DWORD = 4,     /* REG_DWORD (little-endian) */
	ENF_REG_MULTI_SZ = 7,  /* REG_MULTI_SZ */
	ENF_REG_QWORD = 11     /* REG_QWORD */
} enf_reg_kind;

/*
 * One registry value. `type` is the Windows type number; for the kinds above
 * the matching typed field holds the data. Any other type (REG_LINK,
 * REG_RESOURCE_LIST, big-endian DWORD...) is kept as raw bytes so that a
 * journal can restore it exactly.
 */
typedef struct enf_reg_value {
	uint32_t type;
	uint64_t number;      /* DWORD, QWORD */
	char *text;           /* SZ, EXPAND_SZ: UTF-8 */
	char **list;          /* MULTI_SZ: UTF-8 strings */
	size_t count;         /* MULTI_SZ: number of strings */
	unsigned char *bytes; /* BINARY, and every other type: raw data */
	size_t size;          /* size of bytes */
} enf_reg_value;

/* The policy's name for a kind: "dword", "sz", ...; NULL for other types. */
const char *enf_reg_kind_name(uint32_t type);

/* Parses "dword", "qword", "sz", "expand-sz", "multi-sz", "binary". */
int enf_reg_kind_parse(uint32_t *out, const char *name);
/* Those names, NULL-terminated. */
const char *const *enf_reg_kind_names(void);

/* Deep copy; `out` is untouched on failure. */
int enf_reg_value_copy(enf_reg_value *out, const enf_reg_value *src);

/* True when type and data are the same. */
int enf_reg_value_equal(const enf_reg_value *a, const enf_reg_value *b);

/*
 * True when the value was read from stored bytes that hold more than its
 * reading shows (an embedded NUL with more after it, an empty string inside
 * a REG_MULTI_SZ, extra bytes): no value of a policy writes those bytes.
 */
int enf_reg_value_hides_bytes(const enf_reg_value *v);

/*
 * A short human form for plans and reports: "DWORD 2 (0x2)", "SZ \"x\"",
 * "MULTI_SZ [\"a\", \"b\"]", "BINARY 01ff", "type 6, 12 bytes". free() it.
 */
char *enf_reg_value_describe(const enf_reg_value *v);

/* Frees what the value owns and zeroes it; accepts NULL. */
void enf_reg_value_clear(enf_reg_value *v);

/* Service start modes. */
typedef enum enf_startup {
	ENF_STARTUP_UNSET = 0,
	ENF_STARTUP_AUTOMATIC,
	ENF_STARTUP_DELAYED_AUTOMATIC,
	ENF_STARTUP_MANUAL,
	ENF_STARTUP_DISABLED,
	ENF_STARTUP_BOOT,  /* drivers only; read, never set */
	ENF_STARTUP_SYSTEM /* drivers only; read, never set */
} enf_startup;

const char *enf_startup_name(enf_startup startup);
int enf_startup_parse(enf_startup *out, const char *name);

/* Service run states. */
typedef enum enf_svc_state {
	ENF_SVC_UNSET = 0,
	ENF_SVC_STOPPED,
	ENF_SVC_RUNNING,
	ENF_SVC_START_PENDING,
	ENF_SVC_STOP_PENDING,
	ENF_SVC_PAUSED,
	ENF_SVC_OTHER
} enf_svc_state;

const char *enf_svc_state_name(enf_svc_state state);

/* What is known about a service's stored password. */
typedef enum enf_tristate { ENF_UNKNOWN = -1, ENF_NO = 0, ENF_YES = 1 } enf_tristate;

/*
 * The product facts (docs/POLICY.md): `os.product` ("windows-server-2019")
 * and `lync.product` ("sfb-2019", "sfb-se"...).
 */

/* The values a product fact may have, NULL-terminated; NULL when `fact` is not one. */
const char *const *enf_product_values(const char *fact);

/* Microsoft's name for a product fact's value ("Skype for Business Server 2019"), or NULL. */
const char *enf_product_name(const char *fact, const char *value);

/* The os.product of a Windows Server build number (17763: "windows-server-2019"), or NULL. */
const char *enf_os_product_of_build(unsigned long build);

/*
 * The lync.product of an installed product, from its name ("Skype for
 * Business Server 2019, Core Components") or, when the name does not say,
 * its version where that alone tells (5.x Lync Server 2013, 6.x Skype for
 * Business Server 2015); NULL when neither tells.
 */
const char *enf_lync_product_of(const char *display_name, const char *version);

/*
 * The role facts (docs/POLICY.md): `role` (edge, front-end, director,
 * mediation, unknown, none), `role.edition` (standard or enterprise, for a
 * Front End where it can be told) and `role.description` (what RtcSrv says
 * on a server whose role is unknown).
 */

/* The values `role` or `role.edition` may have, NULL-terminated; NULL for another fact. */
const char *const *enf_role_values(const char *fact);

/* What a server shows of its Lync/SfB role (util/roles.c says what each sign means). */
typedef struct enf_role_evidence {
	int rtcsrv;                      /* the RtcSrv service exists */
	const char *rtcsrv_display_name; /* its display name and description, or NULL */
	const char *rtcsrv_description;
	int medsrv;                  /* the Mediation service, RTCMEDSRV, exists */
	int sql_rtc;                 /* the SQL Server instance RTC (service MSSQL$RTC) exists */
	int sql_rtclocal;            /* the SQL Server instance RTCLOCAL exists */
	const char *const *products; /* installed products' names, NULL-terminated, or NULL */
} enf_role_evidence;

typedef struct enf_role {
	const char *role;    /* one of enf_role_values("role") */
	const char *edition; /* "standard", "enterprise", or NULL when it cannot be told */
	char *description;   /* for "unknown": what RtcSrv says (target text, untrusted) */
} enf_role;

/* The role that `evidence` shows; free `out` with enf_role_clear(). */
int enf_role_of(enf_role *out, const enf_role_evidence *evidence);
void enf_role_clear(enf_role *role);

/*
 * The services whose existence could still change `role`, found from
 * `evidence` without them: RTCMEDSRV on a Lync/SfB server that names no role
 * yet, the SQL instances for a Front End's edition. A provider for which
 * each lookup costs (an RPC to the Service Control Manager) asks only these.
 */
#define ENF_ROLE_ASK_MEDSRV 1u
#define ENF_ROLE_ASK_SQL    2u
unsigned enf_role_questions(const enf_role *role, const enf_role_evidence *evidence);

#endif
