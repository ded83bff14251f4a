// Bilingual and accessible, checked in a real browser: Debian's Chromium
// driven by playwright-core walks every page of `passerelle demo` in
// English and in French with the keyboard alone (Tab, Shift+Tab, Enter,
// Space, typing: no click, no form submitted from script), and runs
// axe-core on each Passerelle page: zero WCAG 2.1 A/AA violations, <html
// lang> is the page's language, nothing scrolls sideways at 320 px, and
// full-page screenshots are saved in e2e/screenshots/a11y/<lang>-<NN>-<page>.png
// (and -phone.png, at 390 px) for a person to look at.
// See README.md, "a11y.test.mjs".

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { tempDir, buildPasserelle, REPO_ROOT } from './lib/passerelle.mjs';
import { startDemo } from './lib/demo.mjs';
import { trackedTests } from './lib/tracked.mjs';
import { activateBusiness, walkOrgPages, DEMO_BUSINESS } from './lib/orgs.mjs';
import {
  runAxe, tabTo, hasFocus, pressAndLoad, activate, typeInto, describeFocus, freshTotp, reflowAt,
} from './lib/a11y.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the accessibility walk`;

const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', 'a11y');
const PASSWORD = 'correct horse battery staple';
const WALK_TIMEOUT = 360_000; // a TOTP code is single use: the walk may wait for the next 30 s step; a busy machine is slow

// Passerelle's own messages, so the test follows the translations.
const MESSAGES = Object.fromEntries(['en', 'fr'].map((l) => [l,
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'broker', 'ui', 'messages', `${l}.json`), 'utf8'))]));
const SERVICE = { en: 'GCKey (demo)', fr: 'CléGC (démo)' }; // cmd/passerelle/demo.go
const PARTNER = { en: 'Sign-In Partner', fr: 'Partenaire de connexion' };
const LANG_NAME = { en: 'English', fr: 'Français' };
// The trusted-trader portal's terms of use, as the demo shows them
// (cmd/passerelle/demoterms): paragraphs split at blank lines.
const TERMS = Object.fromEntries(['en', 'fr'].map((l) => [l,
  readFileSync(path.join(REPO_ROOT, 'cmd', 'passerelle', 'demoterms', `trader.${l}.txt`), 'utf8')
    .split(/\n\s*\n/).map((p) => p.split(/\s+/).filter(Boolean).join(' ')).filter(Boolean)]));
const TRADER = 'Trusted-trader portal (demonstration) / Portail des négociants dignes de confiance (démonstration)'; // cmd/passerelle/demo.go

/** Passerelle's message key in lang, with %s / %d filled in order. */
function msg(lang, key, ...args) {
  const s = MESSAGES[lang][key];
  if (s === undefined) throw new Error(`no message ${key} in ${lang}.json`);
  let i = 0;
  return s.replace(/%[sd]/g, () => String(args[i++]));
}

let dir;
let demo;
let browser;
/** every page checked: {lang, n, name, url, htmlLang, title, violations, incomplete, file} */
const CHECKED = [];
/** languages whose step-1 account has the authenticator app and the email code */
const enrolled = {};
/** that account's username and authenticator-app key, by language */
const ACCOUNTS = {};

before(async () => {
  if (!HAVE_CHROMIUM) return;
  dir = await tempDir();
  const bin = await buildPasserelle(dir);
  demo = await startDemo({ bin, dataDir: path.join(dir, 'demo') });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  await fs.rm(SCREENSHOTS, { recursive: true, force: true });
  await fs.mkdir(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  if (failed() && demo) {
    process.stderr.write(`--- passerelle demo stderr ---\n${demo.stderr()}\n--- end ---\n`);
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** test() that skips without Chromium and remembers a failure for after(). */
const { test: btest, failed } = trackedTests({ skipReason: HAVE_CHROMIUM ? '' : NO_CHROMIUM, options: { timeout: WALK_TIMEOUT } });

/**
 * One person's walk in one language: a browser context whose locale and
 * Accept-Language are that language, the page's browser log, and the
 * pages checked so far.
 *
 * bypassCSP: Passerelle's Content-Security-Policy forbids inline script,
 * so page.addScriptTag({content: axe.source}) would be blocked; the
 * context bypasses CSP only so that axe-core can run in the page. (This
 * also means this walk cannot notice a CSP violation of Passerelle's own.)
 */
class Walk {
  constructor(t, lang, prefix = lang) {
    this.t = t;
    this.lang = lang;
    this.prefix = prefix;
    this.n = 0;
    this.log = [];
    this.lastStep = -1; // the last TOTP step used
  }

  async open({ locale, acceptLanguage }) {
    this.context = await browser.newContext({
      bypassCSP: true,
      locale,
      extraHTTPHeaders: { 'Accept-Language': acceptLanguage },
    });
    this.page = await this.newPage();
    return this;
  }

  async newPage() {
    const page = await this.context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') this.log.push(`console.${m.type()}: ${m.text()} (${page.url()})`); });
    page.on('pageerror', (e) => this.log.push(`pageerror: ${e.stack || e} (${page.url()})`));
    page.on('requestfailed', (r) => this.log.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    return page;
  }

  async close() {
    await this.context?.close();
  }

  /** What to print when the journey goes wrong. */
  async describe() {
    const page = this.page;
    let html = '';
    try {
      html = (await page.content()).replace(/\s+/g, ' ');
      const main = /<main[\s\S]*<\/main>/.exec(html);
      html = (main ? main[0] : html).slice(0, 3000);
    } catch (err) {
      html = `(no content: ${err.message})`;
    }
    return `\nat ${page.url()} (focus: ${await describeFocus(page).catch(() => '?')})\npage: ${html}\nbrowser log:\n${this.log.map((l) => '  ' + l).join('\n') || '  (empty)'}`;
  }

  /** Fails unless the page's h1 is title (the journey went where expected). */
  async expectTitle(title) {
    const h1 = this.page.locator('main h1');
    await h1.first().waitFor({ timeout: 5000 }).catch(() => {});
    const got = (await h1.count()) ? (await h1.first().innerText()).trim() : '(no h1)';
    assert.equal(got, title, `page heading${await this.describe()}`);
  }

  /**
   * Checks the Passerelle page now shown (or, with origin, a demo relying
   * party's page): its heading (when title is given), <html lang>, a
   * full-page screenshot, and axe-core's WCAG 2.1 A/AA rules. Violations are recorded, not thrown, so that the walk
   * goes on and reports every page; the test asserts them at its end.
   */
  async check(name, { title, lang = this.lang, origin = demo.issuer } = {}) {
    const page = this.page;
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).origin, origin, `a page of ${origin}${await this.describe()}`);
    if (title !== undefined) await this.expectTitle(title);
    const n = String(++this.n).padStart(2, '0');
    const file = `${this.prefix}-${n}-${name}.png`;
    await page.screenshot({ path: path.join(SCREENSHOTS, file), fullPage: true });
    const htmlLang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
    const heading = await page.locator('main h1').first().innerText().catch(() => '(no h1)');
    const { violations, incomplete } = await runAxe(page);
    // At phone width (390 px, a common phone) for a person to look at, and
    // at 320 px (WCAG 1.4.10) nothing may scroll sideways.
    const reflow = await reflowAt(page, {
      width: 390, height: 844,
      during: (p) => p.screenshot({ path: path.join(SCREENSHOTS, file.replace(/\.png$/, '-phone.png')), fullPage: true }),
    }).then(() => reflowAt(page, { width: 320 }));
    const rec = { lang: this.prefix, expectedLang: lang, n, name, url: page.url(), htmlLang, title: heading.trim(), violations, incomplete, file, reflow };
    CHECKED.push(rec);
    return rec;
  }

  /** The pages this walk checked. */
  get checked() {
    return CHECKED.filter((r) => r.lang === this.prefix);
  }

  /** Fails the test with every wrong <html lang>, axe violation and script error of this walk. */
  assertClean() {
    const problems = [];
    for (const r of this.checked) {
      if (r.htmlLang !== r.expectedLang) problems.push(`${r.file}: <html lang="${r.htmlLang}">, expected "${r.expectedLang}" (${r.url})`);
      if (r.reflow && r.reflow.scrollWidth > r.reflow.width) {
        problems.push(`${r.file}: scrolls sideways at 320 px (${r.reflow.scrollWidth} px wide): ${r.reflow.overflowing.slice(0, 5).join(', ')}`);
      }
      for (const v of r.violations) {
        problems.push(`${r.file}: axe ${v.id} (${v.impact}): ${v.help} <${v.helpUrl}>\n${v.targets.map((x) => `      ${x.target}\n        ${x.summary.replace(/\n/g, '\n        ')}`).join('\n')}`);
      }
    }
    for (const l of this.log) if (l.startsWith('pageerror')) problems.push(l);
    assert.equal(problems.length, 0, `${problems.length} problem(s) in the ${this.prefix} walk:\n  ${problems.join('\n  ')}`);
  }

  /** The code in the newest outbox message to address (read in another tab). */
  async codeFromOutbox(address) {
    const outbox = await this.newPage();
    try {
      await outbox.goto(demo.outboxURL);
      const texts = await outbox.locator('article').evaluateAll((as) => as.map((a) => a.innerText));
      const mine = texts.find((t) => t.includes(address));
      assert.ok(mine, `an outbox message to ${address}; outbox:\n${texts.join('\n---\n')}`);
      const code = /\b(\d{6})\b/.exec(mine)?.[1];
      assert.ok(code, `a six-digit code in:\n${mine}`);
      return code;
    } finally {
      await outbox.close();
      await this.page.bringToFront();
    }
  }

  /** Types a fresh authenticator-app code into #code (never a step already used). */
  async typeTotp(secret) {
    const { code, step } = await freshTotp(secret, this.lastStep);
    this.lastStep = step;
    await typeInto(this.page, this.page.locator('#code'), code);
  }
}

/** The pages' diagnostic list: one line per page. */
function summary(records) {
  return records.map((r) => {
    const v = r.violations.length ? `${r.violations.length} VIOLATION(S): ${r.violations.map((x) => x.id).join(', ')}` : 'axe: 0 violations';
    const inc = r.incomplete.length ? `; needs review: ${r.incomplete.map((x) => x.id).join(', ')}` : '';
    const lang = r.htmlLang === r.expectedLang ? `lang=${r.htmlLang}` : `LANG=${r.htmlLang} (expected ${r.expectedLang})`;
    return `${r.file}  "${r.title}"  ${lang}  ${v}${inc}  ${new URL(r.url).pathname}`;
  });
}

/** A heading and one diagnostic line per item (the TAP reporter escapes newlines). */
function diagnose(t, heading, lines) {
  t.diagnostic(heading);
  for (const l of lines) t.diagnostic(`  ${l}`);
}

/**
 * Passes the second-factor challenge of an account with an authenticator
 * app and an email code, with the email code (from the outbox): the
 * choice page when Passerelle asks which, else "Other ways to confirm".
 */
async function emailChallenge(w, T, email) {
  const page = w.page;
  const heading = (await page.locator('main h1').innerText()).trim();
  if (heading === T('mfa.choose.title')) {
    await w.check('mfa-choose', { title: T('mfa.choose.title') });
    await activate(page, button(page, T('mfa.kind.email')));
  } else if (heading !== T('code.email.title')) {
    // a challenge with another factor, the email code under "Other ways to confirm"
    await w.check('mfa-challenge-other-factor');
    await activate(page, button(page, T('mfa.kind.email')));
  }
  await w.check('email-code-challenge', { title: T('code.email.title') });
  const code = await w.codeFromOutbox(email);
  await typeInto(page, page.locator('#code'), code);
  await activate(page, button(page, T('mfa.continue')));
}

/**
 * Passes the second-factor challenge with the authenticator app, whichever
 * factor Passerelle offers first (the last one used): the choice page,
 * the app's own page, or another factor's page with the app under "Other
 * ways to confirm". (An email challenge page sends a code when shown, and
 * the demo caps codes at five an hour per address, so the walk does not
 * lean on email codes more than it must.)
 */
async function totpChallenge(w, T, secret) {
  const page = w.page;
  const heading = (await page.locator('main h1').innerText()).trim();
  if (heading === T('mfa.choose.title')) {
    await w.check('mfa-choose', { title: T('mfa.choose.title') });
    await activate(page, button(page, T('mfa.kind.totp')));
  } else if (heading !== T('code.totp.title')) {
    // "Other ways to confirm" names each factor: "Authenticator app — Work phone"
    await w.check('mfa-challenge-other-factor');
    const kind = T('mfa.kind.totp').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await activate(page, page.getByRole('button', { name: new RegExp(`^${kind}\\b`) }));
  }
  await w.check('totp-challenge', { title: T('code.totp.title') });
  await w.typeTotp(secret);
  await activate(page, button(page, T('mfa.continue')));
}

const button = (page, name) => page.getByRole('button', { name, exact: true });
const link = (page, name) => page.getByRole('link', { name, exact: true });

/**
 * Opens a demo relying party (the government portal unless url names
 * another) and signs in: in French, Space ticks the "French sign-in
 * pages" option (ui_locales=fr) first. Ends on the page after
 * Passerelle's /authorize.
 */
async function fromRelyingParty(w, { uiLocales, url = demo.rpURL } = {}) {
  const page = w.page;
  await page.goto(url);
  if (uiLocales) {
    await tabTo(page, page.locator('#opt-locale'));
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#opt-locale').isChecked(), 'Space ticks ui_locales=fr');
  }
  await activate(page, page.getByRole('button', { name: /^Sign in/ }));
}

for (const lang of ['en', 'fr']) {
  const T = (key, ...args) => msg(lang, key, ...args);
  const other = lang === 'en' ? 'fr' : 'en';
  const id = `a11y-${lang}-${Date.now().toString(36)}`;
  const email = `${id}@example.org`;

  btest(`${lang}: sign-up journey with the keyboard alone, account and security pages, axe on every page`, async (t) => {
    const w = await new Walk(t, lang).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    try {
      // 1. The relying party → Passerelle's chooser → the Sign-In Partner
      // bank list → Back → GCKey.
      await fromRelyingParty(w, { uiLocales: lang === 'fr' });
      await w.check('chooser', { title: T('chooser.title') });
      await activate(page, button(page, PARTNER[lang]));
      await w.check('banks', { title: PARTNER[lang] }); // the group's name heads its list
      await activate(page, link(page, T('nav.back')));
      await w.expectTitle(T('chooser.title'));
      await activate(page, button(page, SERVICE[lang]));
      await w.check('gckey-sign-in', { title: T('local.title', SERVICE[lang]) });

      // Register: first with nothing filled in, for the error summary.
      await activate(page, link(page, T('local.register', SERVICE[lang])));
      await w.check('register', { title: T('register.title', SERVICE[lang]) });
      await activate(page, button(page, T('register.submit', SERVICE[lang])));
      const summaryBox = page.locator('.error-summary');
      assert.ok(await summaryBox.isVisible(), `error summary shown${await w.describe()}`);
      assert.ok(await hasFocus(summaryBox), `the error summary has focus (focus: ${await describeFocus(page)})${await w.describe()}`);
      await w.check('register-errors', { title: T('register.title', SERVICE[lang]) });
      // The summary's first link leads to the username field.
      await tabTo(page, summaryBox.locator('a').first(), { max: 3 });
      await page.keyboard.press('Enter');
      await typeInto(page, page.locator('#username'), id, { max: 5 });
      await typeInto(page, page.locator('#email'), email);
      await typeInto(page, page.locator('#password'), PASSWORD);
      await typeInto(page, page.locator('#confirm'), PASSWORD);
      await activate(page, button(page, T('register.submit', SERVICE[lang])));

      // Confirm the address with the code from the outbox.
      await w.check('confirm-email', { title: T('code.confirm.title') });
      const code = await w.codeFromOutbox(email);
      await typeInto(page, page.locator('#code'), code);
      await activate(page, button(page, T('mfa.continue')));

      // First sign-in: a new account.
      await w.check('first-sign-in', { title: T('firstlogin.title') });
      await activate(page, button(page, T('firstlogin.create.submit')));

      // Set up a second factor: the authenticator app.
      await w.check('mfa-set-up', { title: T('mfa.enrol.title') });
      // The security-key set-up page (the demo's issuer is localhost, so
      // security keys are offered), then the authenticator app instead.
      await activate(page, button(page, T('mfa.kind.webauthn')));
      await w.check('webauthn-set-up', { title: T('webauthn.register.title') });
      if (await button(page, T('mfa.kind.totp')).count()) {
        await activate(page, button(page, T('mfa.kind.totp'))); // "Other ways to confirm"
      } else {
        await page.goBack({ waitUntil: 'load' }); // the browser's Back: no link back from this page
        await w.expectTitle(T('mfa.enrol.title'));
        await activate(page, button(page, T('mfa.kind.totp')));
      }
      await w.check('totp-set-up', { title: T('totp.title') });
      const secret = (await page.locator('code.secret').innerText()).replace(/\s+/g, '');
      assert.match(secret, /^[A-Z2-7]+=*$/, `a base32 key on the page${await w.describe()}`);
      await w.typeTotp(secret);
      await typeInto(page, page.locator('#name'), lang === 'en' ? 'Work phone' : 'Téléphone du travail');
      await activate(page, button(page, T('mfa.continue')));

      // Recovery codes: Space ticks the box, then Continue.
      await w.check('recovery-codes', { title: T('recovery.title') });
      assert.equal(await page.locator('ol.recovery-codes li').count(), 10, 'ten recovery codes');
      await tabTo(page, page.locator('#saved'));
      await page.keyboard.press('Space');
      assert.ok(await page.locator('#saved').isChecked(), 'Space ticks the checkbox');
      await activate(page, button(page, T('mfa.continue')));

      // Back at the relying party, signed in.
      await page.waitForURL((u) => u.href.startsWith(demo.rpURL), { timeout: 15000 })
        .catch(async (err) => { throw new Error(`never back at the relying party: ${err.message}${await w.describe()}`); });
      const claims = await page.locator('pre').first().innerText();
      assert.match(claims, /"sub"/, `claims shown at the relying party${await w.describe()}`);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-${String(++w.n).padStart(2, '0')}-rp-claims.png`), fullPage: true });

      // 2. The account pages open after a fresh second factor.
      await page.goto(`${demo.issuer}/account`);
      await w.check('account-totp-challenge', { title: T('code.totp.title') });
      // "Lost your second factor?" → the recovery-code page, then back.
      await activate(page, link(page, T('mfa.lost')));
      await w.check('recovery-code-entry', { title: T('code.recovery.title') });
      await page.goBack({ waitUntil: 'load' }); // the browser's Back: there is no link back from this page
      await w.expectTitle(T('code.totp.title'));
      await w.typeTotp(secret);
      await activate(page, button(page, T('mfa.continue')));
      await w.check('account', { title: T('account.title') });
      await activate(page, link(page, T('account.security.link')));
      await w.check('security', { title: T('security.title') });

      // Add the email-code factor from the security page: a fresh factor
      // again (the next TOTP step), the email set-up page, the emailed code.
      await activate(page, button(page, T('security.add.email')));
      await w.check('add-factor-totp-challenge', { title: T('code.totp.title') });
      await w.typeTotp(secret);
      await activate(page, button(page, T('mfa.continue')));
      await w.check('email-set-up', { title: T('email.title') });
      await typeInto(page, page.locator('#email'), email);
      await activate(page, button(page, T('email.submit')));
      await w.check('email-code', { title: T('code.email.title') });
      const emailCode = await w.codeFromOutbox(email);
      await typeInto(page, page.locator('#code'), emailCode);
      await activate(page, button(page, T('mfa.continue')));
      if (await page.locator('ol.recovery-codes').count()) {
        await w.check('recovery-codes-again', { title: T('recovery.title') });
        await tabTo(page, page.locator('#saved'));
        await page.keyboard.press('Space');
        await activate(page, button(page, T('mfa.continue')));
      }
      await w.check('security-with-email', { title: T('security.title') });
      enrolled[lang] = true;
      ACCOUNTS[lang] = { id, secret };

      diagnose(t, `${lang} pages checked:`, summary(w.checked));
      w.assertClean();
    } catch (err) {
      diagnose(t, `${lang} pages checked before the failure:`, summary(w.checked));
      throw err;
    } finally {
      await w.close();
    }
  });

  btest(`${lang}: wrong password, forgotten password, reset, errors, home and the language toggle, axe on every page`, async (t) => {
    const w = await new Walk(t, lang, `${lang}-b`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    try {
      // 3. GCKey sign-in with a wrong password, then the forgotten password.
      await fromRelyingParty(w, { uiLocales: lang === 'fr' });
      await w.expectTitle(T('chooser.title'));
      await activate(page, button(page, SERVICE[lang]));
      await w.expectTitle(T('local.title', SERVICE[lang]));
      await typeInto(page, page.locator('#username'), id);
      await typeInto(page, page.locator('#password'), 'not the password at all');
      await activate(page, button(page, T('local.submit')));
      await w.check('gckey-sign-in-error', { title: T('local.title', SERVICE[lang]) });
      assert.ok(await hasFocus(page.locator('.error-summary')), `the error summary has focus (focus: ${await describeFocus(page)})${await w.describe()}`);
      await activate(page, link(page, T('local.forgot')));
      await w.check('forgot-password', { title: T('forgot.title') });
      await typeInto(page, page.locator('#who'), id);
      await activate(page, button(page, T('forgot.submit')));
      await w.check('reset-password', { title: T('reset.title') });

      // Back to the sign-in page, the right password this time: the
      // account now has two factors (step 1 added the email code), so
      // Passerelle asks which one; the email code, from the outbox.
      if (enrolled[lang]) {
        await activate(page, link(page, T('nav.back')));
        await w.expectTitle(T('local.title', SERVICE[lang]));
        await typeInto(page, page.locator('#username'), id);
        await typeInto(page, page.locator('#password'), PASSWORD);
        await activate(page, button(page, T('local.submit')));
        await emailChallenge(w, T, email);
        await page.waitForURL((u) => u.href.startsWith(demo.rpURL), { timeout: 15000 })
          .catch(async (err) => { throw new Error(`never back at the relying party: ${err.message}${await w.describe()}`); });
        assert.match(await page.locator('pre').first().innerText(), /"sub"/, `claims shown at the relying party${await w.describe()}`);
      } else {
        t.diagnostic(`the ${lang} account was not made (step 1 failed): the second-factor choice and the email-code challenge are not walked`);
      }

      // 4. Errors and plain pages.
      const errorTitles = Object.keys(MESSAGES[lang]).filter((k) => /^error\.[a-z_]+\.title$/.test(k)).map((k) => T(k));
      await page.goto(`${demo.issuer}/login/unknown`);
      const unknown = await w.check('unknown-sign-in');
      assert.ok(errorTitles.includes(unknown.title), `an error page: "${unknown.title}"${await w.describe()}`);
      const bad = new URL('/authorize', demo.issuer);
      bad.search = new URLSearchParams({
        client_id: 'demo-rp', redirect_uri: 'https://attacker.example/callback', response_type: 'code',
        scope: 'openid', state: 'a11y-state', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      }).toString();
      await page.goto(bad.href);
      const badPage = await w.check('error-unregistered-redirect-uri');
      assert.ok(errorTitles.includes(badPage.title), `an error page: "${badPage.title}"${await w.describe()}`);
      assert.ok(!page.url().startsWith('https://attacker.example'), 'no redirect to an unregistered URI');
      await page.goto(`${demo.issuer}/logged-out`);
      await w.check('logged-out', { title: T('loggedout.title') });
      await page.goto(`${demo.issuer}/`);
      await w.check('home', { title: T('home.title') });

      // The header's language toggle, with the keyboard.
      await activate(page, page.locator(`nav.lang-toggle a[hreflang="${other}"]`));
      await w.check(`home-toggled-to-${other}`, { title: msg(other, 'home.title'), lang: other });

      diagnose(t, `${lang} pages checked:`, summary(w.checked));
      w.assertClean();
    } catch (err) {
      diagnose(t, `${lang} pages checked before the failure:`, summary(w.checked));
      throw err;
    } finally {
      await w.close();
    }
  });
}

/**
 * The terms page now shown: its heading, the demo's text in lang, the
 * keyboard's path to both buttons (Accept before Decline), axe, and the
 * reflow at 320 px (no sideways scrolling; a screenshot and axe there
 * too).
 */
async function checkTerms(w, T, name) {
  const page = w.page;
  const rec = await w.check(name, { title: T('terms.title') });
  const text = (await page.locator('section.terms').innerText()).replace(/\s+/g, ' ');
  for (const p of TERMS[w.lang]) assert.ok(text.includes(p), `the terms page shows "${p.slice(0, 60)}…"${await w.describe()}`);
  assert.ok(text.includes(T('terms.version', '2026-01')), `the terms' version${await w.describe()}`);
  const accept = button(page, T('terms.accept'));
  const decline = button(page, T('terms.decline'));
  await tabTo(page, accept);
  await page.keyboard.press('Tab');
  assert.ok(await hasFocus(decline), `Tab goes from Accept to Decline (focus: ${await describeFocus(page)})`);
  await page.keyboard.press('Shift+Tab');
  assert.ok(await hasFocus(accept), 'Shift+Tab goes back to Accept');
  const reflow = await reflowAt(page, {
    during: async () => {
      const n = String(++w.n).padStart(2, '0');
      await page.screenshot({ path: path.join(SCREENSHOTS, `${w.prefix}-${n}-${name}-320px.png`), fullPage: true });
      const { violations } = await runAxe(page);
      rec.violations.push(...violations.map((v) => ({ ...v, id: `${v.id} (at 320 px)` })));
    },
  });
  assert.ok(reflow.scrollWidth <= reflow.width && reflow.overflowing.length === 0,
    `the terms page scrolls sideways at 320 px (scrollWidth ${reflow.scrollWidth} > ${reflow.width}): ${reflow.overflowing.join(', ')}`);
  return rec;
}

for (const lang of ['en', 'fr']) {
  const T = (key, ...args) => msg(lang, key, ...args);
  btest(`${lang}: the trusted-trader portal's terms of use, accepted then declined, at 320 px too, with the keyboard alone`, async (t) => {
    if (!ACCOUNTS[lang]) {
      t.skip(`the ${lang} account was not made (the sign-up walk failed)`);
      return;
    }
    const { id, secret } = ACCOUNTS[lang];
    const w = await new Walk(t, lang, `${lang}-c`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    const signIn = async () => {
      await fromRelyingParty(w, { uiLocales: lang === 'fr', url: demo.traderURL });
      await w.expectTitle(T('chooser.title'));
      await activate(page, button(page, SERVICE[lang]));
      await typeInto(page, page.locator('#username'), id);
      await typeInto(page, page.locator('#password'), PASSWORD);
      await activate(page, button(page, T('local.submit')));
      await totpChallenge(w, T, secret);
    };
    const trader = new URL(demo.traderURL).origin;
    try {
      // The portal's own page, linking both demo services.
      await page.goto(demo.traderURL);
      await w.check('trader-portal', { title: TRADER, lang: 'en', origin: trader });
      assert.equal(await page.locator('nav.services a[aria-current="page"]').getAttribute('href'), demo.traderURL, 'the trader portal is the current service');
      assert.equal(await page.locator(`nav.services a[href="${demo.rpURL}"]`).count(), 1, 'the government portal is linked');

      // 1. Sign in: a second factor, the business (activated by the code
      // mailed for it), then the terms; Accept → signed in.
      await signIn();
      await activateBusiness(w, T, { number: DEMO_BUSINESS[lang], outboxURL: demo.outboxURL });
      await checkTerms(w, T, 'terms');
      await activate(page, button(page, T('terms.accept')));
      await page.waitForURL((u) => u.href === demo.traderURL, { timeout: 15000 })
        .catch(async (err) => { throw new Error(`never back at the trader portal: ${err.message}${await w.describe()}`); });
      assert.match(await page.locator('pre').first().innerText(), /"sub"/, `claims shown at the trader portal${await w.describe()}`);
      await w.check('trader-signed-in', { title: TRADER, lang: 'en', origin: trader });
      await walkOrgPages(w, T, { issuer: demo.issuer, totp: () => totpChallenge(w, T, secret) });
      await page.goto(demo.traderURL);

      // 2. Sign out, sign in again: the terms again (every sign-in); Decline
      // → the portal's "You are not signed in" page (access_denied).
      await activate(page, page.getByRole('button', { name: /^Sign out/ }));
      await page.waitForURL((u) => u.href.startsWith(demo.traderURL), { timeout: 15000 });
      await signIn();
      await checkTerms(w, T, 'terms-again');
      await activate(page, button(page, T('terms.decline')));
      await page.waitForURL((u) => u.href.startsWith(`${demo.traderURL}callback`), { timeout: 15000 })
        .catch(async (err) => { throw new Error(`never back at the trader portal: ${err.message}${await w.describe()}`); });
      const denied = page.locator('main .denied');
      assert.ok(await denied.isVisible(), `the not-signed-in box${await w.describe()}`);
      assert.match(await denied.locator('h2').innerText(), /^You are not signed in \/ Vous n’êtes pas connecté$/);
      assert.match(await denied.innerText(), /access_denied/);
      assert.equal(await page.locator('pre').count(), 0, 'no claims after declining');
      await w.check('trader-access-denied', { title: TRADER, lang: 'en', origin: trader });
      const reflow = await reflowAt(page, {
        during: () => page.screenshot({ path: path.join(SCREENSHOTS, `${w.prefix}-${String(++w.n).padStart(2, '0')}-trader-access-denied-320px.png`), fullPage: true }),
      });
      assert.ok(reflow.scrollWidth <= reflow.width && reflow.overflowing.length === 0,
        `the access-denied page scrolls sideways at 320 px: ${reflow.overflowing.join(', ')}`);

      diagnose(t, `${lang} trader pages checked:`, summary(w.checked));
      w.assertClean();
    } catch (err) {
      diagnose(t, `${lang} trader pages checked before the failure:`, summary(w.checked));
      throw err;
    } finally {
      await w.close();
    }
  });
}

// The demo's dormant account (cmd/passerelle/demo_dormant.go): robin at
// Maple Bank, unused for three years; and Quebec's basic identity (alex)
// where the service asks for loa3.
const BANK = { en: 'Maple Bank (demo)', fr: 'Banque Érable (démo)' }; // cmd/passerelle/demo.go
const QUEBEC = { en: 'Quebec government authentication (demo)', fr: 'Authentification gouvernementale du Québec (démo)' };

/** Fails if the page now shown scrolls sideways at 320 px (and saves its screenshot). */
async function fitsAt320(w, name) {
  const reflow = await reflowAt(w.page, {
    during: () => w.page.screenshot({ path: path.join(SCREENSHOTS, `${w.prefix}-${String(++w.n).padStart(2, '0')}-${name}-320px.png`), fullPage: true }),
  });
  assert.ok(reflow.scrollWidth <= reflow.width && reflow.overflowing.length === 0,
    `the ${name} page scrolls sideways at 320 px: ${reflow.overflowing.join(', ')}`);
}
for (const lang of ['en', 'fr']) {
  const T = (key, ...args) => msg(lang, key, ...args);
  btest(`${lang}: a dormant account's sign-in, and a basic identity where a proven one is needed, stop on their pages, with the keyboard alone`, async (t) => {
    const w = await new Walk(t, lang, `${lang}-dormant`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    try {
      await fromRelyingParty(w, { uiLocales: lang === 'fr' });
      await w.expectTitle(T('chooser.title'));
      await activate(page, button(page, PARTNER[lang]));
      await w.expectTitle(PARTNER[lang]);
      await activate(page, button(page, BANK[lang]));
      await page.locator('#username').waitFor({ timeout: 15000 });
      await typeInto(page, page.locator('#username'), 'robin');
      await typeInto(page, page.locator('#password'), 'demo-password');
      await activate(page, page.locator('button[value="signin"]'));
      await w.check('dormant', { title: T('error.dormant.title') });
      assert.match(await page.locator('main').innerText(), /1-800-555-0100/, `the contact is shown${await w.describe()}`);
      await fitsAt320(w, 'dormant');

      // Seed 003: a service that needs loa3 (acr_values), Quebec's basic
      // identity (alex): the page says the level is not met.
      const authz = new URL('/authorize', demo.issuer);
      authz.search = new URLSearchParams({
        client_id: 'demo-rp', redirect_uri: `${demo.rpURL}callback`, response_type: 'code', scope: 'openid',
        state: 'a11y-acr', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
        acr_values: 'urn:gc-ca:cyber-auth:assurance:loa3', ui_locales: lang,
      }).toString();
      await page.goto(authz.href);
      await w.expectTitle(T('chooser.title'));
      await activate(page, button(page, QUEBEC[lang]));
      await page.locator('#username').waitFor({ timeout: 15000 });
      await typeInto(page, page.locator('#username'), 'alex');
      await typeInto(page, page.locator('#password'), 'demo-password');
      await activate(page, page.locator('button[value="signin"]'));
      await w.check('upstream-assurance', { title: T('error.upstream_assurance.title') });
      await fitsAt320(w, 'upstream-assurance');
      // Its way back: the chooser again, by the keyboard.
      await activate(page, link(page, T('nav.retry')));
      await w.expectTitle(T('chooser.title'));
      diagnose(t, `${lang} dormant pages checked:`, summary(w.checked));
      w.assertClean();
    } catch (err) {
      diagnose(t, `${lang} dormant pages checked before the failure:`, summary(w.checked));
      throw err;
    } finally {
      await w.close();
    }
  });
}

// The demo's IP office (legacy accounts) and certificate office (record
// file): cmd/passerelle/demo_files.go. Each language joins its own former
// account and file, since one can be joined to one account only; each
// office is its own walk (a new browser, so no SSO session between them).
const OFFICES = {
  en: { legacy: ['marie.tremblay', 'ancien-mot-de-passe', 'OPIC-100234'], record: ['C-2019-0042', '1980-02-29', 'dossier@certificats.example'] },
  fr: { legacy: ['jlee', 'mot-de-passe-2018', 'OPIC-100871'], record: ['C-2021-0310', '1975-07-01', 'agence@certificats.example'] },
};

/** Signs in to the demo office at url with the language's account; ends past the second factor. */
async function officeSignIn(w, T, lang, url) {
  const { id, secret } = ACCOUNTS[lang];
  const page = w.page;
  await fromRelyingParty(w, { uiLocales: lang === 'fr', url });
  await w.expectTitle(T('chooser.title'));
  await activate(page, button(page, SERVICE[lang]));
  await typeInto(page, page.locator('#username'), id);
  await typeInto(page, page.locator('#password'), PASSWORD);
  await activate(page, button(page, T('local.submit')));
  await totpChallenge(w, T, secret);
}

/** Waits until the walk is back at the office at url. */
async function backAt(w, url) {
  await w.page.waitForURL((u) => u.href === url, { timeout: 15000 })
    .catch(async (err) => { throw new Error(`never back at ${url}: ${err.message}${await w.describe()}`); });
}

for (const lang of ['en', 'fr']) {
  const T = (key, ...args) => msg(lang, key, ...args);
  btest(`${lang}: the IP office's former account, a wrong password then the right one, with the keyboard alone`, async (t) => {
    if (!ACCOUNTS[lang]) {
      t.skip(`the ${lang} account was not made (the sign-up walk failed)`);
      return;
    }
    const w = await new Walk(t, lang, `${lang}-ipo`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    const [user, pass, legacyID] = OFFICES[lang].legacy;
    try {
      await officeSignIn(w, T, lang, demo.ipoURL);
      await w.check('legacy', { title: T('legacy.title') });
      await typeInto(page, page.locator('#username'), user);
      await typeInto(page, page.locator('#password'), 'not-the-password');
      await activate(page, button(page, T('legacy.submit')));
      await w.check('legacy-wrong', { title: T('legacy.title') });
      assert.ok((await page.locator('.error-summary').innerText()).includes(T('legacy.error.credentials')), `the one wrong-answer message${await w.describe()}`);
      await typeInto(page, page.locator('#password'), pass);
      await activate(page, button(page, T('legacy.submit')));
      await backAt(w, demo.ipoURL);
      assert.match(await page.locator('pre').first().innerText(), new RegExp(`"ipo_client_number": "${legacyID}"`), `the former client number${await w.describe()}`);
      diagnose(t, `${lang} IP office pages checked:`, summary(w.checked));
      w.assertClean();
    } catch (err) {
      diagnose(t, `${lang} IP office pages checked before the failure:`, summary(w.checked));
      throw err;
    } finally {
      await w.close();
    }
  });

  btest(`${lang}: the certificate office's file, a wrong date, the other ways, then the code (en) or an agent's help (fr), with the keyboard alone`, async (t) => {
    if (!ACCOUNTS[lang]) {
      t.skip(`the ${lang} account was not made (the sign-up walk failed)`);
      return;
    }
    const w = await new Walk(t, lang, `${lang}-certificates`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    const [number, born, onFile] = OFFICES[lang].record;
    try {
      await officeSignIn(w, T, lang, demo.certificatesURL);
      await w.check('record-find', { title: T('record.title.find') });
      await typeInto(page, page.locator('#certificate_number'), number);
      await typeInto(page, page.locator('#birth_date'), '2001-01-01');
      await activate(page, button(page, T('record.find.submit')));
      await w.check('record-nomatch', { title: T('record.title.find') });
      await typeInto(page, page.locator('#birth_date'), born);
      await activate(page, button(page, T('record.find.submit')));
      await w.check('record-code', { title: T('record.title.code') });
      if (lang === 'en') {
        // The other ways, then back to the code.
        await activate(page, link(page, T('record.code.lost')));
        await w.check('record-other', { title: T('record.title.other') });
        await activate(page, link(page, T('record.back')));
        await w.expectTitle(T('record.title.code'));
        const code = await w.codeFromOutbox(onFile);
        await typeInto(page, page.locator('#code'), code);
        await activate(page, button(page, T('record.code.submit')));
        await backAt(w, demo.certificatesURL);
        assert.match(await page.locator('pre').first().innerText(), /"certificate_file": "CERT-2019-0042"/, `the file's ID${await w.describe()}`);
      } else {
        await activate(page, link(page, T('record.code.lost')));
        await w.check('record-other', { title: T('record.title.other') });
        await activate(page, button(page, T('record.assist.submit')));
        await w.check('record-assisted', { title: T('record.title.assisted') });
        await activate(page, button(page, T('record.continue')));
        await backAt(w, demo.certificatesURL);
      }
      diagnose(t, `${lang} certificate office pages checked:`, summary(w.checked));
      w.assertClean();
    } catch (err) {
      diagnose(t, `${lang} certificate office pages checked before the failure:`, summary(w.checked));
      throw err;
    } finally {
      await w.close();
    }
  });
}

btest('bilingual language choice (Accept-Language: de, no ui_locales), then French by the keyboard', async (t) => {
  const w = await new Walk(t, 'en', 'bi').open({ locale: 'de-DE', acceptLanguage: 'de' });
  const page = w.page;
  try {
    await fromRelyingParty(w);
    // The page is bilingual: <html lang="en">, its French parts marked lang="fr".
    const rec = await w.check('language-choice', { title: `${msg('en', 'language.title')} / ${msg('fr', 'language.title')}`, lang: 'en' });
    assert.equal(await page.locator('main h1 span[lang="fr"]').innerText(), msg('fr', 'language.title'), 'the French heading is marked lang="fr"');
    assert.ok(rec);
    await activate(page, page.locator(`main a[hreflang="fr"]`));
    await w.check('chooser-fr', { title: msg('fr', 'chooser.title'), lang: 'fr' });
    diagnose(t, 'bilingual pages checked:', summary(w.checked));
    w.assertClean();
  } catch (err) {
    diagnose(t, 'bilingual pages checked before the failure:', summary(w.checked));
    throw err;
  } finally {
    await w.close();
  }
});

test('summary: every Passerelle page checked, with axe-core results', (t) => {
  if (!HAVE_CHROMIUM) {
    t.skip(NO_CHROMIUM);
    return;
  }
  const bad = CHECKED.filter((r) => r.violations.length || r.htmlLang !== r.expectedLang);
  diagnose(t, `${CHECKED.length} Passerelle pages checked (screenshots in ${SCREENSHOTS}):`, summary(CHECKED));
  t.diagnostic(`${bad.length} page(s) with a WCAG 2.1 A/AA violation or a wrong <html lang>`);
  assert.ok(CHECKED.length > 0, 'some pages were checked');
});
