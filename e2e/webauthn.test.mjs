// Security keys in a real browser: Debian's Chromium driven by
// playwright-core, with Chromium's virtual WebAuthn authenticator (DevTools
// protocol), between oidc-provider (upstream) and openid-client (RP).
// See README.md, "webauthn.test.mjs".
//
// Passerelle's issuer is http://localhost:PORT: WebAuthn needs a domain
// name as relying-party ID. The RP's redirect URI is
// http://localhost:RP_PORT/cb, answered by a tiny page from a node:http
// server (Playwright's page.route does not see a request reached by a
// redirect); the test reads the URL there and redeems the code with
// openid-client.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';

import { startUpstream, UPSTREAM_CLIENT_SECRET } from './lib/upstream.mjs';
import { tempDir, buildPasserelle, freePort, configYAML, startPasserelle } from './lib/passerelle.mjs';
import { trackedTests } from './lib/tracked.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the security-key tests`;

const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const LOA4 = 'urn:gc-ca:cyber-auth:assurance:loa4';
const RP = { id: 'node-rp-webauthn', secret: 'another-secret-of-at-least-16-chars' };
const KEY_NAME = 'Blue YubiKey';

let dir;
let upstream;
let passerelle;
let rp; // openid-client Configuration
let browser; // playwright Browser
let rpServer; // answers the RP's redirect URI
/** the credential registered in step 1, as WebAuthn.getCredentials gives it */
let registered;

before(async () => {
  if (!HAVE_CHROMIUM) return;
  dir = await tempDir();
  const bin = await buildPasserelle(dir);
  rpServer = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end('<!doctype html><html lang="en"><title>Relying party</title><p>Back at the relying party.</p></html>');
  });
  await new Promise((resolve, reject) => {
    rpServer.once('error', reject);
    rpServer.listen(0, '127.0.0.1', resolve);
  });
  const rpPort = rpServer.address().port;
  RP.redirectURI = `http://localhost:${rpPort}/cb`;
  RP.postLogoutURI = `http://localhost:${rpPort}/bye`;

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    upstream = await startUpstream(`http://localhost:${port}`);
    const configFile = path.join(dir, 'passerelle.yaml');
    await fs.writeFile(configFile, configYAML({
      port, dir, host: 'localhost', upstreamIssuer: upstream.issuer, upstreamSecret: UPSTREAM_CLIENT_SECRET,
      client: RP, extra: 'mfa: {}\n',
    }));
    try {
      passerelle = await startPasserelle({ bin, configFile, port, host: 'localhost' });
      break;
    } catch (err) {
      await upstream.close();
      upstream = undefined;
      if (err.addrInUse && attempt === 0) continue;
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

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  await fs.mkdir(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await passerelle?.stop();
  if (failed() && passerelle) {
    process.stderr.write(`--- passerelle stderr ---\n${passerelle.stderr()}\n--- end ---\n`);
  }
  await upstream?.close();
  if (rpServer) {
    await new Promise((resolve) => { rpServer.close(() => resolve()); rpServer.closeAllConnections(); });
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** test() that skips without Chromium and remembers a failure for after(). */
const { test: btest, failed } = trackedTests({ skipReason: HAVE_CHROMIUM ? '' : NO_CHROMIUM });

/**
 * A fresh browser context (no cookies: no SSO session) with one page, a
 * DevTools session on it with WebAuthn enabled, and the page's console,
 * errors and navigations recorded.
 */
async function openContext() {
  const context = await browser.newContext({ locale: 'en-CA', extraHTTPHeaders: { 'Accept-Language': 'en' } });
  const page = await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.stack || e}`));
  page.on('requestfailed', (r) => log.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) log.push(`navigated: ${f.url()}`); });
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  return { context, page, cdp, log };
}

async function addAuthenticator(cdp, options = {}) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return authenticatorId;
}

/** What to print when something on a page goes wrong. */
async function describe(page, log) {
  let html = '';
  try {
    html = (await page.content()).replace(/\s+/g, ' ');
    const main = /<main[\s\S]*<\/main>/.exec(html);
    html = (main ? main[0] : html).slice(0, 3000);
  } catch (err) {
    html = `(no content: ${err.message})`;
  }
  return `\nat ${page.url()}\npage: ${html}\nbrowser log:\n${log.map((l) => '  ' + l).join('\n') || '  (empty)'}`;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Focuses element and presses key, as a person at the keyboard would. */
async function pressOn(locator, key = 'Enter') {
  await locator.focus();
  await locator.press(key);
}

/**
 * Opens Passerelle's authorize URL and signs alice in upstream; returns
 * when the browser is back at Passerelle (the page after the upstream).
 */
async function startSignIn(page, log) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authURL = client.buildAuthorizationUrl(rp, {
    redirect_uri: RP.redirectURI,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  // Passerelle skips the chooser (one provider) and sends the browser upstream.
  await page.goto(authURL.href);
  await page.waitForURL((u) => u.origin === upstream.issuer && /^\/interaction\//.test(u.pathname));
  assert.equal(await page.locator('form[data-prompt="login"]').count(), 1, `upstream login form${await describe(page, log)}`);
  const username = page.locator('input[name="username"]');
  await username.fill('alice');
  await Promise.all([
    page.waitForURL((u) => u.origin === passerelle.issuer, { waitUntil: 'load' }),
    username.press('Enter'),
  ]);
  return { codeVerifier, state, nonce };
}

/** Waits for the RP's redirect URI and redeems the code with openid-client. */
async function finishAtRP(page, log, { codeVerifier, state, nonce }) {
  await page.waitForURL((u) => u.href.startsWith(RP.redirectURI), { timeout: 15000 })
    .catch(async (err) => { throw new Error(`never reached the RP: ${err.message}${await describe(page, log)}`); });
  const url = new URL(page.url());
  assert.ok(url.searchParams.get('code'), `code in ${url}`);
  assert.equal(url.searchParams.get('state'), state);
  assert.equal(url.searchParams.get('iss'), passerelle.issuer, 'RFC 9207 iss');
  const tokens = await client.authorizationCodeGrant(rp, url, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return tokens.claims();
}

async function expectTitle(page, log, title) {
  const h1 = page.locator('main h1');
  await h1.waitFor({ timeout: 5000 }).catch(() => {});
  const got = (await h1.count()) ? (await h1.innerText()).trim() : '(no h1)';
  assert.equal(got, title, `page title${await describe(page, log)}`);
}

/**
 * Runs fn in a fresh context (see openContext) with a virtual
 * authenticator added, then checks that no page threw; the context is
 * closed whatever happens.
 */
async function withAuthenticator(fn) {
  const ctx = await openContext();
  try {
    const authenticatorId = await addAuthenticator(ctx.cdp);
    await fn({ ...ctx, authenticatorId });
    assert.deepEqual(ctx.log.filter((l) => l.startsWith('pageerror')), [], 'no script error on any page');
  } finally {
    await ctx.context.close();
  }
}

/** btest() for a step that needs the key registered in step 1: a todo without it. */
function keyTest(name, fn) {
  btest(name, async (t) => {
    if (!registered) {
      t.todo('needs the key registered in step 1');
      return;
    }
    await fn(t);
  });
}

btest('1. enrolment: security key registered with the keyboard, recovery codes, acr loa4', () => withAuthenticator(async ({ page, cdp, log, authenticatorId }) => {
  const flow = await startSignIn(page, log);

  // A credential seen for the first time: the person makes a new account.
  assert.match(new URL(page.url()).pathname, /^\/login\/[^/]+\/first$/, await describe(page, log));
  await shot(page, '1-0-first-login');
  await Promise.all([
    page.waitForURL((u) => /\/mfa$/.test(u.pathname), { waitUntil: 'load' }),
    pressOn(page.locator('form[action$="/first/create"] button')),
  ]);

  // Set up a second factor: choices are POST forms.
  assert.match(new URL(page.url()).pathname, /^\/login\/[^/]+\/mfa$/, await describe(page, log));
  await expectTitle(page, log, 'Set up a second factor');
  await shot(page, '1-1-mfa-choose');
  const choices = (await page.locator('main ul.choices form button').allInnerTexts()).map((s) => s.trim());
  for (const c of ['Authenticator app', 'Security key']) assert.ok(choices.includes(c), `choice ${c}: ${JSON.stringify(choices)}`);
  assert.ok(!choices.includes('Email code'), `no email code without a notifier: ${JSON.stringify(choices)}`);
  const keyChoice = page.locator('main ul.choices form').filter({ has: page.getByRole('button', { name: 'Security key' }) });
  assert.equal(await keyChoice.getAttribute('method'), 'post');
  await Promise.all([
    page.waitForURL((u) => /\/mfa\/enrol\/webauthn$/.test(u.pathname), { waitUntil: 'load' }),
    pressOn(keyChoice.getByRole('button', { name: 'Security key' })),
  ]);

  // Register: name the key, Tab to the button, Enter.
  await expectTitle(page, log, 'Register your security key');
  assert.equal(await page.locator('form[data-webauthn="register"]').count(), 1, await describe(page, log));
  await page.locator('#name').fill(KEY_NAME);
  await shot(page, '1-2-webauthn-register');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(focused, 'Register your security key', `Tab from the name field reaches the button${await describe(page, log)}`);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !/\/mfa\/enrol\/webauthn$/.test(u.pathname), { waitUntil: 'load', timeout: 15000 })
    .catch(async (err) => { throw new Error(`registration did not leave the page: ${err.message}${await describe(page, log)}`); });

  // Recovery codes, shown once.
  await expectTitle(page, log, 'Save your recovery codes');
  const codes = await page.locator('ol.recovery-codes li code').allInnerTexts();
  assert.equal(codes.length, 10, `ten recovery codes: ${JSON.stringify(codes)}`);
  await shot(page, '1-3-recovery-codes');
  await pressOn(page.locator('#saved'), 'Space');
  assert.ok(await page.locator('#saved').isChecked(), 'Space ticks the checkbox');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Continue');
  await page.keyboard.press('Enter');

  const claims = await finishAtRP(page, log, flow);
  assert.equal(claims.acr, LOA4, `acr: ${JSON.stringify(claims)}`);
  assert.ok(claims.amr?.includes('hwk'), `amr hwk: ${JSON.stringify(claims.amr)}`);
  assert.ok(claims.amr?.includes('mfa'), `amr mfa: ${JSON.stringify(claims.amr)}`);

  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1, `one credential on the authenticator: ${JSON.stringify(credentials.map((c) => c.rpId))}`);
  assert.equal(credentials[0].rpId, 'localhost');
  registered = credentials[0];
}));

keyTest('2. sign-in again in a new browser with the same key: challenge, acr loa4', () => withAuthenticator(async ({ page, cdp, log, authenticatorId }) => {
  await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: registered });
  const flow = await startSignIn(page, log);

  assert.match(new URL(page.url()).pathname, /^\/login\/[^/]+\/mfa\/use\/[^/]+$/, await describe(page, log));
  await expectTitle(page, log, 'Use your security key');
  assert.equal(await page.locator('form[data-webauthn="login"]').count(), 1, await describe(page, log));
  await shot(page, '2-1-webauthn-login');
  await pressOn(page.getByRole('button', { name: 'Use your security key' }));

  const claims = await finishAtRP(page, log, flow);
  assert.equal(claims.acr, LOA4, `acr: ${JSON.stringify(claims)}`);
  assert.ok(claims.amr?.includes('hwk'), `amr hwk: ${JSON.stringify(claims.amr)}`);

  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.ok(credentials[0].signCount > registered.signCount,
    `the key signed once more: ${credentials[0].signCount} after ${registered.signCount}`);
  registered = credentials[0]; // with its new signature counter, for step 3
}));

keyTest('3. failed ceremony: the translated error, focused, no navigation; then again with the right key', () => withAuthenticator(async ({ page, cdp, log, authenticatorId }) => {
  // A security key that is not the registered one: it holds no
  // credential for the account, so the browser ends the ceremony with
  // NotAllowedError, as when the person cancels.
  const flow = await startSignIn(page, log);
  await expectTitle(page, log, 'Use your security key');
  const before = page.url();
  let navigated = false;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigated = true; });

  const error = page.locator('[data-webauthn-error]');
  assert.ok(await error.isHidden(), 'no error before the ceremony');
  await pressOn(page.getByRole('button', { name: 'Use your security key' }));
  await error.waitFor({ state: 'visible', timeout: 20000 })
    .catch(async (err) => { throw new Error(`no error shown: ${err.message}${await describe(page, log)}`); });
  assert.equal((await error.innerText()).trim(),
    'The security key did not respond or the operation was cancelled. Try again, or choose another way.');
  assert.ok(await error.evaluate((el) => el === document.activeElement), `the error has focus${await describe(page, log)}`);
  await shot(page, '3-1-webauthn-error');
  assert.equal(page.url(), before, 'still on the challenge page');
  assert.equal(navigated, false, 'no navigation');

  // Try again with the right key: the same button works a second time.
  await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: registered });
  await pressOn(page.getByRole('button', { name: 'Use your security key' }));
  const claims = await finishAtRP(page, log, flow);
  assert.equal(claims.acr, LOA4, `acr: ${JSON.stringify(claims)}`);
}));
