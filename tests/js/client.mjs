// A person on Element's crypto stack (matrix-js-sdk with its Rust crypto,
// vodozemac) for the integration tests: one device, driven by the Python
// tests over standard input and output, one JSON request per line and one
// JSON answer per line ({"id", "ok": true, "result"} or {"id", "ok": false,
// "error"}).  Logs go to standard error.  The in-memory crypto store
// (useIndexedDB: false) lives as long as the process.
import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { decodeRecoveryKey, OnlySignedDevicesIsolationMode } from "matrix-js-sdk/lib/crypto-api/index.js";
import readline from "node:readline";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const sdkVersion = JSON.parse(readFileSync(
    createRequire(import.meta.url).resolve("matrix-js-sdk/package.json"), "utf8")).version;

logger.setLevel(process.env.CAUCUS_JS_LOG || "warn");
// the Rust crypto's tracing writes to console.log: keep standard output
// for the answers
for (const m of ["log", "info", "debug", "trace"]) console[m] = console.error;

let client = null;
let password = null;
let ssssKey = null;               // the secret storage key made by bootstrap
const withheld = [];              // m.room_key.withheld to-device events seen

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what, timeoutMs, pred) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const v = await pred();
        if (v) return v;
        if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await sleep(200);
    }
}

function authCallback() {
    return async (makeRequest) => {
        try {
            await makeRequest(null);
        } catch (e) {
            const session = e.data && e.data.session;
            if (!session) throw e;
            await makeRequest({
                type: "m.login.password",
                identifier: { type: "m.id.user", user: client.getUserId() },
                password,
                session,
            });
        }
    };
}

// What a person sees of one timeline event.
async function describe(ev) {
    const out = {
        event_id: ev.getId(),
        sender: ev.getSender(),
        type: ev.getType(),
        encrypted: ev.isEncrypted(),
        utd: ev.isDecryptionFailure(),
        content: ev.getContent(),
    };
    if (ev.isDecryptionFailure()) out.utd_reason = ev.decryptionFailureReason;
    if (ev.isEncrypted() && !ev.isDecryptionFailure()) {
        const info = await client.getCrypto().getEncryptionInfoForEvent(ev);
        if (info) {
            out.shield = info.shieldColour;
            out.shield_reason = info.shieldReason;
        }
    }
    return out;
}

async function timeline(roomId) {
    const room = client.getRoom(roomId);
    if (!room) return [];
    const evs = room.getLiveTimeline().getEvents();
    await Promise.all(evs.map((e) => (e.isBeingDecrypted() ? e.getDecryptionPromise() : null)));
    return Promise.all(evs.map(describe));
}

const ops = {
    async login({ base, user, password: pw, deviceName, strict, blacklistUnverified }) {
        password = pw;
        const tmp = sdk.createClient({ baseUrl: base });
        const r = await tmp.loginRequest({
            type: "m.login.password",
            identifier: { type: "m.id.user", user },
            password: pw,
            initial_device_display_name: deviceName || "js-sdk",
        });
        client = sdk.createClient({
            baseUrl: base,
            userId: r.user_id,
            deviceId: r.device_id,
            accessToken: r.access_token,
            cryptoCallbacks: {
                // asked while bootstrapSecretStorage stores the secrets
                getSecretStorageKey: async ({ keys }) => {
                    const ids = Object.keys(keys);
                    return ssssKey && ids.length ? [ids[0], ssssKey] : null;
                },
            },
        });
        await client.initRustCrypto({ useIndexedDB: false });
        const crypto = client.getCrypto();
        if (strict) crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
        if (blacklistUnverified) crypto.globalBlacklistUnverifiedDevices = true;
        client.on(sdk.ClientEvent.ToDeviceEvent, (ev) => {
            if (ev.getType() === "m.room_key.withheld") withheld.push(ev.getContent());
        });
        await client.startClient({ initialSyncLimit: 20 });
        await waitFor("the first sync", 30000, () => client.isInitialSyncComplete());
        return { user_id: r.user_id, device_id: r.device_id, version: crypto.getVersion(),
                 sdk: sdkVersion };
    },

    // Cross-signing and secret storage as Element sets them up at first
    // login: a new recovery key, the private cross-signing keys stored in
    // secret storage.  Returns the recovery key as shown to people.
    async bootstrap({ secretStorage, passphrase }) {
        const crypto = client.getCrypto();
        await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: authCallback() });
        if (!secretStorage) return {};
        let made = null;
        await crypto.bootstrapSecretStorage({
            setupNewSecretStorage: true,
            createSecretStorageKey: async () => {
                made = await crypto.createRecoveryKeyFromPassphrase(passphrase);
                ssssKey = made.privateKey;
                return made;
            },
        });
        const keyId = await client.secretStorage.getDefaultKeyId();
        // bootstrapSecretStorage stores the cross-signing secrets itself now
        // that it has the key; check that the self-signing key is there
        const stored = await client.secretStorage.isStored("m.cross_signing.self_signing");
        if (!stored) throw new Error("the self-signing key is not in secret storage");
        return { recovery_key: made.encodedPrivateKey, key_id: keyId };
    },

    async check_recovery_key({ recovery_key }) {
        return { length: decodeRecoveryKey(recovery_key).length };
    },

    async create_room({ invite, name }) {
        // as Element creates a private room: the private_chat preset with
        // encryption in the initial state
        const r = await client.createRoom({
            preset: "private_chat",
            visibility: "private",
            name,
            invite: invite || [],
            initial_state: [{ type: "m.room.encryption", state_key: "",
                              content: { algorithm: "m.megolm.v1.aes-sha2" } }],
        });
        await waitFor("the new room", 30000, () => client.getRoom(r.room_id));
        return { room_id: r.room_id };
    },

    async invite({ room_id, user_id }) {
        await client.invite(room_id, user_id);
        return {};
    },

    async join({ room_id }) {
        await client.joinRoom(room_id);
        await waitFor("the joined room", 30000, () => {
            const room = client.getRoom(room_id);
            return room && room.getMyMembership() === "join";
        });
        return {};
    },

    // Messages from 'sender' that reply to event_id (none yet: empty).
    async replies({ room_id, sender, event_id }) {
        const all = await timeline(room_id);
        return { events: all.filter((e) => e.sender === sender && e.type === "m.room.message" &&
            ((e.content["m.relates_to"] || {})["m.in_reply_to"] || {}).event_id === event_id) };
    },

    async wait_member({ room_id, user_id, timeout_ms }) {
        await waitFor(`${user_id} joining`, timeout_ms || 30000, () => {
            const room = client.getRoom(room_id);
            const m = room && room.getMember(user_id);
            return m && m.membership === "join";
        });
        return {};
    },

    async send({ room_id, body }) {
        const r = await client.sendMessage(room_id, { msgtype: "m.text", body });
        return { event_id: r.event_id };
    },

    // the next message starts a new Megolm session, whose key goes out anew
    async discard_session({ room_id }) {
        await client.getCrypto().forceDiscardSession(room_id);
        return {};
    },

    async timeline({ room_id }) {
        return { events: await timeline(room_id) };
    },

    // The answers from 'sender' that reply to event_id, once there is one.
    async wait_reply({ room_id, sender, event_id, timeout_ms }) {
        const evs = await waitFor(`an answer to ${event_id}`, timeout_ms || 30000, async () => {
            const all = await timeline(room_id);
            const got = all.filter((e) => e.sender === sender && !e.utd && e.type === "m.room.message" &&
                ((e.content["m.relates_to"] || {})["m.in_reply_to"] || {}).event_id === event_id);
            return got.length ? got : null;
        });
        return { events: evs };
    },

    async device_status({ user_id, device_id }) {
        const crypto = client.getCrypto();
        await crypto.getUserDeviceInfo([user_id], true);
        const s = await crypto.getDeviceVerificationStatus(user_id, device_id);
        if (!s) return { known: false };
        return { known: true, signed_by_owner: s.signedByOwner,
                 cross_signing_verified: s.crossSigningVerified, verified: s.isVerified() };
    },

    async withheld() {
        return { events: withheld };
    },

    async stop() {
        if (client) {
            client.stopClient();
            await client.logout(true).catch(() => {});
        }
        setTimeout(() => process.exit(0), 100);
        return {};
    },
};

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
    let req;
    try {
        req = JSON.parse(line);
    } catch {
        return;
    }
    const reply = (o) => process.stdout.write(JSON.stringify({ id: req.id, ...o }) + "\n");
    const op = ops[req.op];
    if (!op) {
        reply({ ok: false, error: `unknown op ${req.op}` });
        return;
    }
    try {
        reply({ ok: true, result: await op(req.args || {}) });
    } catch (e) {
        reply({ ok: false, error: String(e && e.stack ? e.stack : e) });
    }
});
rl.on("close", () => process.exit(0));
