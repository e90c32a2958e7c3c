/*
 * outfile: a file that a program writes by name besides stdout (the
 * report of --report, the rejects of --rejects).
 *
 * It is written to a new temporary file in the target's folder, made by
 * mkstemp() (a new name, created O_EXCL, so that a symlink there is never
 * followed), and renamed over the target once complete, flushed and
 * synced: a reader of the target sees the old file or the new one, never
 * a part, and a symlink at the target is replaced, not followed.  The new
 * file has the mode it is opened with, as a new database has (--mode,
 * default 0600: these files hold the same figures), the umask aside.
 * Until then the temporary is removed on every error, at exit(), and when
 * SIGHUP, SIGINT, SIGPIPE, SIGTERM or SIGXFSZ ends the program (a signal
 * the program was started ignoring stays ignored); after an error the
 * target is as it was.  Only SIGKILL can leave a temporary behind, as
 * TARGET.XXXXXX.
 *
 * The name "-" is standard output, written as it goes; so is a FIFO or a
 * character device (/dev/null) at the target, which cannot be replaced.
 * A folder, or a symlink to anything but a file (/dev/stdout), is an
 * error: it is neither followed nor replaced.
 *
 * outfile_open() returns the file, which outfile_commit() or
 * outfile_abort() releases; it exits CLI_EIO, saying why, when the
 * temporary cannot be made.  At most OUTFILE_MAX are open at once.
 */
#ifndef REVOPS_OUTFILE_H
#define REVOPS_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

#define OUTFILE_MAX 4

struct outfile;

struct outfile *outfile_open(const char *path, mode_t mode);

/* Where to write; owned by f. */
FILE *outfile_fp(const struct outfile *f);

/*
 * Flushes what was written, syncs it and renames it over the target
 * (for "-": flushes stdout).  Returns 0, or -1 after reporting the error
 * ("PROG: FILE: REASON") and removing the temporary.  Releases f.
 */
int outfile_commit(struct outfile *f);

/* Removes the temporary, leaving the target as it was.  Releases f. */
void outfile_abort(struct outfile *f);

/*
 * A scratch file of the program's own, which nobody reads after it (the
 * copy of the database that a dry run changes): made empty, mode 0600,
 * by mkstemp() from template (a name ending in XXXXXX, which it fills
 * in), and removed with the files of the same name and each of the n
 * suffixes (the database's journals) at exit, on the signals above, or
 * by outfile_scratch_remove().  One at a time; exits CLI_EIO, saying why,
 * when it cannot be made.
 */
void outfile_scratch(char *template, const char *const *suffixes, size_t n);
void outfile_scratch_remove(void);

#endif
