// A browser reduced to what the sign-in journey needs: fetch with
// redirect: 'manual', Location headers followed by hand, and a cookie jar
// per host:port (name, value and path; expired cookies are dropped).

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Browser {
  constructor() {
    /** @type {Map<string, Map<string, {value: string, path: string}>>} */
    this.jar = new Map();
    /** every request made, for failure messages: "METHOD URL -> STATUS" */
    this.trail = [];
  }

  cookieHeader(url) {
    const cookies = this.jar.get(url.host);
    if (!cookies) return undefined;
    const pairs = [];
    for (const [name, c] of cookies) {
      if (pathMatches(url.pathname, c.path)) pairs.push(`${name}=${c.value}`);
    }
    return pairs.length ? pairs.join('; ') : undefined;
  }

  store(url, res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(url.pathname);
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'path' && v.trim().startsWith('/')) path = v.trim();
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v.trim()) <= Date.now()) expired = true;
      }
      if (!this.jar.has(url.host)) this.jar.set(url.host, new Map());
      const cookies = this.jar.get(url.host);
      if (expired) cookies.delete(name);
      else cookies.set(name, { value, path });
    }
  }

  /** One request, no redirect followed. */
  async request(url, { method = 'GET', form } = {}) {
    url = new URL(url);
    const headers = { 'Accept-Language': 'en', Accept: 'text/html' };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.Cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.store(url, res);
    this.trail.push(`${method} ${url.href} -> ${res.status}`);
    return res;
  }

  /**
   * Requests url and follows redirects until a page answers (not a
   * redirect) or a redirect points under stopAt, which is returned
   * without being fetched (the relying party's redirect URI, where nothing
   * listens). Returns {url, res, body} for a page, {url, stopped: true}
   * at stopAt.
   */
  async navigate(url, { method = 'GET', form, stopAt } = {}) {
    for (let hops = 0; hops < 20; hops++) {
      if (stopAt && String(url).startsWith(stopAt)) return { url: new URL(url), stopped: true };
      const res = await this.request(url, { method, form });
      if (!REDIRECTS.has(res.status)) {
        return { url: new URL(url), res, body: await res.text() };
      }
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (!location) throw new Error(`${res.status} without Location from ${url}\n${this.describe()}`);
      url = new URL(location, url).href;
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        form = undefined;
      }
    }
    throw new Error(`too many redirects\n${this.describe()}`);
  }

  describe() {
    return this.trail.map((l) => '  ' + l).join('\n');
  }
}

function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(p) {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
