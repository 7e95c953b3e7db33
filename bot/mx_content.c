/*
 * mx_content.c - builds an answer's event content (spec v1.12 "m.room.message"
 * msgtypes, "Rich replies", "Threading", "User and room mentions").  A reply
 * in a thread carries both the thread relation and m.in_reply_to with
 * is_falling_back false, so thread-unaware clients still show it as a reply.
 * No reply fallback is put in the body (MSC2781 dropped it).
 */
#include "mx_content.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "util.h"

char *mx_content_notice(const struct mx_notice *n)
{
	cJSON *c = cJSON_CreateObject(), *m, *ids;
	char *json;

	cJSON_AddStringToObject(c, "msgtype", "m.notice");
	cJSON_AddStringToObject(c, "body", n->body ? n->body : "");
	if (n->html) {
		cJSON_AddStringToObject(c, "format", "org.matrix.custom.html");
		cJSON_AddStringToObject(c, "formatted_body", n->html);
	}
	m = cJSON_AddObjectToObject(c, "m.mentions");
	if (n->n_mentions) {
		ids = cJSON_AddArrayToObject(m, "user_ids");
		for (size_t i = 0; i < n->n_mentions; i++)
			cJSON_AddItemToArray(ids, cJSON_CreateString(n->mentions[i]));
	}
	if (n->thread_root || n->reply_to) {
		cJSON *rel = cJSON_AddObjectToObject(c, "m.relates_to");
		if (n->thread_root) {
			cJSON_AddStringToObject(rel, "rel_type", "m.thread");
			cJSON_AddStringToObject(rel, "event_id", n->thread_root);
			cJSON_AddBoolToObject(rel, "is_falling_back", n->reply_to ? 0 : 1);
		}
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rel, "m.in_reply_to"), "event_id",
					n->reply_to ? n->reply_to : n->thread_root);
	}
	json = cJSON_PrintUnformatted(c);
	cJSON_Delete(c);
	if (!json)
		abort();        /* cJSON only fails for want of memory */
	return json;
}
