// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "xml_escape.h"

int xnat_xml_escape(const char *text, char *out, size_t cap)
{
	size_t n = 0;

	if (!cap)
		return -1;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		const char *rep = NULL;
		char one[2] = { (char)*p, 0 };
		size_t len;

		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				continue;
			rep = one;
		}
		len = strlen(rep);
		if (n + len >= cap) {
			out[0] = '\0';
			return -1;
		}
		memcpy(out + n, rep, len);
		n += len;
	}
	out[n] = '\0';
	return (int)n;
}
