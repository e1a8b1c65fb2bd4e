// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for SSDP (agent/lib/ssdp.c): the input is one datagram
 * on UDP 1900, handled as xnatd's upnp_ssdp.c does: parsed as an M-SEARCH,
 * matched to our targets, each answered with a search response (and, to
 * cover the writer, a NOTIFY), in xnatd's 1024-byte buffer.
 *
 * Checked beyond "no crash": a refused datagram leaves the search zeroed; an
 * accepted one has an ST of 1..200 bytes without a control byte, an MX of
 * 1..5 (0 for a unicast search); bytes after the headers' empty line are
 * not read (the same datagram with junk appended parses the same); parsing
 * twice gives the same result; at most XNAT_SSDP_MAX_TARGETS targets, each
 * with a USN "uuid:<36>" or "uuid:<36>::<ST>", the search's own ST unless
 * it was ssdp:all; every response fits and is 10 CRLF-ended lines with no
 * bare CR or LF, its ST line the target's.
 */
#include <string.h>
#include "check.h"
#include "ssdp.h"

#define CAP 1024 /* xnatd's message buffer */
#define LOCATION "http://192.168.1.1:49152"

static struct xnat_upnp_device dev;
static char *padded;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const __u8 seed[16] = { 0x3c, 0x9a, 0x51, 0x07, 0xee, 0x21, 0x6b, 0x40,
				       0x9d, 0x12, 0x77, 0x05, 0xa8, 0xc3, 0x1f, 0x5e };

	(void)argc, (void)argv;
	dev.boot_id = 17;
	dev.config_id = 4;
	xnat_upnp_device_init(&dev, seed);
	return 0;
}

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* CRLF-ended lines only, no CR or LF elsewhere; returns their count. */
static int crlf_lines(const char *msg, int len)
{
	int lines = 0;

	for (int i = 0; i < len; i++) {
		if (msg[i] == '\r') {
			CHECK(i + 1 < len && msg[i + 1] == '\n', "a bare CR at %d", i);
			lines++;
			i++;
		} else {
			CHECK(msg[i] != '\n', "a bare LF at %d", i);
		}
	}
	return lines;
}

static void check_message(const struct xnat_ssdp_target *t, const char *msg, int len, const char *first,
			  const char *st_header, int want_lines)
{
	char line[XNAT_SSDP_ST_MAX + 16];

	CHECK(len > 0 && len < CAP && (size_t)len == strlen(msg), "message of %d bytes", len);
	CHECK(!strncmp(msg, first, strlen(first)), "starts %.20s", msg);
	CHECK(len >= 4 && !memcmp(msg + len - 4, "\r\n\r\n", 4), "no empty line at the end");
	CHECK(crlf_lines(msg, len) == want_lines, "%d lines", crlf_lines(msg, len));
	snprintf(line, sizeof(line), "\r\n%s: %s\r\n", st_header, t->st);
	CHECK(strstr(msg, line), "no %s line for %s", st_header, t->st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xnat_ssdp_target targets[XNAT_SSDP_MAX_TARGETS];
	struct xnat_ssdp_search s, again;
	char msg[CAP];
	int rc, n;

	rc = xnat_ssdp_parse_msearch((const char *)data, size, &s);
	CHECK(rc == 0 || rc == -1, "returned %d", rc);
	CHECK(xnat_ssdp_parse_msearch((const char *)data, size, &again) == rc && !memcmp(&s, &again, sizeof(s)),
	      "parsed twice, two results");
	if (rc) {
		CHECK(is_zero(&s, sizeof(s)), "refused, yet the search is not zeroed");
		return 0;
	}
	CHECK(s.st[0] && strlen(s.st) <= XNAT_SSDP_ST_MAX && !has_control(s.st), "ST '%s'", s.st);
	CHECK(strlen(s.user_agent) < sizeof(s.user_agent) && !has_control(s.user_agent), "USER-AGENT");
	CHECK(s.unicast ? s.mx == 0 : s.mx >= 1 && s.mx <= XNAT_SSDP_MX_CAP, "MX %u (unicast %d)", s.mx, s.unicast);

	/* What follows the headers is never read. */
	padded = realloc(padded, size + 64);
	CHECK(padded, "out of memory");
	memcpy(padded, data, size);
	memset(padded + size, 'x', 64);
	memcpy(padded + size + 16, "\r\nST: ssdp:all\r\nMX: 1\r\n\r\n", 25);
	CHECK(!xnat_ssdp_parse_msearch(padded, size + 64, &again) && !memcmp(&s, &again, sizeof(s)),
	      "bytes after the headers changed the search");

	(void)xnat_upnp_wants_igd1(s.user_agent);
	n = xnat_ssdp_match(&dev, s.st, targets, XNAT_SSDP_MAX_TARGETS);
	CHECK(n >= 0 && n <= XNAT_SSDP_MAX_TARGETS, "%d targets", n);
	for (int i = 0; i < n; i++) {
		const struct xnat_ssdp_target *t = &targets[i];
		size_t ulen = strlen(t->usn);

		CHECK(!strcmp(s.st, "ssdp:all") || !strcmp(t->st, s.st), "target %s for search %s", t->st, s.st);
		CHECK(!strncmp(t->usn, "uuid:", 5) &&
		      (ulen == 5 + XNAT_UPNP_UUID_LEN ||
		       (!strncmp(t->usn + 5 + XNAT_UPNP_UUID_LEN, "::", 2) && !strcmp(t->usn + 7 + XNAT_UPNP_UUID_LEN, t->st))),
		      "USN %s for %s", t->usn, t->st);
		CHECK(t->igd_version == 1 || t->igd_version == 2, "IGD version %d", t->igd_version);
		rc = xnat_ssdp_response(&dev, LOCATION, t, msg, sizeof(msg));
		check_message(t, msg, rc, "HTTP/1.1 200 OK\r\n", "ST", 10);
		rc = xnat_ssdp_notify(&dev, LOCATION, t, i & 1, msg, sizeof(msg));
		check_message(t, msg, rc, "NOTIFY * HTTP/1.1\r\n", "NT", i & 1 ? 11 : 8);
	}
	return 0;
}
