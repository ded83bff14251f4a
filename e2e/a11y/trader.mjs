// The accessibility walk, part 2 (see a11y.test.mjs): per language, the
// trusted-trader portal's organization and terms of use steps, accepted
// then declined, at 320 px too; with the keyboard alone.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../lib/passerelle.mjs';
import { activateBusiness, walkOrgPages, DEMO_BUSINESS } from '../lib/orgs.mjs';

import {
  demo, btest, Walk, msg, button, fromRelyingParty, totpChallenge,
  SCREENSHOTS, PASSWORD, SERVICE, ACCOUNTS,
} from '../lib/walk.mjs';
import { runAxe, tabTo, hasFocus, activate, typeInto, describeFocus, reflowAt } from '../lib/a11y.mjs';

// The trusted-trader portal's terms of use, as the demo shows them
// (cmd/passerelle/demoterms): paragraphs split at blank lines.
const TERMS = Object.fromEntries(['en', 'fr'].map((l) => [l,
  readFileSync(path.join(REPO_ROOT, 'cmd', 'passerelle', 'demoterms', `trader.${l}.txt`), 'utf8')
    .split(/\n\s*\n/).map((p) => p.split(/\s+/).filter(Boolean).join(' ')).filter(Boolean)]));
const TRADER = 'Trusted-trader portal (demonstration) / Portail des négociants dignes de confiance (démonstration)'; // cmd/passerelle/demo.go


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
    await w.walk(`${lang} trader`, async () => {
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

    });
  });
}
