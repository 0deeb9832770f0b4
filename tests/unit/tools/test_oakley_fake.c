// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The `oakley` binary against a scripted VICI server built on tools/vici (so the codec's server
 * side is exercised too): for each case the test forks oakley on a UNIX socket in a temporary
 * directory, answers its packets as the case says, and checks exit status, stdout, stderr and what
 * oakley asked for. It covers what strongSwan on this kernel cannot produce (an INSTALLED CHILD SA
 * with byte counters) and the protocol failures (unknown command or event, malformed or oversized
 * packets, a server that hangs up).
 *
 * Usage: test_oakley_fake OAKLEY_BINARY
 */
#include "tools/vici/vici.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"

enum kase {
	K_VERSION,
	K_STATUS,
	K_UP_OK,
	K_UP_FAIL,
	K_CMD_UNKNOWN,
	K_EVENT_UNKNOWN,
	K_MALFORMED,
	K_HANGUP,
	K_JSON_ODD,
	K_REKEY,
	K_LOG,
	K_OVERSIZE,
	K_NO_CONNECTION, /* oakley must fail before connecting */
	K_CONNECTING,	 /* list-sas: a conn with no ISAKMP SA yet, a retry planned */
	K_UP_RETRY,	 /* initiate fails, and list-sas then shows the planned retry */
};

/* What the client asked for in its last CMD_REQUEST: the command and its child/ike values. */
static char last_cmd[VICI_NAME_MAX + 1], last_child[64], last_ike[64];

static void send_built(int fd, struct vici_builder *b)
{
	const uint8_t *buf;
	size_t len;
	if (CHECK_EQ_INT(vici_finish(b, &buf, &len), 0))
		CHECK_EQ_INT(vici_write_all(fd, buf, len), 0);
	vici_builder_free(b);
}

static void send_simple(int fd, enum vici_packet_type type)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, type, NULL);
	send_built(fd, &b);
}

static void send_log(int fd, const char *event, const char *msg)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_EVENT, event);
	vici_add_kv_str(&b, "group", "IKE");
	vici_add_kv_str(&b, "level", "1");
	vici_add_kv_str(&b, "msg", msg);
	send_built(fd, &b);
}

/* One list-sa event: an ESTABLISHED IKEv1 SA with one INSTALLED CHILD SA. */
static void send_list_sa(int fd)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
	vici_begin_section(&b, "net");
	vici_add_kv_str(&b, "uniqueid", "3");
	vici_add_kv_str(&b, "version", "1");
	vici_add_kv_str(&b, "state", "ESTABLISHED");
	vici_add_kv_str(&b, "local-host", "192.0.2.1");
	vici_add_kv_str(&b, "local-id", "gw-a.example");
	vici_add_kv_str(&b, "remote-host", "192.0.2.2");
	vici_add_kv_str(&b, "remote-id", "gw-b.example");
	vici_add_kv_str(&b, "encr-alg", "AES_CBC");
	vici_add_kv_str(&b, "encr-keysize", "256");
	vici_add_kv_str(&b, "integ-alg", "HMAC_SHA2_256_128");
	vici_add_kv_str(&b, "prf-alg", "PRF_HMAC_SHA2_256");
	vici_add_kv_str(&b, "dh-group", "MODP_2048");
	vici_add_kv_str(&b, "established", "42");
	vici_begin_section(&b, "child-sas");
	vici_begin_section(&b, "net-7");
	vici_add_kv_str(&b, "name", "net");
	vici_add_kv_str(&b, "uniqueid", "7");
	vici_add_kv_str(&b, "state", "INSTALLED");
	vici_add_kv_str(&b, "mode", "TUNNEL");
	vici_add_kv_str(&b, "protocol", "ESP");
	vici_add_kv_str(&b, "spi-in", "c1234567");
	vici_add_kv_str(&b, "spi-out", "c7654321");
	vici_add_kv_str(&b, "cpi-in", "1a2b");
	vici_add_kv_str(&b, "cpi-out", "3c4d");
	vici_add_kv_str(&b, "encr-alg", "AES_GCM_16");
	vici_add_kv_str(&b, "encr-keysize", "128");
	vici_add_kv_str(&b, "bytes-in", "1536");
	vici_add_kv_str(&b, "bytes-out", "900");
	vici_add_kv_str(&b, "install-time", "40");
	vici_begin_list(&b, "local-ts");
	vici_add_list_item_str(&b, "198.51.100.0/24");
	vici_end_list(&b);
	vici_begin_list(&b, "remote-ts");
	vici_add_list_item_str(&b, "203.0.113.0/24");
	vici_add_list_item_str(&b, "2001:db8::/32");
	vici_end_list(&b);
	vici_end_section(&b);
	vici_end_section(&b);
	vici_end_section(&b);
	send_built(fd, &b);
}

/* One list-sa event of a conn that is connecting, as oakleyd sends it. */
static void send_connecting(int fd)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
	vici_begin_section(&b, "net");
	vici_add_kv_str(&b, "uniqueid", "0");
	vici_add_kv_str(&b, "version", "1");
	vici_add_kv_str(&b, "state", "CONNECTING");
	vici_add_kv_str(&b, "local-host", "192.0.2.1");
	vici_add_kv_str(&b, "remote-host", "192.0.2.2");
	vici_add_kv_str(&b, "attempt", "2");
	vici_add_kv_str(&b, "next-attempt-in", "3");
	vici_begin_section(&b, "child-sas");
	vici_end_section(&b);
	vici_end_section(&b);
	send_built(fd, &b);
}

static void send_response(int fd, const char *success, const char *errmsg)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	if (success)
		vici_add_kv_str(&b, "success", success);
	if (errmsg)
		vici_add_kv_str(&b, "errmsg", errmsg);
	send_built(fd, &b);
}

/* Answers one command request as the case says. Returns false to hang up. */
static bool answer(int fd, enum kase k)
{
	static const uint8_t oversize[] = {0x00, 0x10, 0x00, 0x00, VICI_CMD_RESPONSE};
	static const uint8_t bad_msg[] = {0, 0, 0, 2, VICI_CMD_RESPONSE, VICI_SECTION_END};
	struct vici_builder b;

	switch (k) {
	case K_VERSION:
		vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
		vici_add_kv_str(&b, "daemon", "oakleyd");
		vici_add_kv_str(&b, "version", "0.1.0");
		vici_add_kv_str(&b, "sysname", "Linux");
		vici_add_kv_str(&b, "release", "6.1.0");
		vici_add_kv_str(&b, "machine", "x86_64");
		send_built(fd, &b);
		return true;
	case K_STATUS:
		send_list_sa(fd);
		send_response(fd, NULL, NULL);
		return true;
	case K_UP_OK:
	case K_UP_FAIL:
		send_log(fd, "control-log", "initiating Main Mode IKE_SA net[1] to 192.0.2.2");
		send_log(fd, "log", "not registered for: must not be shown");
		send_log(fd, "control-log", "CHILD_SA net{1} established");
		if (k == K_UP_OK)
			send_response(fd, "yes", NULL);
		else
			send_response(fd, "no", "establishing CHILD_SA 'net' failed");
		return true;
	case K_CMD_UNKNOWN:
		send_simple(fd, VICI_CMD_UNKNOWN);
		return true;
	case K_MALFORMED:
		CHECK_EQ_INT(vici_write_all(fd, bad_msg, sizeof(bad_msg)), 0);
		return true;
	case K_OVERSIZE:
		CHECK_EQ_INT(vici_write_all(fd, oversize, sizeof(oversize)), 0);
		return false;
	case K_HANGUP:
		return false;
	case K_JSON_ODD:
		vici_builder_init_packet(&b, VICI_EVENT, "list-sa");
		vici_begin_section(&b, "n\"x");
		vici_add_kv(&b, "bin", "\x00\xff\xc3\xa9\n", 5);
		vici_end_section(&b);
		send_built(fd, &b);
		send_list_sa(fd);
		send_response(fd, NULL, NULL);
		return true;
	case K_CONNECTING:
		send_list_sa(fd);
		send_connecting(fd);
		send_response(fd, NULL, NULL);
		return true;
	case K_UP_RETRY:
		if (strcmp(last_cmd, "list-sas") == 0) {
			send_connecting(fd);
			send_response(fd, NULL, NULL);
			return true;
		}
		send_log(fd, "control-log",
			 "\"net\" #1: no reply to MM_I1_SENT yet: sent it again "
			 "(send 2), waiting 1000 ms (giving up in 60 s)");
		send_response(fd, "no", "net: ISAKMP SA with 192.0.2.2[500] failed: no reply");
		return true;
	case K_REKEY:
		vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
		vici_add_kv_str(&b, "success", "yes");
		vici_add_kv_str(&b, "matches", "1");
		send_built(fd, &b);
		return true;
	default:
		return false;
	}
}

/* Serves one client connection for case k; bounded to 32 packets. */
static void serve(int fd, enum kase k)
{
	for (unsigned i = 0; i < 32; i++) {
		uint8_t *seg = NULL;
		struct vici_packet pk;
		struct vici_tree *tree = NULL;
		char name[VICI_NAME_MAX + 1];
		ssize_t n = vici_segment_read(fd, VICI_MSG_MAX, &seg);
		if (n < 0)
			return;
		if (!CHECK_EQ_INT(vici_packet_parse(seg, (size_t)n, &pk), 0)) {
			free(seg);
			return;
		}
		memcpy(name, pk.name, pk.name_len);
		name[pk.name_len] = '\0';
		bool go_on = true;
		if (pk.type == VICI_EVENT_REGISTER) {
			send_simple(fd,
				    k == K_EVENT_UNKNOWN ? VICI_EVENT_UNKNOWN : VICI_EVENT_CONFIRM);
			if (k == K_LOG) {
				send_log(fd, "log", "first line");
				send_log(fd, "log", "second line \x1b[31m");
				go_on = false;
			}
		} else if (pk.type == VICI_EVENT_UNREGISTER) {
			send_simple(fd, VICI_EVENT_CONFIRM);
		} else if (pk.type == VICI_CMD_REQUEST) {
			snprintf(last_cmd, sizeof(last_cmd), "%s", name);
			CHECK_EQ_INT(vici_tree_parse(pk.msg, pk.msg_len, &tree, NULL), 0);
			vici_node_str(tree ? tree->root : NULL, "child", last_child,
				      sizeof(last_child), "");
			vici_node_str(tree ? tree->root : NULL, "ike", last_ike, sizeof(last_ike),
				      "");
			vici_tree_free(tree);
			go_on = answer(fd, k);
		} else {
			fprintf(stderr, "unexpected %s packet from the client\n",
				vici_packet_name(pk.type));
			test_failures++;
			go_on = false;
		}
		free(seg);
		if (!go_on)
			return;
	}
}

static char *slurp(const char *path)
{
	static char buf[3][8192];
	static unsigned next;
	char *out = buf[next++ % 3];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, sizeof(buf[0]) - 1) : -1;
	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return out;
}

struct result {
	int status;
	const char *out;
	const char *err;
};

/* Where run() puts "--socket PATH": before ARGS, or (socket_last) after them. */
static bool socket_last;

/* Runs oakley ARGS against case k; fills r with its exit status and output. */
static void run(const char *oakley, const char *dir, int lfd, enum kase k, const char *const *args,
		struct result *r)
{
	char sock[256], outp[256], errp[256];
	const char *argv[16] = {"oakley"};
	size_t n = 1;
	snprintf(sock, sizeof(sock), "%s/s.vici", dir);
	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	if (!socket_last) {
		argv[n++] = "--socket";
		argv[n++] = sock;
	}
	for (; *args && n < 13; args++)
		argv[n++] = *args;
	if (socket_last) {
		argv[n++] = "--socket";
		argv[n++] = sock;
	}
	argv[n] = NULL;
	last_cmd[0] = last_child[0] = last_ike[0] = '\0';

	pid_t pid = fork();
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(oakley, (char *const *)argv);
		_exit(127);
	}
	CHECK(pid > 0);
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	if (k != K_NO_CONNECTION && CHECK(poll(&p, 1, 5000) == 1)) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (CHECK(c >= 0)) {
			serve(c, k);
			close(c);
		}
	}
	int st = 0;
	/* Bounded wait: 5 s, then kill. */
	for (unsigned i = 0; i < 500 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(10000);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		fprintf(stderr, "oakley did not exit within 5 s\n");
		test_failures++;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = slurp(outp);
	r->err = slurp(errp);
}

#define CHECK_STR(got, want)                                                                       \
	(CHECK(strcmp((got), (want)) == 0)                                                         \
		 ? 1                                                                               \
		 : (fprintf(stderr, "  got:\n%s  want:\n%s", (got), (want)), 0))

static void cases(const char *oakley, const char *dir, int lfd)
{
	struct result r;

	run(oakley, dir, lfd, K_VERSION, (const char *[]){"version", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(r.out, "oakleyd 0.1.0 (Linux, 6.1.0, x86_64)\n");
	CHECK_STR(last_cmd, "version");

	run(oakley, dir, lfd, K_STATUS, (const char *[]){"status", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(r.out,
		  "Security Associations (1 up, 0 connecting):\n"
		  "net[3]: ESTABLISHED 42s ago, 192.0.2.1[gw-a.example]...192.0.2.2[gw-b."
		  "example], IKEv1, AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048\n"
		  "  net{7}: INSTALLED, TUNNEL, ESP SPIs c1234567_i c7654321_o IPComp CPIs 1a2b_i "
		  "3c4d_o, AES_GCM_16-128, "
		  "1.5 KB in, 900 bytes out, installed 40s ago, 198.51.100.0/24 === "
		  "203.0.113.0/24,2001:db8::/32\n");
	CHECK_STR(last_cmd, "list-sas");
	CHECK_STR(last_ike, "");
	CHECK_STR(r.err, "");

	run(oakley, dir, lfd, K_STATUS, (const char *[]){"status", "net", NULL}, &r);
	CHECK_STR(last_ike, "net");

	run(oakley, dir, lfd, K_UP_OK, (const char *[]){"up", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(r.out, "[IKE] initiating Main Mode IKE_SA net[1] to 192.0.2.2\n"
			 "[IKE] CHILD_SA net{1} established\n"
			 "initiate of net completed successfully\n");
	CHECK_STR(last_cmd, "initiate");
	CHECK_STR(last_child, "net");

	run(oakley, dir, lfd, K_UP_FAIL, (const char *[]){"up", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK_STR(r.err, "oakley: up failed: establishing CHILD_SA 'net' failed\n");

	/* a failed attempt after which the daemon tries again (keyingtries): said so */
	run(oakley, dir, lfd, K_UP_RETRY, (const char *[]){"up", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK_STR(r.out, "[IKE] \"net\" #1: no reply to MM_I1_SENT yet: sent it again (send 2), "
			 "waiting 1000 ms (giving up in 60 s)\n");
	CHECK_STR(r.err, "oakley: up failed: net: ISAKMP SA with 192.0.2.2[500] failed: no reply\n"
			 "oakley: the daemon tries net again in 3s (attempt 2, keyingtries)\n");
	CHECK_STR(last_cmd, "list-sas");
	CHECK_STR(last_ike, "net");

	/* a conn that is connecting counts as such, shown with its attempt */
	run(oakley, dir, lfd, K_CONNECTING, (const char *[]){"status", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK(strncmp(r.out, "Security Associations (1 up, 1 connecting):\n", 44) == 0);
	CHECK(strstr(r.out, "\nnet: CONNECTING, 192.0.2.1...192.0.2.2, attempt 2, next in 3s\n") !=
	      NULL);

	run(oakley, dir, lfd, K_UP_OK, (const char *[]){"down", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(last_cmd, "terminate");
	CHECK_STR(last_ike, "net");
	CHECK(strstr(r.out, "terminate of net completed successfully\n") != NULL);

	run(oakley, dir, lfd, K_REKEY, (const char *[]){"rekey", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(last_cmd, "rekey");
	CHECK_STR(last_child, "net");
	CHECK_STR(last_ike, "");
	CHECK_STR(r.out, "rekey of net started (1 SAs matched)\n");

	run(oakley, dir, lfd, K_REKEY, (const char *[]){"reauth", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(last_cmd, "rekey");
	CHECK_STR(last_ike, "net");
	CHECK_STR(last_child, "");
	CHECK_STR(r.out, "reauthentication of net started (1 SAs matched)\n");

	run(oakley, dir, lfd, K_CMD_UNKNOWN, (const char *[]){"reload", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK_STR(last_cmd, "reload-settings");
	CHECK_STR(r.err, "oakley: the daemon does not know the command 'reload-settings'\n");

	run(oakley, dir, lfd, K_EVENT_UNKNOWN, (const char *[]){"list-sas", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK_STR(r.err, "oakley: the daemon does not know the event 'list-sa'\n");

	run(oakley, dir, lfd, K_MALFORMED, (const char *[]){"version", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK_STR(r.err, "oakley: malformed CMD_RESPONSE message at byte 0: section end without "
			 "a section\n");

	run(oakley, dir, lfd, K_OVERSIZE, (const char *[]){"version", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK(strstr(r.err, ": Message too long\n") != NULL);

	run(oakley, dir, lfd, K_HANGUP, (const char *[]){"list-conns", NULL}, &r);
	CHECK_EQ_INT(r.status, 1);
	CHECK(strstr(r.err, "closed the connection\n") != NULL);

	run(oakley, dir, lfd, K_JSON_ODD, (const char *[]){"--json", "list-sas", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK(strncmp(r.out, "[{\"n\\\"x\":{\"bin\":\"\\u0000\\u00ff\xc3\xa9\\n\"}},\n{\"net\":{",
		      40) == 0);
	CHECK(strstr(r.out, "\"remote-ts\":[\"203.0.113.0/24\",\"2001:db8::/32\"]}}}}]\n") != NULL);

	run(oakley, dir, lfd, K_LOG, (const char *[]){"log", NULL}, &r);
	CHECK_EQ_INT(r.status, 1); /* the server hung up */
	CHECK_STR(r.out, "[IKE] first line\n[IKE] second line \\x1b[31m\n");
}

/* The command line: options anywhere, and usage errors that say what is wrong. */
static void cases_line(const char *oakley, const char *dir, int lfd)
{
	struct result r;

	/* options anywhere on the line, as the usage says: oakley [--socket PATH] COMMAND [ARGS]
	 * [--json] (the list-conns --json of issue 15 was refused with a bare usage line) */
	run(oakley, dir, lfd, K_JSON_ODD, (const char *[]){"list-sas", "--json", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);
	CHECK(strncmp(r.out, "[{\"n\\\"x\":", 9) == 0);
	socket_last = true;
	run(oakley, dir, lfd, K_STATUS, (const char *[]){"status", "net", "-j", NULL}, &r);
	socket_last = false;
	CHECK_EQ_INT(r.status, 0);
	CHECK_STR(last_ike, "net");
	CHECK(strncmp(r.out, "[{\"net\":{", 9) == 0);
	run(oakley, dir, lfd, K_JSON_ODD, (const char *[]){"--", "list-sas", NULL}, &r);
	CHECK_EQ_INT(r.status, 0);

	/* usage errors say what is wrong, and nothing connects */
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"up", NULL}, &r);
	CHECK_EQ_INT(r.status, 2);
	CHECK_STR(r.err, "oakley: up: missing NAME (usage: oakley up NAME)\n");
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"list-conns", "net", NULL}, &r);
	CHECK_EQ_INT(r.status, 2);
	CHECK_STR(r.err,
		  "oakley: list-conns: unexpected argument 'net' (usage: oakley list-conns)\n");
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"--bogus", "version", NULL}, &r);
	CHECK_EQ_INT(r.status, 2);
	CHECK_STR(r.err, "oakley: unknown option '--bogus'\nTry 'oakley --help'.\n");
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"list-conns", "--jsn", NULL}, &r);
	CHECK_STR(r.err, "oakley: unknown option '--jsn'\nTry 'oakley --help'.\n");
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"version", "-jq", NULL}, &r);
	CHECK_EQ_INT(r.status, 2);
	CHECK_STR(r.err, "oakley: unknown option '-q'\nTry 'oakley --help'.\n");
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"version", "--json=yes", NULL}, &r);
	CHECK_STR(r.err, "oakley: option '--json=yes' takes no argument\nTry 'oakley --help'.\n");
	run(oakley, dir, lfd, K_NO_CONNECTION, (const char *[]){"version", "--socket", NULL}, &r);
	CHECK_EQ_INT(r.status, 2);
	CHECK_STR(r.err, "oakley: option '--socket' needs an argument\nTry 'oakley --help'.\n");
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) == 0); /* none connected */
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/oak-vici-fake.XXXXXX";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (argc != 2) {
		fprintf(stderr, "usage: test_oakley_fake OAKLEY_BINARY\n");
		return 2;
	}
	if (!mkdtemp(dir))
		TEST_SKIP("cannot create a temporary directory");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s.vici", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		   listen(lfd, 4) == 0))
		return TEST_END();
	signal(SIGPIPE, SIG_IGN);
	cases(argv[1], dir, lfd);
	cases_line(argv[1], dir, lfd);
	close(lfd);
	unlink(sa.sun_path);
	char path[256];
	snprintf(path, sizeof(path), "%s/out", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/err", dir);
	unlink(path);
	rmdir(dir);
	return TEST_END();
}
