// The accessibility walk, part 3 (see a11y.test.mjs): the organization
// pages two people reach together, with the keyboard alone, each in their
// own language. After part 2 each account owns one business; each invites
// the other (a code shown once, entered on the other's account page), so
// each belongs to two and the sign-in's organization step becomes a
// chooser (English, then French); then the English owner offers
// ownership to the French member (the transfer form), who accepts it on
// their account page, and back again in the other languages. Every page
// is checked by the walk (axe, HTML_CodeSniffer, heading, language, 320
// px).

import assert from 'node:assert/strict';

import {
  demo, btest, Walk, msg, summary, diagnose, button, fromRelyingParty, totpChallenge,
  PASSWORD, SERVICE, ACCOUNTS,
} from '../lib/walk.mjs';
import { activate, typeInto, tabTo } from '../lib/a11y.mjs';

/** One person's walk: their browser, language and account. */
class Person {
  constructor(t, lang) {
    this.lang = lang;
    this.T = (key, ...args) => msg(lang, key, ...args);
    this.account = ACCOUNTS[lang];
    this.email = `${this.account.id}@example.org`; // as the sign-up walk registered it
    this.t = t;
  }

  async open() {
    this.w = await new Walk(this.t, this.lang, `${this.lang}-o`).open({ locale: this.lang === 'en' ? 'en-CA' : 'fr-CA', acceptLanguage: this.lang });
    this.page = this.w.page;
    return this;
  }

  /** Signs in to the trusted-trader portal, up to the page after the second factor. */
  async signIn() {
    const { page, w, T } = this;
    await fromRelyingParty(w, { uiLocales: this.lang === 'fr', url: demo.traderURL });
    await w.expectTitle(T('chooser.title'));
    await activate(page, button(page, SERVICE[this.lang]));
    await typeInto(page, page.locator('#username'), this.account.id);
    await typeInto(page, page.locator('#password'), PASSWORD);
    await activate(page, button(page, T('local.submit')));
    await totpChallenge(w, T, this.account.secret);
  }

  /** Accepts the portal's terms and waits to be back at the portal. */
  async acceptTerms() {
    const { page, w, T } = this;
    await w.expectTitle(T('terms.title'));
    await activate(page, button(page, T('terms.accept')));
    await page.waitForURL((u) => u.href === demo.traderURL, { timeout: 15000 })
      .catch(async (err) => { throw new Error(`never back at the trader portal: ${err.message}${await w.describe()}`); });
  }

  /** Signs out at the trader portal (which ends the Passerelle session too). */
  async signOut() {
    const { page } = this;
    await page.goto(demo.traderURL);
    await activate(page, page.getByRole('button', { name: /^Sign out/ }));
    await page.waitForURL((u) => u.href.startsWith(demo.traderURL), { timeout: 15000 });
  }

  /** Opens the account's organizations (the second factor again when asked). */
  async organizations() {
    const { page, w, T } = this;
    await page.goto(`${demo.issuer}/account/organizations`);
    if ((await page.locator('main h1').innerText()).trim() !== T('orgs.title')) await totpChallenge(w, T, this.account.secret);
    await w.expectTitle(T('orgs.title'));
  }

  /** Opens the business named name (by default the one the person owns). */
  async business(name) {
    const { page } = this;
    const row = page.locator('ul.page-links a').filter({ hasText: name ?? ownerRole(this.lang) });
    assert.equal(await row.count(), 1, `one row for ${name ?? 'the business owned'}${await this.w.describe()}`);
    const text = (await row.innerText()).split(' — ')[0];
    await activate(page, row);
    await this.w.expectTitle(text);
    return text;
  }

  /** On the business's page: an invitation code for a full-access user. */
  async invite() {
    const { page, w, T } = this;
    await tabTo(page, page.locator('#invite-role'));
    await page.keyboard.press('ArrowDown'); // delegated owner → full-access user
    await activate(page, button(page, T('org.invite.submit')));
    await w.check('org-invited');
    return page.locator('.notice code').innerText();
  }

  /** On the account's organizations: joins with code. */
  async join(code) {
    const { page, w, T } = this;
    await typeInto(page, page.locator('#code'), code);
    await activate(page, button(page, T('org.code.submit')));
    await w.check('orgs-joined', { title: T('orgs.title') });
    assert.ok((await page.locator('.notice').innerText()).includes(T('orgs.notice.joined')), `joined${await w.describe()}`);
  }
}

/** The owner's role in the demo's table (orgs.TrustedTrader), in lang. */
const ownerRole = (lang) => (lang === 'en' ? 'Account owner' : 'Propriétaire du compte');

btest('organizations of two people: the chooser with several, an offer of ownership and its acceptance, in English and French, at 320 px too, with the keyboard alone', async (t) => {
  if (!ACCOUNTS.en || !ACCOUNTS.fr) {
    t.skip('the accounts were not made (the sign-up walk failed)');
    return;
  }
  const en = await new Person(t, 'en').open();
  const fr = await new Person(t, 'fr').open();
  try {
    // Each signs in (one business each: no choice to make) and invites the other.
    const codes = {};
    for (const p of [en, fr]) {
      await p.signIn();
      await p.acceptTerms();
      await p.organizations();
      p.owned = await p.business();
      codes[p.lang] = await p.invite();
    }
    await en.organizations();
    await en.join(codes.fr);
    await fr.organizations();
    await fr.join(codes.en);

    // The organization step is now a chooser of two businesses.
    for (const p of [en, fr]) {
      await p.signOut();
      await p.signIn();
      await p.w.check('org-chooser', { title: p.T('org.title') });
      const choices = p.page.locator('ul.choices button');
      assert.equal(await choices.count(), 2, `two businesses to choose from${await p.w.describe()}`);
      await activate(p.page, choices.filter({ hasText: p.owned }));
      await p.acceptTerms();
    }

    // Ownership offered by one, accepted by the other, in both directions.
    for (const [from, to] of [[en, fr], [fr, en]]) {
      await to.page.goto(`${demo.issuer}/account`);
      if ((await to.page.locator('main h1').innerText()).trim() !== to.T('account.title')) await totpChallenge(to.w, to.T, to.account.secret);
      const urn = (await to.page.locator('main dl.details dd code').first().innerText()).trim();
      await from.organizations();
      const name = await from.business(from.owned);
      await from.w.check('org-transfer', { title: name });
      // The demo's accounts have no family name: the field stays empty.
      await typeInto(from.page, from.page.locator('#urn'), urn);
      await typeInto(from.page, from.page.locator('#email'), to.email);
      await activate(from.page, button(from.page, from.T('org.transfer.submit')));
      await from.w.check('org-transfer-offered', { title: name });
      assert.ok((await from.page.locator('.notice').innerText()).includes(from.T('org.notice.offered')), `offered${await from.w.describe()}`);

      await to.organizations();
      await to.w.check('orgs-offer', { title: to.T('orgs.title') });
      await activate(to.page, button(to.page, to.T('orgs.offer.accept')));
      await to.w.check('orgs-accepted', { title: to.T('orgs.title') });
      assert.ok((await to.page.locator('.notice').innerText()).includes(to.T('orgs.notice.accepted')), `accepted${await to.w.describe()}`);
    }
    for (const p of [en, fr]) {
      diagnose(t, `${p.lang} organization pages checked:`, summary(p.w.checked));
      p.w.assertClean();
    }
  } catch (err) {
    for (const p of [en, fr]) diagnose(t, `${p.lang} organization pages checked before the failure:`, summary(p.w.checked));
    throw err;
  } finally {
    await en.w.close();
    await fr.w.close();
  }
});
