/*
 * direct.c - where a message to a member goes, and which rooms are direct
 * rooms (see direct.h).  A message for a member whose direct room is not
 * ready waits in the outbox under the member's user ID (the outbox sends
 * only rows addressed to a room ID); when the room becomes ready, every
 * waiting row is readdressed to it, in the order they were queued.
 */
#include "direct.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_direct.h"
#include "store_outbox.h"
#include "store_request.h"
#include "store_room.h"
#include "util.h"

#include <cjson/cJSON.h>

/* 1 when the bot is joined to room_id and user_id is joined or invited. */
static int ready(struct store *st, const char *me, const char *room_id, const char *user_id)
{
	char *ms;
	int ok;

	if (!store_member_joined(st, room_id, me))
		return 0;
	ms = store_member_state(st, room_id, user_id);
	ok = ms && (!strcmp(ms, "join") || !strcmp(ms, "invite"));
	free(ms);
	return ok;
}

/* Ask roomwork to write the bot's m.direct again (after the map changed). */
static int ask_account_data(struct store *st, const char *room_id, int64_t now_ms)
{
	char *key = xasprintf("mdirect.%s.%lld", room_id, (long long)now_ms);
	int rc = store_request_add(st, key, "mdirect", NULL, NULL, 0, room_id, NULL, NULL);

	free(key);
	return rc;
}

int direct_queue(struct store *st, const char *me, const char *user_id, const char *txn_id,
		 const char *content, int64_t hold_until_ms, int64_t now_ms)
{
	char *room = store_direct_room(st, user_id), *key = NULL;
	int rc = -1, making;

	if (room && ready(st, me, room, user_id)) {
		rc = store_outbox_add_held(st, room, txn_id, "m.room.message", content, now_ms,
					   hold_until_ms);
		goto out;
	}
	/* waits under the member's ID until the room is there */
	if (store_outbox_add_held(st, user_id, txn_id, "m.room.message", content, now_ms,
				  hold_until_ms))
		goto out;
	if (room) {
		rc = 0;         /* made or joined, not seen ready yet: the sync will tell */
		goto out;
	}
	making = store_direct_making(st, user_id);
	if (making < 0)
		goto out;
	if (making) {
		rc = 0;
		goto out;
	}
	key = xasprintf("direct.%s.%lld", user_id, (long long)now_ms);
	rc = store_direct_begin(st, user_id, now_ms) ||
	     store_request_add(st, key, "direct", NULL, user_id, 0, user_id, NULL, NULL) ? -1 : 0;
	if (!rc)
		log_info("direct: a direct room with %s will be made", user_id);
out:
	free(room);
	free(key);
	return rc;
}

/* Messages waiting for user_id go to room_id when it is ready. */
static int release_waiting(struct store *st, const char *me, const char *user_id,
			   const char *room_id)
{
	if (!ready(st, me, room_id, user_id))
		return 0;
	return store_outbox_readdress(st, user_id, room_id);
}

int direct_member(struct store *st, const char *me, const char *room_id, const char *user_id,
		  const char *membership, int64_t now_ms)
{
	char *owner = store_direct_user(st, room_id);
	int rc = 0;

	if (!owner)
		return 0;
	if (!strcmp(user_id, owner) || !strcmp(user_id, me)) {
		if (!strcmp(membership, "join") || !strcmp(membership, "invite")) {
			rc = release_waiting(st, me, owner, room_id);
		} else if (!strcmp(user_id, owner)) {
			/* SPEC §2: the member left; a new room is made next time */
			log_info("direct: %s left their direct room %s; forgotten", owner, room_id);
			rc = store_direct_forget_room(st, room_id) ||
			     store_outbox_readdress_unsealed(st, room_id, owner) ||
			     ask_account_data(st, room_id, now_ms) ? -1 : 0;
		}
	}
	free(owner);
	return rc;
}

int direct_invited(struct store *st, const char *room_id, const char *inviter, int64_t now_ms)
{
	log_info("direct: %s invited me to %s as a direct room", inviter, room_id);
	if (store_lookup_room_issue(st, room_id) > 0)
		return 0;       /* an issue room is never a direct room */
	return store_direct_set(st, inviter, room_id, now_ms) ||
	       ask_account_data(st, room_id, now_ms) ? -1 : 0;
}

int direct_left(struct store *st, const char *room_id, int64_t now_ms)
{
	char *owner = store_direct_user(st, room_id);
	int rc = 0;

	if (owner)
		rc = store_direct_forget_room(st, room_id) ||
		     store_outbox_readdress_unsealed(st, room_id, owner) ||
		     ask_account_data(st, room_id, now_ms) ? -1 : 0;
	free(owner);
	return rc;
}

int direct_created(struct store *st, const char *me, const char *user_id,
		   const char *room_id, int64_t now_ms)
{
	if (store_direct_set(st, user_id, room_id, now_ms) ||
	    ask_account_data(st, room_id, now_ms))
		return -1;
	/* the sync may have shown the new room before this answer came */
	return release_waiting(st, me, user_id, room_id);
}

int direct_sweep(struct store *st, const char *me)
{
	struct strv users = { 0 };
	int rc = 0;

	if (store_outbox_waiting_users(st, &users))
		return -1;
	for (size_t i = 0; i < users.n && !rc; i++) {
		char *room = store_direct_room(st, users.v[i]);

		if (room)
			rc = release_waiting(st, me, users.v[i], room);
		free(room);
	}
	strv_release(&users);
	return rc;
}

char *direct_account_data(struct store *st)
{
	struct strv users = { 0 }, rooms = { 0 };
	cJSON *o;
	char *text = NULL;

	if (store_direct_all(st, &users, &rooms))
		return NULL;
	o = cJSON_CreateObject();
	for (size_t i = 0; i < users.n; i++) {
		cJSON *list = cJSON_GetObjectItemCaseSensitive(o, users.v[i]);
		if (!list)
			list = cJSON_AddArrayToObject(o, users.v[i]);
		cJSON_AddItemToArray(list, cJSON_CreateString(rooms.v[i]));
	}
	text = cJSON_PrintUnformatted(o);
	if (!text)
		abort();
	cJSON_Delete(o);
	strv_release(&users);
	strv_release(&rooms);
	return text;
}
