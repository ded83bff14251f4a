// The accessibility walk, part 1 (see a11y.test.mjs): per language, the
// sign-up journey through the account and security pages, then a wrong
// password, the forgotten password, the errors, the home page and the
// language toggle; with the keyboard alone.

import assert from 'node:assert/strict';
import path from 'node:path';

import {
  demo, btest, Walk, msg, button, link, fromRelyingParty, emailChallenge,
  SCREENSHOTS, PASSWORD, SERVICE, PARTNER, MESSAGES, ACCOUNTS, enrolled,
} from '../lib/walk.mjs';
import { tabTo, hasFocus, activate, typeInto, describeFocus } from '../lib/a11y.mjs';

for (const lang of ['en', 'fr']) {
  const T = (key, ...args) => msg(lang, key, ...args);
  const other = lang === 'en' ? 'fr' : 'en';
  const id = `a11y-${lang}-${Date.now().toString(36)}`;
  const email = `${id}@example.org`;

  btest(`${lang}: sign-up journey with the keyboard alone, account and security pages, axe on every page`, async (t) => {
    const w = await new Walk(t, lang).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    await w.walk(`${lang}`, async () => {
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

    });
  });

  btest(`${lang}: wrong password, forgotten password, reset, errors, home and the language toggle, axe on every page`, async (t) => {
    const w = await new Walk(t, lang, `${lang}-b`).open({ locale: lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: lang });
    const page = w.page;
    await w.walk(`${lang}`, async () => {
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

    });
  });
}
