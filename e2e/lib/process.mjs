// A Passerelle command as a child process, polled until its discovery
// document answers: what `passerelle serve` (passerelle.mjs) and
// `passerelle demo` (demo.mjs) share.

import { spawn } from 'node:child_process';

/**
 * Runs bin with args and waits until ready(stdout) returns an object (at
 * once when ready is not given) and ISSUER/.well-known/openid-configuration
 * answers 200. Rejects (with the child's output) if it exits first or is
 * not ready in time; the error has addrInUse set when the port was taken
 * meanwhile. The child is killed if the test process exits first.
 * Returns {issuer, child, stdout(), stderr(), stop(), ...what ready returned}.
 */
export async function startProcess({ name, bin, args, issuer, timeoutMs, ready = () => ({}) }) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
    child.once('error', (err) => { exited = { error: err }; resolve(exited); });
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;

  const deadline = Date.now() + timeoutMs;
  let extras;
  for (;;) {
    if (exited) {
      const err = new Error(`${name} exited before it was ready (${JSON.stringify(exited)});\n${output()}`);
      err.addrInUse = /address already in use|EADDRINUSE/i.test(stderr);
      process.removeListener('exit', killOnExit);
      throw err;
    }
    if (!extras) extras = ready(stdout);
    if (extras) {
      try {
        const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} not ready after ${timeoutMs} ms;\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...extras, issuer, child, stdout: () => stdout, stderr: () => stderr, stop };
}
