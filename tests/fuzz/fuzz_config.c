// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for xnatd's config file (agent/lib/config.c over inih,
 * with the forward and permission rule parsers it calls): the input is the
 * file. xnat_config_load() takes a path, so each input is written to a
 * memfd and read as /proc/self/fd/N. A config that loads is validated and
 * turned into the fast path's config, as xnatd does.
 *
 * Checked beyond "no crash": the contract that an error names the file,
 * the line and the option: a refused file's error is "PATH:LINE: ..." with
 * LINE a line of the input, and that line holds what the error names (the
 * option of "[section] option: reason", in a known section, or of "option:
 * reason"; a '[' for an unknown section; a line over 4160 bytes for "line
 * longer than"); the reason is not empty. A validation error is not empty
 * either. Loading twice gives the same result and the same error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"
#include "config.h"

#define MAX_LINE (PATH_MAX + 64) /* config.c's CONF_MAX_LINE */

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fd = memfd_create("xnat.conf", 0);
	if (fd < 0) {
		perror("fuzz_config: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

/* Line n (1-based) of the input: its start and length, or false past the last. */
static bool line_of(const uint8_t *data, size_t size, unsigned long n, const uint8_t **start, size_t *len)
{
	const uint8_t *p = data, *end = data + size, *nl;

	for (unsigned long i = 1; i < n; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
	}
	if (p == end)
		return false; /* after the last line's '\n' */
	nl = memchr(p, '\n', (size_t)(end - p));
	*start = p;
	*len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	return true;
}

static bool contains(const uint8_t *hay, size_t hlen, const char *needle, size_t nlen)
{
	return !nlen || memmem(hay, hlen, needle, nlen);
}

static bool known_section(const char *s, size_t len)
{
	static const char *const names[] = { "interfaces", "nat", "timeouts", "agent", "forward", "sip", "portmap" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return true;
	return false;
}

static void check_error(const uint8_t *data, size_t size, const char *err, size_t errsize)
{
	size_t plen = strlen(path), llen;
	const uint8_t *line;
	const char *rest, *colon;
	char *end;
	unsigned long n;

	CHECK(!strncmp(err, path, plen) && err[plen] == ':', "error without the file: '%s'", err);
	n = strtoul(err + plen + 1, &end, 10);
	CHECK(end > err + plen + 1 && end[0] == ':' && end[1] == ' ', "error without a line: '%s'", err);
	CHECK(line_of(data, size, n, &line, &llen), "line %lu of a file of %zu bytes: '%s'", n, size, err);
	rest = end + 2;
	CHECK(strlen(rest) > 2 && strcmp(rest + strlen(rest) - 2, ": "), "no reason: '%s'", err);
	/* a message that fills the buffer was cut: its reason may be gone */
	CHECK(strlen(err) < errsize - 1, "the message was cut: '%s'", err);
	CHECK(strspn(err, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
			  "abcdefghijklmnopqrstuvwxyz{|}~") == strlen(err),
	      "an unprintable byte in the message: '%s'", err);
	if (!strstr(rest, ": ")) { /* not "where: why": a line's error */
		if (!strncmp(rest, "line longer than ", 17))
			CHECK(llen > MAX_LINE - 2, "line %lu of %zu bytes 'longer': '%s'", n, llen, err);
		else if (!strncmp(rest, "a NUL byte in the line", 22))
			CHECK(memchr(line, 0, llen), "line %lu has no NUL byte: '%s'", n, err);
		else
			CHECK(!strncmp(rest, "syntax error (", 14) || !strncmp(rest, "option outside a section", 24),
			      "what is wrong with line %lu: '%s'", n, err);
		return;
	}
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');

		CHECK(close, "'[' without ']' in '%s'", err);
		if (!strncmp(close, "]: ", 3)) { /* "[name]: unknown section" */
			CHECK(memchr(line, '[', llen), "line %lu has no section header: '%s'", n, err);
			return;
		}
		CHECK(close[1] == ' ' && known_section(rest + 1, (size_t)(close - rest - 1)),
		      "option of an unknown section: '%s'", err);
		rest = close + 2;
	}
	colon = strstr(rest, ": ");
	CHECK(colon, "no 'option: reason' in '%s'", err);
	/* The option's name, as far as the error shows it, is on that line
	 * (unless it is shown escaped or cut). */
	if (!memchr(rest, '\\', (size_t)(colon - rest)) && !strstr(rest, "...:"))
		CHECK(contains(line, llen, rest, (size_t)(colon - rest)), "line %lu does not hold '%.*s': '%s'", n,
		      (int)(colon - rest), rest, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xnat_agent_config c;
	static char err[1024], again[1024]; /* as xnatd's */
	struct xnat_config map;
	int rc, rc2;

	CHECK(!ftruncate(fd, 0) && pwrite(fd, data, size, 0) == (ssize_t)size, "memfd write");
	xnat_config_defaults(&c);
	err[0] = '\0';
	rc = xnat_config_load(path, &c, err, sizeof(err));
	CHECK(rc == 0 || rc == -1, "returned %d", rc);
	xnat_config_defaults(&c);
	again[0] = '\0';
	rc2 = xnat_config_load(path, &c, again, sizeof(again));
	CHECK(rc2 == rc && !strcmp(err, again), "loaded twice: %d '%s', then %d '%s'", rc, err, rc2, again);
	if (rc) {
		check_error(data, size, err, sizeof(err));
		return 0;
	}
	err[0] = '\0';
	if (xnat_config_validate(&c, err, sizeof(err)))
		CHECK(err[0], "a validation error without a reason");
	memset(&map, 0, sizeof(map));
	xnat_config_to_map(&c, &map);
	return 0;
}
