// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config file, parsed by inih. The handler stops at the first bad
 * option; inih reports its line, the handler the section, option and reason.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"

void xnat_config_defaults(struct xnat_agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->xdp_mode = XNAT_XDP_NATIVE;
	c->port_min = 1024;
	c->port_max = 65535;
	c->filtering = XNAT_FILTER_ENDPOINT_INDEPENDENT;
	c->hairpin = true;
	c->max_sessions = 131072;
	c->max_mappings = 131072;
	c->timeout_udp = 300;
	c->timeout_tcp_established = XNAT_MIN_TIMEOUT_TCP_EST;
	c->timeout_tcp_transitory = 240;
	c->timeout_icmp = 60;
	c->gc_interval = 5;
	strcpy(c->pin_root, XNAT_PIN_ROOT);
}

struct parse_state {
	struct xnat_agent_config *c;
	char why[256];      /* reason of the first error */
	char where[96];     /* "[section] option" of the first error */
	bool lan_from_file; /* the first lan line replaces, the next ones add */
};

static int fail(struct parse_state *st, const char *section, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parse_state *st, const char *section, const char *name, const char *fmt, ...)
{
	va_list ap;

	snprintf(st->where, sizeof(st->where), "[%s] %s", section, name);
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	return 0; /* inih: stop, report this line */
}

/* An unsigned decimal, whole string, within [min, max]. */
static int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (__u32)v;
	return 0;
}

/* Seconds, optionally with a unit: 300, 300s, 5m, 2h. */
static int parse_seconds(const char *s, __u32 *out)
{
	char num[32];
	size_t len = strlen(s);
	__u32 mult = 1, v;

	if (!len || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 's': mult = 1; num[--len] = '\0'; break;
	case 'm': mult = 60; num[--len] = '\0'; break;
	case 'h': mult = 3600; num[--len] = '\0'; break;
	}
	if (parse_u32(num, 0, UINT32_MAX / mult, &v))
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(s, no[i]))
			return *out = false, 0;
	}
	return -1;
}

static int valid_ifname(const char *s)
{
	return *s && strlen(s) < IF_NAMESIZE && !strpbrk(s, "/ \t,");
}

static int add_lans(struct parse_state *st, const char *section, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	char buf[256], *save = NULL;

	if (!st->lan_from_file) {
		c->n_lan = 0; /* the file's list replaces the defaults */
		st->lan_from_file = true;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!valid_ifname(tok))
			return fail(st, section, name, "bad interface name '%s'", tok);
		if (c->n_lan == XNAT_MAX_LAN)
			return fail(st, section, name, "more than %d LAN interfaces", XNAT_MAX_LAN);
		strcpy(c->lan[c->n_lan++], tok);
	}
	return 1;
}

static int on_interfaces(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "interfaces";

	if (!strcmp(name, "wan")) {
		if (!valid_ifname(value))
			return fail(st, sec, name, "bad interface name '%s'", value);
		strcpy(c->wan, value);
	} else if (!strcmp(name, "lan")) {
		return add_lans(st, sec, name, value);
	} else if (!strcmp(name, "xdp-mode")) {
		if (!strcmp(value, "native"))
			c->xdp_mode = XNAT_XDP_NATIVE;
		else if (!strcmp(value, "skb"))
			c->xdp_mode = XNAT_XDP_SKB;
		else if (!strcmp(value, "none"))
			c->xdp_mode = XNAT_XDP_NONE;
		else
			return fail(st, sec, name, "'%s': expected native, skb or none", value);
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int on_nat(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "nat";
	__u32 lo, hi;

	if (!strcmp(name, "port-range")) {
		char a[16], b[16], extra;

		if (sscanf(value, "%15[0-9]-%15[0-9]%c", a, b, &extra) != 2 ||
		    parse_u32(a, 1, 65535, &lo) || parse_u32(b, 1, 65535, &hi))
			return fail(st, sec, name, "'%s': expected MIN-MAX with ports 1-65535", value);
		if (lo > hi)
			return fail(st, sec, name, "'%s': MIN is above MAX", value);
		c->port_min = lo;
		c->port_max = hi;
	} else if (!strcmp(name, "filtering")) {
		if (!strcmp(value, "endpoint-independent"))
			c->filtering = XNAT_FILTER_ENDPOINT_INDEPENDENT;
		else if (!strcmp(value, "address-dependent"))
			c->filtering = XNAT_FILTER_ADDRESS_DEPENDENT;
		else if (!strcmp(value, "address-and-port-dependent"))
			c->filtering = XNAT_FILTER_ADDRESS_PORT_DEPENDENT;
		else
			return fail(st, sec, name, "'%s': expected endpoint-independent, "
				    "address-dependent or address-and-port-dependent", value);
	} else if (!strcmp(name, "hairpin")) {
		if (parse_bool(value, &c->hairpin))
			return fail(st, sec, name, "'%s': expected yes or no", value);
	} else if (!strcmp(name, "max-ports-per-host")) {
		if (parse_u32(value, 0, 65535, &c->max_ports_per_host))
			return fail(st, sec, name, "'%s': expected 0 (unlimited) to 65535", value);
	} else if (!strcmp(name, "max-sessions")) {
		if (parse_u32(value, 1, 1u << 26, &c->max_sessions))
			return fail(st, sec, name, "'%s': expected 1 to %u", value, 1u << 26);
	} else if (!strcmp(name, "max-mappings")) {
		if (parse_u32(value, 1, 1u << 26, &c->max_mappings))
			return fail(st, sec, name, "'%s': expected 1 to %u", value, 1u << 26);
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int on_timeouts(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "timeouts";
	__u32 v, min = 1, *field;
	const char *rfc = NULL;

	if (!strcmp(name, "udp"))
		field = &c->timeout_udp, min = XNAT_MIN_TIMEOUT_UDP, rfc = "RFC 4787";
	else if (!strcmp(name, "tcp-established"))
		field = &c->timeout_tcp_established, min = XNAT_MIN_TIMEOUT_TCP_EST, rfc = "RFC 5382";
	else if (!strcmp(name, "tcp-transitory"))
		field = &c->timeout_tcp_transitory;
	else if (!strcmp(name, "icmp"))
		field = &c->timeout_icmp;
	else
		return fail(st, sec, name, "unknown option");
	if (parse_seconds(value, &v))
		return fail(st, sec, name, "'%s': expected seconds (e.g. 300, 5m, 2h)", value);
	if (v < min && rfc)
		return fail(st, sec, name, "%u is below the %s minimum of %u seconds", v, rfc, min);
	if (v < min)
		return fail(st, sec, name, "must be at least %u second", min);
	*field = v;
	return 1;
}

static int on_agent(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "agent";

	if (!strcmp(name, "gc-interval")) {
		if (parse_seconds(value, &c->gc_interval) || !c->gc_interval || c->gc_interval > 3600)
			return fail(st, sec, name, "'%s': expected 1 to 3600 seconds", value);
	} else if (!strcmp(name, "pin-root")) {
		if (value[0] != '/' || strlen(value) >= sizeof(c->pin_root) - 64)
			return fail(st, sec, name, "'%s': expected an absolute path", value);
		strcpy(c->pin_root, value);
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int on_forward(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	char err[160];

	if (strcmp(name, "rule"))
		return fail(st, "forward", name, "unknown option (forwards are 'rule = ...')");
	if (c->n_forwards == XNAT_MAX_FORWARDS)
		return fail(st, "forward", name, "more than %d rules", XNAT_MAX_FORWARDS);
	if (xnat_forward_parse(value, &c->forwards[c->n_forwards], err, sizeof(err)))
		return fail(st, "forward", name, "%s", err);
	c->forwards[c->n_forwards++].owner = XNAT_OWNER_CONFIG;
	return 1;
}

static int on_option(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;

	if (!*value)
		return fail(st, section, name, "empty value");
	if (!strcmp(section, "interfaces"))
		return on_interfaces(st, name, value);
	if (!strcmp(section, "nat"))
		return on_nat(st, name, value);
	if (!strcmp(section, "timeouts"))
		return on_timeouts(st, name, value);
	if (!strcmp(section, "agent"))
		return on_agent(st, name, value);
	if (!strcmp(section, "forward"))
		return on_forward(st, name, value);
	if (!*section)
		return fail(st, "", name, "option outside a section");
	snprintf(st->where, sizeof(st->where), "[%s]", section);
	snprintf(st->why, sizeof(st->why), "unknown section");
	return 0;
}

int xnat_config_load(const char *path, struct xnat_agent_config *c, char *err, size_t errlen)
{
	struct parse_state st = { .c = c };
	int line;

	ini_allow_multiline = false;     /* an indented line is an error, not a continuation */
	ini_stop_on_first_error = true;
	ini_inline_comment_prefixes = (char *)";#";
	line = ini_parse(path, on_option, &st);
	if (line == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (line == -2) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (line > 0) {
		if (st.why[0])
			snprintf(err, errlen, "%s:%d: %s: %s", path, line, st.where, st.why);
		else
			snprintf(err, errlen, "%s:%d: syntax error (expected '[section]' or "
				 "'option = value')", path, line);
		return -1;
	}
	return 0;
}

static int forwards_overlap(const struct xnat_forward *a, const struct xnat_forward *b)
{
	return a->proto == b->proto && a->ext_min <= b->ext_max && b->ext_min <= a->ext_max;
}

int xnat_config_validate(const struct xnat_agent_config *c, char *err, size_t errlen)
{
	char fa[96], fb[96];

	if (!c->wan[0]) {
		snprintf(err, errlen, "no WAN interface: set [interfaces] wan or --wan");
		return -1;
	}
	if (!c->n_lan) {
		snprintf(err, errlen, "no LAN interface: set [interfaces] lan or --lan");
		return -1;
	}
	for (int i = 0; i < c->n_lan; i++) {
		if (!strcmp(c->lan[i], c->wan)) {
			snprintf(err, errlen, "%s is both the WAN and a LAN interface", c->wan);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(c->lan[i], c->lan[j])) {
				snprintf(err, errlen, "LAN interface %s is listed twice", c->lan[i]);
				return -1;
			}
	}
	if (!c->port_min || c->port_min > c->port_max) {
		snprintf(err, errlen, "bad port range %u-%u", c->port_min, c->port_max);
		return -1;
	}
	if (c->timeout_udp < XNAT_MIN_TIMEOUT_UDP ||
	    c->timeout_tcp_established < XNAT_MIN_TIMEOUT_TCP_EST) {
		snprintf(err, errlen, "timeouts below the RFC minimums");
		return -1;
	}
	for (int i = 0; i < c->n_forwards; i++)
		for (int j = 0; j < i; j++)
			if (forwards_overlap(&c->forwards[i], &c->forwards[j])) {
				xnat_forward_format(&c->forwards[j], fa, sizeof(fa));
				xnat_forward_format(&c->forwards[i], fb, sizeof(fb));
				snprintf(err, errlen, "forwards overlap: '%s' and '%s'", fa, fb);
				return -1;
			}
	return 0;
}

void xnat_config_to_map(const struct xnat_agent_config *c, struct xnat_config *m)
{
	m->port_min = c->port_min;
	m->port_max = c->port_max;
	m->flags = c->hairpin ? XNAT_CFG_HAIRPIN : 0;
	m->max_ports_per_host = c->max_ports_per_host;
	m->filtering = c->filtering;
	m->timeout_udp = c->timeout_udp;
	m->timeout_tcp_established = c->timeout_tcp_established;
	m->timeout_tcp_transitory = c->timeout_tcp_transitory;
	m->timeout_icmp = c->timeout_icmp;
}
