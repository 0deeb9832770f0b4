// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oakley-ipsec start|stop|restart (through systemd when it runs the system, else oakleyd directly,
 * tracked by a pid file) and verify (the config check plus the kernel and host facts an operator
 * checks first).
 *
 * Without systemd: OAKLEYD (default /usr/sbin/oakleyd) is started as `OAKLEYD --foreground
 * [OAKLEYD_ARGS...]` in a new session, its output appended to OAKLEY_LOGFILE (default
 * /var/log/oakleyd.log), its pid written to OAKLEY_PIDFILE (default /run/oakley/oakleyd.pid).
 */
#include "tools/ipsec/ipsec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARGS_MAX 32

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static bool systemd_runs(void)
{
	struct stat st;
	return !getenv("OAKLEY_IPSEC_NO_SYSTEMD") && stat("/run/systemd/system", &st) == 0 &&
	       access("/bin/systemctl", X_OK) == 0;
}

/* Runs argv, waits, returns its exit status (or 127/128+signal). */
static int run_wait(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int systemctl(const char *verb)
{
	char *argv[] = {"/bin/systemctl", (char *)verb, "oakleyd.service", NULL};
	return run_wait(argv) == 0 ? IPS_OK : IPS_FAILED;
}

/* The pid in the pid file when that process is an oakleyd, else 0. */
static pid_t running_pid(void)
{
	FILE *f = fopen(env_or("OAKLEY_PIDFILE", "/run/oakley/oakleyd.pid"), "r");
	long pid = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1)
		pid = 0;
	fclose(f);
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = pid ? fopen(path, "r") : NULL;
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	return strncmp(comm, "oakleyd", 7) == 0 ? (pid_t)pid : 0;
}

/* Whether the daemon answers on its VICI socket (a version request). */
static bool answers(struct oak_ctx *ctx)
{
	struct oak_response resp = {0};
	FILE *saved = stderr;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stderr = null; /* oak_connect reports every failed try; only the last one matters */
	bool ok = oak_connect(ctx) == 0 &&
		  oak_call(ctx, "version", NULL, NULL, NULL, NULL, &resp) == 0;
	stderr = saved;
	if (null)
		fclose(null);
	oak_response_free(&resp);
	oak_disconnect(ctx);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Builds OAKLEYD --foreground OAKLEYD_ARGS (split at spaces) into argv. */
static int daemon_argv(char *buf, size_t cap, char *argv[ARGS_MAX])
{
	int n = 0;
	argv[n++] = (char *)env_or("OAKLEYD", "/usr/sbin/oakleyd");
	argv[n++] = "--foreground";
	snprintf(buf, cap, "%s", env_or("OAKLEYD_ARGS", ""));
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n >= ARGS_MAX - 1)
			return -E2BIG;
		argv[n++] = t;
	}
	argv[n] = NULL;
	return 0;
}

static int start_direct(struct oak_ctx *ctx)
{
	char buf[1024], *argv[ARGS_MAX];
	if (running_pid() || answers(ctx)) {
		fprintf(stderr, "oakleyd is already running\n");
		return IPS_FAILED;
	}
	if (daemon_argv(buf, sizeof(buf), argv) < 0) {
		fprintf(stderr, "ipsec: OAKLEYD_ARGS has too many words\n");
		return IPS_USAGE;
	}
	int log = open(env_or("OAKLEY_LOGFILE", "/var/log/oakleyd.log"),
		       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (log >= 0)
		close(log);
	if (pid < 0) {
		fprintf(stderr, "ipsec: fork: %s\n", strerror(errno));
		return IPS_FAILED;
	}
	FILE *f = fopen(env_or("OAKLEY_PIDFILE", "/run/oakley/oakleyd.pid"), "w");
	if (f) {
		fprintf(f, "%ld\n", (long)pid);
		fclose(f);
	}
	printf("Starting oakley IKEv1 daemon (oakleyd)...\n");
	for (int i = 0; i < 100; i++) { /* 10 s at most */
		if (answers(ctx))
			return IPS_OK;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "ipsec: oakleyd exited at start (see %s)\n",
				env_or("OAKLEY_LOGFILE", "/var/log/oakleyd.log"));
			return IPS_FAILED;
		}
		sleep_ms(100);
	}
	fprintf(stderr, "ipsec: oakleyd started but does not answer on %s\n", ctx->socket_path);
	return IPS_FAILED;
}

static int stop_direct(void)
{
	pid_t pid = running_pid();
	if (!pid) {
		fprintf(stderr, "oakleyd is not running (no live pid in %s)\n",
			env_or("OAKLEY_PIDFILE", "/run/oakley/oakleyd.pid"));
		return IPS_FAILED;
	}
	printf("Stopping oakley IKEv1 daemon (oakleyd)...\n");
	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
		waitpid(pid, NULL, WNOHANG); /* our child when this process started it */
		sleep_ms(100);
	}
	if (kill(pid, 0) == 0) {
		fprintf(stderr, "ipsec: oakleyd (pid %ld) did not stop within 10 s\n", (long)pid);
		return IPS_FAILED;
	}
	unlink(env_or("OAKLEY_PIDFILE", "/run/oakley/oakleyd.pid"));
	return IPS_OK;
}

int ips_start(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	return systemd_runs() ? systemctl("start") : start_direct(ctx);
}

int ips_stop(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	return systemd_runs() ? systemctl("stop") : stop_direct();
}

int ips_restart(struct oak_ctx *ctx, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (systemd_runs())
		return systemctl("restart");
	if (running_pid() && stop_direct())
		return IPS_FAILED;
	return start_direct(ctx);
}
