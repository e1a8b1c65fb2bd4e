// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The config file: every option, every kind of error with file:line and option. */
#include <stdarg.h>
#include <stdbool.h>
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

#define EXAMPLE "etc/xnat.conf.example"

static char path[64];
static char err[1024]; /* as xnatd's */

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

/* Load text over the values already in *c; the temporary file is removed. */
static int load_over(const char *text, struct xnat_agent_config *c)
{
	int rc;

	write_conf(text);
	err[0] = '\0';
	rc = xnat_config_load(path, c, err, sizeof(err));
	unlink(path);
	return rc;
}

static int load(const char *text, struct xnat_agent_config *c)
{
	xnat_config_defaults(c);
	return load_over(text, c);
}

static void expect_ok(const char *text, struct xnat_agent_config *c)
{
	if (load(text, c))
		fail_msg("'%s': %s", text, err);
}

/* The error must start with "path:line: where" and mention why. */
static void expect_error(const char *text, int line, const char *where, const char *why)
{
	struct xnat_agent_config c;
	char prefix[160];

	assert_int_equal(load(text, &c), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: %s", path, line, where);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, why))
		fail_msg("error '%s' does not start with '%s' and mention '%s'", err, prefix, why);
}

/* The whole error, after "path:". */
static void expect_exact_error(const char *text, const char *rest)
{
	struct xnat_agent_config c;
	char want[600];

	assert_int_equal(load(text, &c), -1);
	snprintf(want, sizeof(want), "%s:%s", path, rest);
	assert_string_equal(err, want);
}

static void test_defaults(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	xnat_config_defaults(&c);
	assert_string_equal(c.wan, "");
	assert_int_equal(c.n_lan, 0);
	assert_int_equal(c.xdp_mode, XNAT_XDP_AUTO);
	assert_int_equal(c.port_min, 1024);
	assert_int_equal(c.port_max, 65535);
	assert_int_equal(c.filtering, XNAT_FILTER_ENDPOINT_INDEPENDENT);
	assert_true(c.hairpin);
	assert_int_equal(c.max_ports_per_host, 0);
	assert_int_equal(c.max_sessions, 131072);
	assert_int_equal(c.max_mappings, 131072);
	assert_int_equal(c.timeout_udp, 300);
	assert_int_equal(c.timeout_tcp_established, 7440);
	assert_int_equal(c.timeout_tcp_transitory, 240);
	assert_int_equal(c.timeout_icmp, 60);
	assert_int_equal(c.gc_interval, 5);
	assert_string_equal(c.pin_root, XNAT_PIN_ROOT);
	assert_int_equal(c.n_forwards, 0);
}

static void test_full_file(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	expect_ok("# comment\n"
		  "; another comment\n"
		  "\n"
		  "[interfaces]\n"
		  "wan = eth0   ; inline comment\n"
		  "lan = eth1, eth2\n"
		  "lan = eth3    # inline comment\n"
		  "xdp-mode = skb\n"
		  "[nat]\n"
		  "  port-range = 20000-29999\n"
		  "filtering = address-and-port-dependent\n"
		  "hairpin = off\n"
		  "max-ports-per-host = 500\n"
		  "max-sessions = 1000\n"
		  "max-mappings = 2000\n"
		  "[timeouts]\n"
		  "udp = 5m\n"
		  "tcp-established = 3h\n"
		  "tcp-transitory = 120s\n"
		  "icmp = 30\r\n"
		  "[agent]\n"
		  "gc-interval = 2\n"
		  "pin-root = /sys/fs/bpf/other\n"
		  "[forward]\n"
		  "rule = tcp 6891-6900 192.168.1.10\n"
		  "rule = udp 5060 192.168.1.20:5062 # SIP\n", &c);
	assert_string_equal(c.wan, "eth0");
	assert_int_equal(c.n_lan, 3);
	assert_string_equal(c.lan[0], "eth1");
	assert_string_equal(c.lan[1], "eth2");
	assert_string_equal(c.lan[2], "eth3");
	assert_int_equal(c.xdp_mode, XNAT_XDP_SKB);
	assert_int_equal(c.port_min, 20000);
	assert_int_equal(c.port_max, 29999);
	assert_int_equal(c.filtering, XNAT_FILTER_ADDRESS_PORT_DEPENDENT);
	assert_false(c.hairpin);
	assert_int_equal(c.max_ports_per_host, 500);
	assert_int_equal(c.max_sessions, 1000);
	assert_int_equal(c.max_mappings, 2000);
	assert_int_equal(c.timeout_udp, 300);
	assert_int_equal(c.timeout_tcp_established, 10800);
	assert_int_equal(c.timeout_tcp_transitory, 120);
	assert_int_equal(c.timeout_icmp, 30);
	assert_int_equal(c.gc_interval, 2);
	assert_string_equal(c.pin_root, "/sys/fs/bpf/other");
	assert_int_equal(c.n_forwards, 2);
	assert_int_equal(c.forwards[0].proto, IPPROTO_TCP);
	assert_int_equal(c.forwards[0].ext_min, 6891);
	assert_int_equal(c.forwards[0].ext_max, 6900);
	assert_int_equal(c.forwards[0].owner, XNAT_OWNER_CONFIG);
	assert_int_equal(c.forwards[1].proto, IPPROTO_UDP);
	assert_int_equal(c.forwards[1].int_port, 5062);
	assert_int_equal(c.forwards[1].int_addr, inet_addr("192.168.1.20"));
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
}

static void test_values(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	expect_ok("[nat]\nhairpin = TRUE\nfiltering = endpoint-independent\n", &c);
	assert_true(c.hairpin);
	expect_ok("[nat]\nhairpin = 0\nfiltering = address-dependent\n", &c);
	assert_false(c.hairpin);
	assert_int_equal(c.filtering, XNAT_FILTER_ADDRESS_DEPENDENT);
	expect_ok("[nat]\nport-range = 1-65535\nmax-ports-per-host = 0\n", &c);
	assert_int_equal(c.port_min, 1);
	assert_int_equal(c.port_max, 65535);
	expect_ok("[timeouts]\nudp = 120\ntcp-established = 3h\ntcp-transitory = 1\nicmp = 1m\n", &c);
	assert_int_equal(c.timeout_udp, 120);
	assert_int_equal(c.timeout_tcp_established, 10800);
	assert_int_equal(c.timeout_tcp_transitory, 1);
	assert_int_equal(c.timeout_icmp, 60);
	expect_ok("[agent]\ngc-interval = 1m\n", &c);
	assert_int_equal(c.gc_interval, 60);
	for (int m = XNAT_XDP_NONE; m >= XNAT_XDP_AUTO; m--) { /* each name, and back to auto */
		char text[64];

		snprintf(text, sizeof(text), "[interfaces]\nxdp-mode = %s\n", xnat_xdp_mode_name(m));
		expect_ok(text, &c);
		assert_int_equal(c.xdp_mode, m);
	}
}

static void test_sip(void **state)
{
	struct xnat_agent_config c;
	struct xnat_config m = { 0 };

	(void)state;
	expect_ok("[nat]\nhairpin = yes\n", &c); /* the default: 5060 both ways */
	assert_true(c.sip_enabled);
	assert_int_equal(c.n_sip, 1);
	assert_int_equal(c.sip[0].port, 5060);
	assert_int_equal(c.sip[0].dirs, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	assert_int_equal(c.timeout_sip_dialog, 3600);
	expect_ok("[sip]\nport = 5080 outbound\nport = 5070\nport = 5090 off\n"
		  "[timeouts]\nsip-dialog = 2h\n", &c);
	assert_int_equal(c.n_sip, 3); /* the default 5060 replaced */
	assert_int_equal(c.sip[0].port, 5080);
	assert_int_equal(c.sip[0].dirs, XNAT_SIP_DIR_OUT);
	assert_int_equal(c.sip[1].dirs, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	assert_int_equal(c.sip[2].dirs, 0);
	assert_int_equal(c.timeout_sip_dialog, 7200);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.sip[0].port, 5080);
	assert_int_equal(m.sip[1].port, 5070);
	assert_int_equal(m.sip[3].port, 0);
	assert_int_equal(m.timeout_sip_dialog, 7200);
	expect_ok("[sip]\nalg = no\n", &c);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.sip[0].port, 0); /* off: no port reaches the fast path */
	expect_exact_error("[sip]\nport = 5060 sideways\n",
			   "2: [sip] port: 'sideways': expected both, outbound, inbound or off");
	expect_exact_error("[sip]\nport = 0\n",
			   "2: [sip] port: '0': expected PORT [both|outbound|inbound|off]");
	expect_exact_error("[sip]\nport = 5060\nport = 5060 inbound\n",
			   "3: [sip] port: port 5060 is listed twice");
	expect_exact_error("[sip]\nport = 1\nport = 2\nport = 3\nport = 4\nport = 5\n",
			   "6: [sip] port: more than 4 ports");
	expect_exact_error("[sip]\nalg = perhaps\n", "2: [sip] alg: 'perhaps': expected yes or no");
	expect_ok("[nat]\nhairpin = yes\n", &c);
	assert_int_equal(c.sip_dialogs_per_host, 256);
	expect_ok("[sip]\nmax-dialogs-per-host = 0\n", &c);
	assert_int_equal(c.sip_dialogs_per_host, 0);
	expect_ok("[sip]\nmax-dialogs-per-host = 16\n", &c);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.max_sip_dialogs_per_host, 16);
	expect_exact_error("[sip]\nmax-dialogs-per-host = 9000\n",
			   "2: [sip] max-dialogs-per-host: '9000': expected 0 (unlimited) to 8192");
}

static void test_portmap(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	expect_ok("[nat]\nhairpin = yes\n", &c);
	assert_true(c.natpmp);
	assert_false(c.allow_third_party);
	assert_int_equal(c.lease_min_lifetime, 120);
	assert_int_equal(c.lease_max_lifetime, 86400);
	assert_int_equal(c.leases_per_host, 64);
	assert_true(c.upnp && c.upnp_secure_mode);
	assert_int_equal(c.upnp_http_port, 49152);
	assert_string_equal(c.state_dir, "/var/lib/xnat");
	expect_ok("[portmap]\nupnp = no\nsecure-mode = off\nhttp-port = 5000\n[agent]\nstate-dir = /tmp/x\n", &c);
	assert_false(c.upnp || c.upnp_secure_mode);
	assert_int_equal(c.upnp_http_port, 5000);
	assert_string_equal(c.state_dir, "/tmp/x");
	expect_exact_error("[portmap]\nhttp-port = 0\n", "2: [portmap] http-port: '0': expected a port, 1 to 65535");
	expect_exact_error("[agent]\nstate-dir = var\n", "2: [agent] state-dir: 'var': expected an absolute path");
	expect_ok("[portmap]\nnatpmp = no\nmin-lifetime = 1m\nmax-lifetime = 2h\n"
		  "leases-per-host = 0\nallow-third-party = yes\n", &c);
	assert_false(c.natpmp);
	assert_true(c.allow_third_party);
	assert_int_equal(c.lease_min_lifetime, 60);
	assert_int_equal(c.lease_max_lifetime, 7200);
	assert_int_equal(c.leases_per_host, 0);
	expect_exact_error("[portmap]\nmin-lifetime = 0\n",
			   "2: [portmap] min-lifetime: '0': expected 1 to 2592000 seconds (e.g. 120, 2m, 24h)");
	expect_exact_error("[portmap]\nleases-per-host = -1\n",
			   "2: [portmap] leases-per-host: '-1': expected 0 (unlimited) to 65535");
	expect_exact_error("[portmap]\nupnp-v3 = yes\n", "2: [portmap] upnp-v3: unknown option");
	/* Permission rules: the built-in pair until a rule line replaces them. */
	expect_ok("", &c);
	assert_int_equal(c.pm_rules.n, 2);
	assert_int_equal(c.rate_limit, 20);
	assert_false(xnat_pm_permitted(&c.pm_rules, 80, htonl(0xc0a80102), 80));
	assert_true(xnat_pm_permitted(&c.pm_rules, 6891, htonl(0xc0a80102), 6891));
	expect_ok("[portmap]\nrule = allow 80 192.168.1.2 80\nrule = deny 0-65535 0.0.0.0/0 0-65535\n"
		  "rate-limit = 0\n", &c);
	assert_int_equal(c.pm_rules.n, 2);
	assert_int_equal(c.rate_limit, 0);
	assert_true(xnat_pm_permitted(&c.pm_rules, 80, htonl(0xc0a80102), 80));
	assert_false(xnat_pm_permitted(&c.pm_rules, 6891, htonl(0xc0a80102), 6891));
	expect_exact_error("[portmap]\nrule = allow 5-3 0.0.0.0/0 1-65535\n",
			   "2: [portmap] rule: external port range 5-3: start above end");
	expect_exact_error("[portmap]\nrate-limit = lots\n",
			   "2: [portmap] rate-limit: 'lots': expected 0 (off) to 100000 requests a second");
	expect_exact_error("[portmap]\nnatpmp = sometimes\n",
			   "2: [portmap] natpmp: 'sometimes': expected yes or no");
	expect_ok("[interfaces]\nwan = w\nlan = l\n[portmap]\nmin-lifetime = 2h\nmax-lifetime = 1h\n", &c);
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "[portmap] min-lifetime 7200 is above max-lifetime 3600");
}

static void test_units_and_rfc_minimums(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	/* 2h = 7200 s is under RFC 5382's 2 h 4 min. */
	expect_exact_error("[timeouts]\ntcp-established = 2h\n",
			   "2: [timeouts] tcp-established: 7200 is below the RFC 5382 minimum of 7440 seconds");
	expect_ok("[timeouts]\ntcp-established = 124m\nudp = 2m\nicmp = 1h\n", &c);
	assert_int_equal(c.timeout_tcp_established, 7440);
	assert_int_equal(c.timeout_udp, 120);
	assert_int_equal(c.timeout_icmp, 3600);
	expect_exact_error("[timeouts]\nudp = 119s\n",
			   "2: [timeouts] udp: 119 is below the RFC 4787 minimum of 120 seconds");
}

static void test_errors_name_line_and_option(void **state)
{
	(void)state;
	expect_exact_error("[interfaces]\nwan = eth0\n\n[timeouts]\n# short\nudp = 60\n",
			   "6: [timeouts] udp: 60 is below the RFC 4787 minimum of 120 seconds");
	expect_error("[nat]\nport-range = 1-2\nbogus = 1\n", 3, "[nat] bogus", "unknown option");
	expect_error("[interfaces]\nwan = eth0\nwlan = eth1\n", 3, "[interfaces] wlan", "unknown option");
	expect_error("[forward]\nrules = tcp 1 192.168.1.1\n", 2, "[forward] rules", "unknown option");
	/* An unknown section is reported at its header, even when empty. */
	expect_error("[nat]\n[natt]\nx = 1\n", 2, "[natt]", "unknown section");
	expect_error("[nat]\nhairpin = yes\n[Nat]\n", 3, "[Nat]", "unknown section");
	/* Bad numbers: trailing junk, negative, overflow, blank inside. */
	expect_error("[timeouts]\nicmp = 10x\n", 2, "[timeouts] icmp", "expected seconds");
	expect_error("[timeouts]\nicmp = -5\n", 2, "[timeouts] icmp", "expected seconds");
	expect_error("[timeouts]\nudp = 99999999999999999999\n", 2, "[timeouts] udp", "expected seconds");
	expect_error("[timeouts]\nudp = 4294967296\n", 2, "[timeouts] udp", "expected seconds");
	expect_error("[timeouts]\nudp = 5 m\n", 2, "[timeouts] udp", "expected seconds");
	expect_error("[timeouts]\nudp = 1d\n", 2, "[timeouts] udp", "expected seconds");
	expect_error("[timeouts]\nicmp = 0\n", 2, "[timeouts] icmp", "at least 1 second");
	expect_error("[timeouts]\ntcp-established = 3600\n", 2, "[timeouts] tcp-established",
		     "3600 is below the RFC 5382 minimum of 7440 seconds");
	expect_error("[nat]\nmax-ports-per-host = -1\n", 2, "[nat] max-ports-per-host", "expected 0");
	expect_error("[nat]\nmax-ports-per-host = 1e3\n", 2, "[nat] max-ports-per-host", "expected 0");
	expect_error("[nat]\nmax-sessions = 0\n", 2, "[nat] max-sessions", "expected 1");
	expect_error("[nat]\nmax-mappings = 0x100\n", 2, "[nat] max-mappings", "expected 1");
	expect_error("[nat]\nfiltering = open\n", 2, "[nat] filtering", "expected endpoint-independent");
	expect_error("[nat]\nport-range = 2000-1000\n", 2, "[nat] port-range", "MIN is above MAX");
	expect_error("[nat]\nport-range = 0-100\n", 2, "[nat] port-range", "1-65535");
	expect_error("[nat]\nport-range = 1000-65536\n", 2, "[nat] port-range", "1-65535");
	expect_error("[nat]\nport-range = 100\n", 2, "[nat] port-range", "MIN-MAX");
	expect_error("[nat]\nport-range = 100-200x\n", 2, "[nat] port-range", "MIN-MAX");
	expect_error("[nat]\nhairpin = maybe\n", 2, "[nat] hairpin", "yes or no");
	expect_error("[interfaces]\nxdp-mode = fast\n", 2, "[interfaces] xdp-mode", "native, skb or none");
	expect_error("[forward]\nrule = tcp 70000 192.168.1.10\n", 2, "[forward] rule",
		     "bad port '70000' (1-65535)");
	expect_error("[forward]\nrule = sctp 80 192.168.1.10\n", 2, "[forward] rule", "bad protocol");
	expect_error("[forward]\nrule = tcp 80 10.0.0.256\n", 2, "[forward] rule", "bad LAN address");
	expect_error("[forward]\nrule = tcp 80\n", 2, "[forward] rule", "expected 'tcp|udp");
	expect_error("[interfaces]\nlan = a b c d e f g h i\n", 2, "[interfaces] lan", "more than 8");
	expect_error("[interfaces]\nlan = a b c d e\nlan = f,g,h\nlan = i\n", 4, "[interfaces] lan",
		     "more than 8");
	expect_error("[interfaces]\nlan = ,\n", 2, "[interfaces] lan", "no interface name");
	expect_error("[interfaces]\nwan = this-name-is-too-long\n", 2, "[interfaces] wan",
		     "bad interface name");
	expect_error("[interfaces]\nwan = eth/0\n", 2, "[interfaces] wan", "bad interface name");
	expect_error("[interfaces]\nwan = eth 0\n", 2, "[interfaces] wan", "bad interface name");
	expect_error("[interfaces]\nwan =\n", 2, "[interfaces] wan", "empty value");
	expect_error("[agent]\ngc-interval = 0\n", 2, "[agent] gc-interval", "1 to 3600");
	expect_error("[agent]\npin-root = relative/path\n", 2, "[agent] pin-root", "absolute path");
	expect_error("wan = eth0\n", 1, "wan", "outside a section");
	/* The first bad line is the one reported. */
	expect_error("[nat]\nhairpin = maybe\nfiltering = open\n", 2, "[nat] hairpin", "yes or no");
	expect_error("[natt]\n[nat]\nhairpin = maybe\n", 1, "[natt]", "unknown section");
}

static void test_too_many_forwards(void **state)
{
	struct xnat_agent_config c;
	char text[8192];
	size_t len = 0;

	(void)state;
	len += snprintf(text + len, sizeof(text) - len, "[forward]\n");
	for (int i = 0; i < XNAT_MAX_FORWARDS; i++)
		len += snprintf(text + len, sizeof(text) - len, "rule = udp %d 192.168.1.10\n", 1000 + i);
	expect_ok(text, &c);
	assert_int_equal(c.n_forwards, XNAT_MAX_FORWARDS);
	snprintf(text + len, sizeof(text) - len, "rule = udp 2000 192.168.1.10\n");
	expect_error(text, XNAT_MAX_FORWARDS + 2, "[forward] rule", "more than 64 rules");
}

static void test_long_lines(void **state)
{
	struct xnat_agent_config c;
	char *text = malloc(PATH_MAX * 2);
	int n;

	(void)state;
	/* A long pin root is read whole (inih's default would cut it at 200). */
	n = sprintf(text, "[agent]\npin-root = /sys/fs/bpf/");
	memset(text + n, 'p', 1000);
	strcpy(text + n + 1000, "\n");
	expect_ok(text, &c);
	assert_int_equal(strlen(c.pin_root), strlen("/sys/fs/bpf/") + 1000);
	/* Over PATH_MAX: refused by the option. */
	memset(text + n, 'p', PATH_MAX - 40);
	strcpy(text + n + PATH_MAX - 40, "\n");
	expect_error(text, 2, "[agent] pin-root", "longer than");
	/* Longer than any line may be: refused by the reader, with its number. */
	memset(text + n, 'p', PATH_MAX + 200);
	strcpy(text + n + PATH_MAX + 200, "\n[nat]\n");
	expect_error(text, 2, "line longer than", "characters");
	free(text);
}

static void test_syntax_error_and_files(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	expect_error("[nat]\nthis line has no equals sign\n", 2, "syntax error", "option = value");
	expect_error("[nat\nhairpin = yes\n", 1, "syntax error", "[section]");
	expect_ok("\xEF\xBB\xBF[nat]\nhairpin = no\n", &c); /* a UTF-8 byte order mark */
	assert_false(c.hairpin);
	expect_error("\xEF\xBB\xBF[natt]\n", 1, "[natt]", "unknown section");
	/* blanks after the mark, as inih takes them (found by make test's mutants) */
	expect_error("\xEF\xBB\xBF [natt]\nwan = eth0\n", 1, "[natt]", "unknown section");
	expect_ok("", &c); /* an empty file: the defaults */
	assert_int_equal(c.port_min, 1024);
	xnat_config_defaults(&c);
	assert_int_equal(xnat_config_load("/nonexistent/xnat.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/xnat.conf: No such file or directory");
	assert_int_equal(xnat_config_load("/tmp", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: Is a directory");
}

/* The file's values go over what is there; the file's lan list replaces it. */
static void test_load_over_values(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	xnat_config_defaults(&c);
	strcpy(c.wan, "wan0");
	strcpy(c.lan[c.n_lan++], "old0");
	strcpy(c.lan[c.n_lan++], "old1");
	c.timeout_icmp = 99;
	assert_int_equal(load_over("[interfaces]\nlan = new0\nlan = new1 new2\n", &c), 0);
	assert_string_equal(c.wan, "wan0");
	assert_int_equal(c.n_lan, 3);
	assert_string_equal(c.lan[0], "new0");
	assert_string_equal(c.lan[2], "new2");
	assert_int_equal(c.timeout_icmp, 99);
}

static void set_forwards(struct xnat_agent_config *c, const char *a, const char *b)
{
	assert_int_equal(xnat_forward_parse(a, &c->forwards[0], err, sizeof(err)), 0);
	assert_int_equal(xnat_forward_parse(b, &c->forwards[1], err, sizeof(err)), 0);
	c->n_forwards = 2;
}

static void expect_invalid(const struct xnat_agent_config *c, const char *why)
{
	assert_int_equal(xnat_config_validate(c, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
}

static void test_validate(void **state)
{
	struct xnat_agent_config c;

	(void)state;
	xnat_config_defaults(&c);
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "no WAN interface: set [interfaces] wan or --wan");
	strcpy(c.wan, "eth0");
	expect_invalid(&c, "no LAN interface");
	strcpy(c.lan[c.n_lan++], "eth0");
	expect_invalid(&c, "eth0 is both the WAN and a LAN interface");
	strcpy(c.lan[0], "eth1");
	strcpy(c.lan[c.n_lan++], "eth2");
	strcpy(c.lan[c.n_lan++], "eth1");
	expect_invalid(&c, "LAN interface eth1 is listed twice");
	c.n_lan = 2;
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
	strcpy(c.lan[1], "bad/name");
	expect_invalid(&c, "bad LAN interface name");
	strcpy(c.lan[1], "eth2");

	c.port_min = 3000;
	c.port_max = 2000;
	expect_invalid(&c, "bad port range 3000-2000");
	c.port_min = 1024;
	c.port_max = 65535;
	c.timeout_udp = 60;
	expect_invalid(&c, "RFC 4787");
	c.timeout_udp = 300;

	set_forwards(&c, "tcp 6891-6900 192.168.1.10", "tcp 6900 192.168.1.11");
	expect_invalid(&c, "forwards overlap: 'tcp 6891-6900 192.168.1.10:6891' and "
			   "'tcp 6900 192.168.1.11:6900'");
	set_forwards(&c, "udp 5000-5010 192.168.1.10", "udp 4990-6000 192.168.1.10:1");
	expect_invalid(&c, "forwards overlap");
	set_forwards(&c, "tcp 6891-6900 192.168.1.10", "udp 6900 192.168.1.11");
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0); /* other protocol */
	set_forwards(&c, "tcp 6891-6900 192.168.1.10", "tcp 6901 192.168.1.10");
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0); /* adjacent */
	/* Forwards inside the dynamic range are fine: the fast path skips held ports. */
	set_forwards(&c, "tcp 3389 192.168.1.10", "tcp 40000-40010 192.168.1.10");
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
}

static void test_to_map(void **state)
{
	struct xnat_agent_config c;
	struct xnat_config m;

	(void)state;
	memset(&m, 0xff, sizeof(m));
	m.ext_addr = inet_addr("198.51.100.1");
	m.wan_ifindex = 7;
	expect_ok("[nat]\nport-range = 2000-3000\nfiltering = address-dependent\nhairpin = yes\n"
		  "max-ports-per-host = 50\n"
		  "[timeouts]\nudp = 200\ntcp-established = 8000\ntcp-transitory = 100\nicmp = 20\n",
		  &c);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.ext_addr, inet_addr("198.51.100.1")); /* xnatd's */
	assert_int_equal(m.wan_ifindex, 7);
	assert_int_equal(m.port_min, 2000); /* host order */
	assert_int_equal(m.port_max, 3000);
	/* ENABLED is xnatd's, once it has an address; bulk TCP takes the stack path by default */
	assert_int_equal(m.flags, XNAT_CFG_HAIRPIN | XNAT_CFG_TCP_BULK_STACK);
	assert_int_equal(m.max_ports_per_host, 50);
	assert_int_equal(m.filtering, XNAT_FILTER_ADDRESS_DEPENDENT);
	assert_int_equal(m.pad[0] | m.pad[1] | m.pad[2], 0);
	assert_int_equal(m.timeout_udp, 200);
	assert_int_equal(m.timeout_tcp_established, 8000);
	assert_int_equal(m.timeout_tcp_transitory, 100);
	assert_int_equal(m.timeout_icmp, 20);
	c.hairpin = false;
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.flags, XNAT_CFG_TCP_BULK_STACK);
	expect_ok("[interfaces]\ntcp-bulk = xdp\n", &c);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.flags, XNAT_CFG_HAIRPIN);
	expect_ok("[interfaces]\ntcp-bulk = stack\n", &c);
	xnat_config_to_map(&c, &m);
	assert_int_equal(m.flags, XNAT_CFG_HAIRPIN | XNAT_CFG_TCP_BULK_STACK);
	expect_error("[interfaces]\ntcp-bulk = gro\n", 2, "[interfaces] tcp-bulk", "expected stack or xdp");
}

static char *read_example(void)
{
	FILE *f = fopen(EXAMPLE, "r");
	char *text;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* "# name = value", a documented option left at its default. */
static bool is_commented_option(const char *line)
{
	size_t name = strspn(line + 2, "abcdefghijklmnopqrstuvwxyz-");

	return !strncmp(line, "# ", 2) && name && !strncmp(line + 2 + name, " = ", 3);
}

static void uncomment_options(char *text)
{
	for (char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (is_commented_option(line))
			memmove(line, line + 2, strlen(line + 2) + 1);
}

/* The documented example parses as shipped, and with every option uncommented. */
static void test_example_file(void **state)
{
	struct xnat_agent_config c, d;
	char *text = read_example();

	(void)state;
	if (!text)
		fail_msg("etc/xnat.conf.example not found: run from the repository root (tests/run does)");
	assert_int_equal(load(text, &c), 0);
	assert_string_equal(c.wan, "eth0");
	assert_int_equal(c.n_lan, 1);
	assert_int_equal(xnat_config_validate(&c, err, sizeof(err)), 0);
	/* Every default the example shows is the real default. */
	uncomment_options(text);
	if (load(text, &d))
		fail_msg("example with every option uncommented: %s", err);
	assert_int_equal(xnat_config_validate(&d, err, sizeof(err)), 0);
	assert_int_equal(d.n_forwards, 4);
	assert_int_equal(d.forwards[0].ext_min, 6891);
	assert_int_equal(d.forwards[0].ext_max, 6900);
	assert_int_equal(d.forwards[1].ext_min, 1503);
	assert_int_equal(d.forwards[2].ext_min, 3389);
	assert_int_equal(d.forwards[2].int_addr, inet_addr("192.168.1.10"));
	d.n_forwards = 0;
	memset(d.forwards, 0, sizeof(d.forwards));
	assert_true(d.sip_ports_set); /* "port = 5060 both" was read: the default again */
	d.sip_ports_set = false;
	assert_true(d.pm_rules_set); /* the example's rules are the built-in pair */
	d.pm_rules_set = false;
	assert_memory_equal(&c, &d, sizeof(c));
	free(text);
}

/* Found by fuzz_config: a NUL byte is an error of its own line, and the
 * lines after it keep their numbers (fgets lost the line's end there). */
static void test_nul_byte(void **state)
{
	static const char text[] = "[interfaces]\nwan = eth0\0junk\n\n[timeouts]\nudp = 1\n";
	struct xnat_agent_config c;
	int fd;

	(void)state;
	xnat_config_defaults(&c);
	strcpy(path, "/tmp/xnat-test-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(xnat_config_load(path, &c, err, sizeof(err)), -1);
	unlink(path);
	assert_non_null(strstr(err, ":2: a NUL byte in the line"));
	/* without the NUL, the bad value is found on its own line, 6 */
	expect_error("[interfaces]\nwan = eth0\n\n\n[timeouts]\nudp = 1\n", 6, "[timeouts] udp", "");
}

/*
 * A value of any length and any bytes keeps the reason of its error: the
 * value is quoted cut short and escaped, never the reason. (make fuzz found
 * xdp-mode = "opt followed by some 200 bytes 0xff in [interfaces]: the
 * value filled the message, which ended in "': '".)
 */
static void test_long_values_keep_reason(void **state)
{
	static const struct { const char *section, *option, *reason; bool quoted; } opts[] = {
		{ "interfaces", "xdp-mode", "expected auto, native, skb or none", true },
		{ "interfaces", "wan", "bad interface name", true },
		{ "nat", "port-range", "expected MIN-MAX with ports 1-65535", true },
		{ "nat", "filtering", "expected endpoint-independent", true },
		{ "timeouts", "udp", "expected seconds up to", true },
		{ "sip", "port", "expected PORT [both|outbound|inbound|off]", true },
		{ "portmap", "max-lifetime", "expected 1 to", true },
		{ "forward", "rule", "forward longer than 127 characters", false }, /* not quoted at all */
	};
	char text[1024], value[300];
	struct xnat_agent_config c;

	(void)state;
	memcpy(value, "\"opt", 4);
	memset(value + 4, 0xff, 200);
	value[204] = '\0';
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(text, sizeof(text), "[%s]\n%s = %s\n", opts[i].section, opts[i].option, value);
		assert_int_equal(load(text, &c), -1);
		if (strlen(err) >= sizeof(err) - 1 || strstr(err + strlen(err) - 2, ": ") ||
		    (opts[i].quoted && (!strstr(err, "\\xff") || !strstr(err, "..."))))
			fail_msg("[%s] %s: '%s'", opts[i].section, opts[i].option, err);
		if (!strstr(err, opts[i].reason))
			fail_msg("[%s] %s: no reason '%s' in '%s'", opts[i].section, opts[i].option, opts[i].reason, err);
		for (const char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				fail_msg("[%s] %s: byte 0x%02x in '%s'", opts[i].section, opts[i].option,
					 (unsigned char)*p, err);
	}
	/* the finding itself, to the letter */
	assert_int_equal(load("[interfaces]\nxdp-mode = \"opt\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
			      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
			      "\xff\xff\xff\xff\xff\xff\n", &c), -1);
	assert_non_null(strstr(err, ":2: [interfaces] xdp-mode: '\"opt\\xff"));
	assert_non_null(strstr(err, "...': expected auto, native, skb or none"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_units_and_rfc_minimums),
		cmocka_unit_test(test_errors_name_line_and_option),
		cmocka_unit_test(test_too_many_forwards),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_syntax_error_and_files),
		cmocka_unit_test(test_load_over_values),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_to_map),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_sip),
		cmocka_unit_test(test_portmap),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_long_values_keep_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
