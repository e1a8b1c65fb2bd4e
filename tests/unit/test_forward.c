// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Static forwards: parsing, and add/del/list on real BPF maps with the fast path's layouts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
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

static void open_maps(__u32 eim_size)
{
	xnat_maps_close(&m);
	m.ports = xnat_ports_create();
	m.eim = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct xnat_eim_key),
			       sizeof(struct xnat_eim), eim_size, NULL);
	assert_true(m.ports >= 0 && m.eim >= 0);
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

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static struct xnat_forward parse(const char *text)
{
	struct xnat_forward f;

	if (xnat_forward_parse(text, &f, err, sizeof(err)))
		fail_msg("'%s': %s", text, err);
	return f;
}

static void expect_parse_error(const char *text, const char *why)
{
	struct xnat_forward f;

	assert_int_equal(xnat_forward_parse(text, &f, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("'%s': error '%s' lacks '%s'", text, err, why);
}

static void test_parse_and_format(void **state)
{
	struct xnat_forward f;
	char buf[96];

	(void)state;
	f = parse("tcp 6891-6900 192.168.1.10");
	assert_int_equal(f.proto, IPPROTO_TCP);
	assert_int_equal(f.ext_min, 6891);
	assert_int_equal(f.ext_max, 6900);
	assert_int_equal(f.int_port, 6891);
	assert_int_equal(f.int_addr, inet_addr("192.168.1.10"));
	xnat_forward_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "tcp 6891-6900 192.168.1.10:6891");
	f = parse("UDP 3389 192.168.1.20:3390");
	xnat_forward_format(&f, buf, sizeof(buf));
	assert_string_equal(buf, "udp 3389 192.168.1.20:3390");
	expect_parse_error("tcp 0 192.168.1.10", "bad port '0'");
	expect_parse_error("tcp 70000 192.168.1.10", "bad port '70000'");
	expect_parse_error("tcp 10-x 192.168.1.10", "bad port 'x'");
	expect_parse_error("tcp 20-10 192.168.1.10", "first above last");
	expect_parse_error("icmp 20 192.168.1.10", "bad protocol");
	expect_parse_error("tcp 20 192.168.1", "bad LAN address");
	expect_parse_error("tcp 20 127.0.0.1", "bad LAN address");
	expect_parse_error("tcp 20 224.0.0.1", "bad LAN address");
	expect_parse_error("tcp 20 0.0.0.0", "bad LAN address");
	expect_parse_error("tcp 20 192.168.1.10:0", "bad port '0'");
	expect_parse_error("tcp 65000-65100 192.168.1.10:65500", "pass 65535");
	expect_parse_error("tcp 20", "expected");
	expect_parse_error("tcp 20 192.168.1.10 extra", "expected");
}

static void test_add_list_del(void **state)
{
	struct xnat_forward f = parse("tcp 6891-6900 192.168.1.10"), other, list[8];
	int n;

	(void)state;
	need_root();
	open_maps(1024);
	f.owner = XNAT_OWNER_STATIC;
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	assert_int_equal(xnat_ports_in_use(m.ports), 10);
	assert_int_equal(xnat_map_count(m.eim), 10);
	n = xnat_forward_list(&m, list, 8);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].ext_min, 6891);
	assert_int_equal(list[0].ext_max, 6900);
	assert_int_equal(list[0].owner, XNAT_OWNER_STATIC);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0); /* idempotent */
	assert_int_equal(xnat_ports_in_use(m.ports), 10);

	other = parse("tcp 6900-6905 192.168.1.11");
	assert_int_equal(xnat_forward_add(&m, &other, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "port 6900/tcp is held by a forward of 192.168.1.10:6900"));
	assert_int_equal(xnat_ports_in_use(m.ports), 10); /* nothing changed */

	other = parse("udp 6900 192.168.1.11"); /* other protocol: free */
	assert_int_equal(xnat_forward_add(&m, &other, err, sizeof(err)), 0);
	assert_int_equal(xnat_forward_list(&m, list, 8), 2);

	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), 10);
	assert_int_equal(xnat_ports_in_use(m.ports), 1);
	assert_int_equal(xnat_map_count(m.eim), 1);
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no forward tcp 6891-6900 192.168.1.10"));
}

static void test_conflict_with_dynamic_mapping(void **state)
{
	__u32 k = (__u32)xnat_port_slot(IPPROTO_TCP, 3389);
	struct xnat_port_owner o = { .int_addr = inet_addr("192.168.1.7"), .int_port = htons(51000),
				     .owner = XNAT_OWNER_DYNAMIC, .in_use = 1 };
	struct xnat_forward f = parse("tcp 3389 192.168.1.10");

	(void)state;
	need_root();
	open_maps(1024);
	assert_int_equal(bpf_map_update_elem(m.ports, &k, &o, BPF_ANY), 0);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "port 3389/tcp is held by a dynamic mapping of 192.168.1.7:51000");
}

static void test_rollback_when_table_full(void **state)
{
	struct xnat_forward f = parse("tcp 7000-7009 192.168.1.10");

	(void)state;
	need_root();
	open_maps(5); /* room for 5 of the 10 EIM entries */
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "table is full"));
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
	assert_int_equal(xnat_map_count(m.eim), 0);
}

static void test_existing_eim_kept(void **state)
{
	struct xnat_eim_key ek = { .int_addr = inet_addr("192.168.1.10"), .int_port = htons(3389),
				   .proto = IPPROTO_TCP };
	struct xnat_eim ev = { .ext_port = htons(40000) }, got;
	struct xnat_forward f = parse("tcp 3389 192.168.1.10");

	(void)state;
	need_root();
	open_maps(1024);
	assert_int_equal(bpf_map_update_elem(m.eim, &ek, &ev, BPF_ANY), 0);
	assert_int_equal(xnat_forward_add(&m, &f, err, sizeof(err)), 0);
	assert_int_equal(bpf_map_lookup_elem(m.eim, &ek, &got), 0);
	assert_int_equal(got.ext_port, htons(40000)); /* the host's own mapping stays */
	assert_int_equal(xnat_forward_del(&m, &f, err, sizeof(err)), 1);
	assert_int_equal(bpf_map_lookup_elem(m.eim, &ek, &got), 0); /* and is not removed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_add_list_del),
		cmocka_unit_test(test_conflict_with_dynamic_mapping),
		cmocka_unit_test(test_rollback_when_table_full),
		cmocka_unit_test(test_existing_eim_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
