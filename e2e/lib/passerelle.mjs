// Passerelle as a child process: built once from the repository, given a
// YAML configuration in a temporary directory, started on a free loopback
// port and polled until its discovery document answers.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startProcess } from './process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');

/** Makes a temporary directory (the caller removes it). */
export async function tempDir() {
  return fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-e2e-'));
}

/**
 * Builds ./cmd/passerelle into dir, unless PASSERELLE_BIN names a binary
 * already built. Returns the binary's path.
 */
export async function buildPasserelle(dir) {
  if (process.env.PASSERELLE_BIN) return path.resolve(process.env.PASSERELLE_BIN);
  const bin = path.join(dir, 'passerelle');
  try {
    await promisify(execFile)('go', ['build', '-o', bin, './cmd/passerelle'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(`go build ./cmd/passerelle failed:\n${err.stderr || err.message}`);
  }
  return bin;
}

/** A loopback port free at the time of asking. */
export async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const q = (s) => JSON.stringify(String(s)); // a JSON string is a YAML double-quoted scalar

/**
 * The configuration file. host names the issuer (Passerelle always listens
 * on 127.0.0.1): "localhost" where WebAuthn needs a domain name as relying
 * party ID. extra is appended as is (more top-level sections);
 */
export function configYAML({ port, dir, upstreamIssuer, upstreamSecret, client, host = '127.0.0.1', extra = '' }) {
  const issuer = `http://${host}:${port}`;
  return `server:
  listen: ${q(`127.0.0.1:${port}`)}
  issuer: ${q(issuer)}
store:
  bolt:
    path: ${q(path.join(dir, 'p.db'))}
keys:
  master_key: ${q(crypto.randomBytes(32).toString('base64'))}
providers:
  - id: upstream
    type: oidc
    name: {en: Upstream, fr: Amont}
    oidc:
      issuer: ${q(upstreamIssuer)}
      client_id: passerelle
      client_secret: ${q(upstreamSecret)}
clients:
  - id: ${q(client.id)}
    name: {en: Node RP, fr: RP Node}
    secret: ${q(client.secret)}
    redirect_uris: [${q(client.redirectURI)}]
    post_logout_redirect_uris: [${q(client.postLogoutURI)}]
${client.jwks ? `    jwks: ${q(client.jwks)}\n` : ''}ui:
  languages: [en, fr]
${extra}`;
}

/**
 * Runs `passerelle serve -config FILE` and waits until
 * ISSUER/.well-known/openid-configuration answers 200 (startProcess in
 * process.mjs: rejects with the child's output if it exits first or is
 * not ready in time, addrInUse set when the port was taken meanwhile).
 * Returns {issuer, child, stdout(), stderr(), stop()}.
 */
export function startPasserelle({ bin, configFile, port, host = '127.0.0.1', timeoutMs = 15000 }) {
  return startProcess({ name: 'passerelle', bin, args: ['serve', '-config', configFile], issuer: `http://${host}:${port}`, timeoutMs });
}
