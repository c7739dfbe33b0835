/* Where the built-in guests are, found from the executable's own place, so
 * that numig runs from its build folder and from an installed, staged
 * (DESTDIR) or moved prefix alike (README "Installing"). */
#ifndef NUMIG_CLI_GUESTDIR_H
#define NUMIG_CLI_GUESTDIR_H

#include <stddef.h>

#include "numig/err.h"

/* Relative to the directory of the executable: the build folder keeps the
 * guests beside numig; an installed prefix keeps them in libexec. */
#define GUESTDIR_BUILD "guests"
#define GUESTDIR_INSTALLED "../libexec/numig/guests"

/* The directory of the running executable (/proc/self/exe) into buf. */
int guestdir_self(char *buf, size_t len, struct nerr *e);

/* The guests' directory for an executable in bindir: bindir/guests when it
 * exists, else bindir/../libexec/numig/guests (whether or not it exists:
 * the caller's access check names the path it tried). */
int guestdir_for(const char *bindir, char *buf, size_t len, struct nerr *e);

#endif
