// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer: commas, nesting, escaping, numbers, into a memory stream. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "json.h"

struct out {
	FILE *f;
	char *buf;
	size_t len;
	struct xnat_json j;
};

static int setup(void **state)
{
	struct out *o = calloc(1, sizeof(*o));

	if (!o)
		return -1;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f) {
		free(o);
		return -1;
	}
	xnat_json_init(&o->j, o->f);
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	struct out *o = *state;

	if (o->f)
		fclose(o->f);
	free(o->buf);
	free(o);
	return 0;
}

/* Everything written so far. */
static const char *text(struct out *o)
{
	fflush(o->f);
	return o->buf;
}

/* One string as a one-element array, as it is written. */
static const char *string_alone(struct out *o, const char *s)
{
	xnat_json_array_begin(&o->j);
	xnat_json_string(&o->j, s);
	xnat_json_array_end(&o->j);
	return text(o);
}

static void test_nesting_and_commas(void **state)
{
	struct out *o = *state;
	struct xnat_json *j = &o->j;

	xnat_json_object_begin(j);
	xnat_json_kv_string(j, "a", "x");
	xnat_json_kv_uint(j, "b", 18446744073709551615ull);
	xnat_json_key(j, "c");
	xnat_json_array_begin(j);
	xnat_json_int(j, -1);
	xnat_json_bool(j, true);
	xnat_json_null(j);
	xnat_json_object_begin(j);
	xnat_json_object_end(j);
	xnat_json_array_begin(j);
	xnat_json_array_end(j);
	xnat_json_array_end(j);
	xnat_json_kv_bool(j, "d", false);
	xnat_json_object_end(j);
	assert_string_equal(text(o),
			    "{\"a\":\"x\",\"b\":18446744073709551615,\"c\":[-1,true,null,{},[]],\"d\":false}\n");
}

/* The shape xnatctl prints: an array of objects, each with nested members. */
static void test_array_of_objects(void **state)
{
	struct out *o = *state;
	struct xnat_json *j = &o->j;

	xnat_json_array_begin(j);
	for (int i = 0; i < 3; i++) {
		xnat_json_object_begin(j);
		xnat_json_kv_uint(j, "n", i);
		xnat_json_key(j, "t");
		xnat_json_object_begin(j);
		xnat_json_kv_int(j, "in", -i);
		xnat_json_kv_null(j, "never");
		xnat_json_object_end(j);
		xnat_json_kv_string(j, "s", "v");
		xnat_json_object_end(j);
	}
	xnat_json_array_end(j);
	assert_string_equal(text(o), "[{\"n\":0,\"t\":{\"in\":0,\"never\":null},\"s\":\"v\"},"
				     "{\"n\":1,\"t\":{\"in\":-1,\"never\":null},\"s\":\"v\"},"
				     "{\"n\":2,\"t\":{\"in\":-2,\"never\":null},\"s\":\"v\"}]\n");
}

static void test_empty_containers(void **state)
{
	struct out *o = *state;

	xnat_json_array_begin(&o->j);
	xnat_json_array_end(&o->j);
	xnat_json_object_begin(&o->j);
	xnat_json_object_end(&o->j);
	/* Two top-level documents, one per line (no comma between them). */
	assert_string_equal(text(o), "[]\n{}\n");
}

static void test_escape_quote_backslash(void **state)
{
	assert_string_equal(string_alone(*state, "a\"b\\c/d"), "[\"a\\\"b\\\\c/d\"]\n");
}

static void test_escape_control_chars(void **state)
{
	assert_string_equal(string_alone(*state, "\n\r\t\x01\b\f\x1f\x7f"),
			    "[\"\\n\\r\\t\\u0001\\u0008\\u000c\\u001f\x7f\"]\n");
}

static void test_escape_keys(void **state)
{
	struct out *o = *state;

	xnat_json_object_begin(&o->j);
	xnat_json_kv_bool(&o->j, "k\"\n", true);
	xnat_json_object_end(&o->j);
	assert_string_equal(text(o), "{\"k\\\"\\n\":true}\n");
}

static void test_utf8_and_null_string(void **state)
{
	struct out *o = *state;

	xnat_json_array_begin(&o->j);
	xnat_json_string(&o->j, "é€");
	xnat_json_string(&o->j, NULL); /* written as "" rather than crashing */
	xnat_json_string(&o->j, "");
	xnat_json_array_end(&o->j);
	assert_string_equal(text(o), "[\"é€\",\"\",\"\"]\n");
}

static void test_numbers(void **state)
{
	struct out *o = *state;

	xnat_json_array_begin(&o->j);
	xnat_json_uint(&o->j, 0);
	xnat_json_uint(&o->j, UINT32_MAX);
	xnat_json_int(&o->j, LLONG_MIN);
	xnat_json_int(&o->j, LLONG_MAX);
	xnat_json_array_end(&o->j);
	assert_string_equal(text(o), "[0,4294967295,-9223372036854775808,9223372036854775807]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nesting_and_commas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_of_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_quote_backslash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_control_chars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_and_null_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
