// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config file, parsed by inih. Our line reader feeds inih one physical
 * line at a time: it counts lines, rejects over-long ones (inih would split
 * them silently) and unknown [section] headers, which inih never reports.
 * The option handler stops at the first bad option. Either way the error
 * names the file, the line, the section and option, and the reason.
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
#include "shown.h"

/* The longest line: "pin-root = " and a path of PATH_MAX, with room to spare. */
#define CONF_MAX_LINE (PATH_MAX + 64)
/* Pins are "<pin-root>/<map name>": leave room for the name. */
#define PIN_NAME_ROOM 64
#define MAX_TABLE_ENTRIES (1u << 26)
/* Timers are compared as signed 32-bit differences (expiry.h); 30 days is plenty. */
#define MAX_TIMEOUT (30u * 24 * 3600)
#define MAX_GC_INTERVAL 3600

void xnat_config_defaults(struct xnat_agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->xdp_mode = XNAT_XDP_AUTO;
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
	c->timeout_sip_dialog = 3600; /* nf_conntrack_sip's sip_timeout */
	c->sip_dialogs_per_host = 256; /* a small PBX's calls; 32 hosts to fill the table */
	c->sip_enabled = true;
	c->sip[0] = (struct xnat_sip_port){ .port = XNAT_SIP_DEFAULT_PORT,
					    .dirs = XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN };
	c->n_sip = 1;
	c->natpmp = true;
	c->lease_min_lifetime = 120;    /* miniupnpd's min_lifetime */
	c->lease_max_lifetime = 86400;  /* and max_lifetime */
	c->leases_per_host = 64;
	xnat_pm_rules_default(&c->pm_rules);
	c->rate_limit = 20;
	c->upnp = true;
	c->upnp_http_port = 49152;
	c->upnp_secure_mode = true;
	strcpy(c->state_dir, "/var/lib/xnat");
	c->gc_interval = 5;
	strcpy(c->pin_root, XNAT_PIN_ROOT);
}

struct parse_state {
	FILE *file;
	struct xnat_agent_config *c;
	int line;           /* physical line last read */
	int err_line;       /* line of the first error, 0 = none */
	int read_errno;     /* fgets failed (e.g. the path is a directory) */
	char where[2 * XNAT_SHOWN_SIZE + 4]; /* "[section] option", "[section]" or "" */
	char why[512];      /* reason of the first error */
	bool lan_from_file; /* the first lan line replaces, the next ones add */
};

static void set_error(struct parse_state *st, const char *where, const char *fmt, va_list ap)
{
	st->err_line = st->line;
	snprintf(st->where, sizeof(st->where), "%s", where);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
}

/* An option error; returns 0 so inih stops. */
static int fail(struct parse_state *st, const char *section, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parse_state *st, const char *section, const char *name, const char *fmt, ...)
{
	struct xnat_shown qs, qn;
	char where[sizeof(qs.s) + sizeof(qn.s) + 4];
	va_list ap;

	/* names as the file has them: quoted as values are */
	if (*section)
		snprintf(where, sizeof(where), "[%s] %s", xnat_shown(section, &qs), xnat_shown(name, &qn));
	else
		snprintf(where, sizeof(where), "%s", xnat_shown(name, &qn));
	va_start(ap, fmt);
	set_error(st, where, fmt, ap);
	va_end(ap);
	return 0;
}

/* An option whose value is bad: "'VALUE': reason", the value quoted as
 * xnat_shown() does (cut short, escaped), so the reason always fits. */
static int bad_value(struct parse_state *st, const char *section, const char *name, const char *value,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad_value(struct parse_state *st, const char *section, const char *name, const char *value,
		     const char *fmt, ...)
{
	struct xnat_shown q;
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return fail(st, section, name, "'%s': %s", xnat_shown(value, &q), why);
}

/* A line error (not tied to an option); returns NULL so the reader ends the parse. */
static char *fail_line(struct parse_state *st, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *fail_line(struct parse_state *st, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(st, where, fmt, ap);
	va_end(ap);
	return NULL;
}

static const char *const xdp_modes[] = {
	[XNAT_XDP_AUTO] = "auto", [XNAT_XDP_NATIVE] = "native", [XNAT_XDP_SKB] = "skb", [XNAT_XDP_NONE] = "none",
};

int xnat_xdp_mode_parse(const char *s, enum xnat_xdp_mode *mode)
{
	for (size_t i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++) {
		if (!strcmp(s, xdp_modes[i])) {
			*mode = (enum xnat_xdp_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *xnat_xdp_mode_name(enum xnat_xdp_mode mode)
{
	return (unsigned int)mode < sizeof(xdp_modes) / sizeof(xdp_modes[0]) ? xdp_modes[mode] : "?";
}

/* An unsigned decimal, whole string, within [min, max]: no sign, blank or junk. */
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

/* Seconds, optionally with a unit: 300, 300s, 5m, 2h. At most max seconds. */
static int parse_seconds(const char *s, __u32 max, __u32 *out)
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
	if (parse_u32(num, 0, max / mult, &v))
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(s, no[i]))
			return *out = false, 0;
	}
	return -1;
}

/* What the kernel accepts as a device name (dev_valid_name). */
static bool valid_ifname(const char *s)
{
	return *s && strlen(s) < IF_NAMESIZE && strcmp(s, ".") && strcmp(s, "..") &&
	       !strpbrk(s, "/: \t\n\r\v\f,");
}

static int add_lans(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	char buf[CONF_MAX_LINE], *save = NULL;
	int added = 0;

	if (!st->lan_from_file) {
		c->n_lan = 0; /* the file's list replaces what was there */
		st->lan_from_file = true;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!valid_ifname(tok))
			return bad_value(st, "interfaces", name, tok, "bad interface name");
		if (c->n_lan == XNAT_MAX_LAN)
			return fail(st, "interfaces", name, "more than %d LAN interfaces", XNAT_MAX_LAN);
		strcpy(c->lan[c->n_lan++], tok);
		added++;
	}
	if (!added)
		return bad_value(st, "interfaces", name, value, "no interface name in it");
	return 1;
}

static int on_interfaces(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "interfaces";

	if (!strcmp(name, "wan")) {
		if (!valid_ifname(value))
			return bad_value(st, sec, name, value, "bad interface name");
		strcpy(c->wan, value);
	} else if (!strcmp(name, "lan")) {
		return add_lans(st, name, value);
	} else if (!strcmp(name, "xdp-mode")) {
		if (xnat_xdp_mode_parse(value, &c->xdp_mode))
			return bad_value(st, sec, name, value, "expected auto, native, skb or none");
	} else if (!strcmp(name, "tcp-bulk")) {
		if (strcmp(value, "stack") && strcmp(value, "xdp"))
			return bad_value(st, sec, name, value, "expected stack or xdp");
		c->tcp_bulk_xdp = !strcmp(value, "xdp");
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int parse_port_range(const char *value, __u32 *lo, __u32 *hi)
{
	char a[16], b[16], extra;

	if (sscanf(value, "%15[0-9]-%15[0-9]%c", a, b, &extra) != 2)
		return -1;
	return parse_u32(a, 1, 65535, lo) || parse_u32(b, 1, 65535, hi) ? -1 : 0;
}

static int on_nat(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "nat";
	__u32 lo, hi;

	if (!strcmp(name, "port-range")) {
		if (parse_port_range(value, &lo, &hi))
			return bad_value(st, sec, name, value, "expected MIN-MAX with ports 1-65535");
		if (lo > hi)
			return bad_value(st, sec, name, value, "MIN is above MAX");
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
			return bad_value(st, sec, name, value, "expected endpoint-independent, "
				    "address-dependent or address-and-port-dependent");
	} else if (!strcmp(name, "hairpin")) {
		if (parse_bool(value, &c->hairpin))
			return bad_value(st, sec, name, value, "expected yes or no");
	} else if (!strcmp(name, "max-ports-per-host")) {
		if (parse_u32(value, 0, 65535, &c->max_ports_per_host))
			return bad_value(st, sec, name, value, "expected 0 (unlimited) to 65535");
	} else if (!strcmp(name, "max-sessions")) {
		if (parse_u32(value, 1, MAX_TABLE_ENTRIES, &c->max_sessions))
			return bad_value(st, sec, name, value, "expected 1 to %u", MAX_TABLE_ENTRIES);
	} else if (!strcmp(name, "max-mappings")) {
		if (parse_u32(value, 1, MAX_TABLE_ENTRIES, &c->max_mappings))
			return bad_value(st, sec, name, value, "expected 1 to %u", MAX_TABLE_ENTRIES);
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int on_timeouts(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "timeouts", *rfc = NULL;
	__u32 v, min = 1, *field;

	if (!strcmp(name, "udp"))
		field = &c->timeout_udp, min = XNAT_MIN_TIMEOUT_UDP, rfc = "RFC 4787";
	else if (!strcmp(name, "tcp-established"))
		field = &c->timeout_tcp_established, min = XNAT_MIN_TIMEOUT_TCP_EST, rfc = "RFC 5382";
	else if (!strcmp(name, "tcp-transitory"))
		field = &c->timeout_tcp_transitory;
	else if (!strcmp(name, "icmp"))
		field = &c->timeout_icmp;
	else if (!strcmp(name, "sip-dialog"))
		field = &c->timeout_sip_dialog;
	else
		return fail(st, sec, name, "unknown option");
	if (parse_seconds(value, MAX_TIMEOUT, &v))
		return bad_value(st, sec, name, value, "expected seconds up to %u (e.g. 300, 5m, 2h)", MAX_TIMEOUT);
	if (v < min && rfc)
		return fail(st, sec, name, "%u is below the %s minimum of %u seconds", v, rfc, min);
	if (v < min)
		return fail(st, sec, name, "must be at least %u second", min);
	*field = v;
	return 1;
}

/* "PORT [both|outbound|inbound|off]" */
static int add_sip_port(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	char num[16], dir[16] = "both", extra[2];
	int n = sscanf(value, "%15s %15s %1s", num, dir, extra);
	__u32 port;
	__u8 dirs;

	if (n < 1 || n > 2 || parse_u32(num, 1, 65535, &port))
		return bad_value(st, "sip", name, value, "expected PORT [both|outbound|inbound|off]");
	if (!strcmp(dir, "both"))
		dirs = XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN;
	else if (!strcmp(dir, "outbound"))
		dirs = XNAT_SIP_DIR_OUT;
	else if (!strcmp(dir, "inbound"))
		dirs = XNAT_SIP_DIR_IN;
	else if (!strcmp(dir, "off"))
		dirs = 0;
	else
		return bad_value(st, "sip", name, dir, "expected both, outbound, inbound or off");
	if (!c->sip_ports_set) { /* the first port line replaces the default */
		c->sip_ports_set = true;
		c->n_sip = 0;
	}
	for (int i = 0; i < c->n_sip; i++)
		if (c->sip[i].port == port)
			return fail(st, "sip", name, "port %u is listed twice", port);
	if (c->n_sip == XNAT_SIP_PORTS)
		return fail(st, "sip", name, "more than %d ports", XNAT_SIP_PORTS);
	c->sip[c->n_sip++] = (struct xnat_sip_port){ .port = (__u16)port, .dirs = dirs };
	return 1;
}

static int on_sip(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;

	if (!strcmp(name, "alg")) {
		if (parse_bool(value, &c->sip_enabled))
			return bad_value(st, "sip", name, value, "expected yes or no");
	} else if (!strcmp(name, "port")) {
		return add_sip_port(st, name, value);
	} else if (!strcmp(name, "max-dialogs-per-host")) {
		if (parse_u32(value, 0, XNAT_MAX_SIP_DIALOGS, &c->sip_dialogs_per_host))
			return bad_value(st, "sip", name, value, "expected 0 (unlimited) to %u", XNAT_MAX_SIP_DIALOGS);
	} else {
		return fail(st, "sip", name, "unknown option");
	}
	return 1;
}

static int on_portmap(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "portmap";

	if (!strcmp(name, "natpmp")) {
		if (parse_bool(value, &c->natpmp))
			return bad_value(st, sec, name, value, "expected yes or no");
	} else if (!strcmp(name, "allow-third-party")) {
		if (parse_bool(value, &c->allow_third_party))
			return bad_value(st, sec, name, value, "expected yes or no");
	} else if (!strcmp(name, "upnp")) {
		if (parse_bool(value, &c->upnp))
			return bad_value(st, sec, name, value, "expected yes or no");
	} else if (!strcmp(name, "secure-mode")) {
		if (parse_bool(value, &c->upnp_secure_mode))
			return bad_value(st, sec, name, value, "expected yes or no");
	} else if (!strcmp(name, "http-port")) {
		__u32 port;

		if (parse_u32(value, 1, 65535, &port))
			return bad_value(st, sec, name, value, "expected a port, 1 to 65535");
		c->upnp_http_port = (__u16)port;
	} else if (!strcmp(name, "min-lifetime") || !strcmp(name, "max-lifetime")) {
		__u32 *field = name[1] == 'i' ? &c->lease_min_lifetime : &c->lease_max_lifetime;

		if (parse_seconds(value, MAX_TIMEOUT, field) || !*field)
			return bad_value(st, sec, name, value, "expected 1 to %u seconds (e.g. 120, 2m, 24h)",
					 MAX_TIMEOUT);
	} else if (!strcmp(name, "leases-per-host")) {
		if (parse_u32(value, 0, 65535, &c->leases_per_host))
			return bad_value(st, sec, name, value, "expected 0 (unlimited) to 65535");
	} else if (!strcmp(name, "rate-limit")) {
		if (parse_u32(value, 0, 100000, &c->rate_limit))
			return bad_value(st, sec, name, value, "expected 0 (off) to 100000 requests a second");
	} else if (!strcmp(name, "rule")) {
		struct xnat_pm_rule rule;
		char why[384];

		if (xnat_pm_rule_parse(value, &rule, why, sizeof(why)))
			return fail(st, sec, name, "%s", why);
		if (!c->pm_rules_set) { /* the first rule line replaces the defaults */
			c->pm_rules_set = true;
			c->pm_rules.n = 0;
		}
		if (xnat_pm_rules_add(&c->pm_rules, &rule))
			return fail(st, sec, name, "more than %d rules", XNAT_PM_MAX_RULES);
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int on_agent(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	const char *sec = "agent";

	if (!strcmp(name, "gc-interval")) {
		if (parse_seconds(value, MAX_GC_INTERVAL, &c->gc_interval) || !c->gc_interval)
			return bad_value(st, sec, name, value, "expected 1 to %u seconds",
				    MAX_GC_INTERVAL);
	} else if (!strcmp(name, "pin-root")) {
		if (value[0] != '/')
			return bad_value(st, sec, name, value, "expected an absolute path");
		if (strlen(value) >= sizeof(c->pin_root) - PIN_NAME_ROOM)
			return fail(st, sec, name, "path longer than %zu characters",
				    sizeof(c->pin_root) - PIN_NAME_ROOM - 1);
		strcpy(c->pin_root, value);
	} else if (!strcmp(name, "state-dir")) {
		if (value[0] != '/')
			return bad_value(st, sec, name, value, "expected an absolute path");
		if (strlen(value) >= sizeof(c->state_dir) - PIN_NAME_ROOM)
			return fail(st, sec, name, "path longer than %zu characters",
				    sizeof(c->state_dir) - PIN_NAME_ROOM - 1);
		strcpy(c->state_dir, value);
	} else {
		return fail(st, sec, name, "unknown option");
	}
	return 1;
}

static int on_forward(struct parse_state *st, const char *name, const char *value)
{
	struct xnat_agent_config *c = st->c;
	char why[384];

	if (strcmp(name, "rule"))
		return fail(st, "forward", name, "unknown option (forwards are 'rule = ...')");
	if (c->n_forwards == XNAT_MAX_FORWARDS)
		return fail(st, "forward", name, "more than %d rules", XNAT_MAX_FORWARDS);
	if (xnat_forward_parse(value, &c->forwards[c->n_forwards], why, sizeof(why)))
		return fail(st, "forward", name, "%s", why);
	c->forwards[c->n_forwards++].owner = XNAT_OWNER_CONFIG;
	return 1;
}

static const struct section {
	const char *name;
	int (*on_option)(struct parse_state *st, const char *name, const char *value);
} sections[] = {
	{ "interfaces", on_interfaces },
	{ "nat", on_nat },
	{ "timeouts", on_timeouts },
	{ "agent", on_agent },
	{ "forward", on_forward },
	{ "sip", on_sip },
	{ "portmap", on_portmap },
};

static const struct section *find_section(const char *name)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(sections[i].name, name))
			return &sections[i];
	return NULL;
}

static int on_option(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	const struct section *s = find_section(section);

	if (!*section)
		return fail(st, "", name, "option outside a section (e.g. [interfaces])");
	if (!s) /* the reader stops at the header already; kept as a safety net */
		return fail(st, section, name, "unknown section");
	if (!*value)
		return fail(st, section, name, "empty value");
	return s->on_option(st, name, value);
}

/* A "[name]" header line (as inih reads it) must name a known section. */
static char *check_header(struct parse_state *st, char *line)
{
	char *start = line + strspn(line, " \t\r\n\v\f"), *end;
	char name[64];

	if (st->line == 1 && !strncmp(start, "\xEF\xBB\xBF", 3)) {
		start += 3; /* UTF-8 byte order mark, skipped by inih too, and the blanks after it */
		start += strspn(start, " \t\r\n\v\f");
	}
	if (*start != '[')
		return line;
	end = strchr(start + 1, ']');
	if (!end)
		return line; /* inih reports the syntax error */
	snprintf(name, sizeof(name), "%.*s", (int)(end - start - 1), start + 1);
	if (!find_section(name)) {
		struct xnat_shown q;
		char where[sizeof(q.s) + 2];

		snprintf(where, sizeof(where), "[%s]", xnat_shown(name, &q));
		return fail_line(st, where, "unknown section (expected [interfaces], [nat], "
				 "[timeouts], [sip], [portmap], [agent] or [forward])");
	}
	return line;
}

/*
 * inih's reader: one whole physical line per call, read a byte at a time
 * (fgets can't tell a NUL byte from the line's end: the rest of the line
 * would be dropped and its end taken from the next line).
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	bool nul = false;
	int ch = getc(st->file), n = 0;

	if (ch == EOF) {
		if (ferror(st->file))
			st->read_errno = errno ? errno : EIO;
		return NULL;
	}
	st->line++;
	for (; ch != EOF; ch = getc(st->file)) {
		if (n == size - 1) { /* full: only the line's end may come now */
			if (ch != '\n')
				return fail_line(st, "", "line longer than %d characters", size - 1);
			break;
		}
		nul |= !ch;
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (ch == EOF && ferror(st->file)) {
		st->read_errno = errno ? errno : EIO;
		return NULL;
	}
	buf[n] = '\0';
	if (nul)
		return fail_line(st, "", "a NUL byte in the line (not a text file?)");
	return check_header(st, buf);
}

/* Debian's libinih exposes its compile-time options as variables. */
static void set_inih_options(void)
{
	ini_allow_multiline = false; /* an indented line is an option, not a continuation */
	ini_stop_on_first_error = true;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = (char *)";#"; /* after a blank: "udp = 300 # 5 min" */
	ini_allow_no_value = false;
	ini_use_stack = false; /* a heap line of ini_initial_alloc bytes, not 200 on the stack */
	ini_allow_realloc = false;
	ini_initial_alloc = CONF_MAX_LINE + 2; /* + '\n' and '\0' */
	ini_max_line = CONF_MAX_LINE + 2;
}

int xnat_config_load(const char *path, struct xnat_agent_config *c, char *err, size_t errlen)
{
	struct parse_state st = { .c = c };
	int rc;

	st.file = fopen(path, "r");
	if (!st.file) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	set_inih_options();
	rc = ini_parse_stream(read_line, &st, on_option, &st);
	fclose(st.file);
	if (rc == -2) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (st.err_line) {
		snprintf(err, errlen, "%s:%d: %s%s%s", path, st.err_line, st.where,
			 st.where[0] ? ": " : "", st.why);
		return -1;
	}
	if (rc > 0) {
		snprintf(err, errlen, "%s:%d: syntax error (expected '[section]' or 'option = value')",
			 path, rc);
		return -1;
	}
	if (st.read_errno) {
		snprintf(err, errlen, "%s: %s", path, strerror(st.read_errno));
		return -1;
	}
	return 0;
}

static int forwards_overlap(const struct xnat_forward *a, const struct xnat_forward *b)
{
	return a->proto == b->proto && a->ext_min <= b->ext_max && b->ext_min <= a->ext_max;
}

static int validate_interfaces(const struct xnat_agent_config *c, char *err, size_t errlen)
{
	struct xnat_shown q;

	if (!c->wan[0]) {
		snprintf(err, errlen, "no WAN interface: set [interfaces] wan or --wan");
		return -1;
	}
	if (!valid_ifname(c->wan)) {
		snprintf(err, errlen, "bad WAN interface name '%s'", xnat_shown(c->wan, &q));
		return -1;
	}
	if (c->n_lan <= 0) {
		snprintf(err, errlen, "no LAN interface: set [interfaces] lan or --lan");
		return -1;
	}
	if (c->n_lan > XNAT_MAX_LAN) {
		snprintf(err, errlen, "more than %d LAN interfaces", XNAT_MAX_LAN);
		return -1;
	}
	for (int i = 0; i < c->n_lan; i++) {
		if (!valid_ifname(c->lan[i])) {
			snprintf(err, errlen, "bad LAN interface name '%s'", xnat_shown(c->lan[i], &q));
			return -1;
		}
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
	return 0;
}

static int validate_nat(const struct xnat_agent_config *c, char *err, size_t errlen)
{
	if (!c->port_min || c->port_min > c->port_max) {
		snprintf(err, errlen, "bad port range %u-%u", c->port_min, c->port_max);
		return -1;
	}
	if (c->filtering > XNAT_FILTER_ADDRESS_PORT_DEPENDENT || c->xdp_mode > XNAT_XDP_NONE) {
		snprintf(err, errlen, "bad filtering or XDP mode");
		return -1;
	}
	if (!c->max_sessions || !c->max_mappings) {
		snprintf(err, errlen, "max-sessions and max-mappings must be at least 1");
		return -1;
	}
	if (c->timeout_udp < XNAT_MIN_TIMEOUT_UDP) {
		snprintf(err, errlen, "UDP timeout %u is below the RFC 4787 minimum of %u seconds",
			 c->timeout_udp, XNAT_MIN_TIMEOUT_UDP);
		return -1;
	}
	if (c->timeout_tcp_established < XNAT_MIN_TIMEOUT_TCP_EST) {
		snprintf(err, errlen, "TCP established timeout %u is below the RFC 5382 minimum "
			 "of %u seconds", c->timeout_tcp_established, XNAT_MIN_TIMEOUT_TCP_EST);
		return -1;
	}
	if (!c->timeout_tcp_transitory || !c->timeout_icmp || !c->timeout_sip_dialog ||
	    !c->gc_interval) {
		snprintf(err, errlen, "timeouts and gc-interval must be at least 1 second");
		return -1;
	}
	return 0;
}

static int validate_forwards(const struct xnat_agent_config *c, char *err, size_t errlen)
{
	char fa[96], fb[96];

	if (c->n_forwards < 0 || c->n_forwards > XNAT_MAX_FORWARDS) {
		snprintf(err, errlen, "more than %d forwards", XNAT_MAX_FORWARDS);
		return -1;
	}
	/* Forwards may use the dynamic port range: the fast path only allocates free ports. */
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

int xnat_config_validate(const struct xnat_agent_config *c, char *err, size_t errlen)
{
	struct xnat_shown q;

	if (validate_interfaces(c, err, errlen) || validate_nat(c, err, errlen) ||
	    validate_forwards(c, err, errlen))
		return -1;
	if (!c->lease_min_lifetime || c->lease_min_lifetime > c->lease_max_lifetime) {
		snprintf(err, errlen, "[portmap] min-lifetime %u is above max-lifetime %u",
			 c->lease_min_lifetime, c->lease_max_lifetime);
		return -1;
	}
	if (c->pin_root[0] != '/') {
		snprintf(err, errlen, "pin root '%s' is not an absolute path", xnat_shown(c->pin_root, &q));
		return -1;
	}
	return 0;
}

void xnat_config_to_map(const struct xnat_agent_config *c, struct xnat_config *m)
{
	m->port_min = c->port_min;
	m->port_max = c->port_max;
	m->flags = (c->hairpin ? XNAT_CFG_HAIRPIN : 0) | (c->tcp_bulk_xdp ? 0 : XNAT_CFG_TCP_BULK_STACK);
	m->max_ports_per_host = c->max_ports_per_host;
	m->filtering = c->filtering;
	memset(m->pad, 0, sizeof(m->pad));
	m->timeout_udp = c->timeout_udp;
	m->timeout_tcp_established = c->timeout_tcp_established;
	m->timeout_tcp_transitory = c->timeout_tcp_transitory;
	m->timeout_icmp = c->timeout_icmp;
	m->timeout_sip_dialog = c->timeout_sip_dialog;
	m->max_sip_dialogs_per_host = c->sip_dialogs_per_host;
	memset(m->sip, 0, sizeof(m->sip));
	for (int i = 0; c->sip_enabled && i < c->n_sip && i < XNAT_SIP_PORTS; i++)
		m->sip[i] = c->sip[i];
}
