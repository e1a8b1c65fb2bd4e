// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The external address's class (agent/lib/addr_class.c): the edges of
 * every special range, and the addresses just outside them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "addr_class.h"

static enum xnat_addr_class class_of(const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return xnat_addr_classify(a.s_addr);
}

static void test_ranges(void **state)
{
	static const struct {
		const char *addr;
		enum xnat_addr_class class;
	} cases[] = {
		{ "0.0.0.0", XNAT_ADDR_NONE },          { "0.1.2.3", XNAT_ADDR_RESERVED },
		{ "9.255.255.255", XNAT_ADDR_PUBLIC },  { "10.0.0.0", XNAT_ADDR_PRIVATE },
		{ "10.255.255.255", XNAT_ADDR_PRIVATE }, { "11.0.0.0", XNAT_ADDR_PUBLIC },
		{ "100.63.255.255", XNAT_ADDR_PUBLIC }, { "100.64.0.1", XNAT_ADDR_SHARED },
		{ "100.127.255.255", XNAT_ADDR_SHARED }, { "100.128.0.0", XNAT_ADDR_PUBLIC },
		{ "127.0.0.1", XNAT_ADDR_LOOPBACK },    { "169.254.1.1", XNAT_ADDR_LINK_LOCAL },
		{ "172.15.255.255", XNAT_ADDR_PUBLIC }, { "172.16.0.0", XNAT_ADDR_PRIVATE },
		{ "172.31.255.255", XNAT_ADDR_PRIVATE }, { "172.32.0.0", XNAT_ADDR_PUBLIC },
		{ "192.0.0.9", XNAT_ADDR_RESERVED },    { "192.0.2.1", XNAT_ADDR_DOCUMENTATION },
		{ "192.0.3.1", XNAT_ADDR_PUBLIC },      { "192.167.255.255", XNAT_ADDR_PUBLIC },
		{ "192.168.0.0", XNAT_ADDR_PRIVATE },   { "192.168.255.255", XNAT_ADDR_PRIVATE },
		{ "192.169.0.0", XNAT_ADDR_PUBLIC },    { "198.17.255.255", XNAT_ADDR_PUBLIC },
		{ "198.18.0.1", XNAT_ADDR_BENCHMARK },  { "198.19.255.255", XNAT_ADDR_BENCHMARK },
		{ "198.20.0.0", XNAT_ADDR_PUBLIC },     { "198.51.100.7", XNAT_ADDR_DOCUMENTATION },
		{ "203.0.113.9", XNAT_ADDR_DOCUMENTATION }, { "203.0.114.9", XNAT_ADDR_PUBLIC },
		{ "8.8.8.8", XNAT_ADDR_PUBLIC },        { "224.0.0.1", XNAT_ADDR_RESERVED },
		{ "255.255.255.255", XNAT_ADDR_RESERVED }, { "223.255.255.255", XNAT_ADDR_PUBLIC },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum xnat_addr_class got = class_of(cases[i].addr);

		if (got != cases[i].class)
			fail_msg("%s: %s, expected %s", cases[i].addr, xnat_addr_class_name(got),
				 xnat_addr_class_name(cases[i].class));
	}
}

/* Only a public address (or none yet) goes without a note. */
static void test_notes(void **state)
{
	(void)state;
	assert_null(xnat_addr_class_note(XNAT_ADDR_PUBLIC));
	assert_null(xnat_addr_class_note(XNAT_ADDR_NONE));
	for (int c = XNAT_ADDR_PRIVATE; c < XNAT_ADDR_NONE; c++)
		assert_non_null(xnat_addr_class_note(c));
	assert_non_null(strstr(xnat_addr_class_note(XNAT_ADDR_PRIVATE), "double NAT"));
	assert_non_null(strstr(xnat_addr_class_note(XNAT_ADDR_SHARED), "carrier-grade NAT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_notes),
	};

	return cmocka_run_group_tests_name("addr_class", tests, NULL, NULL);
}
