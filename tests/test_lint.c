/*
 * enforcer validate --lint (issue 18): warnings with FILE:LINE:COL for what is
 * valid but probably not meant, exit 0 unless --strict; and no warning for a
 * policy without such a thing.
 */
#include "helpers.h"

#include "util/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

TestSuite(lint, .init = th_dir_init, .fini = th_dir_fini);

/* Runs validate with `flags` on `text` as p.yaml; expects `code` and exactly `err` on stderr. */
static void expect_lint(const char *text, const char *flag, int code, const char *err)
{
	free(th_write(th_dir, "p.yaml", text));
	th_cli_result r = flag
	                      ? th_run_cli(th_dir, ARGS("validate", "--lint", flag, "p.yaml"), NULL)
	                      : th_run_cli(th_dir, ARGS("validate", "--lint", "p.yaml"), NULL);
	cr_expect_eq(r.code, code, "%s%s", r.out, r.err);
	cr_expect_str_eq(r.err, err);
	th_cli_free(&r);
}

static const char twice[] =
    "enforcer: 1\nname: twice\nresources:\n"
    "  - {type: registry, id: a, key: 'HKLM\\Software\\X', value: V, kind: dword, data: 1}\n"
    "  - {type: registry, id: b, key: 'hklm\\software\\x', value: v, kind: dword, data: 1}\n"
    "  - {type: registry, id: c, key: 'HKLM\\Software\\X', value: V, kind: dword, data: 2}\n";

Test(lint, the_same_registry_value_twice)
{
	expect_lint(twice, NULL, 0,
	            "p.yaml:5:5: warning: 'b' sets the same value as 'a' (line 4), to the same "
	            "data: one of them is enough\n"
	            "p.yaml:6:5: warning: 'c' sets the same value as 'b' (line 5), to other data: "
	            "each run would change it back and forth\n");
	expect_lint(twice, "--strict", 1,
	            "p.yaml:5:5: warning: 'b' sets the same value as 'a' (line 4), to the same "
	            "data: one of them is enough\n"
	            "p.yaml:6:5: warning: 'c' sets the same value as 'b' (line 5), to other data: "
	            "each run would change it back and forth\n");
}

Test(lint, what_a_shipped_baseline_sets_differently)
{
	expect_lint(
	    "enforcer: 1\nname: mine\nresources:\n"
	    "  - {type: registry, id: ticket, key: "
	    "'HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel', value: "
	    "EnableSessionTicket, kind: dword, data: 1}\n"
	    "  - {type: service, id: rtc, name: RTCSRV, startup: manual}\n",
	    NULL, 0,
	    "p.yaml:4:5: warning: 'ticket' sets "
	    "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\Schannel\\"
	    "EnableSessionTicket to DWORD 1 (0x1); the shipped baseline lync-front-end "
	    "('schannel.session-ticket' sets DWORD 2 (0x2)): keep them apart with when: or follow "
	    "the baseline\n"
	    "p.yaml:5:5: warning: 'rtc' sets RTCSRV's start mode to manual; the shipped baseline "
	    "lync-edge ('access-edge' sets automatic): keep them apart with when: or follow the "
	    "baseline\n");
}

Test(lint, one_service_restarted_twice_by_a_change)
{
	expect_lint("enforcer: 1\nname: twice\nresources:\n"
	            "  - {type: registry, id: t, key: 'HKLM\\Software\\X', value: V, kind: dword, "
	            "data: 1, notify: [r1, r2]}\n"
	            "  - {type: restart, id: r1, services: [A, RTCSRV]}\n"
	            "  - {type: restart, id: r2, services: [rtcsrv]}\n",
	            NULL, 0,
	            "p.yaml:4:5: warning: 't' notifies 'r1' and 'r2', which both restart RTCSRV: a "
	            "change would restart it twice in one run\n");
}

Test(lint, conditions_that_can_never_hold_together)
{
	expect_lint(
	    "enforcer: 1\nname: never\nwhen:\n  os.build: \">= 9600\"\n  role: edge\n"
	    "resources:\n"
	    "  - {type: service, id: old, name: A, startup: manual, when: {os.build: \"< "
	    "9600\"}}\n"
	    "  - {type: service, id: fe, name: B, startup: manual, when: {role: front-end}}\n"
	    "  - {type: service, id: ok, name: C, startup: manual, when: {os.build: \"<= "
	    "9600\", role: [edge, front-end]}}\n",
	    NULL, 0,
	    "p.yaml:7:5: warning: 'old' can never apply: its condition on os.build and the "
	    "policy's (line 4) exclude each other\n"
	    "p.yaml:8:5: warning: 'fe' can never apply: its condition on role and the "
	    "policy's (line 5) exclude each other\n");
}

Test(lint, a_policy_without_such_things_has_no_warning)
{
	free(
	    th_write(th_dir, "p.yaml",
	             "enforcer: 1\nname: clean\nwhen: {os.build: \">= 9600\"}\nresources:\n"
	             "  - {type: registry, id: a, key: 'HKLM\\Software\\X', value: V, kind: dword, "
	             "data: 1, notify: r}\n"
	             "  - {type: registry, id: b, key: 'HKLM\\Software\\X', value: W, kind: dword, "
	             "data: 1, notify: r}\n"
	             "  - {type: restart, id: r, services: [A]}\n"));
	th_cli_result r =
	    th_run_cli(th_dir, ARGS("validate", "--lint", "--strict", "p.yaml"), NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.err, "");
	cr_expect_str_eq(r.out, "p.yaml: valid (policy 'clean', 3 resources)\n");
	th_cli_free(&r);
}
