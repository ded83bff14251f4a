// A careless person, in a real browser: Debian's Chromium driven by
// playwright-core through `passerelle demo`, once in English and once in
// French, does what people do (issue 13): opens the sign-in in two tabs,
// switches language halfway, types wrong codes before the right one,
// reloads the recovery codes page and comes back to it, presses Continue
// twice (one answer reaches the service), uses the Back button after
// signing in and opens the finished sign-in's address again ("already
// signed in", never a new code), types an address that does not exist,
// lets the account window run to its warning before asking for more
// time, and makes new recovery codes from the security page (reload,
// print, download). Every Passerelle page on the way gets axe-core (WCAG 2.1 A/AA:
// zero violations), HTML_CodeSniffer (WCAG2AA: zero errors), its <html lang>, a check that nothing scrolls
// sideways at 320 px, and screenshots at desktop and phone width in
// e2e/screenshots/careless/ (ignored by git). See README.md.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { tempDir, REPO_ROOT } from './lib/passerelle.mjs';
import { startDemoAndBrowser } from './lib/demo.mjs';
import { trackedTests } from './lib/tracked.mjs';
import { runAxe, runHtmlcs, freshTotp, reflowAt } from './lib/a11y.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', 'careless');
const MESSAGES = Object.fromEntries(['en', 'fr'].map((l) => [l,
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'broker', 'ui', 'messages', `${l}.json`), 'utf8'))]));
const PARTNER = { en: 'Sign-In Partner', fr: 'Partenaire de connexion' }; // cmd/passerelle/demo.go
// Each language signs in at its own bank, so each makes a new account.
const BANK = { en: 'Maple Bank (demo)', fr: 'Caisse du Nord (démo)' };

function msg(lang, key, ...args) {
  const s = MESSAGES[lang][key];
  if (s === undefined) throw new Error(`no message ${key} in ${lang}.json`);
  let i = 0;
  return s.replace(/%[sd]/g, () => String(args[i++]));
}

let dir;
let demo;
let browser;

before(async () => {
  if (!HAVE_CHROMIUM) return;
  dir = await tempDir();
  ({ demo, browser } = await startDemoAndBrowser({ dir, chromiumPath: CHROMIUM, screenshots: SCREENSHOTS }));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await fs.rm(dir ?? '', { recursive: true, force: true }).catch(() => {});
});

const { test: btest } = trackedTests({
  skipReason: HAVE_CHROMIUM ? '' : `${CHROMIUM} not found: install Debian's chromium to run the careless-user tests`,
  options: { timeout: 360_000 },
});

/** One person's browser in one language, and the Passerelle pages it checked. */
class Person {
  constructor(lang) {
    this.lang = lang;
    this.n = 0;
    this.problems = [];
    this.lastStep = -1;
    this.T = (key, ...args) => msg(lang, key, ...args);
  }

  async open() {
    this.context = await browser.newContext({
      bypassCSP: true, // only so that axe-core can be injected
      locale: this.lang === 'en' ? 'en-CA' : 'fr-CA',
      extraHTTPHeaders: { 'Accept-Language': this.lang },
    });
    this.page = await this.context.newPage();
    this.page.on('pageerror', (e) => this.problems.push(`pageerror: ${e.message} (${this.page.url()})`));
    return this;
  }

  /** Checks the Passerelle page shown: h1, lang, axe, 320 px, screenshots. */
  async check(name, { title, lang = this.lang, page = this.page } = {}) {
    await page.waitForLoadState('load');
    const h1 = (await page.locator('main h1').first().innerText().catch(() => '(no h1)')).trim();
    if (title !== undefined) assert.equal(h1, title, `${name}: heading at ${page.url()}`);
    const file = `${this.lang}-${String(++this.n).padStart(2, '0')}-${name}`;
    await page.screenshot({ path: path.join(SCREENSHOTS, `${file}.png`), fullPage: true });
    const reflow = await reflowAt(page, {
      width: 390, height: 844,
      during: (p) => p.screenshot({ path: path.join(SCREENSHOTS, `${file}-phone.png`), fullPage: true }),
    }).then(() => reflowAt(page, { width: 320 }));
    if (reflow.scrollWidth > reflow.width) this.problems.push(`${file}: scrolls sideways at 320 px: ${reflow.overflowing.slice(0, 5).join(', ')}`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) this.problems.push(`${file}: <html lang="${htmlLang}">, want ${lang}`);
    const { violations } = await runAxe(page);
    for (const v of violations) this.problems.push(`${file}: axe ${v.id}: ${v.help} ${v.targets.map((x) => x.target).join(' ')}`);
    for (const e of await runHtmlcs(page)) this.problems.push(`${file}: HTML_CodeSniffer ${e.code}: ${e.msg} ${e.element}`);
    return h1;
  }

  async typeTotp(secret) {
    const { code, step } = await freshTotp(secret, this.lastStep);
    this.lastStep = step;
    await this.page.fill('#code', code);
  }

  button(name, page = this.page) { return page.getByRole('button', { name, exact: true }); }

  async close() { await this.context?.close(); }
}

/** From the demo relying party to Passerelle's chooser in page. */
async function startSignIn(page) {
  await page.goto(demo.rpURL);
  await page.getByRole('button', { name: /^Sign in/ }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/login/'));
}

/** The chooser → the Sign-In Partner list → the bank → its sign-in form. */
async function throughBank(p, page, { check = false } = {}) {
  await p.button(PARTNER[p.lang], page).click();
  if (check) await p.check('banks', { title: PARTNER[p.lang], page });
  await p.button(BANK[p.lang], page).click();
  if (await page.locator('#username').count()) {
    await page.fill('#username', p.lang === 'en' ? 'alex' : 'sam');
    await page.fill('#password', 'demo-password');
    await page.locator('button[value="signin"]').click();
  }
  await page.waitForLoadState('load');
}

for (const lang of ['en', 'fr']) {
  btest(`${lang}: a careless person: two tabs, language switch, wrong codes, reload, double submit, the finished sign-in again, a wrong address, the account window running out, new recovery codes`, async () => {
    const p = await new Person(lang).open();
    const { page, T } = p;
    const other = lang === 'en' ? 'fr' : 'en';
    try {
      // Two tabs: the sign-in is started twice.
      await startSignIn(page);
      await p.check('chooser', { title: T('chooser.title') });
      assert.match(await page.locator('[data-left-text]').innerText(), /30/, 'the chooser says how long is left');
      const tab2 = await p.context.newPage();
      await startSignIn(tab2);

      await throughBank(p, page, { check: true });
      await p.check('first-sign-in', { title: T('firstlogin.title') });
      await p.button(T('firstlogin.create.submit')).click();
      await p.check('mfa-set-up', { title: T('mfa.enrol.title') });
      await p.button(T('mfa.kind.totp')).click();
      await p.check('totp-set-up', { title: T('totp.title') });
      const secret = (await page.locator('code.secret').innerText()).replace(/\s+/g, '');

      // Language switch halfway: the same set-up, the same key, in the other language.
      await page.locator(`.lang-toggle a[lang="${other}"]`).click();
      await page.waitForLoadState('load');
      await p.check('totp-set-up-other-language', { title: msg(other, 'totp.title'), lang: other });
      assert.equal((await page.locator('code.secret').innerText()).replace(/\s+/g, ''), secret, 'the key survives the language switch');
      await page.locator(`.lang-toggle a[lang="${lang}"]`).click();
      await page.waitForLoadState('load');

      // Wrong codes, then the right one.
      for (let i = 0; i < 3; i++) {
        await page.fill('#code', '000000');
        await p.button(T('mfa.continue')).click();
        await page.waitForLoadState('load');
        assert.ok(await page.locator('.error-summary').isVisible(), `wrong code ${i + 1}: the error summary`);
        assert.ok((await page.title()).startsWith(T('errors.title.prefix', '')), `wrong code ${i + 1}: title ${await page.title()}`);
      }
      await p.check('totp-wrong-code', { title: T('totp.title') });
      await p.typeTotp(secret);
      await p.button(T('mfa.continue')).click();

      // The recovery codes: a reload and the dispatcher's address show them again.
      await p.check('recovery-codes', { title: T('recovery.title') });
      const codes = await page.locator('ol.recovery-codes li').allInnerTexts();
      assert.equal(codes.length, 10);
      await page.reload();
      assert.deepEqual(await page.locator('ol.recovery-codes li').allInnerTexts(), codes, 'a reload shows the same codes');
      const dispatcher = new URL(page.url()).pathname.replace(/\/mfa\/codes$/, '');
      await page.goto(new URL(dispatcher, demo.issuer).href);
      assert.deepEqual(await page.locator('ol.recovery-codes li').allInnerTexts(), codes, 'skipping ahead shows the same codes');
      assert.ok(await page.getByRole('link', { name: T('recovery.download') }).isVisible(), 'a download link');
      assert.ok(await p.button(T('recovery.print')).isVisible(), 'a print button');
      // Continue without ticking the box: the page's own error summary.
      await p.button(T('mfa.continue')).click();
      await page.waitForLoadState('load');
      await p.check('recovery-codes-unticked', { title: T('recovery.title') });
      assert.deepEqual(await page.locator('ol.recovery-codes li').allInnerTexts(), codes);
      // Double submit: one answer reaches the service, which signs the
      // person in (a second answer would overtake the first, whose state
      // the service spent, and sign nobody in).
      await page.check('#saved');
      await p.button(T('mfa.continue')).dblclick();
      await page.waitForURL((u) => u.href === demo.rpURL, { timeout: 15000 });
      assert.match(await page.locator('pre').first().innerText(), /"sub"/, 'the service shows the person signed in after a double submit');

      // The finished sign-in's address again (a bookmark, Back from
      // another page): "You are already signed in", with the way back to
      // the service; never "took too long", never a new code.
      await page.goto(new URL(dispatcher, demo.issuer).href);
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).origin, demo.issuer, `the finished sign-in revisited left Passerelle: ${page.url()}`);
      await p.check('finished-sign-in-again', { title: T('error.signed_in.title') });
      const service = page.locator('main .page-links a').first();
      assert.equal(new URL(await service.getAttribute('href')).origin, new URL(demo.rpURL).origin, 'the first link leads to the service');
      await service.click();
      await page.waitForURL((u) => u.origin === new URL(demo.rpURL).origin, { timeout: 15000 });

      // The second tab goes on: the SSO session signs it in.
      await tab2.bringToFront();
      await throughBank(p, tab2);
      if (new URL(tab2.url()).origin === demo.issuer) {
        await p.check('second-tab', { page: tab2 });
        if (await tab2.locator('#code').count()) {
          const { code, step } = await freshTotp(secret, p.lastStep);
          p.lastStep = step;
          await tab2.fill('#code', code);
          await p.button(T('mfa.continue'), tab2).click();
        }
      }
      await tab2.waitForURL((u) => u.href === demo.rpURL, { timeout: 15000 });
      assert.match(await tab2.locator('pre').first().innerText(), /"sub"/, 'the second tab is signed in at the service too');

      // A wrong address: the framed, bilingual 404.
      const res = await page.goto(`${demo.issuer}/no-such-page`);
      assert.equal(res.status(), 404);
      await p.check('not-found', { title: T('error.not_found.title') });
      assert.ok((await page.title()).includes(T('error.not_found.title')));

      // The account window (WCAG 2.2.1): the person starts typing a new
      // address and steps away; the browser's clock (Playwright's, not a
      // wait) runs on to 90 seconds before the window closes; the warning
      // asks, "more time" answers without leaving the page, and what was
      // typed is still there.
      await page.clock.install();
      await page.goto(`${demo.issuer}/account`);
      await page.waitForLoadState('load');
      await p.typeTotp(secret);
      await p.button(T('mfa.continue')).click();
      await page.waitForURL((u) => u.pathname === '/account', { timeout: 15000 });
      const left = page.locator('[data-left-text]');
      assert.equal(await left.innerText(), T('window.left', T('time.minutes', 10)), 'the account page says how long it stays open');
      await page.fill('#email', 'careless.new@example.org');
      await page.clock.fastForward('08:30');
      await page.locator('[data-warning]').waitFor({ state: 'visible' });
      assert.equal(await page.locator('[data-warning-text]').innerText(), T('window.soon'));
      assert.equal(await left.innerText(), T('window.left', T('time.minutes', 2)), '90 seconds left, in words');
      await p.check('account-window-warning', { title: T('account.title') });
      await p.button(T('limit.extend')).click();
      await page.locator('[data-warning-text]', { hasText: T('limit.extended') }).waitFor();
      assert.equal(await left.innerText(), T('window.left', T('time.minutes', 10)), 'a whole window again');
      assert.equal(await page.inputValue('#email'), 'careless.new@example.org', 'what was typed is still there');
      assert.equal(new URL(page.url()).pathname, '/account', 'the page was not left');

      // New recovery codes from the security page: the sign-in's page,
      // kept on reload until saved, with print and download.
      await page.getByRole('link', { name: T('account.security.link'), exact: true }).click();
      await p.check('security', { title: T('security.title') });
      await p.button(T('security.recovery.submit')).click();
      await p.check('account-recovery-codes', { title: T('recovery.title') });
      const fresh = await page.locator('ol.recovery-codes li').allInnerTexts();
      assert.equal(fresh.length, 10);
      assert.notDeepEqual(fresh, codes, 'a new set');
      await page.reload();
      assert.deepEqual(await page.locator('ol.recovery-codes li').allInnerTexts(), fresh, 'a reload shows the same new codes');
      assert.ok(await p.button(T('recovery.print')).isVisible(), 'a print button');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: T('recovery.download') }).click()]);
      const file = await fs.readFile(await download.path(), 'utf8');
      for (const c of fresh) assert.ok(file.includes(c), `the downloaded file holds ${c}`);
      await page.check('#saved');
      await p.button(T('mfa.continue')).click();
      await page.waitForURL((u) => u.pathname === '/account/security', { timeout: 15000 });
      assert.ok((await page.locator('main').innerText()).includes(T('security.notice.recovery')), 'the security page says the new codes are ready');

      assert.equal(p.problems.length, 0, `${p.problems.length} problem(s):\n  ${p.problems.join('\n  ')}`);
    } finally {
      await p.close();
    }
  });
}
