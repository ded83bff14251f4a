// The accessibility walk, part 3 (see a11y.test.mjs): per language, a
// dormant account and a basic identity where a proven one is needed, the
// IP office's former account and the certificate office's file; with the
// keyboard alone.

import assert from 'node:assert/strict';
import path from 'node:path';

import {
  demo, btest, Walk, msg, button, link, fromRelyingParty, totpChallenge,
  SCREENSHOTS, PASSWORD, SERVICE, PARTNER, ACCOUNTS,
} from '../lib/walk.mjs';
import { activate, typeInto, reflowAt } from '../lib/a11y.mjs';

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
    await w.walk(`${lang} dormant`, async () => {
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
    });
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
    await w.walk(`${lang} IP office`, async () => {
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
    });
  });

  btest(`${lang}: the certificate office's file, a wrong date, the other ways, then the code (en) or an agent's help (fr), with the keyboard alone`, async (t) => {
    if (!ACCOUNTS[lang]) {
      t.skip(`the ${lang} account was not made (the sign-up walk failed)`);
      return;
    }
    const w = await new Walk(t, lang, `${lang}-certificates`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    const [number, born, onFile] = OFFICES[lang].record;
    await w.walk(`${lang} certificate office`, async () => {
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
    });
  });
}
