// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port mapping permission rules (see portmap_rules.h). The text is read in
 * place as (pointer, length) words, so a rule of any length is parsed
 * without copying and no word can overrun a buffer. Numbers are read digit
 * by digit with a bound, never with strtoul (which takes signs, blanks and
 * "0x"). Error messages quote the offending word as xnat_shown() does (cut
 * short, unprintable bytes escaped), so the reason stays one readable line.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "portmap_rules.h"
#include "shown.h"

#define SYNTAX "expected 'allow|deny EXT INTADDR INT'"

struct word {
	const char *p;
	size_t len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/*
 * The next word at *pos, which moves past it. A '#' ends the word and the
 * line: *pos then stays on it so every later call finds nothing.
 */
static bool next_word(const char **pos, struct word *w)
{
	const char *s = *pos;

	while (is_blank(*s))
		s++;
	if (!*s || *s == '#') {
		*pos = s;
		return false;
	}
	w->p = s;
	while (*s && *s != '#' && !is_blank(*s))
		s++;
	w->len = (size_t)(s - w->p);
	*pos = s;
	return true;
}

static bool word_is(struct word w, const char *text)
{
	return w.len == strlen(text) && !strncasecmp(w.p, text, w.len);
}

/* w as error text (shown.h). */
static const char *shown(struct word w, struct xnat_shown *buf)
{
	return xnat_shown_n(w.p, w.len, buf);
}

/*
 * A decimal of digits only, at most max. Returns 0, 1 when w is not a
 * number (empty, a sign, a letter...), 2 when it is one above max. Stops
 * growing past max so a long run of digits cannot overflow.
 */
static int parse_decimal(struct word w, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!w.len)
		return 1;
	for (size_t i = 0; i < w.len; i++) {
		if (w.p[i] < '0' || w.p[i] > '9')
			return 1;
		if (v <= max)
			v = v * 10 + (unsigned long)(w.p[i] - '0');
	}
	if (v > max)
		return 2;
	*out = v;
	return 0;
}

/* "N" or "N-M", 0..65535, N <= M. which: "external" or "internal". */
static int parse_port_range(struct word w, const char *which, __u16 *min, __u16 *max, char *err, size_t errlen)
{
	const char *dash = memchr(w.p, '-', w.len);
	struct word lo = w, hi = w, bad;
	struct xnat_shown q, qp;
	unsigned long vlo, vhi;
	int rc;

	if (!dash) {
		rc = parse_decimal(w, 65535, &vlo);
		if (rc) {
			snprintf(err, errlen, "%s port '%s': %s", which, shown(w, &q),
				 rc == 1 ? "not a number (0-65535)" : "above 65535");
			return -1;
		}
		*min = *max = (__u16)vlo;
		return 0;
	}
	lo.len = (size_t)(dash - w.p);
	hi.p = dash + 1;
	hi.len = w.len - lo.len - 1;
	if (!lo.len || !hi.len) {
		snprintf(err, errlen, "%s port range '%s': no %s", which, shown(w, &q),
			 !lo.len ? "start before '-'" : "end after '-'");
		return -1;
	}
	rc = parse_decimal(lo, 65535, &vlo);
	bad = lo;
	if (!rc) {
		rc = parse_decimal(hi, 65535, &vhi);
		bad = hi;
	}
	if (rc) {
		snprintf(err, errlen, "%s port range '%s': '%s' %s", which, shown(w, &q),
			 shown(bad, &qp), rc == 1 ? "is not a number (0-65535)" : "is above 65535");
		return -1;
	}
	if (vlo > vhi) {
		snprintf(err, errlen, "%s port range %lu-%lu: start above end", which, vlo, vhi);
		return -1;
	}
	*min = (__u16)vlo;
	*max = (__u16)vhi;
	return 0;
}

/*
 * "a.b.c.d", four decimals 0..255 without leading zeros, into a host-order
 * value. Returns 0, or -1 with why set to a short reason.
 */
static int parse_dotted(struct word w, __u32 *out, char *why, size_t whylen)
{
	struct word part = { w.p, 0 };
	const char *end = w.p + w.len;
	__u32 v = 0;
	int parts = 0;

	for (const char *s = w.p; ; s++) {
		unsigned long octet;
		struct xnat_shown q;
		int rc;

		if (s < end && *s != '.') {
			part.len++;
			continue;
		}
		/* a part ends here: at a '.' or the end of the word */
		rc = parse_decimal(part, 255, &octet);
		if (rc == 1 || parts == 4) {
			snprintf(why, whylen, "not a.b.c.d");
			return -1;
		}
		if (rc == 2) {
			snprintf(why, whylen, "%s is above 255", shown(part, &q));
			return -1;
		}
		if (part.len > 1 && part.p[0] == '0') {
			snprintf(why, whylen, "leading zero in %s (octal or decimal?)", shown(part, &q));
			return -1;
		}
		v = v << 8 | (__u32)octet;
		parts++;
		if (s == end)
			break;
		part.p = s + 1;
		part.len = 0;
	}
	if (parts != 4) {
		snprintf(why, whylen, "not a.b.c.d");
		return -1;
	}
	*out = v;
	return 0;
}

/* A netmask whose ones are all on the left (~m is 2^k - 1). */
static bool mask_contiguous(__u32 m)
{
	__u32 inv = ~m;

	return !(inv & (inv + 1));
}

/* "a.b.c.d", "a.b.c.d/len" or "a.b.c.d/m.m.m.m"; the address comes out masked. */
static int parse_address(struct word w, __be32 *addr, __be32 *mask, char *err, size_t errlen)
{
	const char *slash = memchr(w.p, '/', w.len);
	struct word a = w, m = { NULL, 0 };
	struct xnat_shown q, qm;
	char why[256];
	__u32 host, bits = 0xffffffff;

	if (slash) {
		a.len = (size_t)(slash - w.p);
		m.p = slash + 1;
		m.len = w.len - a.len - 1;
	}
	if (parse_dotted(a, &host, why, sizeof(why))) {
		snprintf(err, errlen, "internal address '%s': %s", shown(w, &q), why);
		return -1;
	}
	if (slash && memchr(m.p, '.', m.len)) {
		if (parse_dotted(m, &bits, why, sizeof(why))) {
			snprintf(err, errlen, "internal address '%s': netmask %s", shown(w, &q), why);
			return -1;
		}
		if (!mask_contiguous(bits)) {
			snprintf(err, errlen, "internal address '%s': netmask %s is not contiguous",
				 shown(w, &q), shown(m, &qm));
			return -1;
		}
	} else if (slash) {
		unsigned long len;
		int rc = parse_decimal(m, 32, &len);

		if (rc) {
			snprintf(err, errlen, "internal address '%s': %s", shown(w, &q),
				 !m.len ? "no mask after '/' (a length 0-32 or a netmask)" :
				 rc == 1 ? "mask is not a length 0-32 or a netmask a.b.c.d" :
				 "prefix length above 32");
			return -1;
		}
		/* a shift by 32 is undefined: /0 apart */
		bits = len ? 0xffffffffu << (32 - len) : 0;
	}
	*addr = htonl(host & bits);
	*mask = htonl(bits);
	return 0;
}

int xnat_pm_rule_parse(const char *text, struct xnat_pm_rule *out, char *err, size_t errlen)
{
	static const char *const names[] = { "verb", "external port range", "internal address",
					     "internal port range" };
	struct xnat_pm_rule r = { 0 };
	struct word w[4], extra;
	const char *pos = text;
	struct xnat_shown q;
	int n = 0;

	while (n < 4 && next_word(&pos, &w[n]))
		n++;
	if (!n) {
		snprintf(err, errlen, "empty rule (%s)", SYNTAX);
		return -1;
	}
	if (word_is(w[0], "allow")) {
		r.allow = true;
	} else if (!word_is(w[0], "deny")) {
		snprintf(err, errlen, "unknown verb '%s' (allow or deny)", shown(w[0], &q));
		return -1;
	}
	if (n < 4) {
		snprintf(err, errlen, "missing %s (%s)", names[n], SYNTAX);
		return -1;
	}
	if (next_word(&pos, &extra)) {
		snprintf(err, errlen, "extra word '%s' after the internal port range (a comment starts with '#')",
			 shown(extra, &q));
		return -1;
	}
	if (parse_port_range(w[1], "external", &r.ext_min, &r.ext_max, err, errlen) ||
	    parse_address(w[2], &r.addr, &r.mask, err, errlen) ||
	    parse_port_range(w[3], "internal", &r.int_min, &r.int_max, err, errlen))
		return -1;
	*out = r;
	return 0;
}

int xnat_pm_rules_add(struct xnat_pm_rules *r, const struct xnat_pm_rule *rule)
{
	if (r->n >= XNAT_PM_MAX_RULES)
		return -1;
	r->rule[r->n++] = *rule;
	return 0;
}

void xnat_pm_rules_default(struct xnat_pm_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->rule[0] = (struct xnat_pm_rule){ .allow = true, .ext_min = 1024, .ext_max = 65535,
					    .addr = 0, .mask = 0, .int_min = 1, .int_max = 65535 };
	r->rule[1] = (struct xnat_pm_rule){ .allow = false, .ext_min = 0, .ext_max = 65535,
					    .addr = 0, .mask = 0, .int_min = 0, .int_max = 65535 };
	r->n = 2;
}

static bool rule_matches(const struct xnat_pm_rule *rule, __u16 ext_port, __be32 int_addr, __u16 int_port)
{
	return ext_port >= rule->ext_min && ext_port <= rule->ext_max &&
	       (int_addr & rule->mask) == rule->addr &&
	       int_port >= rule->int_min && int_port <= rule->int_max;
}

bool xnat_pm_permitted(const struct xnat_pm_rules *r, __u16 ext_port, __be32 int_addr, __u16 int_port)
{
	/* n is trusted no further than the array: a corrupt count cannot read past it */
	unsigned int n = r->n < XNAT_PM_MAX_RULES ? r->n : XNAT_PM_MAX_RULES;

	for (unsigned int i = 0; i < n; i++)
		if (rule_matches(&r->rule[i], ext_port, int_addr, int_port))
			return r->rule[i].allow;
	return true;
}

/* "N" or "N-M"; buf holds at least 12 bytes. */
static void port_range_text(char *buf, size_t cap, __u16 min, __u16 max)
{
	if (min == max)
		snprintf(buf, cap, "%u", min);
	else
		snprintf(buf, cap, "%u-%u", min, max);
}

int xnat_pm_rule_format(const struct xnat_pm_rule *rule, char *out, size_t cap)
{
	__u32 a = ntohl(rule->addr), m = ntohl(rule->mask);
	char ext[12], in[12];
	int len;

	if (cap)
		out[0] = '\0';
	if (!mask_contiguous(m) || rule->ext_min > rule->ext_max || rule->int_min > rule->int_max)
		return -1;
	port_range_text(ext, sizeof(ext), rule->ext_min, rule->ext_max);
	port_range_text(in, sizeof(in), rule->int_min, rule->int_max);
	len = snprintf(out, cap, "%s %s %u.%u.%u.%u/%d %s", rule->allow ? "allow" : "deny", ext,
		       a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, __builtin_popcount(m), in);
	if (len < 0 || (size_t)len >= cap) {
		if (cap)
			out[0] = '\0';
		return -1;
	}
	return len;
}
