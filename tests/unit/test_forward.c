// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Static forwards: parsing, and add/del/list on real BPF maps with the fast path's layouts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "forward.h"
#include "mapwalk.h"
#include "ports.h"

static struct xnat_map_fds m;
static char err[256];

/* Fresh maps: the real slot array and an EIM hash of eim_size entries.
 * Skips the test when not root (BPF maps can't be created); as root, a map
 * that can't be created fails it. */
static void open_maps(__u32 eim_size)
{
	xnat_maps_close(&m);
	m.ports = xnat_ports_create();
	m.eim = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct xnat_eim_key),
			       sizeof(struct xnat_eim), eim_size, NULL);
	if (m.ports < 0 || m.eim < 0) {
		int e = errno;

		xnat_maps_close(&m);
		if (geteuid() != 0)
			skip();
		fail_msg("BPF maps can't be created as root: %s", strerror(e));
	}
}

static int setup(void **state)
{
	(void)state;
	xnat_maps_init(&m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xnat_maps_close(&m);
	return 0;
}

static struct xnat_forward parse(const char *text)
{
	struct xnat_forward f;

	if (xnat_forward_parse(text, &f, err, sizeof(err)))
		fail_msg("'%s': %s", text, err);
	return f;
}

static struct xnat_forward parse_owned(const char *text, __u8 owner)
{
	struct xnat_forward f = parse(text);

	f.owner = owner;
	return f;
}

static void expect_parse_error(const char *text, const char *why)
{
	struct xnat_forward f;

	assert_int_equal(xnat_forward_parse(text, &f, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("'%s': error '%s' lacks '%s'", text, err, why);
}

static void expect_add_error(const struct xnat_forward *f, const char *why)
{
	assert_int_equal(xnat_forward_add(&m, f, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
}

static struct xnat_port_owner slot(__u8 proto, __u16 port)
{
	__u32 k = (__u32)xnat_port_slot(proto, port);
	struct xnat_port_owner o;

	assert_int_equal(bpf_map_lookup_elem(m.ports, &k, &o), 0);
	return o;
}

static void put_slot(__u8 proto, __u16 port, const char *addr, __u16 int_port, __u8 owner)
{
	__u32 k = (__u32)xnat_port_slot(proto, port);
	struct xnat_port_owner o = { .int_addr = inet_addr(addr), .int_port = htons(int_port),
				     .owner = owner, .in_use = 1 };

	assert_int_equal(bpf_map_update_elem(m.ports, &k, &o, BPF_ANY), 0);
}

static int eim_lookup(const char *addr, __u16 int_port, __u8 proto, struct xnat_eim *v)
{
	struct xnat_eim_key k;

	memset(&k, 0, sizeof(k));
	k.int_addr = inet_addr(addr);
	k.int_port = htons(int_port);
	k.proto = proto;
	return bpf_map_lookup_elem(m.eim, &k, v);
}

static void test_parse(void **state)
{
	struct xnat_forward f;

	(void)state;
	f = parse("tcp 6891-6900 192.168.1.10");
	assert_int_equal(f.proto, IPPROTO_TCP);
	assert_int_equal(f.owner, XNAT_OWNER_CONFIG);
	assert_int_equal(f.ext_min, 6891);
	assert_int_equal(f.ext_max, 6900);
	assert_int_equal(f.int_port, 6891);
	assert_int_equal(f.int_addr, inet_addr("192.168.1.10"));
	f = parse("  UDP\t3389   192.168.1.20:3390 ");
	assert_int_equal(f.proto, IPPROTO_UDP);
	assert_int_equal(f.ext_min, 3389);
	assert_int_equal(f.ext_max, 3389);
	assert_int_equal(f.int_port, 3390);
	f = parse("tcp 1-65535 10.0.0.1");
	assert_int_equal(f.ext_max, 65535);
	f = parse("udp 65535 10.0.0.1:65535");
	assert_int_equal(f.int_port, 65535);
}

static void test_parse_rejections(void **state)
{
	char longer[200];

	(void)state;
	expect_parse_error("tcp 0 192.168.1.10", "bad port '0' (1-65535)");
	expect_parse_error("tcp 70000 192.168.1.10", "bad port '70000' (1-65535)");
	expect_parse_error("tcp 80x 192.168.1.10", "bad port '80x'");
	expect_parse_error("tcp +80 192.168.1.10", "bad port '+80'");
	expect_parse_error("tcp 10-x 192.168.1.10", "bad port 'x'");
	expect_parse_error("tcp 10- 192.168.1.10", "bad port ''");
	expect_parse_error("tcp -10 192.168.1.10", "bad port ''");
	expect_parse_error("tcp 10-70000 192.168.1.10", "bad port '70000'");
	expect_parse_error("tcp 20-10 192.168.1.10", "bad port range 20-10 (first above last)");
	expect_parse_error("icmp 20 192.168.1.10", "bad protocol 'icmp' (tcp or udp)");
	expect_parse_error("tcpudp 20 192.168.1.10", "bad protocol 'tcpudp'");
	expect_parse_error("tcp 20 192.168.1", "bad LAN address '192.168.1'");
	expect_parse_error("tcp 20 192.168.1.256", "bad LAN address");
	expect_parse_error("tcp 20 host.example", "bad LAN address");
	expect_parse_error("tcp 20 127.0.0.1", "loopback");
	expect_parse_error("tcp 20 224.0.0.1", "multicast");
	expect_parse_error("tcp 20 239.255.255.250", "multicast");
	expect_parse_error("tcp 20 0.0.0.0", "bad LAN address '0.0.0.0'");
	expect_parse_error("tcp 20 255.255.255.255", "broadcast");
	expect_parse_error("tcp 20 192.168.1.10:0", "bad port '0'");
	expect_parse_error("tcp 20 192.168.1.10:", "bad port ''");
	expect_parse_error("tcp 20 192.168.1.10:99999", "bad port '99999'");
	expect_parse_error("tcp 65000-65100 192.168.1.10:65500", "internal ports 65500-65600 pass 65535");
	expect_parse_error("tcp 20", "expected 'tcp|udp PORT[-PORT] ADDRESS[:PORT]'");
	expect_parse_error("", "expected");
	expect_parse_error("tcp 20 192.168.1.10 extra", "expected");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	expect_parse_error(longer, "longer than");
}

static void test_format_round_trip(void **state)
{
	static const char *const rules[] = {
		"tcp 6891-6900 192.168.1.10:6891", "tcp 1503 192.168.1.10:1503",
		"udp 5060-5061 10.1.2.3:15060", "tcp 65535 172.16.0.1:1",
	};
	struct xnat_forward f, g;
	char buf[96];

	(void)state;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		f = parse(rules[i]);
		assert_int_equal(xnat_forward_format(&f, buf, sizeof(buf)), (int)strlen(rules[i]));
		assert_string_equal(buf, rules[i]);
		g = parse(buf);
		assert_memory_equal(&f, &g, sizeof(f));
	}
	f = parse("tcp 3389 192.168.1.20");
	xnat_forward_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "tcp 3389 192.168.1.20:3389");
}

static void test_add_list_del(void **state)
{
	struct xnat_forward f = parse_owned("tcp 6891-6900 192.168.1.10", XNAT_OWNER_STATIC);
	struct xnat_forward list[8];
	struct xnat_port_owner o;
	struct xnat_eim ev;
	__u32 now = xnat_now();

	(void)state;
	open_maps(1024);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	assert_int_equal(xnat_ports_in_use(m.ports), 10);
	assert_int_equal(xnat_map_count(m.eim), 10);
	/* The entries as the fast path reads them: network order, never expiring. */
	o = slot(IPPROTO_TCP, 6895);
	assert_int_equal(o.in_use, 1);
	assert_int_equal(o.owner, XNAT_OWNER_STATIC);
	assert_int_equal(o.int_addr, inet_addr("192.168.1.10"));
	assert_int_equal(o.int_port, htons(6895));
	assert_int_equal(o.expires, 0);
	assert_int_equal(slot(IPPROTO_UDP, 6895).in_use, 0);
	assert_int_equal(eim_lookup("192.168.1.10", 6900, IPPROTO_TCP, &ev), 0);
	assert_int_equal(ev.ext_port, htons(6900));
	assert_true(ev.created >= now && ev.created <= now + 5);

	assert_int_equal(xnat_forward_list(&m, list, 8), 1);
	assert_int_equal(list[0].proto, IPPROTO_TCP);
	assert_int_equal(list[0].ext_min, 6891);
	assert_int_equal(list[0].ext_max, 6900);
	assert_int_equal(list[0].int_port, 6891);
	assert_int_equal(list[0].int_addr, inet_addr("192.168.1.10"));
	assert_int_equal(list[0].owner, XNAT_OWNER_STATIC);

	/* Re-adding the same forward, from the config file too, changes nothing. */
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	f.owner = XNAT_OWNER_CONFIG;
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	assert_int_equal(xnat_ports_in_use(m.ports), 10);
	assert_int_equal(xnat_map_count(m.eim), 10);
	assert_int_equal(slot(IPPROTO_TCP, 6891).owner, XNAT_OWNER_STATIC);

	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), 10);
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
	assert_int_equal(xnat_map_count(m.eim), 0);
	assert_int_equal(xnat_forward_list(&m, list, 8), 0);
}

static void test_overlap_changes_nothing(void **state)
{
	struct xnat_forward f = parse("tcp 6891-6900 192.168.1.10"), other, list[8];

	(void)state;
	open_maps(1024);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	other = parse("tcp 6900-6905 192.168.1.11");
	expect_add_error(&other, "port 6900/tcp is held by a forward of 192.168.1.10:6900");
	assert_int_equal(xnat_ports_in_use(m.ports), 10);
	assert_int_equal(xnat_map_count(m.eim), 10);
	/* Same host, shifted internal ports: another forward too. */
	other = parse("tcp 6895 192.168.1.10:80");
	expect_add_error(&other, "port 6895/tcp is held by a forward of 192.168.1.10:6895");
	assert_int_equal(xnat_ports_in_use(m.ports), 10);

	other = parse("udp 6900 192.168.1.11"); /* another protocol: free */
	assert_int_equal(xnat_forward_add(&m, &other, err, sizeof(err)), 0);
	assert_int_equal(xnat_forward_list(&m, list, 8), 2);
	assert_int_equal(list[1].proto, IPPROTO_UDP);
}

static void test_conflict_names_holder(void **state)
{
	struct xnat_forward f = parse("tcp 3389 192.168.1.10"), range;

	(void)state;
	open_maps(1024);
	put_slot(IPPROTO_TCP, 3389, "192.168.1.7", 51000, XNAT_OWNER_DYNAMIC);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "port 3389/tcp is held by a dynamic mapping of 192.168.1.7:51000");
	put_slot(IPPROTO_TCP, 3389, "192.168.1.8", 3389, XNAT_OWNER_UPNP);
	expect_add_error(&f, "held by a UPnP lease of 192.168.1.8:3389");
	put_slot(IPPROTO_TCP, 3389, "192.168.1.8", 3389, XNAT_OWNER_NATPMP);
	expect_add_error(&f, "held by a NAT-PMP lease");
	put_slot(IPPROTO_TCP, 3389, "192.168.1.8", 3389, XNAT_OWNER_PCP);
	expect_add_error(&f, "held by a PCP lease");
	put_slot(IPPROTO_TCP, 3389, "192.168.1.8", 3389, XNAT_OWNER_SIP);
	expect_add_error(&f, "held by SIP media");
	/* A holder in the middle of a range: nothing of the range is claimed. */
	range = parse("tcp 3380-3399 192.168.1.10");
	expect_add_error(&range, "port 3389/tcp is held by SIP media of 192.168.1.8:3389");
	assert_int_equal(xnat_ports_in_use(m.ports), 1);
	assert_int_equal(xnat_map_count(m.eim), 0);
}

static void test_rollback_when_table_full(void **state)
{
	struct xnat_forward f = parse("tcp 7000-7009 192.168.1.10");

	(void)state;
	open_maps(5); /* room for 5 of the 10 EIM entries */
	expect_add_error(&f, "port 7005/tcp: the mapping table is full");
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
	assert_int_equal(xnat_map_count(m.eim), 0);
}

/* A failed add undoes only its own work: what was there before stays. */
static void test_rollback_keeps_earlier_entries(void **state)
{
	struct xnat_forward small = parse("tcp 7000-7004 192.168.1.10");
	struct xnat_forward big = parse("tcp 7000-7009 192.168.1.10");

	(void)state;
	open_maps(7);
	assert_int_equal(xnat_forward_add(&m, &small, err, sizeof(err)), 0);
	expect_add_error(&big, "port 7007/tcp: the mapping table is full");
	assert_int_equal(xnat_ports_in_use(m.ports), 5);
	assert_int_equal(xnat_map_count(m.eim), 5);
	assert_int_equal(slot(IPPROTO_TCP, 7004).in_use, 1);
	assert_int_equal(slot(IPPROTO_TCP, 7005).in_use, 0);
}

static void test_existing_eim_kept(void **state)
{
	struct xnat_forward f = parse("tcp 3389 192.168.1.10");
	struct xnat_eim_key ek;
	struct xnat_eim ev = { .ext_port = htons(40000) }, got;

	(void)state;
	open_maps(1024);
	memset(&ek, 0, sizeof(ek));
	ek.int_addr = inet_addr("192.168.1.10");
	ek.int_port = htons(3389);
	ek.proto = IPPROTO_TCP;
	assert_int_equal(bpf_map_update_elem(m.eim, &ek, &ev, BPF_ANY), 0);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	assert_int_equal(bpf_map_lookup_elem(m.eim, &ek, &got), 0);
	assert_int_equal(got.ext_port, htons(40000)); /* the host's own mapping stays */
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), 1);
	assert_int_equal(bpf_map_lookup_elem(m.eim, &ek, &got), 0); /* and is not removed */
	assert_int_equal(got.ext_port, htons(40000));
}

static void test_del(void **state)
{
	struct xnat_forward f = parse("tcp 6891-6900 192.168.1.10"), part, wrong;

	(void)state;
	open_maps(1024);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	/* Only ports held by exactly this forward go. */
	wrong = parse("tcp 6891-6900 192.168.1.11");
	assert_int_equal(xnat_forward_del(&m, &wrong, err, sizeof(err)), -1);
	assert_string_equal(err, "no forward tcp 6891-6900 192.168.1.11 found");
	wrong = parse("udp 6891 192.168.1.10");
	assert_int_equal(xnat_forward_del(&m, &wrong, err, sizeof(err)), -1);
	wrong = parse("tcp 6891 192.168.1.10:22");
	assert_int_equal(xnat_forward_del(&m, &wrong, err, sizeof(err)), -1);
	assert_string_equal(err, "no forward tcp 6891 192.168.1.10:22 found");
	assert_int_equal(xnat_ports_in_use(m.ports), 10);

	part = parse("tcp 6899-6905 192.168.1.10"); /* two of its ports are held */
	assert_int_equal(xnat_forward_del(&m, &part, err, sizeof(err)), 2);
	assert_int_equal(xnat_ports_in_use(m.ports), 8);
	assert_int_equal(xnat_map_count(m.eim), 8);
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), 8);
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "no forward tcp 6891-6900 192.168.1.10 found");

	/* A dynamic mapping on the port is not a forward. */
	put_slot(IPPROTO_TCP, 3389, "192.168.1.20", 3389, XNAT_OWNER_DYNAMIC);
	f = parse("tcp 3389 192.168.1.20");
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "no forward tcp 3389 192.168.1.20 found");
	assert_int_equal(xnat_ports_in_use(m.ports), 1);
}

static void test_list_coalesces_and_sorts(void **state)
{
	struct xnat_forward list[8], few[2];

	(void)state;
	open_maps(1024);
	put_slot(IPPROTO_UDP, 5060, "192.168.1.30", 5060, XNAT_OWNER_CONFIG);
	/* tcp 100-102 to .10:200-202, then 103 to another host, 104 to a gap in
	 * the internal ports, 105 owned by xnatctl, 106 a dynamic mapping. */
	for (__u16 p = 100; p <= 102; p++)
		put_slot(IPPROTO_TCP, p, "192.168.1.10", p + 100, XNAT_OWNER_CONFIG);
	put_slot(IPPROTO_TCP, 103, "192.168.1.11", 203, XNAT_OWNER_CONFIG);
	put_slot(IPPROTO_TCP, 104, "192.168.1.11", 300, XNAT_OWNER_CONFIG);
	put_slot(IPPROTO_TCP, 105, "192.168.1.11", 301, XNAT_OWNER_STATIC);
	put_slot(IPPROTO_TCP, 106, "192.168.1.11", 302, XNAT_OWNER_DYNAMIC);

	assert_int_equal(xnat_forward_list(&m, list, 8), 5);
	assert_int_equal(list[0].proto, IPPROTO_TCP);
	assert_int_equal(list[0].ext_min, 100);
	assert_int_equal(list[0].ext_max, 102);
	assert_int_equal(list[0].int_port, 200);
	assert_int_equal(list[1].ext_min, 103);
	assert_int_equal(list[1].int_addr, inet_addr("192.168.1.11"));
	assert_int_equal(list[2].ext_min, 104);
	assert_int_equal(list[2].int_port, 300);
	assert_int_equal(list[3].ext_min, 105);
	assert_int_equal(list[3].ext_max, 105);
	assert_int_equal(list[3].owner, XNAT_OWNER_STATIC);
	assert_int_equal(list[4].proto, IPPROTO_UDP);
	assert_int_equal(list[4].ext_min, 5060);

	/* A short buffer: the full count, the first ranges stored. */
	assert_int_equal(xnat_forward_list(&m, few, 2), 5);
	assert_int_equal(few[0].ext_max, 102);
	assert_int_equal(few[1].ext_min, 103);
	assert_int_equal(xnat_forward_list(&m, NULL, 0), 5);
}

static void test_invalid_forward_refused(void **state)
{
	struct xnat_forward f = parse("tcp 80 192.168.1.10");

	(void)state;
	open_maps(16);
	f.proto = IPPROTO_ICMP;
	expect_add_error(&f, "invalid forward");
	f = parse("tcp 80-90 192.168.1.10");
	f.ext_min = 95;
	expect_add_error(&f, "invalid forward");
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), -1);
	f = parse("tcp 80 192.168.1.10");
	f.owner = XNAT_OWNER_DYNAMIC;
	expect_add_error(&f, "invalid forward");
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejections),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test_setup_teardown(test_add_list_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_names_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_when_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_keeps_earlier_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_eim_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_coalesces_and_sorts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_forward_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
