/*
 * outfile: each test works in a new folder of its own and checks what
 * the folder holds afterwards, name by name: the target with what was
 * written (or what it held before), and never a temporary.  The signals
 * are sent in a child process, which must die of them.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "suites.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/revops-outfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	cli_init("revops", &(struct cli_common){ 0 });
}

static void
teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	while (d != NULL && (e = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static const char *
in_dir(const char *name)
{
	static char p[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* The names in the folder, sorted, separated by spaces. */
static const char *
listing(void)
{
	static char out[1024];
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	ck_assert_int_ge(n, 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (out[0] != '\0')
				strcat(out, " ");
			strcat(out, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static const char *
contents(const char *name)
{
	static char buf[256];
	FILE *fp = fopen(in_dir(name), "r");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
put(const char *name, const char *text)
{
	FILE *fp = fopen(in_dir(name), "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* The file for name in the folder, with text written to it. */
static struct outfile *
written(const char *name, const char *text)
{
	struct outfile *f = outfile_open(in_dir(name), 0600);

	fputs(text, outfile_fp(f));
	return f;
}

START_TEST(commit)
{
	struct outfile *f;
	struct stat st;

	umask(027);
	f = written("report.html", "<html>");
	/* nothing at the target until the file is complete */
	ck_assert_int_eq(access(in_dir("report.html"), F_OK), -1);
	ck_assert_int_eq(outfile_commit(f), 0);
	ck_assert_str_eq(listing(), "report.html");
	ck_assert_str_eq(contents("report.html"), "<html>");
	/* a new database's mode, 0600 unless --mode, the umask aside */
	ck_assert_int_eq(stat(in_dir("report.html"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	umask(022);
}
END_TEST

START_TEST(mode_given)
{
	struct outfile *f = outfile_open(in_dir("report.html"), 0640);
	struct stat st;

	/* --mode as for a database: what it says, whatever the umask */
	umask(077);
	fputs("<html>", outfile_fp(f));
	ck_assert_int_eq(outfile_commit(f), 0);
	ck_assert_int_eq(stat(in_dir("report.html"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	umask(022);
}
END_TEST

START_TEST(replaces_whole)
{
	struct outfile *f;

	put("report.html", "old");
	f = written("report.html", "new");
	ck_assert_str_eq(contents("report.html"), "old");
	ck_assert_int_eq(outfile_commit(f), 0);
	ck_assert_str_eq(listing(), "report.html");
	ck_assert_str_eq(contents("report.html"), "new");
}
END_TEST

/* A symlink at the target, or at the fixed name of the temporary of
 * old (TARGET.tmp), is not followed: what it points to keeps its text. */
START_TEST(symlinks_not_followed)
{
	struct outfile *f;

	put("victim", "keep");
	ck_assert_int_eq(symlink("victim", in_dir("report.html.tmp")), 0);
	ck_assert_int_eq(symlink("victim", in_dir("rejects.csv")), 0);
	f = written("report.html", "report");
	ck_assert_int_eq(outfile_commit(f), 0);
	f = written("rejects.csv", "rejects");
	ck_assert_int_eq(outfile_commit(f), 0);
	ck_assert_str_eq(listing(), "rejects.csv report.html report.html.tmp "
	    "victim");
	ck_assert_str_eq(contents("victim"), "keep");
	ck_assert_str_eq(contents("rejects.csv"), "rejects");
	ck_assert_str_eq(contents("report.html"), "report");
}
END_TEST

START_TEST(abort_leaves_target)
{
	struct outfile *f;

	put("rejects.csv", "old");
	f = written("rejects.csv", "part");
	outfile_abort(f);
	ck_assert_str_eq(listing(), "rejects.csv");
	ck_assert_str_eq(contents("rejects.csv"), "old");
}
END_TEST

/* A target that has become a folder while the file was written: the
 * rename fails, the error is reported and the temporary goes. */
START_TEST(commit_fails)
{
	struct outfile *f;

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	f = written("report.html", "report");
	ck_assert_int_eq(mkdir(in_dir("report.html"), 0700), 0);
	put("report.html/x", "x");
	ck_assert_int_eq(outfile_commit(f), -1);
	ck_assert_str_eq(listing(), "report.html");
	ck_assert_str_eq(contents("report.html/x"), "x");
	unlink(in_dir("report.html/x"));
	rmdir(in_dir("report.html"));
}
END_TEST

/* What cannot be replaced is written as it goes: a device (or a FIFO),
 * which stays one; its write error is the commit's. */
START_TEST(device_written)
{
	struct outfile *f = outfile_open("/dev/null", 0600);
	struct stat st;

	fputs("report", outfile_fp(f));
	ck_assert_int_eq(outfile_commit(f), 0);
	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	f = outfile_open("/dev/full", 0600);
	fputs("report", outfile_fp(f));
	ck_assert_int_eq(outfile_commit(f), -1);
}
END_TEST

/* In a child: outfile_open(path) must exit 3, and make nothing. */
static void
refused(const char *path)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stderr) != NULL)
			outfile_open(path, 0600);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == CLI_EIO,
	    "%s: status %#x", path, status);
}

/* A folder that is not there, a folder, and a symlink to a device (as
 * /dev/stdout is), which is neither followed nor replaced. */
START_TEST(open_refused)
{
	refused(in_dir("no-such-folder/report.html"));
	ck_assert_int_eq(mkdir(in_dir("folder"), 0700), 0);
	refused(in_dir("folder"));
	ck_assert_int_eq(symlink("/dev/null", in_dir("null")), 0);
	refused(in_dir("null"));
	ck_assert_str_eq(listing(), "folder null");
	rmdir(in_dir("folder"));
}
END_TEST

START_TEST(stdout_is_dash)
{
	struct outfile *f = outfile_open("-", 0600);

	ck_assert_ptr_eq(outfile_fp(f), stdout);
	ck_assert_int_eq(outfile_commit(f), 0);
	ck_assert_str_eq(listing(), "");
}
END_TEST

/* In a child: a file half written, then ended by sig (0: by exit(3)).
 * Returns the wait status. */
static int
ended_by(int sig, void (*disposition)(int))
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct outfile *f;

		if (sig != 0)
			signal(sig, disposition);
		put("report.html", "old");
		f = written("report.html", "part");
		fflush(outfile_fp(f));
		if (sig == 0)
			exit(CLI_EIO);
		raise(sig);
		if (outfile_commit(f) != 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(signals_remove_temporary)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM,
	    SIGXFSZ };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int status = ended_by(sigs[i], SIG_DFL);

		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sigs[i],
		    "signal %d: status %#x", sigs[i], status);
		ck_assert_str_eq(listing(), "report.html");
		ck_assert_str_eq(contents("report.html"), "old");
	}
}
END_TEST

/* A scratch file and its companions go with the program, whether it
 * exits or a signal ends it, or when it says so. */
START_TEST(scratch_removed)
{
	static const char *const also[] = { "-wal", "-shm" };
	char name[PATH_MAX];

	for (int how = 0; how < 3; how++) {
		pid_t pid = fork();
		int status;

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			FILE *fp;

			/* Check's own handler is not the default action */
			signal(SIGTERM, SIG_DFL);
			snprintf(name, sizeof(name), "%s", in_dir("copy.XXXXXX"));
			outfile_scratch(name, also, 2);
			if (strstr(name, "XXXXXX") != NULL)
				_exit(1);
			snprintf(name + strlen(name), 8, "-wal");
			if ((fp = fopen(name, "w")) == NULL || fclose(fp) != 0)
				_exit(1);
			if (how == 0)
				raise(SIGTERM);
			if (how == 1)
				outfile_scratch_remove();
			exit(strcmp(listing(), "") == 0 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(how == 0 ? WIFSIGNALED(status) :
		    WIFEXITED(status) && WEXITSTATUS(status) == (how == 1 ?
		    0 : 1), "how %d: status %#x", how, status);
		ck_assert_str_eq(listing(), "");
	}
}
END_TEST

START_TEST(exit_removes_temporary)
{
	int status = ended_by(0, SIG_DFL);

	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == CLI_EIO);
	ck_assert_str_eq(listing(), "report.html");
	ck_assert_str_eq(contents("report.html"), "old");
}
END_TEST

/* A signal the program was started ignoring (nohup's SIGHUP) stays
 * ignored: the file is finished. */
START_TEST(ignored_signal_stays_ignored)
{
	int status = ended_by(SIGHUP, SIG_IGN);

	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_str_eq(listing(), "report.html");
	ck_assert_str_eq(contents("report.html"), "part");
}
END_TEST

Suite *
outfile_suite(void)
{
	Suite *s = suite_create("outfile");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, commit);
	tcase_add_test(tc, mode_given);
	tcase_add_test(tc, scratch_removed);
	tcase_add_test(tc, replaces_whole);
	tcase_add_test(tc, symlinks_not_followed);
	tcase_add_test(tc, abort_leaves_target);
	tcase_add_test(tc, commit_fails);
	tcase_add_test(tc, device_written);
	tcase_add_test(tc, open_refused);
	tcase_add_test(tc, stdout_is_dash);
	tcase_add_test(tc, signals_remove_temporary);
	tcase_add_test(tc, exit_removes_temporary);
	tcase_add_test(tc, ignored_signal_stays_ignored);
	suite_add_tcase(s, tc);
	return s;
}
