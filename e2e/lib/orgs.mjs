// The organization pages of the trusted-trader portal (seed 002), walked
// with the keyboard alone: the sign-in step that asks which business the
// person acts for (an activation code asked for by client number, read
// from the demo outbox, the demo's mail house, and entered), and the
// account's organization pages (the list, the business, an invitation
// code made and shown once). Every page is checked by the walk (axe,
// heading, language) and the business's page at 320 px.

import assert from 'node:assert/strict';
import { activate, typeInto, tabTo, reflowAt } from './a11y.mjs';

const button = (page, name) => page.getByRole('button', { name, exact: true });

/** The demo's businesses awaiting activation, one per walk (cmd/passerelle/demo_orgs.go). */
export const DEMO_BUSINESS = { en: '100000001RM0001', fr: '100000003RM0001' };

/**
 * On the organization step: asks for the activation code of number, reads
 * the letter in the outbox (a second tab) and enters it. Ends on the page
 * after the step.
 */
export async function activateBusiness(w, T, { number, outboxURL }) {
  const page = w.page;
  await w.check('org-step', { title: T('org.title') });
  await typeInto(page, page.locator('#request-number'), number);
  await activate(page, button(page, T('org.request.submit')));
  await w.check('org-step-requested', { title: T('org.title') });
  assert.ok(await page.locator('.notice').innerText().then((s) => s.includes(T('org.request.sent'))), `the request's notice${await w.describe()}`);
  const reflow = await reflowAt(page);
  assert.ok(reflow.scrollWidth <= reflow.width && reflow.overflowing.length === 0,
    `the organization step scrolls sideways at 320 px: ${reflow.overflowing.join(', ')}`);

  const mail = await w.newPage();
  await mail.goto(outboxURL);
  const text = await mail.locator('main').innerText();
  await mail.close();
  let code;
  for (const m of text.matchAll(/Client number \/ Numéro de client: (\S+)\s+Activation code \/ Code d’activation: (\S+)/g)) {
    if (m[1] === number) code = m[2];
  }
  assert.ok(code, `a letter for ${number} in the outbox:\n${text.slice(0, 1500)}`);

  await page.locator('#number').fill(''); // the page shows the number asked for again
  await typeInto(page, page.locator('#number'), number);
  await typeInto(page, page.locator('#activation-code'), code.toLowerCase());
  await activate(page, button(page, T('org.activate.submit')));
}

/**
 * The account's organization pages, after the second factor they ask
 * for (totp): the list, the business, an invitation code.
 */
export async function walkOrgPages(w, T, { issuer, totp }) {
  const page = w.page;
  await page.goto(`${issuer}/account/organizations`);
  await totp();
  await w.check('orgs', { title: T('orgs.title') });
  const row = page.locator('ul.page-links a').first();
  const name = (await row.innerText()).split(' — ')[0];
  await activate(page, row);
  await w.check('org', { title: name });
  await tabTo(page, page.locator('#invite-role'));
  await page.keyboard.press('ArrowDown'); // the second role offered
  await activate(page, button(page, T('org.invite.submit')));
  await w.check('org-invited', { title: name });
  const code = await page.locator('.notice code').innerText();
  assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/, `an invitation code shown${await w.describe()}`);
  const reflow = await reflowAt(page);
  assert.ok(reflow.scrollWidth <= reflow.width && reflow.overflowing.length === 0,
    `the organization page scrolls sideways at 320 px: ${reflow.overflowing.join(', ')}`);
}
