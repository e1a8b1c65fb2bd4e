// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer: commas, nesting, escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "json.h"

static char *buf;
static size_t len;

static struct xnat_json start(FILE **f)
{
	struct xnat_json j;

	*f = open_memstream(&buf, &len);
	xnat_json_init(&j, *f);
	return j;
}

static void test_nesting_and_commas(void **state)
{
	FILE *f;
	struct xnat_json j = start(&f);

	(void)state;
	xnat_json_object_begin(&j);
	xnat_json_kv_string(&j, "a", "x");
	xnat_json_kv_uint(&j, "b", 18446744073709551615ull);
	xnat_json_key(&j, "c");
	xnat_json_array_begin(&j);
	xnat_json_int(&j, -1);
	xnat_json_bool(&j, true);
	xnat_json_null(&j);
	xnat_json_object_begin(&j);
	xnat_json_object_end(&j);
	xnat_json_array_begin(&j);
	xnat_json_array_end(&j);
	xnat_json_array_end(&j);
	xnat_json_kv_bool(&j, "d", false);
	xnat_json_object_end(&j);
	fclose(f);
	assert_string_equal(buf, "{\"a\":\"x\",\"b\":18446744073709551615,\"c\":[-1,true,null,{},[]],\"d\":false}\n");
	free(buf);
}

static void test_escaping(void **state)
{
	FILE *f;
	struct xnat_json j = start(&f);

	(void)state;
	xnat_json_array_begin(&j);
	xnat_json_string(&j, "q\"b\\n\n\t\x01\x1f/é");
	xnat_json_array_end(&j);
	fclose(f);
	assert_string_equal(buf, "[\"q\\\"b\\\\n\\n\\t\\u0001\\u001f/é\"]\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
