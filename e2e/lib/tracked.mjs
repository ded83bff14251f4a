// A test() wrapper shared by the suites: it remembers a failure so that
// after() prints the server's log only when something went wrong.

import { test } from 'node:test';

/**
 * Returns { test, failed }: test(name, fn) runs fn as node:test's test()
 * with options, and failed() tells whether any of them threw. With
 * skipReason set (e.g. Chromium is missing) every test skips with it.
 */
export function trackedTests({ skipReason = '', options = {} } = {}) {
  let failed = false;
  const run = (name, fn) => test(name, options, async (t) => {
    if (skipReason) {
      t.skip(skipReason);
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
  return { test: run, failed: () => failed };
}
