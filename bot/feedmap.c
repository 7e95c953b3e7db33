/*
 * feedmap.c - a feed event to a session, by the rules of SPEC §3 (see
 * feedmap.h).  Matching is a plain ASCII case-insensitive substring test:
 * rules are what people copy out of a conference's schedule ("Res. 130",
 * "WG-CYB"), so no patterns and no word boundaries.
 */
#include "feedmap.h"

#include <string.h>

/* needle in hay, ASCII case-insensitive; an empty needle never hits. */
static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!hay || !n)
		return 0;
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i]) {
			unsigned char a = (unsigned char)hay[i], b = (unsigned char)needle[i];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b - 'A' + 'a');
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

long feedmap_match(const struct cfg_issue *issues, size_t n, const struct ical_event *e)
{
	const char *fields[4] = { e->summary, e->categories, e->location, e->description };

	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < issues[i].match.n; r++)
			for (size_t f = 0; f < 4; f++)
				if (contains_ci(fields[f], issues[i].match.v[r]))
					return (long)i;
	return -1;
}

enum feedmap_verdict feedmap_event(const struct config *cfg, const char *feed_issue,
				   const struct ical_event *e, struct feedmap_result *out)
{
	long issue = -1;

	memset(out, 0, sizeof(*out));
	out->start_s = e->start_s;
	out->end_s = e->end_s;
	out->title = e->summary && *e->summary ? e->summary : "(untitled)";
	out->place = e->location && *e->location ? e->location : NULL;
	out->cancelled = e->cancelled;
	if (e->no_end)
		out->end_s = e->start_s + cfg->default_length;
	if (e->all_day) {
		out->verdict = FEEDMAP_ALL_DAY;
		return out->verdict;
	}
	if (feed_issue) {
		for (size_t i = 0; i < cfg->n_issues; i++)
			if (!strcmp(cfg->issues[i].slug, feed_issue))
				issue = (long)i;
	} else {
		issue = feedmap_match(cfg->issues, cfg->n_issues, e);
	}
	if (issue < 0) {
		out->verdict = FEEDMAP_UNMATCHED;
		return out->verdict;
	}
	out->verdict = FEEDMAP_SESSION;
	out->issue = (size_t)issue;
	return out->verdict;
}

const char *feedmap_reason(enum feedmap_verdict v)
{
	switch (v) {
	case FEEDMAP_UNMATCHED:
		return "no issue's match rules hit it";
	case FEEDMAP_ALL_DAY:
		return "an all-day event, not a meeting";
	case FEEDMAP_SESSION:
		break;
	}
	return "";
}
