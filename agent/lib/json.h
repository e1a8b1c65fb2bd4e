/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A minimal streaming JSON writer: commas and escaping handled, nothing buffered. */
#ifndef XNAT_AGENT_JSON_H
#define XNAT_AGENT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define XNAT_JSON_MAX_DEPTH 16 /* nesting levels; xnatctl uses 3 */

struct xnat_json {
	FILE *out;
	int depth;
	bool need_comma[XNAT_JSON_MAX_DEPTH];
};

void xnat_json_init(struct xnat_json *j, FILE *out);
void xnat_json_object_begin(struct xnat_json *j);
void xnat_json_object_end(struct xnat_json *j);
void xnat_json_array_begin(struct xnat_json *j);
void xnat_json_array_end(struct xnat_json *j);
/* A member name inside an object; the value follows. */
void xnat_json_key(struct xnat_json *j, const char *name);
void xnat_json_string(struct xnat_json *j, const char *s);
void xnat_json_uint(struct xnat_json *j, unsigned long long v);
void xnat_json_int(struct xnat_json *j, long long v);
void xnat_json_bool(struct xnat_json *j, bool v);
void xnat_json_null(struct xnat_json *j);

/* key + value in one call */
void xnat_json_kv_string(struct xnat_json *j, const char *name, const char *s);
void xnat_json_kv_uint(struct xnat_json *j, const char *name, unsigned long long v);
void xnat_json_kv_int(struct xnat_json *j, const char *name, long long v);
void xnat_json_kv_bool(struct xnat_json *j, const char *name, bool v);
void xnat_json_kv_null(struct xnat_json *j, const char *name);

#endif
