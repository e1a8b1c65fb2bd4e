// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port mapping permission rules (agent/lib/portmap_rules.c): every form
 * miniupnpd's syntax allows, every kind of bad text with its reason, the
 * first-match order, the built-in rules, the format round trip, and text
 * no admin should write (each prefix of a good rule, random bytes). Rules
 * are parsed from heap copies of exactly their size, so valgrind sees a
 * read past the end.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "portmap_rules.h"

static char err[256];

static __be32 ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* text parsed from a heap copy of exactly its size. */
static int parse(const char *text, struct xnat_pm_rule *r)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, text, len + 1);
	err[0] = '\0';
	rc = xnat_pm_rule_parse(buf, r, err, sizeof(err));
	free(buf);
	return rc;
}

static struct xnat_pm_rule parse_ok(const char *text)
{
	struct xnat_pm_rule r;

	if (parse(text, &r))
		fail_msg("'%s': %s", text, err);
	return r;
}

static void assert_rule(const struct xnat_pm_rule *r, bool allow, __u16 ext_min, __u16 ext_max,
			const char *addr, const char *mask, __u16 int_min, __u16 int_max)
{
	assert_int_equal(r->allow, allow);
	assert_int_equal(r->ext_min, ext_min);
	assert_int_equal(r->ext_max, ext_max);
	assert_int_equal(r->addr, ip(addr));
	assert_int_equal(r->mask, ip(mask));
	assert_int_equal(r->int_min, int_min);
	assert_int_equal(r->int_max, int_max);
}

static void assert_rules_equal(const struct xnat_pm_rule *a, const struct xnat_pm_rule *b)
{
	assert_int_equal(a->allow, b->allow);
	assert_int_equal(a->ext_min, b->ext_min);
	assert_int_equal(a->ext_max, b->ext_max);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->mask, b->mask);
	assert_int_equal(a->int_min, b->int_min);
	assert_int_equal(a->int_max, b->int_max);
}

/* A reason is one line of printable text. */
static void assert_one_line(const char *s)
{
	assert_true(*s);
	for (; *s; s++)
		assert_true(*s >= 0x20 && *s < 0x7f);
}

/* ------------------------------------------------------------- parsing */

static void test_parse_valid_forms(void **state)
{
	struct xnat_pm_rule r;

	(void)state;
	/* miniupnpd.conf's own example */
	r = parse_ok("allow 1024-65535 192.168.1.0/24 1024-65535");
	assert_rule(&r, true, 1024, 65535, "192.168.1.0", "255.255.255.0", 1024, 65535);

	/* single ports; no mask is one host */
	r = parse_ok("deny 80 10.0.0.5 8080");
	assert_rule(&r, false, 80, 80, "10.0.0.5", "255.255.255.255", 8080, 8080);

	r = parse_ok("allow 0-65535 192.168.1.0/255.255.255.0 0-65535");
	assert_rule(&r, true, 0, 65535, "192.168.1.0", "255.255.255.0", 0, 65535);

	/* host bits are masked off, as miniupnpd does */
	r = parse_ok("allow 5000 192.168.1.77/24 5000");
	assert_rule(&r, true, 5000, 5000, "192.168.1.0", "255.255.255.0", 5000, 5000);
	r = parse_ok("allow 5000 172.16.200.9/255.240.0.0 5000");
	assert_rule(&r, true, 5000, 5000, "172.16.0.0", "255.240.0.0", 5000, 5000);
	r = parse_ok("deny 1-2 10.1.2.3/0 3-4");
	assert_rule(&r, false, 1, 2, "0.0.0.0", "0.0.0.0", 3, 4);
	r = parse_ok("deny 1-2 10.1.2.3/0.0.0.0 3-4");
	assert_rule(&r, false, 1, 2, "0.0.0.0", "0.0.0.0", 3, 4);
	r = parse_ok("allow 7 10.1.2.3/32 7");
	assert_rule(&r, true, 7, 7, "10.1.2.3", "255.255.255.255", 7, 7);
	r = parse_ok("allow 7 10.1.2.3/255.255.255.255 7");
	assert_rule(&r, true, 7, 7, "10.1.2.3", "255.255.255.255", 7, 7);
	r = parse_ok("allow 0 0.0.0.0/31 65535");
	assert_rule(&r, true, 0, 0, "0.0.0.0", "255.255.255.254", 65535, 65535);

	/* comments, tabs, a line end from a file, the verb in capitals, leading zeros in ports */
	r = parse_ok("allow 1-2 10.0.0.0/8 3 # games");
	assert_rule(&r, true, 1, 2, "10.0.0.0", "255.0.0.0", 3, 3);
	r = parse_ok("allow 1-2 10.0.0.0/8 3#games");
	assert_rule(&r, true, 1, 2, "10.0.0.0", "255.0.0.0", 3, 3);
	r = parse_ok("  \tdeny\t1\t1.2.3.4/32\t\t1  \r\n");
	assert_rule(&r, false, 1, 1, "1.2.3.4", "255.255.255.255", 1, 1);
	r = parse_ok("ALLOW 10-20 192.168.0.0/16 30-40");
	assert_rule(&r, true, 10, 20, "192.168.0.0", "255.255.0.0", 30, 40);
	r = parse_ok("Deny 00080 1.2.3.4 0-0");
	assert_rule(&r, false, 80, 80, "1.2.3.4", "255.255.255.255", 0, 0);
	r = parse_ok("allow 65535 255.255.255.255 65535 #");
	assert_rule(&r, true, 65535, 65535, "255.255.255.255", "255.255.255.255", 65535, 65535);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *why;  /* a part of the reason */
	} cases[] = {
		{ "", "empty rule" },
		{ " \t \r\n", "empty rule" },
		{ "# allow 1 1.2.3.4 1", "empty rule" },
		{ "permit 1 1.2.3.4 1", "unknown verb 'permit'" },
		{ "allowed 1 1.2.3.4 1", "unknown verb 'allowed'" },
		{ "1 1.2.3.4 1", "unknown verb '1'" },
		{ "allow", "missing external port range" },
		{ "allow 1", "missing internal address" },
		{ "deny 1 1.2.3.4", "missing internal port range" },
		{ "deny 1 1.2.3.4 # 1", "missing internal port range" },
		{ "allow 1 1.2.3.4 1 extra", "extra word 'extra'" },
		{ "allow 1 1.2.3.4 1 2", "extra word '2'" },
		{ "allow 65536 1.2.3.4 1", "external port '65536': above 65535" },
		{ "allow 1 1.2.3.4 65536", "internal port '65536': above 65535" },
		{ "allow 99999999999999999999999 1.2.3.4 1", "above 65535" },
		{ "allow 1-65536 1.2.3.4 1", "'65536' is above 65535" },
		{ "allow 10- 1.2.3.4 1", "external port range '10-': no end after '-'" },
		{ "allow -5 1.2.3.4 1", "external port range '-5': no start before '-'" },
		{ "allow - 1.2.3.4 1", "no start before '-'" },
		{ "allow 1 1.2.3.4 -5", "internal port range '-5': no start" },
		{ "allow 5-3 1.2.3.4 1", "external port range 5-3: start above end" },
		{ "allow 1 1.2.3.4 2000-1000", "internal port range 2000-1000: start above end" },
		{ "allow abc 1.2.3.4 1", "external port 'abc': not a number" },
		{ "allow 1 1.2.3.4 8o", "internal port '8o': not a number" },
		{ "allow 1-x 1.2.3.4 1", "'x' is not a number" },
		{ "allow +1 1.2.3.4 1", "not a number" },
		{ "allow 0x10 1.2.3.4 1", "not a number" },
		{ "allow 1-2-3 1.2.3.4 1", "'2-3' is not a number" },
		{ "allow 1 256.1.1.1 1", "internal address '256.1.1.1': 256 is above 255" },
		{ "allow 1 1.2.3.999999999999 1", "is above 255" },
		{ "allow 1 1.2.3 1", "internal address '1.2.3': not a.b.c.d" },
		{ "allow 1 1.2.3.4.5 1", "not a.b.c.d" },
		{ "allow 1 1..2.3 1", "not a.b.c.d" },
		{ "allow 1 1.2.3.4. 1", "not a.b.c.d" },
		{ "allow 1 .1.2.3 1", "not a.b.c.d" },
		{ "allow 1 a.b.c.d 1", "not a.b.c.d" },
		{ "allow 1 -1.2.3.4 1", "not a.b.c.d" },
		{ "allow 1 /24 1", "not a.b.c.d" },
		{ "allow 1 010.0.0.1 1", "leading zero in 010" },
		{ "allow 1 1.2.3.4/33 1", "prefix length above 32" },
		{ "allow 1 1.2.3.4/99999999999999999999 1", "prefix length above 32" },
		{ "allow 1 1.2.3.4/ 1", "no mask after '/'" },
		{ "allow 1 1.2.3.4/abc 1", "mask is not a length" },
		{ "allow 1 1.2.3.4/-1 1", "mask is not a length" },
		{ "allow 1 1.2.3.4/24/24 1", "mask is not a length" },
		{ "allow 1 1.2.3.4/255.0.255.0 1", "netmask 255.0.255.0 is not contiguous" },
		{ "allow 1 1.2.3.4/0.255.255.255 1", "not contiguous" },
		{ "allow 1 1.2.3.4/255.255.256.0 1", "netmask 256 is above 255" },
		{ "allow 1 1.2.3.4/255.255.0 1", "netmask not a.b.c.d" },
		{ "allow 1 1.2.3.4/255.255.255.0. 1", "netmask not a.b.c.d" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xnat_pm_rule r, before;

		memset(&r, 0xa5, sizeof(r));
		before = r;
		if (parse(cases[i].text, &r) != -1)
			fail_msg("'%s' accepted", cases[i].text);
		if (!strstr(err, cases[i].why))
			fail_msg("'%s': reason '%s' lacks '%s'", cases[i].text, err, cases[i].why);
		assert_one_line(err);
		/* a refused rule leaves *out alone */
		assert_memory_equal(&r, &before, sizeof(r));
	}
}

static void test_parse_error_text_bounds(void **state)
{
	char text[600], nines[501], small[8];
	struct xnat_pm_rule r;

	(void)state;
	/* a long bad word is quoted cut short */
	memset(nines, '9', 500);
	nines[500] = '\0';
	snprintf(text, sizeof(text), "allow %s 1.2.3.4 1", nines);
	assert_int_equal(parse(text, &r), -1);
	assert_non_null(strstr(err, "above 65535"));
	assert_non_null(strstr(err, "..."));
	assert_true(strlen(err) < 120);
	assert_one_line(err);
	memset(text, 'x', 500);
	text[500] = '\0';
	assert_int_equal(parse(text, &r), -1);
	assert_non_null(strstr(err, "unknown verb"));
	assert_one_line(err);

	/* control bytes are not echoed: escaped (shown.h) */
	assert_int_equal(parse("allow \x01\x1b[2J 1.2.3.4 1", &r), -1);
	assert_non_null(strstr(err, "'\\x01\\x1b[2J'"));
	assert_one_line(err);
	assert_int_equal(parse("allow 1 1.2.3.4 \x7f\xff", &r), -1);
	assert_non_null(strstr(err, "'\\x7f\\xff'"));
	assert_one_line(err);

	/* a small error buffer is filled, NUL-terminated, never overrun */
	memset(small, 'z', sizeof(small));
	assert_int_equal(xnat_pm_rule_parse("permit 1 1.2.3.4 1", &r, small, 5), -1);
	assert_string_equal(small, "unkn");
	assert_int_equal(small[5], 'z');
	assert_int_equal(xnat_pm_rule_parse("permit 1 1.2.3.4 1", &r, NULL, 0), -1);
	assert_int_equal(xnat_pm_rule_parse("allow 1 1.2.3.4 1", &r, NULL, 0), 0);
}

/* ------------------------------------------------------------ matching */

static struct xnat_pm_rules table(const char *const *lines, size_t n)
{
	struct xnat_pm_rules t = { .n = 0 };

	for (size_t i = 0; i < n; i++) {
		struct xnat_pm_rule r = parse_ok(lines[i]);

		assert_int_equal(xnat_pm_rules_add(&t, &r), 0);
	}
	return t;
}

static void test_first_match_order(void **state)
{
	static const char *const lines[] = {
		"deny 6000 192.168.1.66 0-65535",
		"allow 1024-65535 192.168.1.0/24 1024-65535",
		"deny 0-65535 0.0.0.0/0 0-65535",
	};
	static const char *const reversed[] = { "allow 1024-65535 192.168.1.0/24 1024-65535",
						"deny 6000 192.168.1.66 0-65535" };
	struct xnat_pm_rules t = table(lines, 3), u = table(reversed, 2);

	(void)state;
	assert_int_equal(t.n, 3);
	assert_false(xnat_pm_permitted(&t, 6000, ip("192.168.1.66"), 6000));  /* rule 1 */
	assert_true(xnat_pm_permitted(&t, 6001, ip("192.168.1.66"), 6000));   /* rule 2 */
	assert_true(xnat_pm_permitted(&t, 6000, ip("192.168.1.10"), 6000));   /* rule 2 */
	assert_true(xnat_pm_permitted(&t, 1024, ip("192.168.1.255"), 65535)); /* rule 2, range ends */
	assert_true(xnat_pm_permitted(&t, 65535, ip("192.168.1.0"), 1024));
	assert_false(xnat_pm_permitted(&t, 1023, ip("192.168.1.10"), 5000));  /* ext below: rule 3 */
	assert_false(xnat_pm_permitted(&t, 5000, ip("192.168.1.10"), 1023));  /* int below: rule 3 */
	assert_false(xnat_pm_permitted(&t, 5000, ip("192.168.2.10"), 5000));  /* other subnet: rule 3 */
	assert_false(xnat_pm_permitted(&t, 5000, ip("10.0.0.1"), 5000));

	/* the order decides, not the precision of a rule */
	assert_true(xnat_pm_permitted(&u, 6000, ip("192.168.1.66"), 6000));
	assert_false(xnat_pm_permitted(&u, 6000, ip("192.168.1.66"), 80));   /* only rule 2 matches */
	assert_true(xnat_pm_permitted(&u, 80, ip("10.0.0.1"), 80));          /* none matches */
}

static void test_default_rules(void **state)
{
	static const __be32 hosts[] = { 0x0100000a, 0xfe01a8c0, 0x01000000, 0xffffffff, 0 };
	struct xnat_pm_rules t;
	struct xnat_pm_rule r;

	(void)state;
	/* replaces what was there */
	memset(&t, 0x5a, sizeof(t));
	t.n = 7;
	xnat_pm_rules_default(&t);
	assert_int_equal(t.n, 2);
	r = parse_ok("allow 1024-65535 0.0.0.0/0 1-65535");
	assert_rules_equal(&t.rule[0], &r);
	r = parse_ok("deny 0-65535 0.0.0.0/0 0-65535");
	assert_rules_equal(&t.rule[1], &r);

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		assert_false(xnat_pm_permitted(&t, 1023, hosts[i], 1023));
		assert_false(xnat_pm_permitted(&t, 1023, hosts[i], 5000));
		assert_false(xnat_pm_permitted(&t, 0, hosts[i], 5000));
		assert_false(xnat_pm_permitted(&t, 80, hosts[i], 80));
		assert_true(xnat_pm_permitted(&t, 1024, hosts[i], 1024));
		assert_true(xnat_pm_permitted(&t, 1024, hosts[i], 80));  /* any internal port but 0 */
		assert_true(xnat_pm_permitted(&t, 65535, hosts[i], 1));
		assert_false(xnat_pm_permitted(&t, 5000, hosts[i], 0));
	}
}

static void test_empty_table_allows(void **state)
{
	struct xnat_pm_rules t = { .n = 0 };

	(void)state;
	assert_true(xnat_pm_permitted(&t, 0, 0, 0));
	assert_true(xnat_pm_permitted(&t, 22, ip("192.168.1.10"), 22));
	assert_true(xnat_pm_permitted(&t, 65535, 0xffffffff, 65535));
}

static void test_full_table_refused(void **state)
{
	struct xnat_pm_rules t = { .n = 0 };
	struct xnat_pm_rule r = parse_ok("deny 1 1.2.3.4 1"), last = parse_ok("allow 2 1.2.3.4 2");

	(void)state;
	for (unsigned int i = 0; i < XNAT_PM_MAX_RULES - 1; i++)
		assert_int_equal(xnat_pm_rules_add(&t, &r), 0);
	assert_int_equal(xnat_pm_rules_add(&t, &last), 0);
	assert_int_equal(t.n, XNAT_PM_MAX_RULES);
	assert_int_equal(xnat_pm_rules_add(&t, &r), -1);
	assert_int_equal(t.n, XNAT_PM_MAX_RULES);
	assert_rules_equal(&t.rule[XNAT_PM_MAX_RULES - 1], &last);
	/* the 64th rule is read */
	assert_true(xnat_pm_permitted(&t, 2, ip("1.2.3.4"), 2));
	assert_false(xnat_pm_permitted(&t, 1, ip("1.2.3.4"), 1));
}

/* ---------------------------------------------------------- formatting */

static void test_format_round_trip(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "allow 1024-65535 192.168.1.0/24 1024-65535", "allow 1024-65535 192.168.1.0/24 1024-65535" },
		{ "deny 80 10.0.0.5 8080", "deny 80 10.0.0.5/32 8080" },
		{ "allow 5000-5000 192.168.1.77/255.255.255.0 1-1", "allow 5000 192.168.1.0/24 1" },
		{ "ALLOW\t0-65535 1.2.3.4/0 0 # any", "allow 0-65535 0.0.0.0/0 0" },
		{ "deny 65535 255.255.255.255/31 0-1", "deny 65535 255.255.255.254/31 0-1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xnat_pm_rule r = parse_ok(cases[i].in), again;
		char out[96];
		int n = xnat_pm_rule_format(&r, out, sizeof(out));

		assert_int_equal(n, strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
		again = parse_ok(out);
		assert_rules_equal(&again, &r);

		/* every cap too short gives -1 and "", never a cut rule */
		for (size_t cap = 0; cap <= (size_t)n + 1; cap++) {
			char *buf = cap ? malloc(cap) : NULL;
			int rc;

			if (cap)
				memset(buf, 'x', cap);
			rc = xnat_pm_rule_format(&r, buf, cap);
			if (cap <= (size_t)n) {
				assert_int_equal(rc, -1);
				if (cap)
					assert_int_equal(buf[0], '\0');
			} else {
				assert_int_equal(rc, n);
				assert_string_equal(buf, cases[i].out);
			}
			free(buf);
		}
	}
}

static void test_format_refuses_what_parse_cannot_give(void **state)
{
	struct xnat_pm_rule r = parse_ok("allow 1 1.2.3.0/24 1"), bad;
	char out[96];

	(void)state;
	bad = r;
	bad.mask = ip("255.0.255.0");
	assert_int_equal(xnat_pm_rule_format(&bad, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	bad = r;
	bad.ext_min = 2;
	assert_int_equal(xnat_pm_rule_format(&bad, out, sizeof(out)), -1);
	bad = r;
	bad.int_min = 2;
	assert_int_equal(xnat_pm_rule_format(&bad, out, sizeof(out)), -1);
	/* the longest rule fits in 49 bytes */
	r = parse_ok("allow 10000-65535 255.255.255.255 10000-65535");
	assert_int_equal(xnat_pm_rule_format(&r, out, sizeof(out)), 48);
	assert_string_equal(out, "allow 10000-65535 255.255.255.255/32 10000-65535");
}

/* ---------------------------------------------------- text nobody writes */

/* Whatever the text, a result that holds together: a reason, or a rule format can write back. */
static int check_any(const char *text)
{
	struct xnat_pm_rule r, again;
	char out[96];
	int rc = parse(text, &r);

	if (rc) {
		assert_int_equal(rc, -1);
		assert_one_line(err);
		return rc;
	}
	assert_true(r.ext_min <= r.ext_max && r.int_min <= r.int_max);
	assert_int_equal(r.addr & ~r.mask, 0);
	assert_in_range(xnat_pm_rule_format(&r, out, sizeof(out)), 1, sizeof(out) - 1);
	again = parse_ok(out);
	assert_rules_equal(&again, &r);
	return 0;
}

static void test_every_prefix(void **state)
{
	static const char good[] = "allow 1024-65535 192.168.1.0/24 1024-65535 # games";
	static const char dotted[] = "deny\t80-90\t10.20.30.40/255.255.0.0\t8080";
	size_t ok = 0;

	(void)state;
	for (size_t len = 0; len <= strlen(good); len++) {
		char text[sizeof(good)];

		memcpy(text, good, len);
		text[len] = '\0';
		ok += !check_any(text);
	}
	/*
	 * "... 1", "... 10", "... 102", "... 1024", then not "1024-" (no end)
	 * nor "1024-6" to "1024-655" (start above end), "1024-6553",
	 * "1024-65535", and the 8 ways of cutting " # games".
	 */
	assert_int_equal(ok, 4 + 2 + 8);
	for (size_t len = 0; len <= strlen(dotted); len++) {
		char text[sizeof(dotted)];

		memcpy(text, dotted, len);
		text[len] = '\0';
		assert_int_equal(check_any(text), len > strlen(dotted) - 4 ? 0 : -1);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_random_strings_never_crash(void **state)
{
	/* words for each place of a rule: the good ones first, good_* of them */
	static const char *const verbs[] = { "allow", "deny", "DENY", "permit", "", "#" };
	static const char *const ports[] = { "1024-65535", "0", "65535", "80", "0-0", "65536", "10-", "-5",
					     "5-3", "1-2-3", "x", "-", "", "# c" };
	static const char *const addrs[] = { "192.168.1.0/24", "10.0.0.1", "0.0.0.0/0", "1.2.3.4/255.255.0.0",
					     "172.16.9.9/12", "256.1.1.1", "1.2.3", "1.2.3.4/33", "010.1.1.1",
					     "1.2.3.4/255.0.255.0", "/", ".", "" };
	static const char *const tails[] = { "", " # games", "#", " extra", " 1" };
	const size_t good_verbs = 3, good_ports = 5, good_addrs = 5, good_tails = 3;
	static const char alphabet[] = "allowdeny0123456789.-/# \t\r\n";
	unsigned int ok = 0, refused = 0;

	(void)state;
	srand(5351);
	for (int i = 0; i < 10000; i++) {
		char text[160];
		size_t len;

		if (i % 2) {
			/* a rule of those words, half of them good ones only, then maybe a byte changed */
			bool good = i % 4 == 1;

			len = (size_t)snprintf(text, sizeof(text), "%s %s %s %s%s",
					       verbs[(size_t)rand() % (good ? good_verbs : N(verbs))],
					       ports[(size_t)rand() % (good ? good_ports : N(ports))],
					       addrs[(size_t)rand() % (good ? good_addrs : N(addrs))],
					       ports[(size_t)rand() % (good ? good_ports : N(ports))],
					       tails[(size_t)rand() % (good ? good_tails : N(tails))]);
			if (rand() % 4 == 0)
				text[(size_t)rand() % len] = (char)(1 + rand() % 255);
		} else {
			/* bytes: half from the rules' alphabet, half anything but NUL */
			len = (size_t)rand() % 80;
			for (size_t k = 0; k < len; k++)
				text[k] = rand() % 2 ? alphabet[(size_t)rand() % (sizeof(alphabet) - 1)]
						     : (char)(1 + rand() % 255);
			text[len] = '\0';
		}
		if (check_any(text))
			refused++;
		else
			ok++;
	}
	/* both outcomes were exercised */
	assert_true(ok > 1000);
	assert_true(refused > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_error_text_bounds),
		cmocka_unit_test(test_first_match_order),
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_empty_table_allows),
		cmocka_unit_test(test_full_table_refused),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_refuses_what_parse_cannot_give),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_random_strings_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
