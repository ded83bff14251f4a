// Helpers for the accessibility walk (a11y.test.mjs): axe-core and
// HTML_CodeSniffer in the page,
// the keyboard as the only way to act, and RFC 6238 codes for the
// authenticator-app factor.

import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** axe-core's source, injected into each page. */
export const AXE_SOURCE = require('axe-core').source;

/** The WCAG 2.1 level A and AA rules. */
export const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page (injected with page.addScriptTag, which needs
 * a context made with bypassCSP: true, since Passerelle's CSP forbids
 * inline script). Returns {violations, incomplete}, each a list of
 * {id, impact, help, helpUrl, targets: [{target, summary}]}.
 */
export async function runAxe(page, tags = WCAG21AA) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const result = await page.evaluate(
    (values) => window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations', 'incomplete'] }),
    tags,
  );
  const simplify = (r) => ({
    id: r.id,
    impact: r.impact,
    help: r.help,
    helpUrl: r.helpUrl,
    targets: r.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary || '' })),
  });
  return { violations: result.violations.map(simplify), incomplete: result.incomplete.map(simplify) };
}

/** HTML_CodeSniffer's browser bundle (npm html_codesniffer), injected into each page. */
const HTMLCS_SOURCE = readFileSync(require.resolve('html_codesniffer/build/HTMLCS.js'), 'utf8');

/**
 * The HTML_CodeSniffer errors (WCAG2AA: what it counts as a sure failure)
 * this walk leaves out, each with why. Its warnings and notices are
 * things for a person to check, not failures, so they are not reported.
 */
export const HTMLCS_IGNORED = new Map([
]);

/**
 * Runs HTML_CodeSniffer's WCAG2AA standard on the page, a second engine
 * beside axe-core (injected like it: the context needs bypassCSP).
 * Returns its errors, less HTMLCS_IGNORED: [{code, msg, element}].
 */
export async function runHtmlcs(page) {
  if (!(await page.evaluate(() => typeof window.HTMLCS === 'object'))) {
    await page.addScriptTag({ content: HTMLCS_SOURCE });
  }
  return page.evaluate((ignored) => new Promise((resolve, reject) => {
    window.HTMLCS.process('WCAG2AA', document, () => {
      const describe = (e) => (e && e.outerHTML ? e.outerHTML.replace(/\s+/g, ' ').slice(0, 160) : String(e));
      resolve(window.HTMLCS.getMessages()
        .filter((m) => m.type === window.HTMLCS.ERROR && !ignored.includes(m.code))
        .map((m) => ({ code: m.code, msg: m.msg, element: describe(m.element) })));
    }, () => reject(new Error('HTML_CodeSniffer could not load WCAG2AA')), 'en');
  }), [...HTMLCS_IGNORED.keys()]);
}

/** A readable description of the focused element, for failure messages. */
export async function describeFocus(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'body';
    let s = e.tagName.toLowerCase();
    if (e.id) s += `#${e.id}`;
    if (e.getAttribute('name')) s += `[name=${e.getAttribute('name')}]`;
    const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    if (text) s += ` "${text.slice(0, 40)}"`;
    return s;
  });
}

/** Whether the locator's element is document.activeElement. */
export async function hasFocus(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

/**
 * Presses Tab (Shift+Tab with back) up to max times until the locator's
 * element has focus; fails with the path focus took otherwise.
 */
export async function tabTo(page, locator, { max = 40, back = false } = {}) {
  await locator.waitFor({ state: 'attached', timeout: 5000 });
  if ((await locator.count()) !== 1) throw new Error(`tabTo: ${locator} matches ${await locator.count()} elements`);
  const path = [];
  for (let i = 0; ; i++) {
    if (await hasFocus(locator)) return i;
    if (i >= max) break;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    path.push(await describeFocus(page));
  }
  throw new Error(`tabTo: ${locator} never had focus after ${max} presses of ${back ? 'Shift+Tab' : 'Tab'} at ${page.url()}; focus went: ${path.join(' → ')}`);
}

/**
 * Presses key (on whatever has focus) and waits until the main frame has
 * navigated and loaded: a link followed or a form submitted by the
 * keyboard, redirects included.
 */
export async function pressAndLoad(page, key = 'Enter', { timeout = 15000 } = {}) {
  const nav = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout });
  await page.keyboard.press(key);
  await nav;
  await page.waitForLoadState('load');
}

/** Tabs to the locator's element, then presses Enter and waits for the next page. */
export async function activate(page, locator, opts) {
  await tabTo(page, locator, opts);
  await pressAndLoad(page, 'Enter');
}

/** Tabs to a field and types value into it. */
export async function typeInto(page, locator, value, opts) {
  await tabTo(page, locator, opts);
  await page.keyboard.type(value);
}

/** RFC 4648 base32 (spaces, dashes and padding ignored). */
export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of clean) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(c)} in ${JSON.stringify(s)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA1, period 30 s) for a time step. */
export function totpCode(secretBase32, step, digits = 6) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

export const TOTP_PERIOD = 30;
export const currentStep = () => Math.floor(Date.now() / 1000 / TOTP_PERIOD);

/** The last TOTP step this process used, per secret. */
const usedSteps = new Map();

/**
 * A code for a step after lastStep, as the server accepts one step of skew
 * and never the same step twice: the current step if unused, else the
 * next one, else it waits. Returns {code, step}.
 */
export async function freshTotp(secretBase32, lastStep = -1) {
  // The server refuses a step already used by the account, whichever walk
  // used it: the walks of one language share their account.
  lastStep = Math.max(lastStep, usedSteps.get(secretBase32) ?? -1);
  for (;;) {
    const now = currentStep();
    const step = Math.max(now, lastStep + 1);
    if (step <= now + 1) {
      usedSteps.set(secretBase32, step);
      return { code: totpCode(secretBase32, step), step };
    }
    const wait = ((now + 1) * TOTP_PERIOD * 1000) - Date.now() + 200;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * Reflow (WCAG 2.1 SC 1.4.10): lays the page out at width CSS pixels
 * (320: 1280 px at 400 % zoom) and reports whether anything scrolls
 * sideways. Returns {width, scrollWidth, overflowing: [selector-ish of each
 * visible element whose right edge passes the viewport]}; during(page),
 * when given, runs at that width (a screenshot, axe); then the viewport is
 * put back as it was.
 */
export async function reflowAt(page, { width = 320, height = 640, during } = {}) {
  const before = page.viewportSize();
  await page.setViewportSize({ width, height });
  try {
    if (during) await during(page);
    return await page.evaluate(() => {
      const root = document.documentElement;
      const overflowing = [];
      for (const e of document.body.querySelectorAll('*')) {
        const r = e.getBoundingClientRect();
        if (r.width > 0 && r.right > root.clientWidth + 0.5) {
          let s = e.tagName.toLowerCase();
          if (e.id) s += `#${e.id}`;
          if (e.classList.length) s += `.${[...e.classList].join('.')}`;
          overflowing.push(`${s} (right edge ${Math.round(r.right)} px)`);
        }
      }
      return { width: root.clientWidth, scrollWidth: root.scrollWidth, overflowing };
    });
  } finally {
    if (before) await page.setViewportSize(before);
  }
}
