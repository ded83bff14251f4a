// The accessibility walk's shared parts (a11y.test.mjs and a11y/*.mjs):
// the demo and Chromium it runs against, Passerelle's messages, the Walk
// (one person's browser in one language, checking every Passerelle page:
// its heading, <html lang>, axe-core, HTML_CodeSniffer, the reflow at
// 320 px, screenshots, and the titles of every step), and the challenges
// and starting points the walks share. See README.md, "a11y.test.mjs".

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { tempDir, REPO_ROOT } from './passerelle.mjs';
import { startDemoAndBrowser } from './demo.mjs';
import { trackedTests } from './tracked.mjs';
import {
  runAxe, runHtmlcs, tabTo, activate, typeInto, describeFocus, freshTotp, reflowAt,
} from './a11y.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the accessibility walk`;

export const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots', 'a11y');
export const PASSWORD = 'correct horse battery staple';
export const WALK_TIMEOUT = 360_000; // a TOTP code is single use: the walk may wait for the next 30 s step; a busy machine is slow

// Passerelle's own messages, so the test follows the translations.
export const MESSAGES = Object.fromEntries(['en', 'fr'].map((l) => [l,
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'broker', 'ui', 'messages', `${l}.json`), 'utf8'))]));
export const SERVICE = { en: 'GCKey (demo)', fr: 'CléGC (démo)' }; // cmd/passerelle/demo.go
export const PARTNER = { en: 'Sign-In Partner', fr: 'Partenaire de connexion' };
export const LANG_NAME = { en: 'English', fr: 'Français' };
/** Passerelle's message key in lang, with %s / %d filled in order. */
export function msg(lang, key, ...args) {
  const s = MESSAGES[lang][key];
  if (s === undefined) throw new Error(`no message ${key} in ${lang}.json`);
  let i = 0;
  return s.replace(/%[sd]/g, () => String(args[i++]));
}

let dir;
/** The running demo and Chromium, set by the walk's before hook. */
export let demo;
export let browser;
/**
 * every page checked: {lang, n, name, url, htmlLang, title, violations,
 * incomplete, file, reflow, htmlcs, docTitle, dataPage, errorSummary,
 * passerelle}
 */
export const CHECKED = [];
/** languages whose step-1 account has the authenticator app and the email code */
export const enrolled = {};
/** that account's username and authenticator-app key, by language */
export const ACCOUNTS = {};

/** Registers the walk's hooks: the demo and Chromium before, both stopped after. */
export function setUpWalk() {
  before(async () => {
    if (!HAVE_CHROMIUM) return;
    dir = await tempDir();
    ({ demo, browser } = await startDemoAndBrowser({ dir, chromiumPath: CHROMIUM, screenshots: SCREENSHOTS }));
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    if (failed() && demo) {
      process.stderr.write(`--- passerelle demo stderr ---\n${demo.stderr()}\n--- end ---\n`);
    }
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
}

/** test() that skips without Chromium and remembers a failure for after(). */
export const { test: btest, failed } = trackedTests({ skipReason: HAVE_CHROMIUM ? '' : NO_CHROMIUM, options: { timeout: WALK_TIMEOUT } });
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
export class Walk {
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
    const htmlcs = origin === demo.issuer ? await runHtmlcs(page) : [];
    const { docTitle, dataPage, errorSummary } = await page.evaluate(() => ({
      docTitle: document.title, dataPage: document.body.dataset.page || '', errorSummary: !!document.querySelector('main .error-summary'),
    }));
    // At phone width (390 px, a common phone) for a person to look at, and
    // at 320 px (WCAG 1.4.10) nothing may scroll sideways.
    const reflow = await reflowAt(page, {
      width: 390, height: 844,
      during: (p) => p.screenshot({ path: path.join(SCREENSHOTS, file.replace(/\.png$/, '-phone.png')), fullPage: true }),
    }).then(() => reflowAt(page, { width: 320 }));
    const rec = {
      lang: this.prefix, expectedLang: lang, n, name, url: page.url(), htmlLang, title: heading.trim(), violations, incomplete, file, reflow,
      htmlcs, docTitle, dataPage, errorSummary, passerelle: origin === demo.issuer,
    };
    CHECKED.push(rec);
    return rec;
  }

  /**
   * Runs the journey, then lists the pages it checked (a diagnostic line
   * each; "before the failure" when it fails) and fails on any of their
   * problems (assertClean); the browser context is closed in any case.
   */
  async walk(label, journey) {
    try {
      await journey();
      diagnose(this.t, `${label} pages checked:`, summary(this.checked));
      this.assertClean();
    } catch (err) {
      diagnose(this.t, `${label} pages checked before the failure:`, summary(this.checked));
      throw err;
    } finally {
      await this.close();
    }
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
      for (const e of r.htmlcs) problems.push(`${r.file}: HTML_CodeSniffer ${e.code}: ${e.msg}\n      ${e.element}`);
      problems.push(...titleProblems(r, r.expectedLang));
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

/**
 * The title rule of one Passerelle page (WCAG 2.4.2, 3.3.1): its <title>
 * starts with "Error:" / « Erreur : » exactly when the page shows an
 * error summary (a failed submission).
 */
function titleProblems(r, lang) {
  if (!r.passerelle) return [];
  const prefix = msg(lang, 'errors.title.prefix', '');
  if (r.errorSummary && !r.docTitle.startsWith(prefix)) return [`${r.file}: an error summary, but the title "${r.docTitle}" does not start with "${prefix}"`];
  if (!r.errorSummary && r.docTitle.startsWith(prefix)) return [`${r.file}: the title "${r.docTitle}" starts with "${prefix}" without an error summary`];
  return [];
}

/**
 * Fails when two kinds of Passerelle page (their <body data-page>) share
 * a title, in any walk: each step has a title of its own (WCAG 2.4.2).
 * Error pages are left out: they are not steps, and several errors share
 * the generic "Something went wrong".
 */
export function assertTitles(records) {
  const byTitle = new Map();
  for (const r of records) {
    if (!r.passerelle || r.dataPage === 'error') continue;
    const title = r.docTitle.replace(msg(r.expectedLang, 'errors.title.prefix', ''), '');
    const pages = byTitle.get(title) ?? new Map();
    pages.set(r.dataPage, [...(pages.get(r.dataPage) ?? []), r.file]);
    byTitle.set(title, pages);
  }
  const shared = [...byTitle].filter(([, pages]) => pages.size > 1)
    .map(([title, pages]) => `"${title}": ${[...pages].map(([p, files]) => `${p} (${files.join(', ')})`).join('; ')}`);
  assert.equal(shared.length, 0, `pages of different steps share a title:\n  ${shared.join('\n  ')}`);
}

/** The pages' diagnostic list: one line per page. */
export function summary(records) {
  return records.map((r) => {
    const v = (r.violations.length ? `${r.violations.length} VIOLATION(S): ${r.violations.map((x) => x.id).join(', ')}` : 'axe: 0 violations')
      + (r.passerelle ? (r.htmlcs.length ? `, ${r.htmlcs.length} HTML_CodeSniffer ERROR(S)` : ', HTML_CodeSniffer: 0 errors') + ` (${r.dataPage})` : '');
    const inc = r.incomplete.length ? `; needs review: ${r.incomplete.map((x) => x.id).join(', ')}` : '';
    const lang = r.htmlLang === r.expectedLang ? `lang=${r.htmlLang}` : `LANG=${r.htmlLang} (expected ${r.expectedLang})`;
    return `${r.file}  "${r.title}"  ${lang}  ${v}${inc}  ${new URL(r.url).pathname}`;
  });
}

/** A heading and one diagnostic line per item (the TAP reporter escapes newlines). */
export function diagnose(t, heading, lines) {
  t.diagnostic(heading);
  for (const l of lines) t.diagnostic(`  ${l}`);
}

/**
 * Passes the second-factor challenge of an account with an authenticator
 * app and an email code, with the email code (from the outbox): the
 * choice page when Passerelle asks which, else "Other ways to confirm".
 */
export async function emailChallenge(w, T, email) {
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
export async function totpChallenge(w, T, secret) {
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

export const button = (page, name) => page.getByRole('button', { name, exact: true });
export const link = (page, name) => page.getByRole('link', { name, exact: true });

/**
 * Opens a demo relying party (the government portal unless url names
 * another) and signs in: in French, Space ticks the "French sign-in
 * pages" option (ui_locales=fr) first. Ends on the page after
 * Passerelle's /authorize.
 */
export async function fromRelyingParty(w, { uiLocales, url = demo.rpURL } = {}) {
  const page = w.page;
  await page.goto(url);
  if (uiLocales) {
    await tabTo(page, page.locator('#opt-locale'));
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#opt-locale').isChecked(), 'Space ticks ui_locales=fr');
  }
  await activate(page, page.getByRole('button', { name: /^Sign in/ }));
}
