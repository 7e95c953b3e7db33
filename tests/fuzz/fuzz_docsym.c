/*
 * fuzz_docsym.c - libFuzzer target for document symbols (bot/docsym.c),
 * which read whatever a member typed after !doc and whatever a shared
 * file is called.  Beyond not crashing, it checks docsym.h's promises: a
 * refusal is one non-empty line, and a symbol spelt canonically reads
 * back as the same document and revision.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docsym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docsym d, again;
	char why[160], *s;

	if (size > 512)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	why[0] = '\0';
	if (docsym_parse(s, &d, why, sizeof(why)) == 0) {
		if (docsym_parse(d.text, &again, why, sizeof(why)) != 0 ||
		    strcmp(again.key, d.key) || again.rev != d.rev || again.add != d.add ||
		    again.corr != d.corr || strcmp(again.text, d.text))
			abort();
	} else if (!why[0] || strchr(why, '\n')) {
		abort();
	}
	if (docsym_parse_name(s, &d) == 0 && (!d.base[0] || !strchr(d.base, '/')))
		abort();
	(void)docsym_is_part(s);
	free(s);
	return 0;
}
