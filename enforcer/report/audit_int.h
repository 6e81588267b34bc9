/*
 * Internal to the report module: the limits on the objects of the audit
 * repository (docs/CLI.md, "Limits of the audit repository"), which every server pushes to, for
 * the audit commit (audit.c) and the fleet view (fleet_read.c).
 */
#ifndef ENFORCER_AUDIT_INT_H
#define ENFORCER_AUDIT_INT_H

#include "util/git_limits.h"

/* A report.json larger than this is not one of ours (as report show). */
#define ENF_AUDIT_REPORT_MAX ((size_t)256 * 1024 * 1024)
/* A commit: its message is a few lines. A tree: the branch's root, one entry of some 60 bytes
 * per run (140 000 runs: 16 years of hourly runs). */
#define ENF_AUDIT_COMMIT_MAX ((size_t)1024 * 1024)
#define ENF_AUDIT_TREE_MAX   ((size_t)8 * 1024 * 1024)

extern const enf_git_limits enf_audit_git_limits;

#endif
