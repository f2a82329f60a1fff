/**
 * issue10-D: a small cookie-aware HTTP client over real loopback HTTP, for journeys that leave
 * Front Door (single sign-on at an identity provider) and come back. It keeps cookies per origin,
 * follows redirects like a browser (a 303, or a 301/302 after a POST, becomes a GET), remembers
 * each origin's latest CSRF token, and records every address it visited.
 */
export interface Page {
  url: string;
  status: number;
  body: string;
  headers: Headers;
}

export class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  private readonly csrf = new Map<string, string>();
  /** Every address requested, in order (redirects included). */
  readonly visited: string[] = [];

  private jar(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }

  /** Drops every cookie of one origin, as if its session had been lost (the browser restarted). */
  forget(origin: string): void {
    this.jars.delete(new URL(origin).origin);
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar(origin).get(name);
  }

  /** One request, no redirects followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const u = new URL(url);
    const jar = this.jar(u.origin);
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    this.visited.push(url);
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const text = await res.text();
    const token = text.match(/name="_csrf" value="([^"]+)"/);
    if (token) this.csrf.set(u.origin, token[1]!);
    return { url, status: res.status, body: text, headers: res.headers };
  }

  /** Requests, then follows redirects until a page answers (at most 20 hops). */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; page.status >= 300 && page.status < 400 && page.headers.get('location'); hops++) {
      if (hops >= 20) throw new Error(`too many redirects from ${url}`);
      page = await this.request(new URL(page.headers.get('location')!, page.url).href);
    }
    return page;
  }

  /** Posts a form with the origin's current CSRF token (unless the form carries its own), following redirects. */
  async submit(url: string, form: Record<string, string> = {}, opts: { follow?: boolean } = {}): Promise<Page> {
    const origin = new URL(url).origin;
    const full = { _csrf: this.csrf.get(origin) ?? '', ...form };
    return opts.follow === false ? this.request(url, { method: 'POST', form: full }) : this.go(url, { method: 'POST', form: full });
  }

  /** Follows one redirect the caller has inspected. */
  async follow(page: Page): Promise<Page> {
    const location = page.headers.get('location');
    if (!location) throw new Error(`no redirect from ${page.url} (status ${page.status})`);
    return this.go(new URL(location, page.url).href);
  }
}

/** The first link (href) on a page whose text or id matches, as an absolute address. */
export function linkOn(page: Page, match: RegExp): string {
  for (const m of page.body.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)) {
    const attrs = m[1]!;
    const href = attrs.match(/href="([^"]+)"/)?.[1];
    if (href && (match.test(m[2]!.replace(/<[^>]+>/g, '').trim()) || match.test(attrs))) return new URL(href.replace(/&amp;/g, '&'), page.url).href;
  }
  throw new Error(`no link matching ${match} on ${page.url}`);
}

/** A page's form (by its action) with its hidden fields, as a browser would submit it. */
export function formOn(page: Page, action: RegExp): { action: string; fields: Record<string, string> } {
  for (const m of page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const act = m[1]!.match(/action="([^"]*)"/)?.[1] ?? '';
    if (!action.test(act)) continue;
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const name = input[1]!.match(/name="([^"]+)"/)?.[1];
      const value = input[1]!.match(/value="([^"]*)"/)?.[1] ?? '';
      if (name && /type="hidden"/.test(input[1]!)) fields[name] = value.replace(/&amp;/g, '&');
    }
    return { action: new URL(act.replace(/&amp;/g, '&'), page.url).href, fields };
  }
  throw new Error(`no form with an action matching ${action} on ${page.url}`);
}
