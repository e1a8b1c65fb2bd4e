// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The incremental checksum helpers of the fast path against a full recomputation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xnat/csum.h>

/* RFC 1071 over a buffer, the reference the incremental updates must match. */
static uint16_t full_csum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void store_csum(uint8_t *buf, size_t off, uint16_t host_order)
{
	buf[off] = host_order >> 8;
	buf[off + 1] = host_order & 0xff;
}

/* Random 40-byte "headers"; change one 32-bit and one 16-bit field
 * incrementally, compare with the checksum computed afresh. */
static void test_incremental_matches_full(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 20000; round++) {
		uint8_t buf[40];
		uint32_t addr_old, addr_new, diff;
		uint16_t port_old, port_new, stored;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = rand() & 0xff;
		store_csum(buf, 10, 0);
		store_csum(buf, 10, full_csum(buf, sizeof(buf)));
		memcpy(&stored, buf + 10, 2);

		memcpy(&addr_old, buf + 12, 4);
		memcpy(&port_old, buf + 20, 2);
		addr_new = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		port_new = rand() & 0xffff;
		if (round % 7 == 0)
			addr_new = addr_old; /* unchanged fields must cost nothing */
		memcpy(buf + 12, &addr_new, 4);
		memcpy(buf + 20, &port_new, 2);

		diff = addr_new == addr_old ? 0 : xnat_csum_diff32(0, addr_old, addr_new);
		diff = xnat_csum_diff16(diff, port_old, port_new);
		stored = xnat_csum_apply(stored, diff);
		memcpy(buf + 10, &stored, 2);
		/* A correct checksum makes the whole buffer sum to 0xffff (RFC 1071). */
		assert_int_equal(full_csum(buf, sizeof(buf)), 0);
	}
}

static void test_fold_and_apply_identity(void **state)
{
	(void)state;
	assert_int_equal(xnat_csum_fold(0x0001fffe), 0xffff);
	assert_int_equal(xnat_csum_fold(0xffffffff), 0xffff);
	/* Changing a field to itself leaves the checksum as it was. */
	assert_int_equal(xnat_csum_apply(0x1234, xnat_csum_diff16(0, 0xbeef, 0xbeef)), 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_matches_full),
		cmocka_unit_test(test_fold_and_apply_identity),
	};

	return cmocka_run_group_tests_name("csum", tests, NULL, NULL);
}
