/*
 * Who may change what enforcer reads and writes. The state folder (lock,
 * journals, pending restarts), the report folder, the policy file or
 * repository, the signers file, the signing key and password files are
 * trust boundaries: a run as SYSTEM or root that reads a journal another
 * user planted would restore that user's values, and one that writes
 * through a link another user placed would write where that user chose.
 * docs/CLI.md ("Who may write the state folder and the inputs") gives the
 * rule and docs/windows-semantics.md the Windows behaviour behind it.
 *
 * The rule, on the object and (ENF_GUARD_PARENTS) every folder above it:
 * - It is not a symbolic link or another reparse point (junction, mount
 *   point).
 * - Windows: its owner is SYSTEM, Administrators, TrustedInstaller or the
 *   account running enforcer, and no allow entry gives anyone else a right
 *   to change it (write, append, add files, delete, change its permissions
 *   or owner). A folder above it may let others add entries (ProgramData
 *   does) but not delete or rename them, nor change its permissions. Under
 *   Wine, which shows Unix modes as DACLs without the sticky bit, folders
 *   above are checked only for the last (docs/windows-semantics.md).
 * - POSIX: it belongs to root or the user running enforcer, and its group
 *   and others cannot write it. A folder above it may be writable by others
 *   only when it is sticky (/tmp): they then cannot rename or delete what
 *   is not theirs.
 * "The account running enforcer" is the only account besides the system's
 * own that may own or write these: that is the account a scheduled task
 * names. A policy cannot widen it, since the policy is one of the files
 * checked.
 */
#ifndef ENFORCER_GUARD_H
#define ENFORCER_GUARD_H

#define ENF_GUARD_FILE    0x1u /* must be a regular file */
#define ENF_GUARD_DIR     0x2u /* must be a folder */
#define ENF_GUARD_PARENTS 0x4u /* check every folder above it too */
#define ENF_GUARD_TREE    0x8u /* a folder: check everything in it, at any depth */
/* A path that does not exist yet: check the nearest folder above it that does. */
#define ENF_GUARD_MAY_BE_MISSING 0x10u

/*
 * Checks `path` as the rule above says. 0 when only the system and the
 * account running enforcer can change it; ENF_EACCESS with a message that
 * names the object, who can write it and what to run; ENF_ENOTFOUND when
 * it does not exist (without ENF_GUARD_MAY_BE_MISSING).
 */
int enf_guard_check(const char *path, unsigned flags);

/*
 * The state folder: created when missing (with its missing parents), with
 * a protected DACL that gives SYSTEM and Administrators full control and
 * nobody else anything, owned by Administrators (Windows), or mode 0700
 * (POSIX); then checked with enf_guard_check(DIR | PARENTS), whether it
 * was just made or existed. Part of `enforcer install` and of every run
 * that writes the state folder.
 */
int enf_state_dir_create(const char *path);

/*
 * Process-wide hardening, first thing in main: on Windows, DLLs loaded
 * later (the delay-loaded system DLLs) come only from System32
 * (SetDefaultDllDirectories). Nothing to do on POSIX.
 */
int enf_guard_process(void);

#endif
