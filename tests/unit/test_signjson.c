/*
 * test_signjson.c - canonical and signed JSON (bot/signjson.c): the spec
 * appendix examples and the edges of numbers, strings and keys; what a
 * signature covers; and a device_keys object signed by python3-olm
 * (sig_vectors.h, from make_sig_vectors.py) that the bot must accept and
 * sign identically.
 */
#include "testutil.h"

#include <math.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "sig_vectors.h"
#include "signjson.h"
#include "util.h"

/* The canonical form of a parsed value, or NULL when refused. */
static char *canon_of(const cJSON *v)
{
	struct buf b;

	buf_init(&b, 0);
	if (signjson_canonical(v, &b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static cJSON *parse(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	if (!v) {
		print_error("cannot parse '%s'\n", text);
		fail();
	}
	return v;
}

/* --- canonical form ----------------------------------------------------- */

static void test_canonical_table(void **state)
{
	static const struct {
		const char *in;
		const char *want;       /* NULL: refused */
	} cases[] = {
		/* the spec appendix, "Canonical JSON" examples */
		{ "{}", "{}" },
		{ "{\"one\": 1, \"two\": \"Two\"}", "{\"one\":1,\"two\":\"Two\"}" },
		{ "{\"b\": \"2\", \"a\": \"1\"}", "{\"a\":\"1\",\"b\":\"2\"}" },
		{ "{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}" },
		{ "{\"auth\": {\"success\": true, \"mxid\": \"@john.doe:example.com\","
		  " \"profile\": {\"display_name\": \"John Doe\", \"three_pids\": ["
		  "{\"medium\": \"email\", \"address\": \"john.doe@example.org\"},"
		  " {\"medium\": \"msisdn\", \"address\": \"123456789\"}]}}}",
		  "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":"
		  "\"John Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\","
		  "\"medium\":\"email\"},{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},"
		  "\"success\":true}}" },
		{ "{\"a\": \"\346\227\245\346\234\254\350\252\236\"}",
		  "{\"a\":\"\346\227\245\346\234\254\350\252\236\"}" },
		{ "{\"\346\234\254\": 2, \"\346\227\245\": 1}",
		  "{\"\346\227\245\":1,\"\346\234\254\":2}" },
		{ "{\"a\": \"\\u65E5\"}", "{\"a\":\"\346\227\245\"}" },
		{ "{\"a\": null}", "{\"a\":null}" },
		{ "{\"a\": -0, \"b\": 1e10}", "{\"a\":0,\"b\":10000000000}" },
		/* code point order: U+00E9 and U+1F600 after ASCII, by UTF-8 bytes */
		{ "{\"\\ud83d\\ude00\": 1, \"\\u00e9\": 2, \"z\": 3}",
		  "{\"z\":3,\"\303\251\":2,\"\360\237\230\200\":1}" },
		/* keys differing only by case: both kept, upper case first */
		{ "{\"b\": 1, \"B\": 2, \"a\": 3, \"A\": 4}", "{\"A\":4,\"B\":2,\"a\":3,\"b\":1}" },
		{ "{\"ed25519:abcdef\": \"x\", \"ed25519:ABCDEF\": \"y\"}",
		  "{\"ed25519:ABCDEF\":\"y\",\"ed25519:abcdef\":\"x\"}" },
		/* escapes: short forms, \u00xx in lower case, nothing else */
		{ "[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\/\\u007f\\u001F\\u001b\"]",
		  "[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/\177\\u001f\\u001b\"]" },
		{ "[\"\\u00e9 raw \303\251\"]", "[\"\303\251 raw \303\251\"]" },
		{ "{\"k\\n\": \"\\t\"}", "{\"k\\n\":\"\\t\"}" },
		/* integers at the edges of +-(2^53 - 1) */
		{ "[9007199254740991, -9007199254740991, 0, -1, 1.0, 2e3]",
		  "[9007199254740991,-9007199254740991,0,-1,1,2000]" },
		{ "[9007199254740992]", NULL },
		{ "[-9007199254740992]", NULL },
		{ "[1.5]", NULL },
		{ "[-0.5]", NULL },
		{ "[1e300]", NULL },
		{ "[1e-7]", NULL },
		/* nesting, arrays keep their order, literals */
		{ "[3, [2, [1, {}]], [], true, false, null]", "[3,[2,[1,{}]],[],true,false,null]" },
		{ " { \"x\" : [ ] , \"a\" : { } } ", "{\"a\":{},\"x\":[]}" },
		{ "\"top\"", "\"top\"" },
		/* a key twice: different readers keep different ones */
		{ "{\"a\": 1, \"a\": 2}", NULL },
		{ "{\"x\": {\"a\": 1, \"b\": 0, \"a\": 1}}", NULL },
		/* invalid UTF-8 that cJSON lets through */
		{ "[\"\377\"]", NULL },
		{ "[\"\300\200\"]", NULL },               /* overlong NUL */
		{ "[\"\340\200\257\"]", NULL },           /* overlong '/' */
		{ "[\"\355\240\200\"]", NULL },           /* a surrogate */
		{ "[\"\364\220\200\200\"]", NULL },       /* past U+10FFFF */
		{ "[\"\346\227\"]", NULL },               /* cut short */
		{ "[\"\346\227x\"]", NULL },
		{ "{\"\200\": 1}", NULL },                /* in a key */
		{ "[\"\364\217\277\277 \357\277\277\"]", "[\"\364\217\277\277 \357\277\277\"]" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		cJSON *v = parse(cases[i].in);
		char *got = canon_of(v);

		if (cases[i].want && (!got || strcmp(got, cases[i].want))) {
			print_error("case %zu '%s': got '%s'\n", i, cases[i].in,
				    got ? got : "(refused)");
			fail();
		}
		if (!cases[i].want && got) {
			print_error("case %zu '%s': accepted as '%s'\n", i, cases[i].in, got);
			fail();
		}
		free(got);
		cJSON_Delete(v);
	}
}

/* Values cJSON's parser never makes but a caller can build. */
static void test_canonical_built(void **state)
{
	cJSON *v;
	struct buf b;
	char *got;

	(void)state;
	v = cJSON_CreateArray();
	cJSON_AddItemToArray(v, cJSON_CreateRaw("1.5"));
	assert_null(canon_of(v));
	cJSON_Delete(v);

	v = cJSON_CreateArray();
	cJSON_AddItemToArray(v, cJSON_CreateNumber(NAN));
	assert_null(canon_of(v));
	cJSON_Delete(v);

	v = cJSON_CreateArray();
	cJSON_AddItemToArray(v, cJSON_CreateNumber(-0.0));
	cJSON_AddItemToArray(v, cJSON_CreateString("\355\277\277"));
	assert_null(canon_of(v));
	cJSON_Delete(v);

	/* nesting: 64 levels below the top are fine, deeper is refused */
	v = cJSON_CreateArray();
	for (int i = 0; i < 64; i++) {
		cJSON *outer = cJSON_CreateArray();
		cJSON_AddItemToArray(outer, v);
		v = outer;
	}
	got = canon_of(v);
	assert_non_null(got);
	assert_int_equal(strlen(got), 2 * 65);
	free(got);
	{
		cJSON *outer = cJSON_CreateArray();
		cJSON_AddItemToArray(outer, v);
		v = outer;
	}
	assert_null(canon_of(v));
	cJSON_Delete(v);

	assert_null(canon_of(NULL));

	/* the buffer's cap is respected */
	v = parse("{\"a\": \"0123456789\"}");
	buf_init(&b, 8);
	assert_int_equal(signjson_canonical(v, &b), -1);
	assert_true(b.toobig);
	buf_release(&b);
	cJSON_Delete(v);
}

/* --- what a signature covers ------------------------------------------ */

static void test_signable(void **state)
{
	cJSON *v = parse("{\"unsigned\": {\"age\": 1}, \"b\": {\"unsigned\": 2,"
			 " \"signatures\": 3}, \"signatures\": {\"@a:x\": {}},"
			 " \"a\": 1, \"fallback\": true, \"Signatures\": 4}");
	size_t len = 0;
	char *got;

	(void)state;
	got = signjson_signable(v, &len);
	assert_string_equal(got, "{\"Signatures\":4,\"a\":1,\"b\":{\"signatures\":3,"
				 "\"unsigned\":2},\"fallback\":true}");
	assert_int_equal(len, strlen(got));
	free(got);
	cJSON_Delete(v);

	v = parse("[1]");
	assert_null(signjson_signable(v, NULL));
	cJSON_Delete(v);
	v = parse("{\"a\": 1.5, \"signatures\": {}}");
	assert_null(signjson_signable(v, NULL));
	cJSON_Delete(v);
	assert_null(signjson_signable(NULL, NULL));
}

/* --- python3-olm's signature -------------------------------------------- */

static void test_python_signature_verifies(void **state)
{
	cJSON *v = parse(SIG_SIGNED);
	cJSON *keys;
	char *canon;

	(void)state;
	canon = signjson_signable(v, NULL);
	assert_string_equal(canon, SIG_CANONICAL);
	free(canon);
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), 0);

	/* the wrong names, the wrong key */
	assert_int_equal(signjson_verify(v, "@other:example.org", SIG_DEVICE, SIG_PUB), -1);
	assert_int_equal(signjson_verify(v, SIG_USER, "caucusdev", SIG_PUB), -1);
	assert_int_equal(signjson_verify(v, "@CAUCUS:example.org", SIG_DEVICE, SIG_PUB), -1);
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE,
					 "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI"), -1);

	/* "unsigned" is not covered; everything else is */
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "unsigned"),
					       "device_display_name", cJSON_CreateString("x"));
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), 0);
	keys = cJSON_GetObjectItemCaseSensitive(v, "keys");
	cJSON_ReplaceItemInObjectCaseSensitive(keys, "curve25519:" SIG_DEVICE,
		cJSON_CreateString("4C5BFWi2Y8MaVvjM8M22DBmh24PmgR0nPvJOIArzgyI"));
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), -1);
	cJSON_Delete(v);

	/* an unknown field added, or one of them dropped */
	v = parse(SIG_SIGNED);
	cJSON_AddFalseToObject(v, "fallback");
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), -1);
	cJSON_Delete(v);
	v = parse(SIG_SIGNED);
	cJSON_DeleteItemFromObjectCaseSensitive(v, "dehydrated");
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), -1);
	cJSON_Delete(v);

	/* no signatures at all, or the signature not a string */
	v = parse(SIG_OBJECT);
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), -1);
	cJSON_Delete(v);
	v = parse("{\"signatures\": {\"" SIG_USER "\": {\"ed25519:" SIG_DEVICE "\": 1}}}");
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), -1);
	cJSON_Delete(v);
	assert_int_equal(signjson_verify(NULL, SIG_USER, SIG_DEVICE, SIG_PUB), -1);
}

static void test_bot_signs_like_python(void **state)
{
	static const unsigned char seed[CRYPTO_SEED_LEN] = SIG_SEED;
	char pub[CRYPTO_KEY_LEN + 1];
	struct crypto_signer *s = crypto_signer_new(seed, pub);
	cJSON *v = parse(SIG_OBJECT);
	const cJSON *sigs, *mine;

	(void)state;
	assert_non_null(s);
	assert_string_equal(pub, SIG_PUB);
	assert_int_equal(signjson_sign_signer(v, SIG_USER, SIG_DEVICE, s), 0);

	/* ed25519 is deterministic: the very signature python made */
	sigs = cJSON_GetObjectItemCaseSensitive(v, "signatures");
	mine = cJSON_GetObjectItemCaseSensitive(sigs, SIG_USER);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(mine, "ed25519:" SIG_DEVICE)
			    ->valuestring, SIG_SIGNATURE);
	/* the other user's signature and "unsigned" stay */
	assert_non_null(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(sigs, "@other:example.org"), "ed25519:OTHER"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(v, "unsigned"));
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), 0);

	/* signing again replaces the signature, it does not add one */
	assert_int_equal(signjson_sign_signer(v, SIG_USER, SIG_DEVICE, s), 0);
	assert_int_equal(cJSON_GetArraySize(mine), 1);
	/* a second key of the same user sits next to it */
	assert_int_equal(signjson_sign_signer(v, SIG_USER, "OTHERKEY", s), 0);
	assert_int_equal(cJSON_GetArraySize(mine), 2);
	assert_int_equal(signjson_verify(v, SIG_USER, SIG_DEVICE, SIG_PUB), 0);
	assert_int_equal(signjson_verify(v, SIG_USER, "OTHERKEY", SIG_PUB), 0);
	cJSON_Delete(v);

	crypto_signer_free(s);
}

/* The spec appendix's "Signing JSON" vector: {"one":1,"two":"Two"} signed
 * by the key whose seed is YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1. */
static void test_spec_signing_vector(void **state)
{
	static const unsigned char seed[CRYPTO_SEED_LEN] = {
		0x60, 0x90, 0xc1, 0x03, 0xd5, 0xe7, 0xaf, 0x6b,
		0x15, 0xa9, 0x70, 0xfd, 0x56, 0x3e, 0xd7, 0x55,
		0x49, 0xe6, 0x15, 0x97, 0x19, 0xae, 0x5c, 0x3c,
		0x31, 0xde, 0xe4, 0x31, 0x6f, 0xb7, 0x5c, 0x0d,
	};
	char pub[CRYPTO_KEY_LEN + 1];
	struct crypto_signer *s = crypto_signer_new(seed, pub);
	cJSON *v = parse("{\"two\": \"Two\", \"one\": 1}");
	char *text;

	(void)state;
	assert_string_equal(pub, "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI");
	assert_int_equal(signjson_sign_signer(v, "domain", "1", s), 0);
	text = canon_of(v);
	assert_string_equal(text, "{\"one\":1,\"signatures\":{\"domain\":{\"ed25519:1\":"
			     "\"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZ"
			     "hG6kYdD13EIMJpvhJI+6Bw\"}},\"two\":\"Two\"}");
	free(text);
	assert_int_equal(signjson_verify(v, "domain", "1", pub), 0);
	cJSON_Delete(v);
	crypto_signer_free(s);
}

static void test_sign_account_and_refusals(void **state)
{
	struct crypto_account *a = crypto_account_new();
	char curve[CRYPTO_KEY_LEN + 1], ed[CRYPTO_KEY_LEN + 1];
	cJSON *v;
	char *before, *after;

	(void)state;
	assert_non_null(a);
	assert_int_equal(crypto_account_identity(a, curve, ed), 0);

	v = parse("{\"key\": \"abc\", \"fallback\": true}");
	assert_int_equal(signjson_sign_account(v, "@bot:x", "DEV", a), 0);
	assert_int_equal(signjson_verify(v, "@bot:x", "DEV", ed), 0);
	assert_int_equal(signjson_verify(v, "@bot:x", "DEV", curve), -1);
	cJSON_Delete(v);

	/* refused, and the object left as it was */
	static const char *const bad[] = {
		"{\"signatures\": []}",
		"{\"signatures\": {\"@bot:x\": \"sig\"}}",
		"{\"n\": 0.5}",
		"{\"a\": 1, \"a\": 1}",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		v = parse(bad[i]);
		before = cJSON_PrintUnformatted(v);
		assert_int_equal(signjson_sign_account(v, "@bot:x", "DEV", a), -1);
		after = cJSON_PrintUnformatted(v);
		assert_string_equal(before, after);
		cJSON_free(before);
		cJSON_free(after);
		cJSON_Delete(v);
	}
	v = parse("[]");
	assert_int_equal(signjson_sign_account(v, "@bot:x", "DEV", a), -1);
	assert_int_equal(signjson_sign_account(v, "@bot:x", "DEV", NULL), -1);
	cJSON_Delete(v);

	crypto_account_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_table),
		cmocka_unit_test(test_canonical_built),
		cmocka_unit_test(test_signable),
		cmocka_unit_test(test_python_signature_verifies),
		cmocka_unit_test(test_bot_signs_like_python),
		cmocka_unit_test(test_spec_signing_vector),
		cmocka_unit_test(test_sign_account_and_refusals),
	};
	return cmocka_run_group_tests_name("signjson", tests, NULL, NULL);
}
