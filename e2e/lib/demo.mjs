// `passerelle demo` as a child process: the broker on localhost:PORT (a
// host name, as WebAuthn wants), its demo upstreams, the demo relying
// party and the demo outbox on a loopback side server (-side on a free
// port, not the fixed default, so that runs never collide). The side URLs are
// read from the banner the command prints on stdout.

import fs from 'node:fs/promises';
import path from 'node:path';

import { freePort, buildPasserelle } from './passerelle.mjs';
import { startProcess } from './process.mjs';

/**
 * Starts `bin demo -addr localhost:PORT -data dataDir` on a free port (one
 * retry if the port is taken meanwhile) and waits until the banner names
 * the two relying parties (the government portal and the trusted-trader
 * portal) and the outbox and the discovery document answers.
 * Returns {issuer, rpURL, traderURL, outboxURL, ipoURL, certificatesURL, child, stdout(), stderr(), stop()}.
 */
export async function startDemo({ bin, dataDir, timeoutMs = 20000 }) {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await startDemoOn({ bin, dataDir, port, timeoutMs });
    } catch (err) {
      if (err.addrInUse && attempt === 0) continue;
      throw err;
    }
  }
}

function startDemoOn({ bin, dataDir, port, timeoutMs }) {
  // The banner names the side servers once they listen.
  const ready = (stdout) => {
    const rpURL = /Demo relying party[^:]*:\s+(https?:\/\/\S+)/.exec(stdout)?.[1];
    const traderURL = /Demo trusted-trader portal[^:]*:\s+(https?:\/\/\S+)/.exec(stdout)?.[1];
    const outboxURL = /Demo outbox[^:]*:\s+(https?:\/\/\S+)/.exec(stdout)?.[1];
    const ipoURL = /Demo IP office[^:]*:\s+(https?:\/\/\S+)/.exec(stdout)?.[1];
    const certificatesURL = /Demo certificate office[^:]*:\s+(https?:\/\/\S+)/.exec(stdout)?.[1];
    return rpURL && traderURL && outboxURL && ipoURL && certificatesURL ? { rpURL, traderURL, outboxURL, ipoURL, certificatesURL } : null;
  };
  return startProcess({
    name: 'passerelle demo', bin, args: ['demo', '-addr', `localhost:${port}`, '-side', '127.0.0.1:0', '-data', dataDir],
    issuer: `http://localhost:${port}`, timeoutMs, ready,
  });
}

/**
 * What a browser walk runs against: Passerelle built into dir, its demo
 * started (data in dir/demo), Debian's Chromium (at chromiumPath)
 * launched headless through playwright-core, and the screenshots
 * directory emptied. Returns {demo, browser}.
 */
export async function startDemoAndBrowser({ dir, chromiumPath, screenshots }) {
  const bin = await buildPasserelle(dir);
  const demo = await startDemo({ bin, dataDir: path.join(dir, 'demo') });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  await fs.rm(screenshots, { recursive: true, force: true });
  await fs.mkdir(screenshots, { recursive: true });
  return { demo, browser };
}
