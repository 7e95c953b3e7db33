/* Made by tests/js/make_ssss_vectors.mjs with matrix-js-sdk; do not edit. */
#define SSSS_KEY_BYTES "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da"
#define SSSS_RECOVERY_KEY "EsT1 HT7u 2D8e RJ5J Xpm5 QiQG RLzx hTZJ mA5Y F4nN CHD4 4593"
#define SSSS_CHECK_IV "AAsWISw3Qk1YY255hI+apQ=="
#define SSSS_CHECK_MAC "kDSBmUM2pZqOvuQJbhoG7uLETBu29nXhj+uXY1Un4S0="
#define SSSS_SEED_HEX "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a2"
#define SSSS_SECRET_IV "AAsWISw3Qk1YY255hI+apQ=="
#define SSSS_SECRET_CT "DNeM1im/k0tysw3O/OZIlFlEfB7xJEpz2hFhNXt3EBpbgxVrafHbg21FLw=="
#define SSSS_SECRET_MAC "miy9RQd67EYLPge5uUHUkN33nN1yuUfCwiCREjBtI1s="
#define SSSS_PHRASE "correct horse battery staple"
#define SSSS_PHRASE_SALT "pepper and salt"
#define SSSS_PHRASE_ITERATIONS 1000
#define SSSS_PHRASE_KEY_HEX "5e15130838518f7df7fe9cd7b2f52dc25d958010d1ed66c95fb9ab3902e64d19"
