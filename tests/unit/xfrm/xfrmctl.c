// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctl: a command-line face of xfrm/ for the netns and VM tests (installed nowhere).
 *
 *   xfrmctl sa-add|sa-update --src A --dst A --spi HEX --proto esp|ah|comp --mode tunnel|transport
 *           [--reqid N] [--enc NAME:HEXKEY] [--auth NAME:HEXKEY:TRUNCBITS] [--aead
 * NAME:HEXKEY:ICVBITS]
 *           [--comp NAME] [--encap SPORT:DPORT[:OAADDR]] [--replay N] [--esn] [--soft-secs N]
 *           [--hard-secs N] [--soft-bytes N] [--hard-bytes N] [--soft-packets N] [--hard-packets N]
 *           [--mark V/M] [--if-id N] [--sel-src PFX --sel-dst PFX]
 *   xfrmctl sa-del|sa-get --src A --dst A --spi HEX --proto P [--mark V/M]
 *   xfrmctl policy-add|policy-update|policy-del --dir in|out|fwd --sel-src PFX --sel-dst PFX
 *           [--sel-proto N] [--sport N] [--dport N] [--tmpl-src A --tmpl-dst A --proto P --mode M
 *           [--reqid N] [--optional]] [--priority N] [--mark V/M] [--if-id N] [--action
 * allow|block] xfrmctl allocspi --src A --dst A --proto P [--min HEX --max HEX] [--reqid N] [--seq
 * N] xfrmctl monitor [--count N] [--timeout SECS] [--raw DIR] xfrmctl flush-owned | sa-dump |
 * policy-dump
 *
 * Exit 0 on success; on error one line "xfrmctl: <message>" on stderr and exit 1.
 */
#include "xfrm/xfrm.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct opts {
	struct xfrm_sa sa;
	struct xfrm_policy pol;
	bool have_src, have_dst, have_spi, have_proto, have_mode, have_dir;
	bool have_sel_src, have_sel_dst, have_tmpl;
	uint32_t min, max, seq;
	unsigned long count, timeout;
	const char *raw_dir;
	uint8_t enc_key[XFRM_KEY_MAX], auth_key[XFRM_KEY_MAX], aead_key[XFRM_KEY_MAX];
	char enc_name[XFRM_ALG_NAME_MAX + 1], auth_name[XFRM_ALG_NAME_MAX + 1];
	char aead_name[XFRM_ALG_NAME_MAX + 1], comp_name[XFRM_ALG_NAME_MAX + 1];
};

static void wipe_opts(struct opts *o)
{
	explicit_bzero(o->enc_key, sizeof(o->enc_key));
	explicit_bzero(o->auth_key, sizeof(o->auth_key));
	explicit_bzero(o->aead_key, sizeof(o->aead_key));
}

static struct opts *g_opts; /* wiped on the error exit */

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;
	fputs("xfrmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (g_opts)
		wipe_opts(g_opts);
	exit(1);
}

static uint64_t num(const char *s, const char *what, uint64_t max, int base)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || end == s || *end || v > max || s[0] == '-')
		die("bad %s: %s", what, s);
	return v;
}

static void addr(const char *s, struct xfrm_ipaddr *a)
{
	if (xfrm_ipaddr_parse(s, a, NULL) < 0)
		die("bad address: %s", s);
}

static void prefix(const char *s, struct xfrm_ipaddr *a, uint8_t *len)
{
	if (xfrm_ipaddr_parse(s, a, len) < 0)
		die("bad prefix: %s", s);
}

static uint8_t proto(const char *s)
{
	if (!strcmp(s, "esp"))
		return IPPROTO_ESP;
	if (!strcmp(s, "ah"))
		return IPPROTO_AH;
	if (!strcmp(s, "comp"))
		return IPPROTO_COMP;
	die("bad protocol: %s (esp, ah or comp)", s);
}

static uint8_t mode(const char *s)
{
	if (!strcmp(s, "tunnel"))
		return XFRM_MODE_TUNNEL;
	if (!strcmp(s, "transport"))
		return XFRM_MODE_TRANSPORT;
	die("bad mode: %s (tunnel or transport)", s);
}

static uint8_t dir(const char *s)
{
	for (uint8_t d = 0; d < 3; d++)
		if (!strcmp(s, xfrm_dir_name(d)))
			return d;
	die("bad direction: %s (in, out or fwd)", s);
}

static void mark(const char *s, uint32_t *v, uint32_t *m)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s", s);
	char *slash = strchr(tmp, '/');
	if (slash)
		*slash = '\0';
	*v = (uint32_t)num(tmp, "mark", UINT32_MAX, 0);
	*m = slash ? (uint32_t)num(slash + 1, "mark mask", UINT32_MAX, 0) : UINT32_MAX;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap)
		die("bad key: odd length or longer than %zu bytes", cap);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			die("bad key: not hex");
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

/* NAME:HEXKEY[:BITS] into k; name may be a table name ("aes-cbc") or a kernel name. */
static void key_arg(char *arg, struct xfrm_key *k, char *name, uint8_t *keybuf, bool with_bits)
{
	char *bits = NULL;
	if (with_bits) {
		bits = strrchr(arg, ':');
		if (!bits)
			die("bad algorithm: %s (NAME:HEXKEY:BITS)", arg);
		*bits++ = '\0';
	}
	char *key = strrchr(arg, ':');
	if (!key)
		die("bad algorithm: %s (NAME:HEXKEY)", arg);
	*key++ = '\0';
	const struct xfrm_alg *a = xfrm_alg_find(arg);
	snprintf(name, XFRM_ALG_NAME_MAX + 1, "%s", a ? a->kernel : arg);
	k->alg = name;
	k->key = keybuf;
	k->len = unhex(key, keybuf, XFRM_KEY_MAX);
	explicit_bzero(key, strlen(key));
	if (bits)
		k->bits = (uint16_t)num(bits, "bits", 4096, 10);
}

enum {
	O_SRC = 256,
	O_DST,
	O_SPI,
	O_PROTO,
	O_MODE,
	O_REQID,
	O_ENC,
	O_AUTH,
	O_AEAD,
	O_COMP,
	O_ENCAP,
	O_REPLAY,
	O_ESN,
	O_SOFT_SECS,
	O_HARD_SECS,
	O_SOFT_BYTES,
	O_HARD_BYTES,
	O_SOFT_PACKETS,
	O_HARD_PACKETS,
	O_MARK,
	O_IF_ID,
	O_SEL_SRC,
	O_SEL_DST,
	O_SEL_PROTO,
	O_SPORT,
	O_DPORT,
	O_TMPL_SRC,
	O_TMPL_DST,
	O_OPTIONAL,
	O_PRIORITY,
	O_ACTION,
	O_DIR,
	O_MIN,
	O_MAX,
	O_SEQ,
	O_COUNT,
	O_TIMEOUT,
	O_RAW,
};

static const struct option long_opts[] = {
	{"src", 1, 0, O_SRC},
	{"dst", 1, 0, O_DST},
	{"spi", 1, 0, O_SPI},
	{"proto", 1, 0, O_PROTO},
	{"mode", 1, 0, O_MODE},
	{"reqid", 1, 0, O_REQID},
	{"enc", 1, 0, O_ENC},
	{"auth", 1, 0, O_AUTH},
	{"aead", 1, 0, O_AEAD},
	{"comp", 1, 0, O_COMP},
	{"encap", 1, 0, O_ENCAP},
	{"replay", 1, 0, O_REPLAY},
	{"esn", 0, 0, O_ESN},
	{"soft-secs", 1, 0, O_SOFT_SECS},
	{"hard-secs", 1, 0, O_HARD_SECS},
	{"soft-bytes", 1, 0, O_SOFT_BYTES},
	{"hard-bytes", 1, 0, O_HARD_BYTES},
	{"soft-packets", 1, 0, O_SOFT_PACKETS},
	{"hard-packets", 1, 0, O_HARD_PACKETS},
	{"mark", 1, 0, O_MARK},
	{"if-id", 1, 0, O_IF_ID},
	{"sel-src", 1, 0, O_SEL_SRC},
	{"sel-dst", 1, 0, O_SEL_DST},
	{"sel-proto", 1, 0, O_SEL_PROTO},
	{"sport", 1, 0, O_SPORT},
	{"dport", 1, 0, O_DPORT},
	{"tmpl-src", 1, 0, O_TMPL_SRC},
	{"tmpl-dst", 1, 0, O_TMPL_DST},
	{"optional", 0, 0, O_OPTIONAL},
	{"priority", 1, 0, O_PRIORITY},
	{"action", 1, 0, O_ACTION},
	{"dir", 1, 0, O_DIR},
	{"min", 1, 0, O_MIN},
	{"max", 1, 0, O_MAX},
	{"seq", 1, 0, O_SEQ},
	{"count", 1, 0, O_COUNT},
	{"timeout", 1, 0, O_TIMEOUT},
	{"raw", 1, 0, O_RAW},
	{0, 0, 0, 0},
};

/* Options that fill the SA and the policy's template (shared names: --proto, --mode, --reqid). */
static void opt_sa(struct opts *o, int c, char *arg)
{
	struct xfrm_sa *sa = &o->sa;
	struct xfrm_tmpl *t = &o->pol.tmpls[0];
	switch (c) {
	case O_SRC:
		addr(arg, &sa->src);
		o->have_src = true;
		break;
	case O_DST:
		addr(arg, &sa->dst);
		o->have_dst = true;
		break;
	case O_SPI:
		sa->spi = (uint32_t)num(arg, "SPI", UINT32_MAX, 16);
		o->have_spi = true;
		break;
	case O_PROTO:
		sa->proto = t->proto = proto(arg);
		o->have_proto = true;
		break;
	case O_MODE:
		sa->mode = t->mode = mode(arg);
		o->have_mode = true;
		break;
	case O_REQID:
		sa->reqid = t->reqid = (uint32_t)num(arg, "reqid", UINT32_MAX, 0);
		break;
	case O_ENC:
		key_arg(arg, &sa->enc, o->enc_name, o->enc_key, false);
		break;
	case O_AUTH:
		key_arg(arg, &sa->auth, o->auth_name, o->auth_key, true);
		break;
	case O_AEAD:
		key_arg(arg, &sa->aead, o->aead_name, o->aead_key, true);
		break;
	case O_COMP: {
		const struct xfrm_alg *a = xfrm_alg_find(arg);
		snprintf(o->comp_name, sizeof(o->comp_name), "%s", a ? a->kernel : arg);
		sa->comp.alg = o->comp_name;
		break;
	}
	case O_ENCAP: {
		char *dport = strchr(arg, ':');
		if (!dport)
			die("bad encap: %s (SPORT:DPORT[:OA])", arg);
		*dport++ = '\0';
		char *oa = strchr(dport, ':');
		if (oa) {
			*oa++ = '\0';
			addr(oa, &sa->encap_oa);
		}
		sa->encap = true;
		sa->encap_sport = (uint16_t)num(arg, "encap port", 65535, 10);
		sa->encap_dport = (uint16_t)num(dport, "encap port", 65535, 10);
		break;
	}
	case O_REPLAY:
		sa->replay_window = (uint32_t)num(arg, "replay window", 32768, 10);
		break;
	case O_ESN:
		sa->esn = true;
		break;
	case O_SOFT_SECS:
		sa->lft.soft_secs = num(arg, "lifetime", UINT64_MAX, 10);
		break;
	case O_HARD_SECS:
		sa->lft.hard_secs = num(arg, "lifetime", UINT64_MAX, 10);
		break;
	case O_SOFT_BYTES:
		sa->lft.soft_bytes = num(arg, "lifetime", UINT64_MAX, 10);
		break;
	case O_HARD_BYTES:
		sa->lft.hard_bytes = num(arg, "lifetime", UINT64_MAX, 10);
		break;
	case O_SOFT_PACKETS:
		sa->lft.soft_packets = num(arg, "lifetime", UINT64_MAX, 10);
		break;
	case O_HARD_PACKETS:
		sa->lft.hard_packets = num(arg, "lifetime", UINT64_MAX, 10);
		break;
	default:
		die("unknown option");
	}
}

static void opt_policy(struct opts *o, int c, char *arg)
{
	struct xfrm_policy *p = &o->pol;
	switch (c) {
	case O_MARK:
		mark(arg, &p->mark_v, &p->mark_m);
		o->sa.mark_v = p->mark_v;
		o->sa.mark_m = p->mark_m;
		break;
	case O_IF_ID:
		p->if_id = o->sa.if_id = (uint32_t)num(arg, "if_id", UINT32_MAX, 0);
		break;
	case O_SEL_SRC:
		prefix(arg, &p->sel.src, &p->sel.src_len);
		o->have_sel_src = true;
		break;
	case O_SEL_DST:
		prefix(arg, &p->sel.dst, &p->sel.dst_len);
		o->have_sel_dst = true;
		break;
	case O_SEL_PROTO:
		p->sel.proto = (uint8_t)num(arg, "protocol", 255, 0);
		break;
	case O_SPORT:
		p->sel.sport = (uint16_t)num(arg, "port", 65535, 10);
		break;
	case O_DPORT:
		p->sel.dport = (uint16_t)num(arg, "port", 65535, 10);
		break;
	case O_TMPL_SRC:
		addr(arg, &p->tmpls[0].src);
		o->have_tmpl = true;
		break;
	case O_TMPL_DST:
		addr(arg, &p->tmpls[0].dst);
		o->have_tmpl = true;
		break;
	case O_OPTIONAL:
		p->tmpls[0].optional = true;
		break;
	case O_PRIORITY:
		p->priority = (uint32_t)num(arg, "priority", UINT32_MAX, 0);
		break;
	case O_ACTION:
		if (!strcmp(arg, "allow"))
			p->action = XFRM_POLICY_ALLOW;
		else if (!strcmp(arg, "block"))
			p->action = XFRM_POLICY_BLOCK;
		else
			die("bad action: %s (allow or block)", arg);
		break;
	case O_DIR:
		p->dir = dir(arg);
		o->have_dir = true;
		break;
	case O_MIN:
		o->min = (uint32_t)num(arg, "min", UINT32_MAX, 16);
		break;
	case O_MAX:
		o->max = (uint32_t)num(arg, "max", UINT32_MAX, 16);
		break;
	case O_SEQ:
		o->seq = (uint32_t)num(arg, "seq", UINT32_MAX, 0);
		break;
	case O_COUNT:
		o->count = (unsigned long)num(arg, "count", 1000000, 10);
		break;
	case O_TIMEOUT:
		o->timeout = (unsigned long)num(arg, "timeout", 86400, 10);
		break;
	case O_RAW:
		o->raw_dir = arg;
		break;
	default:
		opt_sa(o, c, arg);
		break;
	}
}

static void need(bool have, const char *what)
{
	if (!have)
		die("missing %s", what);
}

static struct xfrm_handle *open_handle(void)
{
	struct xfrm_handle *h;
	int r = xfrm_open(&h);
	if (r < 0)
		die("cannot open NETLINK_XFRM: %s", strerror(-r));
	return h;
}

static int cmd_sa(struct opts *o, bool update)
{
	need(o->have_src && o->have_dst, "--src/--dst");
	need(o->have_spi && o->have_proto && o->have_mode, "--spi/--proto/--mode");
	if (o->have_sel_src || o->have_sel_dst) {
		need(o->have_sel_src && o->have_sel_dst, "--sel-src and --sel-dst");
		o->sa.sel = o->pol.sel;
	}
	struct xfrm_handle *h = open_handle();
	int r = update ? xfrm_sa_update(h, &o->sa) : xfrm_sa_add(h, &o->sa);
	wipe_opts(o);
	if (r < 0)
		die("%s", xfrm_errmsg(h));
	xfrm_close(h);
	return 0;
}

static int cmd_sa_id(struct opts *o, bool get)
{
	need(o->have_dst && o->have_spi && o->have_proto, "--dst/--spi/--proto");
	struct xfrm_sa_id id = {.dst = o->sa.dst,
				.spi = o->sa.spi,
				.proto = o->sa.proto,
				.mark_v = o->sa.mark_v,
				.mark_m = o->sa.mark_m};
	if (o->have_src)
		id.src = o->sa.src;
	struct xfrm_handle *h = open_handle();
	struct xfrm_sa_info info;
	int r = get ? xfrm_sa_get(h, &id, &info) : xfrm_sa_del(h, &id);
	if (r < 0)
		die("%s", xfrm_errmsg(h));
	if (get)
		printf("bytes=%" PRIu64 " packets=%" PRIu64 " add_time=%" PRIu64
		       " use_time=%" PRIu64 "\n",
		       info.bytes, info.packets, info.add_time, info.use_time);
	xfrm_close(h);
	return 0;
}

static int cmd_policy(struct opts *o, int which)
{
	need(o->have_dir, "--dir");
	need(o->have_sel_src && o->have_sel_dst, "--sel-src/--sel-dst");
	if (o->have_proto) {
		o->pol.n_tmpls = 1;
		if (!o->have_mode)
			o->pol.tmpls[0].mode =
				o->have_tmpl ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
		if (o->pol.tmpls[0].mode == XFRM_MODE_TUNNEL)
			need(o->pol.tmpls[0].src.family && o->pol.tmpls[0].dst.family,
			     "--tmpl-src/--tmpl-dst for a tunnel template");
	} else if (o->have_tmpl) {
		die("missing --proto for the template");
	}
	struct xfrm_handle *h = open_handle();
	int r = which == 0   ? xfrm_policy_add(h, &o->pol)
		: which == 1 ? xfrm_policy_update(h, &o->pol)
			     : xfrm_policy_del(h, &o->pol);
	if (r < 0)
		die("%s", xfrm_errmsg(h));
	xfrm_close(h);
	return 0;
}

static int cmd_allocspi(struct opts *o)
{
	need(o->have_src && o->have_dst && o->have_proto, "--src/--dst/--proto");
	struct xfrm_handle *h = open_handle();
	uint32_t spi;
	int r = xfrm_allocspi(h, &o->sa.src, &o->sa.dst, o->sa.proto, o->sa.reqid, o->seq, o->min,
			      o->max, &spi);
	if (r < 0)
		die("%s", xfrm_errmsg(h));
	printf("0x%08x\n", spi);
	xfrm_close(h);
	return 0;
}

static void print_sel(const struct xfrm_sel *s)
{
	char a[64], b[64];
	printf(" sel=%s/%u->%s/%u", xfrm_ipaddr_str(&s->src, a, sizeof(a)), s->src_len,
	       xfrm_ipaddr_str(&s->dst, b, sizeof(b)), s->dst_len);
	if (s->proto)
		printf(" sel-proto=%u", s->proto);
	if (s->sport)
		printf(" sport=%u", s->sport);
	if (s->dport)
		printf(" dport=%u", s->dport);
}

static void print_sa(const struct xfrm_sa_info *sa)
{
	char a[64], b[64];
	printf(" spi=0x%08x src=%s dst=%s proto=%s mode=%s reqid=%u%s", sa->spi,
	       xfrm_ipaddr_str(&sa->src, a, sizeof(a)), xfrm_ipaddr_str(&sa->dst, b, sizeof(b)),
	       xfrm_proto_name(sa->proto), xfrm_mode_name(sa->mode), sa->reqid,
	       sa->owned ? " owned" : "");
}

static void print_policy(const struct xfrm_policy *p)
{
	printf(" dir=%s index=%u priority=%u action=%s", xfrm_dir_name(p->dir), p->index,
	       p->priority, p->action == XFRM_POLICY_BLOCK ? "block" : "allow");
	print_sel(&p->sel);
	for (size_t i = 0; i < p->n_tmpls; i++)
		printf(" tmpl=%s/%s/reqid=%u", xfrm_proto_name(p->tmpls[i].proto),
		       xfrm_mode_name(p->tmpls[i].mode), p->tmpls[i].reqid);
	printf("%s", p->owned ? " owned" : "");
}

static int print_event(const struct xfrm_event *ev, void *arg)
{
	unsigned long *seen = arg;
	char a[64], b[64];
	switch (ev->type) {
	case XFRM_EV_ACQUIRE:
		printf("acquire src=%s dst=%s proto=%s reqid=%u policy-index=%u dir=%s seq=%u",
		       xfrm_ipaddr_str(&ev->acquire.src, a, sizeof(a)),
		       xfrm_ipaddr_str(&ev->acquire.dst, b, sizeof(b)),
		       xfrm_proto_name(ev->acquire.tmpl.proto), ev->acquire.tmpl.reqid,
		       ev->acquire.policy_index, xfrm_dir_name(ev->acquire.policy_dir),
		       ev->acquire.seq);
		print_sel(&ev->acquire.sel);
		break;
	case XFRM_EV_EXPIRE:
		printf("expire %s", ev->expire.hard ? "hard" : "soft");
		print_sa(&ev->expire.sa);
		break;
	case XFRM_EV_SA_ADD:
	case XFRM_EV_SA_UPDATE:
	case XFRM_EV_SA_DEL:
		printf("%s", xfrm_event_name(ev->type));
		print_sa(&ev->sa);
		break;
	case XFRM_EV_POLICY_ADD:
	case XFRM_EV_POLICY_UPDATE:
	case XFRM_EV_POLICY_DEL:
	case XFRM_EV_POLICY_EXPIRE:
		printf("%s", xfrm_event_name(ev->type));
		print_policy(&ev->policy.pol);
		break;
	case XFRM_EV_MAPPING:
		printf("mapping spi=0x%08x new=%s:%u", ev->mapping.id.spi,
		       xfrm_ipaddr_str(&ev->mapping.new_addr, a, sizeof(a)), ev->mapping.new_port);
		break;
	default:
		printf("%s", xfrm_event_name(ev->type));
		break;
	}
	printf("\n");
	(*seen)++;
	return 0;
}

/* Keeps one received buffer as DIR/msg-N.bin (for the fuzz corpus and parser tests). */
static void save_raw(const char *dir, unsigned n, const uint8_t *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/msg-%u.bin", dir, n);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fwrite(buf, 1, len, f);
	fclose(f);
}

static int cmd_monitor(struct opts *o)
{
	struct xfrm_handle *h;
	int r = xfrm_events_open(&h);
	if (r < 0)
		die("cannot subscribe to XFRM events: %s", strerror(-r));
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	unsigned long seen = 0, limit_ms = o->timeout ? o->timeout * 1000 : 3600 * 1000UL;
	unsigned raw_n = 0;
	for (;;) {
		if (o->count && seen >= o->count)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		unsigned long el = (unsigned long)((now.tv_sec - start.tv_sec) * 1000 +
						   (now.tv_nsec - start.tv_nsec) / 1000000);
		if (el >= limit_ms) {
			xfrm_close(h);
			return 1;
		}
		struct pollfd p = {.fd = xfrm_fd(h), .events = POLLIN};
		if (poll(&p, 1, (int)(limit_ms - el)) <= 0)
			continue;
		if (o->raw_dir) {
			uint8_t buf[65536];
			ssize_t n = recv(xfrm_fd(h), buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
			if (n > 0)
				save_raw(o->raw_dir, raw_n++, buf, (size_t)n);
			/* SA notifications carry the keys: test keys only where --raw is used. */
			explicit_bzero(buf, sizeof(buf));
		}
		r = xfrm_events_recv(h, print_event, &seen);
		if (r == -ENOBUFS)
			printf("resync needed\n");
		else if (r < 0 && r != -EAGAIN)
			die("%s", xfrm_errmsg(h));
	}
	xfrm_close(h);
	return 0;
}

static int dump_sa_cb(const struct xfrm_sa_info *sa, void *arg)
{
	(void)arg;
	printf("sa");
	print_sa(sa);
	printf(" bytes=%" PRIu64 " packets=%" PRIu64 "\n", sa->bytes, sa->packets);
	return 0;
}

static int dump_pol_cb(const struct xfrm_policy *p, void *arg)
{
	(void)arg;
	printf("policy");
	print_policy(p);
	printf("\n");
	return 0;
}

static int cmd_simple(const char *cmd)
{
	struct xfrm_handle *h = open_handle();
	int r;
	if (!strcmp(cmd, "flush-owned"))
		r = xfrm_flush_owned(h);
	else if (!strcmp(cmd, "sa-dump"))
		r = xfrm_sa_dump(h, dump_sa_cb, NULL);
	else
		r = xfrm_policy_dump(h, dump_pol_cb, NULL);
	if (r < 0)
		die("%s", xfrm_errmsg(h));
	if (!strcmp(cmd, "flush-owned"))
		fprintf(stderr, "removed %d\n", r);
	xfrm_close(h);
	return 0;
}

int main(int argc, char **argv)
{
	static struct opts o;
	g_opts = &o;
	if (argc < 2)
		die("usage: xfrmctl sa-add|sa-update|sa-del|sa-get|policy-add|policy-update|"
		    "policy-del|allocspi|monitor|flush-owned|sa-dump|policy-dump [options]");
	const char *cmd = argv[1];
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c == '?')
			die("bad option (see the header of tests/unit/xfrm/xfrmctl.c)");
		opt_policy(&o, c, optarg);
	}
	if (optind != argc)
		die("unexpected argument: %s", argv[optind]);
	int r;
	if (!strcmp(cmd, "sa-add") || !strcmp(cmd, "sa-update"))
		r = cmd_sa(&o, !strcmp(cmd, "sa-update"));
	else if (!strcmp(cmd, "sa-del") || !strcmp(cmd, "sa-get"))
		r = cmd_sa_id(&o, !strcmp(cmd, "sa-get"));
	else if (!strcmp(cmd, "policy-add"))
		r = cmd_policy(&o, 0);
	else if (!strcmp(cmd, "policy-update"))
		r = cmd_policy(&o, 1);
	else if (!strcmp(cmd, "policy-del"))
		r = cmd_policy(&o, 2);
	else if (!strcmp(cmd, "allocspi"))
		r = cmd_allocspi(&o);
	else if (!strcmp(cmd, "monitor"))
		r = cmd_monitor(&o);
	else if (!strcmp(cmd, "flush-owned") || !strcmp(cmd, "sa-dump") ||
		 !strcmp(cmd, "policy-dump"))
		r = cmd_simple(cmd);
	else
		die("unknown command: %s", cmd);
	wipe_opts(&o);
	return r;
}
