/*
 * json_get.h - the two lookups every reader of a parsed Matrix answer
 * uses (mx_api.c, mx_sync.c, the e2ee*.c files): a member of an object,
 * and a member that must be a string.  Both take NULL for "absent", so a
 * path of lookups needs no checks between its steps.  Only files that
 * already include <cjson/cJSON.h> include this one.
 */
#ifndef CAUCUS_JSON_GET_H
#define CAUCUS_JSON_GET_H

#include <cjson/cJSON.h>

/* o's member 'key' (case-sensitive), or NULL when o is no object or lacks it. */
static inline const cJSON *jget(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* o's member 'key' when it is a string (owned by o), else NULL. */
static inline const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = jget(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#endif
