// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "json.h"

void xnat_json_init(struct xnat_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
}

/* Before any value: a comma if a sibling came first. A value right after a
 * key never gets one (the key cleared the flag). */
static void before_value(struct xnat_json *j)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

static void open_container(struct xnat_json *j, char c)
{
	before_value(j);
	fputc(c, j->out);
	if (j->depth < XNAT_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_container(struct xnat_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
	if (j->depth == 0) {
		/* Document done: one per line, and the next one starts afresh. */
		fputc('\n', j->out);
		j->need_comma[0] = false;
	}
}

void xnat_json_object_begin(struct xnat_json *j) { open_container(j, '{'); }
void xnat_json_object_end(struct xnat_json *j) { close_container(j, '}'); }
void xnat_json_array_begin(struct xnat_json *j) { open_container(j, '['); }
void xnat_json_array_end(struct xnat_json *j) { close_container(j, ']'); }

static void write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void xnat_json_key(struct xnat_json *j, const char *name)
{
	before_value(j);
	write_escaped(j->out, name);
	fputc(':', j->out);
	j->need_comma[j->depth] = false; /* the value that follows takes no comma */
}

/* After a key the flag is false; the value then sets it for the next member. */
void xnat_json_string(struct xnat_json *j, const char *s)
{
	before_value(j);
	write_escaped(j->out, s ? s : "");
}

void xnat_json_uint(struct xnat_json *j, unsigned long long v)
{
	before_value(j);
	fprintf(j->out, "%llu", v);
}

void xnat_json_int(struct xnat_json *j, long long v)
{
	before_value(j);
	fprintf(j->out, "%lld", v);
}

void xnat_json_bool(struct xnat_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->out);
}

void xnat_json_null(struct xnat_json *j)
{
	before_value(j);
	fputs("null", j->out);
}

void xnat_json_kv_string(struct xnat_json *j, const char *name, const char *s)
{
	xnat_json_key(j, name);
	xnat_json_string(j, s);
}

void xnat_json_kv_uint(struct xnat_json *j, const char *name, unsigned long long v)
{
	xnat_json_key(j, name);
	xnat_json_uint(j, v);
}

void xnat_json_kv_bool(struct xnat_json *j, const char *name, bool v)
{
	xnat_json_key(j, name);
	xnat_json_bool(j, v);
}

void xnat_json_kv_int(struct xnat_json *j, const char *name, long long v)
{
	xnat_json_key(j, name);
	xnat_json_int(j, v);
}

void xnat_json_kv_null(struct xnat_json *j, const char *name)
{
	xnat_json_key(j, name);
	xnat_json_null(j);
}
