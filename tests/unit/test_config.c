// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The config file: every option, every kind of error with file:line and option. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "config.h"

static char path[64];
static char err[512];

/* Write text to a temporary file; its path in `path`. */
static void write_conf(const char *text)
{
	int fd;

	strcpy(path, "/tmp/xnat-test-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int load(const char *text, struct xnat_agent_config *c)
{
	int rc;

	xnat_config_defaults(c);
	write_conf(text);
	err[0] = '\0';
	rc = xnat_config_load(path, c, err, sizeof(err));
	unlink(path);
	return rc;
}

/* The error must name path:line and the option. */
static void expect_error(const char *text, int line, const char *where, const char *why)
{
	struct xnat_agent_config c;
	char prefix[128];

	assert_int_equal(load(text, &c), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: %s", path, line, where);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, why))
		fail_msg("error '%s' does not start with '%s' and mention '%s'", err, prefix, why);
}

static void test_defaults(void **state)
{
	struct xnat_agent_config c;
	struct xnat_config m = {};

	(void)state;
	xnat_config_defaults(&c);
	assert_int_equal(c.port_min, 1024);
	assert_int_equal(c.port_max, 65535);
	assert_int_equal(c.timeout_udp, 300);
	assert_int_equal(c.timeout_tcp_established, 7440);
	assert_int_equal(c.timeout_tcp_transitory, 240);
	assert_int_equal(c.timeout_icmp, 60);
	assert_true(c.hairpin);
	assert_string_equal(c.pin_root, "/sys/fs/bpf/xnat");
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.flags, XNAT_CFG_HAIRPIN); /* ENABLED is xnatd's, once it has an address */
	assert_int_equal(m.port_min, 1024);
}

static void test_full_file(void **state)
{
	struct xnat_agent_config c;
	struct xnat_config m = {};

	(void)state;
	assert_int_equal(load("# comment\n"
			      "[interfaces]\n"
			      "wan = eth0   ; inline comment\n"
			      "lan = eth1, eth2\n"
			      "lan = eth3\n"
			      "xdp-mode = skb\n"
			      "[nat]\n"
			      "port-range = 20000-29999\n"
			      "filtering = address-dependent\n"
			      "hairpin = no\n"
			      "max-ports-per-host = 500\n"
			      "max-sessions = 1000\n"
			      "max-mappings = 2000\n"
			      "[timeouts]\n"
			      "udp = 5m\n"
			      "tcp-established = 3h\n"
			      "tcp-transitory = 120s\n"
			      "icmp = 30\n"
			      "[agent]\n"
			      "gc-interval = 2\n"
			      "pin-root = /sys/fs/bpf/other\n"
			      "[forward]\n"
			      "rule = tcp 6891-6900 192.168.1.10\n"
			      "rule = udp 5060 192.168.1.20:5062\n", &c), 0);
	assert_string_equal(c.wan, "eth0");
	assert_int_equal(c.n_lan, 3);
	assert_string_equal(c.lan[2], "eth3");
	assert_int_equal(c.xdp_mode, XNAT_XDP_SKB);
	assert_int_equal(c.port_min, 20000);
	assert_int_equal(c.filtering, XNAT_FILTER_ADDRESS_DEPENDENT);
	assert_false(c.hairpin);
	assert_int_equal(c.max_ports_per_host, 500);
	assert_int_equal(c.timeout_udp, 300);
	assert_int_equal(c.timeout_tcp_established, 10800);
	assert_int_equal(c.timeout_tcp_transitory, 120);
	assert_int_equal(c.gc_interval, 2);
	assert_string_equal(c.pin_root, "/sys/fs/bpf/other");
	assert_int_equal(c.n_forwards, 2);
	assert_int_equal(c.forwards[0].ext_max, 6900);
	assert_int_equal(c.forwards[0].owner, XNAT_OWNER_CONFIG);
	assert_int_equal(c.forwards[1].int_port, 5062);
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.filtering, XNAT_FILTER_ADDRESS_DEPENDENT);
	assert_int_equal(m.max_ports_per_host, 500);
	assert_int_equal(m.timeout_icmp, 30);
}

static void test_errors_name_line_and_option(void **state)
{
	(void)state;
	expect_error("[nat]\nport-range = 1-2\nbogus = 1\n", 3, "[nat] bogus", "unknown option");
	expect_error("[nat]\n[natt]\nx = 1\n", 3, "[natt]", "unknown section");
	expect_error("\n\n[timeouts]\nudp = 60\n", 4, "[timeouts] udp", "RFC 4787 minimum of 120");
	expect_error("[timeouts]\ntcp-established = 3600\n", 2, "[timeouts] tcp-established", "RFC 5382");
	expect_error("[timeouts]\nicmp = 10x\n", 2, "[timeouts] icmp", "expected seconds");
	expect_error("[timeouts]\nicmp = -5\n", 2, "[timeouts] icmp", "expected seconds");
	expect_error("[timeouts]\nudp = 99999999999999\n", 2, "[timeouts] udp", "expected seconds");
	expect_error("[nat]\nfiltering = open\n", 2, "[nat] filtering", "expected endpoint-independent");
	expect_error("[nat]\nport-range = 2000-1000\n", 2, "[nat] port-range", "MIN is above MAX");
	expect_error("[nat]\nport-range = 0-100\n", 2, "[nat] port-range", "1-65535");
	expect_error("[nat]\nport-range = 100\n", 2, "[nat] port-range", "MIN-MAX");
	expect_error("[nat]\nhairpin = maybe\n", 2, "[nat] hairpin", "yes or no");
	expect_error("[nat]\nmax-sessions = 0\n", 2, "[nat] max-sessions", "expected 1");
	expect_error("[forward]\nrule = tcp 70000 192.168.1.10\n", 2, "[forward] rule", "bad port '70000'");
	expect_error("[forward]\nrule = sctp 80 192.168.1.10\n", 2, "[forward] rule", "bad protocol");
	expect_error("[forward]\nrule = tcp 80 10.0.0.256\n", 2, "[forward] rule", "bad LAN address");
	expect_error("[interfaces]\nlan = a b c d e f g h i\n", 2, "[interfaces] lan", "more than 8");
	expect_error("[interfaces]\nwan = this-name-is-too-long\n", 2, "[interfaces] wan", "bad interface name");
	expect_error("[interfaces]\nwan =\n", 2, "[interfaces] wan", "empty value");
	expect_error("wan = eth0\n", 1, "[] wan", "outside a section");
	expect_error("[agent]\npin-root = relative/path\n", 2, "[agent] pin-root", "absolute path");
}

static void test_syntax_error_and_missing_file(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	assert_int_equal(load("[nat]\nthis line has no equals sign\n", &c), -1);
	assert_non_null(strstr(err, ":2: syntax error"));
	assert_int_equal(load("[nat]\n   port-range = 1-2\n", &c), 0); /* leading blanks are fine */
	xnat_config_defaults(&c);
	assert_int_equal(xnat_config_load("/nonexistent/xnat.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/xnat.conf: No such file or directory");
}

static void test_validate(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	xnat_config_defaults(&c);
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no WAN interface"));
	strcpy(c.wan, "eth0");
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no LAN interface"));
	strcpy(c.lan[c.n_lan++], "eth0");
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "both the WAN and a LAN"));
	strcpy(c.lan[0], "eth1");
	strcpy(c.lan[c.n_lan++], "eth1");
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "listed twice"));
	c.n_lan = 1;
	assert_int_equal(xnat_forward_parse("tcp 6891-6900 192.168.1.10", &c.forwards[0], err, sizeof(err)), 0);
	assert_int_equal(xnat_forward_parse("tcp 6900 192.168.1.11", &c.forwards[1], err, sizeof(err)), 0);
	c.n_forwards = 2;
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "forwards overlap"));
	c.forwards[1].proto = IPPROTO_UDP; /* other protocol: no overlap */
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
}

/* The documented example parses, with its forwards uncommented too. */
static void test_example_file(void **state)
{
	struct xnat_agent_config c;
	char *text, *p;
	FILE *f = fopen("etc/xnat.conf.example", "r");
	long len;

	(void)state;
	if (!f)
		skip(); /* not run from the repository root */
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(load(text, &c), 0);
	assert_string_equal(c.wan, "eth0");
	while ((p = strstr(text, "# rule = ")))
		memmove(p, p + 2, strlen(p + 2) + 1);
	if (load(text, &c))
		fail_msg("example with forwards uncommented: %s", err);
	assert_int_equal(c.n_forwards, 4);
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_errors_name_line_and_option),
		cmocka_unit_test(test_syntax_error_and_missing_file),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
