// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text from outside quoted in error messages (agent/lib/shown.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "shown.h"

static void test_plain_text_as_is(void **state)
{
	struct xnat_shown q;

	(void)state;
	assert_string_equal(xnat_shown("native", &q), "native");
	assert_string_equal(xnat_shown("", &q), "");
}

static void test_unprintable_escaped(void **state)
{
	struct xnat_shown q;

	(void)state;
	assert_string_equal(xnat_shown("a\tb\\c\x01\x7f\xff", &q), "a\\tb\\\\c\\x01\\x7f\\xff");
	/* a NUL inside the counted text */
	assert_string_equal(xnat_shown_n("a\0b", 3, &q), "a\\x00b");
}

static void test_cut_at_the_limit(void **state)
{
	char text[XNAT_SHOWN_MAX + 2], want[XNAT_SHOWN_MAX + 8];
	struct xnat_shown q;

	(void)state;
	memset(text, 'x', XNAT_SHOWN_MAX);
	text[XNAT_SHOWN_MAX] = '\0';
	assert_string_equal(xnat_shown(text, &q), text); /* exactly the limit: whole */
	text[XNAT_SHOWN_MAX] = 'y';
	text[XNAT_SHOWN_MAX + 1] = '\0';
	memset(want, 'x', XNAT_SHOWN_MAX);
	strcpy(want + XNAT_SHOWN_MAX, "...");
	assert_string_equal(xnat_shown(text, &q), want); /* one more: cut, said so */
}

static void test_worst_case_fits(void **state)
{
	char text[200];
	struct xnat_shown q;

	(void)state;
	memset(text, 0xff, sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	xnat_shown(text, &q);
	assert_int_equal(strlen(q.s), 4 * XNAT_SHOWN_MAX + 3);
	assert_true(strlen(q.s) < sizeof(q.s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_as_is),
		cmocka_unit_test(test_unprintable_escaped),
		cmocka_unit_test(test_cut_at_the_limit),
		cmocka_unit_test(test_worst_case_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
