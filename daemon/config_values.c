// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The value types of ipsec.conf (booleans, durations, numbers, addresses, subnets, IDs,
 * proto/port, marks, choices), shared by the keyword setters (daemon/config_keywords.c) and the
 * secrets parser. Each returns 0 or a negative errno and leaves its outputs untouched on failure
 * unless documented otherwise.
 */
#include "daemon/config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int dmn_cfg_parse_bool(const char *v, bool *ret)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true"))
		*ret = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

/* Decimal, or hex with 0x. No sign, no overflow past max. */
int dmn_cfg_parse_u64(const char *v, uint64_t max, uint64_t *ret)
{
	int base = 10;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		v += 2;
	}
	if (!*v)
		return -EINVAL;
	uint64_t n = 0;
	for (; *v; v++) {
		int d;
		if (isdigit((unsigned char)*v))
			d = *v - '0';
		else if (base == 16 && isxdigit((unsigned char)*v))
			d = tolower((unsigned char)*v) - 'a' + 10;
		else
			return -EINVAL;
		if (n > (max - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		n = n * (uint64_t)base + (uint64_t)d;
	}
	*ret = n;
	return 0;
}

int dmn_cfg_parse_u32(const char *v, uint32_t max, uint32_t *ret)
{
	uint64_t n = 0;
	int r = dmn_cfg_parse_u64(v, max, &n);
	if (r == 0)
		*ret = (uint32_t)n;
	return r;
}

#define TIME_MAX (10u * 366 * 86400) /* ten years */

/* "90", "90s", "30m", "8h", "1d" into seconds. */
int dmn_cfg_parse_time(const char *v, uint32_t *ret)
{
	size_t n = strlen(v);
	uint32_t mul = 1;
	char num[24];
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	switch (v[n - 1]) {
	case 's':
		n--;
		break;
	case 'm':
		mul = 60, n--;
		break;
	case 'h':
		mul = 3600, n--;
		break;
	case 'd':
		mul = 86400, n--;
		break;
	default:
		break;
	}
	memcpy(num, v, n);
	num[n] = '\0';
	if (!n || !isdigit((unsigned char)num[0]) || strchr(num, 'x'))
		return -EINVAL;
	uint32_t t;
	int r = dmn_cfg_parse_u32(num, TIME_MAX / mul, &t);
	if (r == 0)
		*ret = t * mul;
	return r;
}

int dmn_cfg_parse_ip(const char *s, int *ret_family, uint8_t ret_bytes[16])
{
	uint8_t b[16] = {0};
	if (inet_pton(AF_INET, s, b) == 1) {
		*ret_family = AF_INET;
	} else if (inet_pton(AF_INET6, s, b) == 1) {
		*ret_family = AF_INET6;
	} else {
		return -EINVAL;
	}
	memcpy(ret_bytes, b, 16);
	return 0;
}

static bool valid_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	if (strspn(s, "0123456789.") == n)
		return false; /* a mistyped IPv4 address, not a name */
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return false;
	return true;
}

/* left=, nexthop=, sourceip=: an address, %any, %defaultroute, a hostname or (sourceip)
 * %config. */
int dmn_cfg_parse_addr(const char *v, bool sourceip, struct dmn_addr *ret)
{
	struct dmn_addr a = {0};
	if (!strcmp(v, "%any") || !strcmp(v, "%any4") || !strcmp(v, "%any6")) {
		a.kind = DMN_ADDR_ANY;
		a.family = v[4] == '4' ? AF_INET : v[4] == '6' ? AF_INET6 : 0;
	} else if (!strcmp(v, "%defaultroute") || !strcmp(v, "%direct")) {
		a.kind = DMN_ADDR_DEFAULTROUTE;
	} else if (sourceip &&
		   (!strcmp(v, "%config") || !strcmp(v, "%modecfg") || !strcmp(v, "%cfg") ||
		    !strcmp(v, "%config4") || !strcmp(v, "%config6"))) {
		a.kind = DMN_ADDR_CONFIG;
	} else if (dmn_cfg_parse_ip(v, &a.family, a.bytes) == 0) {
		a.kind = DMN_ADDR_IP;
	} else {
		const char *h = v;
		if (*h == '%') {
			a.any_allowed = true;
			h++;
		}
		if (!valid_hostname(h) || strlen(h) >= DMN_HOST_MAX)
			return -EINVAL;
		a.kind = DMN_ADDR_HOSTNAME;
		if (!(a.host = strdup(h)))
			return -ENOMEM;
	}
	*ret = a;
	return 0;
}

static int parse_proto(const char *s, uint8_t *ret)
{
	static const struct {
		const char *n;
		uint8_t v;
	} names[] = {{"icmp", 1}, {"tcp", 6},	  {"udp", 17},	     {"gre", 47},   {"esp", 50},
		     {"ah", 51},  {"icmpv6", 58}, {"ipv6-icmp", 58}, {"sctp", 132}, {"%any", 0}};
	for (size_t i = 0; i < N_OF(names); i++)
		if (!strcmp(s, names[i].n)) {
			*ret = names[i].v;
			return 0;
		}
	uint32_t n = 0;
	if (dmn_cfg_parse_u32(s, 255, &n) < 0)
		return -EINVAL;
	*ret = (uint8_t)n;
	return 0;
}

/* "proto[/port]" with port a number, lo-hi or %any. */
int dmn_cfg_parse_protoport(const char *v, uint8_t *proto, uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	if (strlen(v) >= sizeof(buf) || !*v)
		return -EINVAL;
	strcpy(buf, v);
	char *port = strchr(buf, '/');
	if (port)
		*port++ = '\0';
	uint8_t p;
	if (parse_proto(buf, &p) < 0)
		return -EINVAL;
	uint32_t a = 0, b = 65535;
	if (port && strcmp(port, "%any") != 0) {
		char *dash = strchr(port, '-');
		if (dash)
			*dash++ = '\0';
		if (dmn_cfg_parse_u32(port, 65535, &a) < 0)
			return -EINVAL;
		b = a;
		if (dash && (dmn_cfg_parse_u32(dash, 65535, &b) < 0 || b < a))
			return -EINVAL;
	}
	*proto = p;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Byte i of the netmask of a prefix length. */
static uint8_t mask_byte(unsigned prefix, unsigned i)
{
	unsigned bit = i * 8;
	if (bit >= prefix)
		return 0;
	if (bit + 8 <= prefix)
		return 0xff;
	return (uint8_t)(0xff << (8 - (prefix - bit)));
}

/* One element: "a/len", "a", "a-b", each with an optional "[proto/port]" (strongSwan 5). */
static int parse_one_subnet(char *e, struct dmn_subnet *ret, const char **why)
{
	struct dmn_subnet s = {0};
	s.port_hi = 65535;
	char *br = strchr(e, '[');
	if (br) {
		size_t n = strlen(br);
		if (br[n - 1] != ']') {
			*why = "unterminated '[proto/port]'";
			return -EINVAL;
		}
		br[n - 1] = '\0';
		*br++ = '\0';
		if (dmn_cfg_parse_protoport(br, &s.proto, &s.port_lo, &s.port_hi) < 0) {
			*why = "bad [proto/port]";
			return -EINVAL;
		}
	}
	char *slash = strchr(e, '/'), *dash = strchr(e, '-');
	if (slash)
		*slash++ = '\0';
	else if (dash && !strchr(e, ':'))
		*dash++ = '\0';
	else if (dash) { /* IPv6 range: "a-b" where both contain ':' */
		*dash++ = '\0';
	} else {
		dash = NULL;
	}
	if (dmn_cfg_parse_ip(e, &s.family, s.from) < 0) {
		*why = "not an IP address";
		return -EINVAL;
	}
	unsigned maxp = s.family == AF_INET ? 32 : 128;
	if (dash && !slash) {
		int f2;
		if (dmn_cfg_parse_ip(dash, &f2, s.to) < 0 || f2 != s.family ||
		    memcmp(s.to, s.from, maxp / 8) < 0) {
			*why = "bad address range";
			return -EINVAL;
		}
		s.is_range = true;
	} else {
		uint32_t p = maxp;
		if (slash && dmn_cfg_parse_u32(slash, maxp, &p) < 0) {
			*why = "bad prefix length";
			return -EINVAL;
		}
		s.prefix = (uint8_t)p;
		for (unsigned i = 0; i < maxp / 8; i++) {
			uint8_t m = mask_byte(s.prefix, i);
			if (s.from[i] & (uint8_t)~m) {
				*why = "host bits set after the prefix length";
				return -EINVAL;
			}
			s.to[i] = (uint8_t)(s.from[i] | (uint8_t)~m);
		}
	}
	*ret = s;
	return 0;
}

/* leftsubnet(s)=: list separated by ',' or blanks, optionally in {}; "vhost:"/"vnet:" lists
 * (Libreswan) with %no, %priv, %v4:CIDR, %v6:CIDR. "%dynamic" alone = the host address. */
int dmn_cfg_parse_subnets(const char *v, struct dmn_side *side, const char **why)
{
	char buf[DMN_CFG_LINE_MAX + 1];
	unsigned virt = 0;
	if (!strncmp(v, "vhost:", 6) || !strncmp(v, "vnet:", 5)) {
		virt = v[1] == 'h' ? DMN_VIRT_VHOST : DMN_VIRT_VNET;
		v += v[1] == 'h' ? 6 : 5;
	}
	size_t n = strlen(v);
	if (n >= sizeof(buf)) {
		*why = "too long";
		return -EINVAL;
	}
	strcpy(buf, v);
	char *p = buf;
	if (*p == '{') {
		if (buf[n - 1] != '}') {
			*why = "unterminated '{'";
			return -EINVAL;
		}
		buf[n - 1] = '\0';
		p++;
	}
	struct dmn_subnet *list = NULL;
	size_t cnt = 0;
	char *save = NULL;
	for (char *e = strtok_r(p, ", \t", &save); e; e = strtok_r(NULL, ", \t", &save)) {
		if (!strcmp(e, "%dynamic") && !virt) {
			continue;
		}
		if (virt && (!strcmp(e, "%no") || !strcmp(e, "%priv"))) {
			virt |= e[1] == 'n' ? DMN_VIRT_NO : DMN_VIRT_PRIV;
			continue;
		}
		if (virt && (!strncmp(e, "%v4:", 4) || !strncmp(e, "%v6:", 4)))
			e += 4;
		if (cnt >= DMN_CFG_SUBNETS_MAX) {
			free(list);
			*why = "too many subnets";
			return -EINVAL;
		}
		struct dmn_subnet *nl = realloc(list, (cnt + 1) * sizeof(*nl));
		if (!nl) {
			free(list);
			return -ENOMEM;
		}
		list = nl;
		if (parse_one_subnet(e, &list[cnt], why) < 0) {
			free(list);
			return -EINVAL;
		}
		cnt++;
	}
	if (virt && !cnt && !(virt & (DMN_VIRT_NO | DMN_VIRT_PRIV))) {
		*why = "empty vhost:/vnet: list";
		return -EINVAL;
	}
	free(side->subnets);
	side->subnets = list;
	side->n_subnets = cnt;
	side->virt = virt;
	return 0;
}

static int unhex_ok(const char *s)
{
	if (!*s)
		return -EINVAL;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	return 0;
}

int dmn_cfg_parse_id(const char *s, struct dmn_id *ret)
{
	struct dmn_id id = {0};
	const char *str = NULL;
	if (!*s || strlen(s) >= sizeof(id.str))
		return -EINVAL;
	if (!strcmp(s, "%any") || !strcmp(s, "*")) {
		id.type = DMN_ID_ANY;
	} else if (!strncmp(s, "@#", 2)) {
		id.type = DMN_ID_KEY_ID, str = s + 2;
		if (unhex_ok(str) < 0)
			return -EINVAL;
	} else if (!strncmp(s, "keyid:", 6)) {
		id.type = DMN_ID_KEY_ID, str = s + 6;
	} else if (!strncmp(s, "@@", 2)) { /* old FreeS/WAN spelling of user@fqdn */
		id.type = DMN_ID_USER_FQDN, str = s + 2;
	} else if (s[0] == '@') {
		id.type = strchr(s + 1, '@') ? DMN_ID_USER_FQDN : DMN_ID_FQDN, str = s + 1;
	} else if (!strncmp(s, "fqdn:", 5)) {
		id.type = DMN_ID_FQDN, str = s + 5;
	} else if (!strncmp(s, "email:", 6) || !strncmp(s, "rfc822:", 7) ||
		   !strncmp(s, "userfqdn:", 9)) {
		id.type = DMN_ID_USER_FQDN, str = strchr(s, ':') + 1;
	} else if (!strncmp(s, "ipv4:", 5) || !strncmp(s, "ipv6:", 5)) {
		int fam;
		if (dmn_cfg_parse_ip(s + 5, &fam, id.addr) < 0 ||
		    fam != (s[3] == '4' ? AF_INET : AF_INET6))
			return -EINVAL;
		id.type = fam == AF_INET ? DMN_ID_IPV4 : DMN_ID_IPV6;
	} else if (!strncmp(s, "asn1dn:", 7) || !strncmp(s, "dn:", 3)) {
		id.type = DMN_ID_DN, str = strchr(s, ':') + 1;
	} else if (s[0] == '%') {
		return -EINVAL; /* %fromcert and friends need certificates */
	} else {
		int fam;
		if (dmn_cfg_parse_ip(s, &fam, id.addr) == 0)
			id.type = fam == AF_INET ? DMN_ID_IPV4 : DMN_ID_IPV6;
		else if (strchr(s, '='))
			id.type = DMN_ID_DN, str = s;
		else if (strchr(s, '@'))
			id.type = DMN_ID_USER_FQDN, str = s;
		else
			id.type = DMN_ID_FQDN, str = s;
	}
	if (str) {
		if (!*str)
			return -EINVAL;
		strcpy(id.str, str);
	}
	*ret = id;
	return 0;
}

/* "value[/mask]" or "%unique" */
int dmn_cfg_parse_mark(const char *v, uint32_t *val, uint32_t *mask, bool *unique)
{
	char buf[32];
	if (!strcmp(v, "%unique") || !strcmp(v, "%unique-dir")) {
		*val = 0, *mask = 0xffffffff, *unique = true;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, v);
	char *m = strchr(buf, '/');
	if (m)
		*m++ = '\0';
	uint32_t a = 0, b = 0xffffffff;
	if (dmn_cfg_parse_u32(buf, UINT32_MAX, &a) < 0 ||
	    (m && dmn_cfg_parse_u32(m, UINT32_MAX, &b) < 0))
		return -EINVAL;
	*val = a, *mask = b, *unique = false;
	return 0;
}

int dmn_cfg_parse_ifid(const char *v, uint32_t *val, bool *unique)
{
	if (!strcmp(v, "%unique") || !strcmp(v, "%unique-dir")) {
		*val = 0, *unique = true;
		return 0;
	}
	*unique = false;
	return dmn_cfg_parse_u32(v, UINT32_MAX, val);
}

/* Looks v up in a NULL-terminated list of "name" with values; -EINVAL if absent. */

int dmn_cfg_parse_choice(const char *v, const struct cfg_choice *c, int *ret)
{
	for (; c->name; c++)
		if (!strcmp(v, c->name)) {
			*ret = c->value;
			return 0;
		}
	return -EINVAL;
}
