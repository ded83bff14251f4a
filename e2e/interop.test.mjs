// Interop: openid-client (relying party) → Passerelle → oidc-provider
// (upstream), with a fetch-and-cookie-jar browser in between. See README.md.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import * as client from 'openid-client';

import { Browser } from './lib/browser.mjs';
import { startUpstream, UPSTREAM_CLIENT_SECRET, ACCOUNTS } from './lib/upstream.mjs';
import { tempDir, buildPasserelle, freePort, configYAML, startPasserelle } from './lib/passerelle.mjs';
import { trackedTests } from './lib/tracked.mjs';

const SCOPE = 'openid profile email offline_access';
// Every sign-in needs a second factor: each test signs a new person in,
// who sets up an authenticator app (the code computed here, RFC 6238).
const RP = { id: 'node-rp', secret: 'a-secret-of-at-least-16-chars' };
const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

let dir;
let upstream;
let passerelle;
let rp; // openid-client Configuration
let requestKey; // the RP's ES256 key for request objects; its public half is in its jwks

before(async () => {
  dir = await tempDir();
  const bin = await buildPasserelle(dir);
  const rpPort = await freePort(); // nothing listens there: the browser stops at it
  RP.redirectURI = `http://127.0.0.1:${rpPort}/cb`;
  RP.postLogoutURI = `http://127.0.0.1:${rpPort}/bye`;
  const pair = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  requestKey = { key: pair.privateKey, kid: 'request-1' };
  const jwk = await crypto.webcrypto.subtle.exportKey('jwk', pair.publicKey);
  RP.jwks = JSON.stringify({ keys: [{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: 'request-1', alg: 'ES256', use: 'sig' }] });

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    upstream = await startUpstream(`http://127.0.0.1:${port}`);
    const configFile = path.join(dir, 'passerelle.yaml');
    await fs.writeFile(configFile, configYAML({
      port, dir, upstreamIssuer: upstream.issuer, upstreamSecret: UPSTREAM_CLIENT_SECRET, client: RP,
    }));
    try {
      passerelle = await startPasserelle({ bin, configFile, port });
      break;
    } catch (err) {
      await upstream.close();
      upstream = undefined;
      if (err.addrInUse && attempt === 0) continue; // the port was taken meanwhile: once more
      throw err;
    }
  }

  rp = await client.discovery(
    new URL(passerelle.issuer),
    RP.id,
    { client_secret: RP.secret },
    client.ClientSecretBasic(RP.secret),
    { execute: [client.allowInsecureRequests] },
  );
});

after(async () => {
  await passerelle?.stop();
  if (failed() && passerelle) {
    process.stderr.write(`--- passerelle stderr ---\n${passerelle.stderr()}\n--- end ---\n`);
  }
  await upstream?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** test() that remembers a failure so after() can print Passerelle's log. */
const { test: itest, failed } = trackedTests();

/**
 * Signs the next person in through the whole journey in a fresh browser,
 * second factor included, and redeems the code with openid-client.
 * build makes the authorization URL from the parameters (plain by
 * default; openid-client's PAR or request object builders); grant are
 * the code grant's options (a DPoP handle). Returns the
 * token response (with openid-client's claims() helper), the browser,
 * the person's upstream account and the authorization URL.
 */
async function signIn(build = (params) => client.buildAuthorizationUrl(rp, params), grant = undefined) {
  const who = people.shift();
  const browser = new Browser();
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authURL = await build({
    redirect_uri: RP.redirectURI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  // Passerelle /authorize → (one provider: no chooser) → upstream: /authorize
  // answers with the dispatcher's decision itself.
  const page = await browser.navigate(authURL, { stopAt: RP.redirectURI });
  const where = () => `\nrequests:\n${browser.describe()}`;
  assert.ok(!page.stopped, `reached the RP without signing in upstream${where()}`);
  assert.equal(page.res.status, 200, `upstream login page: ${page.body.slice(0, 500)}${where()}`);
  assert.equal(page.url.origin, upstream.issuer, `stopped outside the upstream${where()}`);
  assert.match(page.url.pathname, /^\/interaction\/[^/]+$/, where());
  assert.match(page.body, /data-prompt="login"/, where());
  const [authorize, upstreamAuth] = browser.trail.map((l) => new URL(l.split(' ')[1]));
  assert.equal(authorize.origin + authorize.pathname, `${passerelle.issuer}/authorize`, where());
  assert.equal(upstreamAuth.origin, upstream.issuer, `/authorize must go straight upstream${where()}`);
  for (const line of browser.trail.slice(0, -1)) assert.match(line, / -> 30[1-8]$/, `every step redirects${where()}`);

  // Upstream login → Passerelle /callback/upstream → second factor → the RP.
  const back = await browser.navigate(new URL(page.url.pathname + '/login', upstream.issuer), {
    method: 'POST',
    form: { username: who },
    stopAt: RP.redirectURI,
  });
  const done = await setUpAuthenticatorApp(browser, back, where);
  assert.ok(done.stopped, `never reached the RP (status ${done.res?.status}): ${done.body?.slice(0, 800)}${where()}`);
  const hops = browser.trail.map((l) => new URL(l.split(' ')[1]));
  assert.ok(hops.some((u) => u.origin === passerelle.issuer && u.pathname === '/callback/upstream'), where());
  const params = done.url.searchParams;
  assert.ok(params.get('code'), `no code in ${done.url}`);
  assert.equal(params.get('state'), state);
  assert.equal(params.get('iss'), passerelle.issuer, 'RFC 9207 iss in the authorization response');

  const tokens = await client.authorizationCodeGrant(rp, done.url, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  }, undefined, grant);
  return { tokens, browser, account: ACCOUNTS[who], authURL };
}

/** The POST form on page whose action matches re: {to, fields}. */
function form(page, re, where) {
  for (const m of page.body.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const action = m[1].replaceAll('&amp;', '&');
    if (!re.test(action)) continue;
    const fields = {};
    for (const h of m[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[h[1]] = h[2];
    return { to: new URL(action, page.url), fields };
  }
  assert.fail(`no form ${re} on ${page.url}: ${page.body.slice(0, 600)}${where()}`);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret at time t. */
function totp(secret, t = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30000)));
  const h = crypto.createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

/** Creates the person's account and passes its first second factor with an authenticator app. */
async function setUpAuthenticatorApp(browser, page, where) {
  assert.ok(!page.stopped, `reached the RP without a second factor${where()}`);
  // A credential seen for the first time: a new account.
  let f = form(page, /\/first\/create$/, where);
  page = await browser.navigate(f.to, { method: 'POST', form: f.fields, stopAt: RP.redirectURI });
  f = form(page, /\/mfa\/enrol\/totp$/, where);
  page = await browser.navigate(f.to, { method: 'POST', form: f.fields, stopAt: RP.redirectURI });
  const secret = /<code class="secret">(.*?)<\/code>/.exec(page.body)?.[1]?.replace(/<[^>]+>/g, '');
  assert.ok(secret, `no key on the set-up page${where()}`);
  f = form(page, /\/mfa\/enrol\/totp\/finish$/, where);
  page = await browser.navigate(f.to, { method: 'POST', form: { ...f.fields, code: totp(secret) }, stopAt: RP.redirectURI });
  f = form(page, /\/mfa\/saved$/, where);
  return browser.navigate(f.to, { method: 'POST', form: { ...f.fields, saved: 'yes' }, stopAt: RP.redirectURI });
}

function isInvalidGrant(err) {
  assert.ok(err instanceof client.ResponseBodyError, `expected an OAuth error response, got ${err?.stack || err}`);
  assert.equal(err.error, 'invalid_grant', `error ${err.error}: ${err.error_description}`);
  return true;
}

itest('code flow with PKCE S256: openid-client validates the ID token', async () => {
  const { tokens } = await signIn();
  assert.ok(tokens.access_token, 'access_token');
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.id_token, 'id_token');
  // claims() is the ID token openid-client has verified: signature against
  // Passerelle's JWKS, iss, aud, exp, iat, nonce.
  const claims = tokens.claims();
  assert.equal(claims.iss, passerelle.issuer);
  assert.ok([claims.aud].flat().includes(RP.id), `aud ${claims.aud}`);
  assert.equal(typeof claims.sub, 'string');
  assert.ok(claims.sub.length > 0, 'sub');
  assert.notEqual(claims.sub, ACCOUNTS.alice.sub, 'sub is pairwise, not the upstream sub');
  assert.equal(claims.acr, 'urn:gc-ca:cyber-auth:assurance:loa3', 'an authenticator app reaches loa3');
  assert.ok(claims.amr.includes('otp') && claims.amr.includes('mfa'), `amr ${claims.amr}`);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa'], 'amr: the upstream\'s password, then a one-time code (RFC 8176)');
  assert.equal(typeof claims.auth_time, 'number', 'auth_time');
  assert.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 120, `auth_time ${claims.auth_time} is now`);
  assert.equal(typeof claims.sid, 'string', 'sid');
  assert.ok(claims.sid.length > 0, 'sid');
  assert.equal(claims.locale, 'en', `locale: ${JSON.stringify(claims)}`);
});

itest('userinfo: same sub, nothing of the upstream account (blind by default)', async () => {
  const { tokens, account } = await signIn();
  const { sub } = tokens.claims();
  // fetchUserInfo fails unless the answer's sub is the expected one.
  const info = await client.fetchUserInfo(rp, tokens.access_token, sub);
  assert.equal(info.sub, sub);
  // The upstream is asked for openid only, and neither the provider nor the
  // client is configured to release its claims (release_claims,
  // upstream_claims): the RP asked the email and profile scopes and still
  // gets nothing the upstream knows (broker/attack_privacy_test.go).
  for (const claim of ['email', 'email_verified', 'name', 'given_name', 'family_name']) {
    assert.equal(info[claim], undefined, `userinfo ${claim}: ${JSON.stringify(info)}`);
  }
  assert.notEqual(account.email, undefined, 'the upstream account has an email to withhold');
});

itest('refresh: rotation, reuse of the old token fails and revokes the family', async () => {
  const { tokens } = await signIn();
  const first = tokens.refresh_token;
  assert.ok(first, `offline_access yields a refresh token: ${JSON.stringify(Object.keys(tokens))}`);

  const refreshed = await client.refreshTokenGrant(rp, first);
  assert.ok(refreshed.access_token, 'new access token');
  assert.ok(refreshed.refresh_token, 'rotated refresh token');
  assert.notEqual(refreshed.refresh_token, first);

  await assert.rejects(client.refreshTokenGrant(rp, first), isInvalidGrant, 'replayed refresh token');
  await assert.rejects(client.refreshTokenGrant(rp, refreshed.refresh_token), isInvalidGrant,
    'the whole family is revoked after a replay');
});

itest('introspection, then revocation of the access token', async () => {
  const { tokens } = await signIn();
  const { sub } = tokens.claims();

  const live = await client.tokenIntrospection(rp, tokens.access_token);
  assert.equal(live.active, true, JSON.stringify(live));
  assert.equal(live.sub, sub);
  assert.equal(live.client_id, RP.id);

  await client.tokenRevocation(rp, tokens.access_token);

  const revoked = await client.tokenIntrospection(rp, tokens.access_token);
  assert.equal(revoked.active, false, JSON.stringify(revoked));
  // Revoking the access token revokes its grant, refresh family included.
  await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token), isInvalidGrant,
    'refresh token of a revoked grant');
});

itest('discovery document', async () => {
  const m = rp.serverMetadata();
  assert.equal(m.issuer, passerelle.issuer);
  assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  assert.ok(m.subject_types_supported?.includes('pairwise'), JSON.stringify(m.subject_types_supported));
});

itest('PAR (RFC 9126): openid-client pushes the request, the browser carries only client_id and request_uri', async () => {
  const m = rp.serverMetadata();
  assert.equal(m.pushed_authorization_request_endpoint, `${passerelle.issuer}/oauth/par`);
  assert.equal(m.require_pushed_authorization_requests, false);
  const { tokens, authURL } = await signIn((params) => client.buildAuthorizationUrlWithPAR(rp, params));
  assert.deepEqual([...authURL.searchParams.keys()].sort(), ['client_id', 'request_uri'], `${authURL}`);
  assert.match(authURL.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:/);
  assert.equal(tokens.claims().iss, passerelle.issuer);
  assert.ok(tokens.refresh_token, 'the pushed scope (offline_access) was used');
});

itest('signed request object (RFC 9101): openid-client signs the request with the key in the client\'s jwks', async () => {
  const m = rp.serverMetadata();
  assert.equal(m.request_parameter_supported, true);
  assert.ok(m.request_object_signing_alg_values_supported.includes('ES256'), JSON.stringify(m.request_object_signing_alg_values_supported));
  const { tokens, authURL } = await signIn((params) => client.buildAuthorizationUrlWithJAR(rp, params, requestKey));
  assert.deepEqual([...authURL.searchParams.keys()].sort(), ['client_id', 'request'], `${authURL}`);
  assert.equal(tokens.claims().iss, passerelle.issuer);
  assert.ok(tokens.refresh_token, 'the scope in the request object (offline_access) was used');
});

itest('DPoP (RFC 9449): openid-client binds the tokens to its key, with the server\'s nonce; userinfo needs the proof', async () => {
  const m = rp.serverMetadata();
  assert.ok(m.dpop_signing_alg_values_supported?.includes('ES256'), JSON.stringify(m.dpop_signing_alg_values_supported));
  const DPoP = client.getDPoPHandle(rp, await client.randomDPoPKeyPair('ES256'));
  const { tokens } = await signIn(undefined, { DPoP });
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  const { sub } = tokens.claims();
  // openid-client retries once with the DPoP-Nonce it is given (use_dpop_nonce).
  const info = await client.fetchUserInfo(rp, tokens.access_token, sub, { DPoP });
  assert.equal(info.sub, sub);
  await assert.rejects(client.fetchUserInfo(rp, tokens.access_token, sub), (err) => {
    assert.equal(err.response?.status, 401, `${err}`);
    assert.match(err.response.headers.get('www-authenticate'), /^DPoP error="invalid_token"/);
    return true;
  }, 'a DPoP-bound token used as a bearer token');
  const live = await client.tokenIntrospection(rp, tokens.access_token);
  assert.equal(live.active, true);
  assert.equal(live.token_type, 'DPoP');
  assert.match(live.cnf?.jkt ?? '', /^[A-Za-z0-9_-]{43}$/, JSON.stringify(live));
  const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token, undefined, { DPoP });
  assert.equal(refreshed.token_type.toLowerCase(), 'dpop');
});
