/* POSIX: arguments and terminals already carry the bytes enforcer uses. */
#include "util/console.h"

int enf_main_args(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int enf_console_begin(void)
{
	return 0;
}

void enf_console_end(void)
{
}
