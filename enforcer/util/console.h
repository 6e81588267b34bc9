/*
 * The process's own arguments and console, for the CLI: on Windows both
 * are UTF-16 at the operating system and UTF-8 everywhere in enforcer.
 * POSIX has nothing to convert (console_posix.c).
 */
#ifndef ENFORCER_UTIL_CONSOLE_H
#define ENFORCER_UTIL_CONSOLE_H

/*
 * Replaces *argv with the command line as UTF-8. Windows: the C runtime's
 * UTF-16 arguments (__wgetmainargs, split by the same rules as the narrow
 * argv, which holds '?' for every character outside the ANSI code page).
 * The strings live as long as the process. Returns 0, or ENF_ENOMEM.
 */
int enf_main_args(int *argc, char ***argv);

/*
 * From here on, UTF-8 written to standard output or error shows correctly
 * on a console (WriteConsoleW); output to a file or pipe is unchanged.
 * enf_console_end() writes what is left and must run before the process
 * ends (the CLI registers it with atexit).
 */
int enf_console_begin(void);
void enf_console_end(void);

#endif
