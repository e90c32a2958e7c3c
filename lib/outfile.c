/*
 * The temporaries not yet renamed are kept where a signal handler may
 * read them: in fixed buffers of PATH_MAX bytes (no longer name can be
 * opened), each with a flag, so that the handler touches nothing that
 * is being allocated or freed.  A slot is marked before mkstemp() fills
 * in its name, so that no moment passes with a file there that the
 * handler would not remove; at worst it tries a name of the form
 * TARGET.XXXXXX that was never made.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

#define TEMP_SUFFIX ".XXXXXX"

struct outfile {
	FILE *fp;
	char *path;		/* the target */
	int slot;		/* in temp[], or -1 for stdout */
};

static char temp[OUTFILE_MAX][PATH_MAX];
static volatile sig_atomic_t live[OUTFILE_MAX];

static const int fatal_signals[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM,
    SIGXFSZ };

static void
remove_temps(void)
{
	for (int i = 0; i < OUTFILE_MAX; i++)
		if (live[i])
			unlink(temp[i]);
}

/* Removes the temporaries, then lets the signal do what it would have
 * done: SA_RESETHAND has put its default action back, and it is blocked
 * until the handler returns. */
static void
on_signal(int sig)
{
	remove_temps();
	raise(sig);
}

static void
install(void)
{
	static int installed;
	struct sigaction sa, old;

	if (installed)
		return;
	installed = 1;
	atexit(remove_temps);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) /
	    sizeof(fatal_signals[0]); i++)
		if (sigaction(fatal_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			sigaction(fatal_signals[i], &sa, NULL);
}

static _Noreturn void
open_failed(struct outfile *f, int e)
{
	live[f->slot] = 0;
	cli_die(CLI_EIO, "%s: %s", f->path, strerror(e));
}

struct outfile *
outfile_open(const char *path)
{
	struct outfile *f = cli_calloc(1, sizeof(*f));
	size_t n = strlen(path);
	mode_t mask;
	int fd;

	f->path = cli_strdup(path);
	f->slot = -1;
	if (strcmp(path, "-") == 0) {
		f->fp = stdout;
		return f;
	}
	while (++f->slot < OUTFILE_MAX && live[f->slot])
		;
	if (f->slot == OUTFILE_MAX)
		cli_die(CLI_EIO, "internal error: more than %d files open",
		    OUTFILE_MAX);
	if (n + sizeof(TEMP_SUFFIX) > PATH_MAX)
		cli_die(CLI_EIO, "%s: %s", path, strerror(ENAMETOOLONG));
	install();
	memcpy(temp[f->slot], path, n);
	memcpy(temp[f->slot] + n, TEMP_SUFFIX, sizeof(TEMP_SUFFIX));
	live[f->slot] = 1;
	if ((fd = mkstemp(temp[f->slot])) < 0)
		open_failed(f, errno);
	/* mkstemp() makes it 0600; a file of ours gets what fopen() gives */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 ||
	    (f->fp = fdopen(fd, "w")) == NULL) {
		int e = errno;

		close(fd);
		unlink(temp[f->slot]);
		open_failed(f, e);
	}
	return f;
}

FILE *
outfile_fp(const struct outfile *f)
{
	return f->fp;
}

static void
release(struct outfile *f)
{
	if (f->slot >= 0)
		live[f->slot] = 0;
	free(f->path);
	free(f);
}

int
outfile_commit(struct outfile *f)
{
	int e = 0;

	if (f->slot < 0) {
		release(f);	/* stdout is checked with the rest of it */
		return 0;
	}
	/* synced before the rename, so that after a crash the target is
	 * the old file or the whole new one, not an empty one */
	errno = 0;
	if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0)
		e = errno != 0 ? errno : EIO;
	if (fclose(f->fp) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(temp[f->slot], f->path) != 0)
		e = errno;
	if (e != 0) {
		unlink(temp[f->slot]);
		cli_warn("%s: %s", f->path, strerror(e));
	}
	release(f);
	return e != 0 ? -1 : 0;
}

void
outfile_abort(struct outfile *f)
{
	if (f->slot >= 0) {
		fclose(f->fp);
		unlink(temp[f->slot]);
	}
	release(f);
}
