// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-host token buckets (agent/lib/ratelimit.c): the burst, the refill to
 * the millisecond, hosts kept apart, the least recently seen host giving
 * its place, no limit at rate 0, and clocks that jump far ahead or back.
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
#include "ratelimit.h"

/* struct xnat_ratelimit is about 8 KiB: off the stack. */
static struct xnat_ratelimit rl;

/* 10.0.x.y for host i. */
static __be32 host(unsigned int i)
{
	return htonl(0x0a000000u | i);
}

static const struct xnat_ratelimit_host *entry_of(__be32 addr)
{
	for (unsigned int i = 0; i < XNAT_RATELIMIT_HOSTS; i++)
		if (rl.host[i].used && rl.host[i].addr == addr)
			return &rl.host[i];
	return NULL;
}

/* How many of n requests at now_ms are allowed. */
static unsigned int allowed(__be32 addr, unsigned int n, __u64 now_ms)
{
	unsigned int yes = 0;

	for (unsigned int i = 0; i < n; i++)
		yes += xnat_ratelimit_allow(&rl, addr, now_ms);
	return yes;
}

static void test_init(void **state)
{
	(void)state;
	memset(&rl, 0x5a, sizeof(rl));
	xnat_ratelimit_init(&rl, 10, 20);
	assert_int_equal(rl.rate, 10);
	assert_int_equal(rl.burst, 20);
	assert_int_equal(rl.refused, 0);
	for (unsigned int i = 0; i < XNAT_RATELIMIT_HOSTS; i++)
		assert_false(rl.host[i].used);

	/* a burst of 0 would refuse everything: taken as 1 */
	xnat_ratelimit_init(&rl, 10, 0);
	assert_int_equal(rl.burst, 1);
	assert_int_equal(allowed(host(1), 3, 1000), 1);
}

static void test_burst_then_refusal(void **state)
{
	(void)state;
	xnat_ratelimit_init(&rl, 2, 5);
	assert_int_equal(allowed(host(1), 5, 1000), 5);
	assert_false(xnat_ratelimit_allow(&rl, host(1), 1000));
	assert_int_equal(rl.refused, 1);
	assert_int_equal(allowed(host(1), 10, 1000), 0);
	assert_int_equal(rl.refused, 11);
}

static void test_refill_exact(void **state)
{
	unsigned int yes = 0;

	(void)state;
	/* 2 per second: one token each 500 ms, not a millisecond sooner */
	xnat_ratelimit_init(&rl, 2, 5);
	assert_int_equal(allowed(host(1), 5, 0), 5);
	assert_false(xnat_ratelimit_allow(&rl, host(1), 499));  /* 998 thousandths */
	assert_true(xnat_ratelimit_allow(&rl, host(1), 501));   /* 1002 */
	assert_false(xnat_ratelimit_allow(&rl, host(1), 501));  /* 2 left over... */
	assert_false(xnat_ratelimit_allow(&rl, host(1), 999));  /* ...+996 = 998 */
	assert_true(xnat_ratelimit_allow(&rl, host(1), 1000));  /* 1000 */

	/* 3 per second: thirds of a millisecond are not lost to rounding */
	xnat_ratelimit_init(&rl, 3, 2);
	assert_int_equal(allowed(host(1), 2, 0), 2);
	assert_false(xnat_ratelimit_allow(&rl, host(1), 333));   /* 999 */
	assert_true(xnat_ratelimit_allow(&rl, host(1), 334));    /* 1002 */
	assert_false(xnat_ratelimit_allow(&rl, host(1), 666));   /* 2 + 996 */
	assert_true(xnat_ratelimit_allow(&rl, host(1), 667));    /* 1001 */

	/* the bucket holds no more than burst after a long idle */
	xnat_ratelimit_init(&rl, 100, 4);
	assert_int_equal(allowed(host(1), 4, 0), 4);
	assert_int_equal(allowed(host(1), 10, 60000), 4);

	/*
	 * One request a millisecond for 10 s at 7 per second, burst 4: the
	 * bucket never fills again, so by t the host got floor((4000 + 7 t) /
	 * 1000) requests: 73 by t = 9999.
	 */
	xnat_ratelimit_init(&rl, 7, 4);
	for (__u64 t = 0; t < 10000; t++)
		yes += xnat_ratelimit_allow(&rl, host(1), t);
	assert_int_equal(yes, 73);
	assert_int_equal(rl.refused, 10000 - 73);
}

static void test_hosts_independent(void **state)
{
	(void)state;
	xnat_ratelimit_init(&rl, 1, 3);
	assert_int_equal(allowed(host(1), 10, 100), 3);
	assert_int_equal(allowed(host(2), 10, 100), 3);
	assert_int_equal(allowed(htonl(0), 10, 100), 3);  /* 0.0.0.0 is a host like any */
	assert_int_equal(rl.refused, 21);
	/* one second later each has exactly one more */
	assert_int_equal(allowed(host(1), 5, 1100), 1);
	assert_int_equal(allowed(host(2), 5, 1100), 1);
	assert_int_equal(allowed(htonl(0), 5, 1100), 1);
	assert_int_equal(allowed(host(3), 5, 1100), 3);
}

static void test_table_full_replaces_least_recently_seen(void **state)
{
	const struct xnat_ratelimit_host *e;

	(void)state;
	xnat_ratelimit_init(&rl, 1, 2);
	/* host i first seen at t = i; each takes one of its two tokens */
	for (unsigned int i = 0; i < XNAT_RATELIMIT_HOSTS; i++)
		assert_true(xnat_ratelimit_allow(&rl, host(i), i));
	/* host 0 comes back (its second token): host 1 is now the least recently seen */
	assert_true(xnat_ratelimit_allow(&rl, host(0), 300));
	assert_false(xnat_ratelimit_allow(&rl, host(0), 300)); /* refused, but seen */

	/* a new host takes host 1's place, with a full bucket */
	assert_int_equal(allowed(host(1000), 5, 301), 2);
	assert_null(entry_of(host(1)));
	assert_non_null(entry_of(host(0)));
	assert_non_null(entry_of(host(2)));
	e = entry_of(host(1000));
	assert_non_null(e);
	assert_int_equal(e->last_ms, 301);

	/* host 1 comes back as new: a full bucket again (it had spent one token), replacing host 2 */
	assert_int_equal(allowed(host(1), 5, 302), 2);
	assert_null(entry_of(host(2)));
	/* host 0 was kept: its bucket is still empty */
	assert_false(xnat_ratelimit_allow(&rl, host(0), 303));
	/* host 3 was kept too: one token left of two */
	assert_int_equal(allowed(host(3), 5, 303), 1);

	/* every tracked address is still there once */
	for (unsigned int i = 0; i < XNAT_RATELIMIT_HOSTS; i++)
		assert_true(rl.host[i].used);
}

static void test_rate_zero_never_refuses(void **state)
{
	(void)state;
	xnat_ratelimit_init(&rl, 0, 0);
	for (unsigned int i = 0; i < 1000; i++)
		assert_int_equal(allowed(host(i), 100, i), 100);
	assert_int_equal(allowed(host(1), 1000, 0), 1000);   /* the clock does not matter */
	assert_int_equal(allowed(host(1), 1000, UINT64_MAX), 1000);
	assert_int_equal(rl.refused, 0);
	for (unsigned int i = 0; i < XNAT_RATELIMIT_HOSTS; i++)
		assert_false(rl.host[i].used);  /* nothing is tracked */
}

static void test_huge_time_jump(void **state)
{
	const struct xnat_ratelimit_host *e;

	(void)state;
	xnat_ratelimit_init(&rl, 1, 3);
	assert_int_equal(allowed(host(1), 4, 0), 3);
	assert_int_equal(allowed(host(1), 4, UINT64_MAX), 3);
	e = entry_of(host(1));
	assert_int_equal(e->tokens_milli, 0);
	assert_int_equal(e->last_ms, UINT64_MAX);

	/* the largest rate and burst: the refill product would overflow 64 bits */
	xnat_ratelimit_init(&rl, UINT32_MAX, UINT32_MAX);
	assert_true(xnat_ratelimit_allow(&rl, host(1), 5));
	e = entry_of(host(1));
	assert_int_equal(e->tokens_milli, (UINT32_MAX - 1ull) * 1000);
	assert_true(xnat_ratelimit_allow(&rl, host(1), UINT64_MAX));
	assert_int_equal(e->tokens_milli, (UINT32_MAX - 1ull) * 1000);
	assert_true(xnat_ratelimit_allow(&rl, host(1), UINT64_MAX));
	assert_int_equal(e->tokens_milli, (UINT32_MAX - 2ull) * 1000);

	/* a large jump that does not fill a large bucket: added exactly */
	xnat_ratelimit_init(&rl, 1000, 1000000);
	assert_int_equal(allowed(host(1), 1000, 0), 1000);
	e = entry_of(host(1));
	assert_int_equal(e->tokens_milli, 999000ull * 1000);
	assert_true(xnat_ratelimit_allow(&rl, host(1), 500));
	assert_int_equal(e->tokens_milli, 999000ull * 1000 + 500ull * 1000 - 1000);
}

static void test_backwards_clock(void **state)
{
	const struct xnat_ratelimit_host *e;

	(void)state;
	xnat_ratelimit_init(&rl, 2, 2);
	assert_int_equal(allowed(host(1), 2, 10000), 2);
	/* back by 5 s: no refill, and no wrap-around to a huge elapsed time */
	assert_false(xnat_ratelimit_allow(&rl, host(1), 5000));
	e = entry_of(host(1));
	assert_int_equal(e->tokens_milli, 0);
	assert_int_equal(e->last_ms, 5000);
	/* the refill counts from the new time, not from 10000 */
	assert_false(xnat_ratelimit_allow(&rl, host(1), 5499));
	assert_true(xnat_ratelimit_allow(&rl, host(1), 5500));
	/* back to 0 */
	assert_false(xnat_ratelimit_allow(&rl, host(1), 0));
	assert_int_equal(allowed(host(1), 3, 0), 0);
	assert_int_equal(allowed(host(1), 3, 1000), 2);
	assert_int_equal(rl.refused, 1 + 1 + 1 + 3 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_burst_then_refusal),
		cmocka_unit_test(test_refill_exact),
		cmocka_unit_test(test_hosts_independent),
		cmocka_unit_test(test_table_full_replaces_least_recently_seen),
		cmocka_unit_test(test_rate_zero_never_refuses),
		cmocka_unit_test(test_huge_time_jump),
		cmocka_unit_test(test_backwards_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
