// Writes tests/unit/ssss_vectors.h: secret storage test vectors made by
// matrix-js-sdk (an independent implementation) for bot/ssss.c and the
// secret storage ciphers in bot/crypto.c.  Run: node tests/js/make_ssss_vectors.mjs
import { encodeRecoveryKey } from "matrix-js-sdk/lib/crypto-api/index.js";
import { calculateKeyCheck } from "matrix-js-sdk/lib/secret-storage.js";
import encrypt from "matrix-js-sdk/lib/utils/encryptAESSecretStorageItem.js";
import { deriveRecoveryKeyFromPassphrase } from "matrix-js-sdk/lib/crypto-api/key-passphrase.js";
import { writeFileSync } from "node:fs";

const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
const seed = new Uint8Array(32).map((_, i) => 255 - i * 3);
const seedB64 = Buffer.from(seed).toString("base64").replace(/=+$/, "");
const iv = Buffer.from(new Uint8Array(16).map((_, i) => i * 11)).toString("base64");
const check = await calculateKeyCheck(key, iv);
const secret = await encrypt(seedB64, key, "m.cross_signing.self_signing", iv);
const phraseKey = await deriveRecoveryKeyFromPassphrase("correct horse battery staple",
                                                       "pepper and salt", 1000);
const lines = [
    "/* Made by tests/js/make_ssss_vectors.mjs with matrix-js-sdk; do not edit. */",
    `#define SSSS_KEY_BYTES "${Buffer.from(key).toString("hex")}"`,
    `#define SSSS_RECOVERY_KEY "${encodeRecoveryKey(key)}"`,
    `#define SSSS_CHECK_IV "${check.iv}"`,
    `#define SSSS_CHECK_MAC "${check.mac}"`,
    `#define SSSS_SEED_HEX "${Buffer.from(seed).toString("hex")}"`,
    `#define SSSS_SECRET_IV "${secret.iv}"`,
    `#define SSSS_SECRET_CT "${secret.ciphertext}"`,
    `#define SSSS_SECRET_MAC "${secret.mac}"`,
    `#define SSSS_PHRASE "correct horse battery staple"`,
    `#define SSSS_PHRASE_SALT "pepper and salt"`,
    `#define SSSS_PHRASE_ITERATIONS 1000`,
    `#define SSSS_PHRASE_KEY_HEX "${Buffer.from(phraseKey).toString("hex")}"`,
    "",
];
writeFileSync(new URL("../unit/ssss_vectors.h", import.meta.url), lines.join("\n"));
