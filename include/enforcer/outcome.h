/*
 * The outcome of one resource in one run. It drives the plan, the apply,
 * the exit code and every report format.
 */
#ifndef ENFORCER_OUTCOME_H
#define ENFORCER_OUTCOME_H

typedef enum enf_outcome {
	ENF_OUTCOME_COMPLIANT = 0, /* actual state equals desired state */
	ENF_OUTCOME_DRIFT,         /* plan: differs and would be changed */
	ENF_OUTCOME_CHANGED,       /* apply: was changed and now verifies */
	ENF_OUTCOME_FAILED,        /* could not be read, changed or verified */
	ENF_OUTCOME_SKIPPED,       /* `when` did not match, or a dependency failed */
	ENF_OUTCOME_WAIVED,        /* drift under an unexpired waiver */
	ENF_OUTCOME_AUDIT_DRIFT,   /* drift in a `mode: audit` resource */
	ENF_OUTCOME__COUNT
} enf_outcome;

/* The name used in reports: "compliant", "drift", ..., "audit-drift". */
const char *enf_outcome_name(enf_outcome outcome);

#endif
