// The upstream OpenID provider: oidc-provider (an OpenID-certified OP
// library) in-process on 127.0.0.1, with one client registered for
// Passerelle and a minimal programmatic login interaction.
//
//   GET  /interaction/:uid        a page naming the prompt (200)
//   POST /interaction/:uid/login  username=alice logs alice in
//
// Consent is implied: loadExistingGrant grants the scopes Passerelle asks
// for (openid email profile), as for a first-party client.

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

export const UPSTREAM_CLIENT_ID = 'passerelle';
export const UPSTREAM_CLIENT_SECRET = crypto.randomBytes(24).toString('base64url');

export const ACCOUNTS = {
  alice: {
    sub: 'alice-upstream-0001',
    email: 'alice@example.org',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Tremblay',
    name: 'Alice Tremblay',
    locale: 'en',
  },
};
// More people, so each interop sign-in is a person's first (each sets up
// a second factor once; a TOTP code is single use within its 30 s step).
for (const name of ['bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']) {
  ACCOUNTS[name] = {
    sub: `${name}-upstream-0001`, email: `${name}@example.org`, email_verified: true,
    given_name: name[0].toUpperCase() + name.slice(1), family_name: 'Gagnon', locale: 'fr',
  };
}

/**
 * Starts the upstream on a free loopback port. passerelleIssuer is where
 * Passerelle will listen: its callback is the registered redirect URI.
 * Returns {issuer, provider, close}.
 */
export async function startUpstream(passerelleIssuer) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const accountIdOf = new Map(Object.entries(ACCOUNTS).map(([login, a]) => [a.sub, login]));

  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-rs256', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: UPSTREAM_CLIENT_ID,
        client_secret: UPSTREAM_CLIENT_SECRET,
        redirect_uris: [passerelleIssuer + '/callback/upstream'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    claims: {
      // acr, amr and auth_time with every ID token (oidc-provider otherwise
      // releases them only when the request asks for them).
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'locale'],
    },
    // Put the scopes' claims in the ID token too (Passerelle reads the ID
    // token; use_userinfo is off by default).
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      const login = accountIdOf.get(id);
      if (!login) return undefined;
      const account = ACCOUNTS[login];
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // PKCE for every client, confidential ones included.
    pkce: { required: () => true },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });

  const oidc = provider.callback();
  server.on('request', (req, res) => {
    const m = /^\/interaction\/([^/?]+)(\/login)?(?:\?|$)/.exec(req.url);
    if (!m) return oidc(req, res);
    interaction(provider, req, res, m[1], Boolean(m[2])).catch((err) => {
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`upstream interaction failed: ${err.stack || err}`);
    });
  });

  return {
    issuer,
    provider,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function interaction(provider, req, res, uid, isLogin) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error(`interaction ${uid} is not the browser's (${details.uid})`);
  const prompt = details.prompt.name;
  if (!isLogin) {
    if (req.method !== 'GET') throw new Error(`${req.method} on the interaction page`);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Upstream ${prompt}</title>
<form method="post" action="/interaction/${uid}/login" data-prompt="${prompt}">
<input name="username"><button>Sign in</button></form>`);
    return;
  }
  if (req.method !== 'POST') throw new Error(`${req.method} on the login action`);
  if (prompt !== 'login') throw new Error(`unexpected prompt ${prompt}: ${JSON.stringify(details.prompt)}`);
  const username = new URLSearchParams(await readBody(req)).get('username');
  const account = ACCOUNTS[username];
  if (!account) {
    res.statusCode = 403;
    res.end('unknown user');
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: account.sub, acr: 'urn:upstream:pwd', amr: ['pwd'] },
  }, { mergeWithLastSubmission: false });
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}
