// `passerelle demo` as a child process: the broker on localhost:PORT (a
// host name, as WebAuthn wants), its demo upstreams, the demo relying
// party and the demo outbox on a loopback side server. The side URLs are
// read from the banner the command prints on stdout.

import { freePort } from './passerelle.mjs';
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
    name: 'passerelle demo', bin, args: ['demo', '-addr', `localhost:${port}`, '-data', dataDir],
    issuer: `http://localhost:${port}`, timeoutMs, ready,
  });
}
