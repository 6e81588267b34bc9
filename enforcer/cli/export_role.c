/*
 * `enforcer export` without a selection: the policy of what this server is,
 * by its role fact. Everything written is the server's state now, so that
 * the policy validates and a plan of it on the same server changes nothing:
 *  - the Lync / Skype for Business services of the role that are present,
 *    with their log-on accounts, start modes and states;
 *  - every value of the Schannel and TLS keys that exist (protocols,
 *    ciphers, hashes, key exchanges, the cipher-suite order, .NET's strong
 *    crypto, WinHTTP's default protocols);
 *  - Root and CA as trust stores whose allow lists are what they hold now.
 *    Root's misplaced certificates (intermediates) are moved to CA by
 *    default; when Root holds some now, the policy says `misplaced: report`
 *    and why, so that applying it changes nothing, and the plan names them.
 */
#include "export.h"

#include "enforcer/cert.h"
#include "enforcer/errors.h"

#include <stdlib.h>
#include <string.h>

/* The services each role runs, as Get-CsWindowsService names them; absent ones are left out. */
static const char *const edge_services[] = {
    "RTCSRV", /* Access Edge */
    "RTCDATAPROXY", "RTCMRAUTH", "RTCMEDIARELAY", "RTCXMPPTGWPX", "REPLICA", "RTCCLSAGT", NULL};
static const char *const front_end_services[] = {
    "RTCSRV",     "REPLICA", "RTCCLSAGT",  "RTCDATAMCU",    "RTCAVMCU", "RTCASMCU", "RTCIMMCU",
    "RTCCAA",     "RTCCAS",  "RTCMEDSRV",  "RTCATS",        "RTCCPS",   "RTCRGS",   "RTCPDPAUTH",
    "RTCPDPCORE", "RTCHOST", "RTCXMPPTGW", "FabricHostSvc", NULL};
/* A Director authenticates and routes, on the Front End's service; it hosts no conferencing. */
static const char *const director_services[] = {"RTCSRV", "REPLICA", "RTCCLSAGT", NULL};
static const char *const mediation_services[] = {"RTCMEDSRV", "RTCSRV", "REPLICA", "RTCCLSAGT",
                                                 NULL};

/* The roles whose services an export writes, and what each is called in its comment. */
static const struct {
	const char *role;
	const char *const *services;
	const char *what;
} role_services[] = {
    {"edge", edge_services, "an Edge Server"},
    {"front-end", front_end_services, "a Front End Server"},
    {"director", director_services, "a Director"},
    {"mediation", mediation_services, "a Mediation Server"},
};

#define SCHANNEL "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"

/* The keys read below Schannel's, each with its subkeys' names. */
static const struct {
	const char *under;
	const char *const *subkeys;
	int server_client; /* each subkey has Server and Client subkeys */
} schannel_keys[] = {
    {SCHANNEL "\\Protocols",
     (const char *const[]){"PCT 1.0", "Multi-Protocol Unified Hello", "SSL 2.0", "SSL 3.0",
                           "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "DTLS 1.0", "DTLS 1.2",
                           NULL},
     1},
    {SCHANNEL "\\Ciphers",
     (const char *const[]){"NULL", "DES 56/56", "RC2 40/128", "RC2 56/128", "RC2 128/128",
                           "RC4 40/128", "RC4 56/128", "RC4 64/128", "RC4 128/128",
                           "Triple DES 168", "AES 128/128", "AES 256/256", NULL},
     0},
    {SCHANNEL "\\Hashes", (const char *const[]){"MD5", "SHA", "SHA256", "SHA384", "SHA512", NULL},
     0},
    {SCHANNEL "\\KeyExchangeAlgorithms",
     (const char *const[]){"Diffie-Hellman", "ECDH", "PKCS", NULL}, 0},
};

/* TLS settings outside Schannel's key: the cipher-suite order, .NET, WinHTTP. */
static const char *const tls_keys[] = {
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Cryptography\\Configuration\\Local\\SSL\\00010002",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002",
    "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319",
    "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v2.0.50727",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp",
    NULL};

static int export_services(cli_exporter *x, const char *role)
{
	size_t k = 0;
	while (role && k < ENF_ARRAY_SIZE(role_services) &&
	       strcmp(role, role_services[k].role) != 0)
		k++;
	if (!role || k == ENF_ARRAY_SIZE(role_services)) {
		cli_pw_comment(
		    &x->w, "  ",
		    role && strcmp(role, "none") == 0
		        ? "No Lync or Skype for Business role (role: none): no services."
		    : role
		        ? "The role is unknown (role: unknown; role.description says what RtcSrv "
		          "says): no services."
		        : "The role is unknown (RtcSrv says neither Edge nor Front End): "
		          "no services.");
		return 0;
	}
	const char *const *names = role_services[k].services;
	char *what =
	    enf_asprintf("The services of %s that are on this server.", role_services[k].what);
	cli_pw_comment(&x->w, "  ", what ? what : "The role's services.");
	free(what);
	int rc = 0;
	for (size_t i = 0; names[i] && rc == 0; i++) {
		rc = cli_export_service(x, names[i]);
		if (rc == ENF_ENOTFOUND) {
			enf_error_clear();
			rc = 0;
		}
	}
	return rc;
}

static int export_keys(cli_exporter *x)
{
	cli_pw_comment(&x->w, "  ", "Schannel and TLS: every value of the keys that exist.");
	int rc = cli_export_key(x, SCHANNEL, 2, 1);
	enf_buf key = ENF_BUF_INIT;
	for (size_t k = 0; k < ENF_ARRAY_SIZE(schannel_keys) && rc == 0; k++) {
		for (const char *const *sub = schannel_keys[k].subkeys; *sub && rc == 0; sub++) {
			for (int side = 0;
			     side < (schannel_keys[k].server_client ? 2 : 1) && rc == 0; side++) {
				key.len = 0;
				enf_buf_printf(&key, "%s\\%s%s", schannel_keys[k].under, *sub,
				               !schannel_keys[k].server_client ? ""
				               : side == 0                     ? "\\Server"
				                                               : "\\Client");
				rc =
				    key.failed ? enf_error_oom() : cli_export_key(x, key.ptr, 2, 1);
			}
		}
	}
	enf_buf_clear(&key);
	for (size_t i = 0; tls_keys[i] && rc == 0; i++)
		rc = cli_export_key(x, tls_keys[i], 2, 1);
	return rc;
}

/* One trust store, allowing what it holds now. */
int cli_export_trust_store(cli_exporter *x, enf_store store)
{
	enf_cert_list list = {0};
	int rc = x->target->provider->cert_list(&list, x->target->self, store);
	if (rc)
		return rc;
	const int root = store == ENF_STORE_ROOT;
	enf_buf items = ENF_BUF_INIT, misplaced = ENF_BUF_INIT;
	size_t kept = 0, intermediates = 0;
	for (size_t i = 0; i < list.count && rc == 0; i++) {
		const enf_cert_entry *e = &list.items[i];
		/* A certificate in two physical stores of one system store is listed twice. */
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = memcmp(list.items[j].thumbprint, e->thumbprint, 20) == 0;
		if (seen)
			continue;
		char *hex = enf_hex(e->thumbprint, 20, 1);
		enf_cert *cert = NULL;
		char *about = NULL;
		if (enf_cert_from_der(&cert, e->der, e->der_len) == 0) {
			const enf_cert_info *info = enf_cert_info_get(cert);
			about = enf_asprintf("%s, valid until %.10s", info->subject,
			                     info->not_after_iso);
			if (root && !info->self_signed) {
				intermediates++;
				enf_buf_printf(&misplaced, "%s'%s'", misplaced.len ? ", " : "",
				               info->name);
			}
			enf_cert_free(cert);
		} else {
			enf_error_clear();
			about = enf_strdup("not a certificate OpenSSL can parse");
		}
		if (!hex || !about) {
			rc = enf_error_oom();
		} else {
			enf_buf_puts(&items, "      # ");
			if (cli_pw_text(&items, about, 0))
				enf_buf_puts(&items, "(not UTF-8)");
			enf_buf_printf(&items, "\n      - \"%s\"\n", hex);
			kept++;
		}
		free(hex);
		free(about);
	}
	const char *name = enf_store_name(store);
	char *note = enf_asprintf("LocalMachine\\%s allows the %zu certificate%s it holds now.",
	                          name, kept, kept == 1 ? "" : "s");
	if (rc == 0 && note) {
		cli_pw_comment(&x->w, "  ", note);
		rc = cli_pw_resource_head(&x->w, "trust-store", "trust.", name, "store");
	} else if (rc == 0) {
		rc = enf_error_oom();
	}
	free(note);
	if (rc == 0) {
		enf_buf_printf(&x->w.out, "    store: %s\n", name);
		if (intermediates) {
			/* The default, move, would change the server; the plan names them instead.
			 */
			char *why = enf_asprintf(
			    "Root holds %zu certificate%s that %s not self-signed (an intermediate "
			    "belongs in CA): %s. misplaced: report keeps this policy from changing "
			    "the server, and its plan names them; write move (the default) to move "
			    "them to CA.",
			    intermediates, intermediates == 1 ? "" : "s",
			    intermediates == 1 ? "is" : "are", misplaced.ptr ? misplaced.ptr : "");
			cli_pw_comment(&x->w, "    ", why ? why : "Root holds intermediates.");
			free(why);
			enf_buf_puts(&x->w.out, "    misplaced: report\n");
		}
		if (kept == 0)
			enf_buf_puts(&x->w.out, "    allow: []\n");
		else
			enf_buf_printf(&x->w.out, "    allow:\n%s", items.ptr ? items.ptr : "");
		if (items.failed || misplaced.failed)
			rc = enf_error_oom();
	}
	enf_buf_clear(&items);
	enf_buf_clear(&misplaced);
	enf_cert_list_clear(&list);
	return rc;
}

int cli_export_role(cli_exporter *x, const char *role)
{
	const enf_provider *p = x->target->provider;
	int rc = 0;
	if (p->caps & ENF_CAP_SERVICES)
		rc = export_services(x, role);
	if (rc == 0 && (p->caps & ENF_CAP_REGISTRY) && p->reg_values)
		rc = export_keys(x);
	if (rc == 0 && (p->caps & ENF_CAP_CERTS))
		rc = cli_export_trust_store(x, ENF_STORE_ROOT);
	if (rc == 0 && (p->caps & ENF_CAP_CERTS))
		rc = cli_export_trust_store(x, ENF_STORE_CA);
	return rc;
}
