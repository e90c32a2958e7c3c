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
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

#define TEMP_SUFFIX ".XXXXXX"

enum outfile_kind { OUTFILE_STDOUT, OUTFILE_STREAM, OUTFILE_RENAMED };

struct outfile {
	FILE *fp;
	char *path;		/* the target */
	enum outfile_kind kind;
	int slot;		/* in temp[] when renamed, else -1 */
};

static char temp[OUTFILE_MAX][PATH_MAX];
static volatile sig_atomic_t live[OUTFILE_MAX];

#define SCRATCH_MAX 4
static char scratch[SCRATCH_MAX][PATH_MAX];
static volatile sig_atomic_t nscratch;

static const int fatal_signals[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM,
    SIGXFSZ };

static void
remove_temps(void)
{
	for (int i = 0; i < OUTFILE_MAX; i++)
		if (live[i])
			unlink(temp[i]);
	for (int i = 0; i < nscratch; i++)
		unlink(scratch[i]);
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
	if (f->slot >= 0)
		live[f->slot] = 0;
	cli_die(CLI_EIO, "%s: %s", f->path, strerror(e));
}

/*
 * What is at the target decides how it is written: nothing, a file, or
 * a symlink to a file or to nothing is replaced; a FIFO or a terminal
 * (or /dev/null) cannot be, and is written as it goes; anything else (a
 * folder, a disk, a symlink to one or to a device, which may be
 * /dev/stdout) is refused rather than followed or replaced.
 */
static int
replaced(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 1 : -errno;
	if (S_ISREG(sb.st_mode))
		return 1;
	if (S_ISLNK(sb.st_mode))
		return stat(path, &sb) != 0 ? (errno == ENOENT ? 1 : -errno) :
		    S_ISREG(sb.st_mode) ? 1 : -ENOTSUP;
	if (S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode))
		return 0;
	return S_ISDIR(sb.st_mode) ? -EISDIR : -ENOTSUP;
}

static void
open_stream(struct outfile *f)
{
	int fd = open(f->path, O_WRONLY | O_NOCTTY | O_NOFOLLOW);

	if (fd < 0 || (f->fp = fdopen(fd, "w")) == NULL)
		open_failed(f, errno);
	f->kind = OUTFILE_STREAM;
}

static void
open_temp(struct outfile *f, mode_t mode)
{
	size_t n = strlen(f->path);
	int fd;

	while (++f->slot < OUTFILE_MAX && live[f->slot])
		;
	if (f->slot == OUTFILE_MAX)
		cli_die(CLI_EIO, "internal error: more than %d files open",
		    OUTFILE_MAX);
	if (n + sizeof(TEMP_SUFFIX) > PATH_MAX)
		open_failed(f, ENAMETOOLONG);
	install();
	memcpy(temp[f->slot], f->path, n);
	memcpy(temp[f->slot] + n, TEMP_SUFFIX, sizeof(TEMP_SUFFIX));
	live[f->slot] = 1;
	if ((fd = mkstemp(temp[f->slot])) < 0)
		open_failed(f, errno);
	/* as for a new database, the umask does not get a say */
	if (fchmod(fd, mode) != 0 ||
	    (f->fp = fdopen(fd, "w")) == NULL) {
		int e = errno;

		close(fd);
		unlink(temp[f->slot]);
		open_failed(f, e);
	}
	f->kind = OUTFILE_RENAMED;
}

struct outfile *
outfile_open(const char *path, mode_t mode)
{
	struct outfile *f = cli_calloc(1, sizeof(*f));
	int how;

	f->path = cli_strdup(path);
	f->slot = -1;
	f->kind = OUTFILE_STDOUT;
	f->fp = stdout;
	if (strcmp(path, "-") == 0)
		return f;
	if ((how = replaced(path)) < 0) {
		if (how != -ENOTSUP)
			open_failed(f, -how);
		cli_die(CLI_EIO, "%s: not a file, nor a symlink to one, that "
		    "can be replaced ('-' is standard output)", path);
	}
	if (how == 0)
		open_stream(f);
	else
		open_temp(f, mode);
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

	if (f->kind == OUTFILE_STDOUT) {
		release(f);	/* stdout is checked with the rest of it */
		return 0;
	}
	errno = 0;
	if (fflush(f->fp) != 0 || ferror(f->fp))
		e = errno != 0 ? errno : EIO;
	/* synced before the rename, so that after a crash the target is
	 * the old file or the whole new one, not an empty one */
	if (e == 0 && f->kind == OUTFILE_RENAMED && fsync(fileno(f->fp)) != 0)
		e = errno;
	if (fclose(f->fp) != 0 && e == 0)
		e = errno;
	if (e == 0 && f->kind == OUTFILE_RENAMED &&
	    rename(temp[f->slot], f->path) != 0)
		e = errno;
	if (e != 0) {
		if (f->kind == OUTFILE_RENAMED)
			unlink(temp[f->slot]);
		cli_warn("%s: %s", f->path, strerror(e));
	}
	release(f);
	return e != 0 ? -1 : 0;
}

void
outfile_abort(struct outfile *f)
{
	if (f->kind != OUTFILE_STDOUT)
		fclose(f->fp);
	if (f->kind == OUTFILE_RENAMED)
		unlink(temp[f->slot]);
	release(f);
}

/* As for a temporary, the name is counted before mkstemp() fills it in,
 * and its companions before the file is there to have any. */
void
outfile_scratch(char *template, const char *const *suffixes, size_t n)
{
	size_t len = strlen(template);
	int fd;

	if (nscratch > 0 || n >= SCRATCH_MAX)
		cli_die(CLI_EIO, "internal error: more than one scratch file");
	for (size_t i = 0; i < n; i++)
		if (len + strlen(suffixes[i]) >= PATH_MAX)
			cli_die(CLI_EIO, "%s: %s", template,
			    strerror(ENAMETOOLONG));
	install();
	memcpy(scratch[0], template, len + 1);
	nscratch = 1;
	if ((fd = mkstemp(scratch[0])) < 0) {
		int e = errno;

		nscratch = 0;
		cli_die(CLI_EIO, "%s: %s", template, strerror(e));
	}
	close(fd);
	for (size_t i = 0; i < n; i++) {
		memcpy(scratch[i + 1], scratch[0], len);
		strcpy(scratch[i + 1] + len, suffixes[i]);
	}
	nscratch = (sig_atomic_t)(n + 1);
	memcpy(template, scratch[0], len + 1);
}

void
outfile_scratch_remove(void)
{
	int n = nscratch;

	nscratch = 0;
	for (int i = 0; i < n; i++)
		unlink(scratch[i]);
}

