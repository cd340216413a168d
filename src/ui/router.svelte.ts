/**
 * Hash routes: #/ (home), #/learn, #/gan, #/recsys, #/shoppers, #/sessions, #/guide, #/check (the
 * backend check, linked from home and not in the header), each with an optional
 * query (#/recsys?setup=…, a shared setup). Hash routing works on any static host.
 */
export const ROUTES = [
  { path: '/', title: 'Home', nav: true },
  { path: '/gan', title: 'GAN lab', nav: true },
  { path: '/recsys', title: 'Recommender lab', nav: true },
  { path: '/shoppers', title: 'Shoppers', nav: true },
  { path: '/learn', title: 'Lessons', nav: true },
  { path: '/sessions', title: 'Sessions', nav: true },
  { path: '/guide', title: 'Guide', nav: true },
  { path: '/check', title: 'Backend check', nav: false },
] as const;
export type RoutePath = (typeof ROUTES)[number]['path'];

function current(): { path: RoutePath; query: string } {
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?', 2);
  return { path: ROUTES.find((r) => r.path === (path || '/'))?.path ?? '/', query };
}

class Router {
  path = $state<RoutePath>(current().path);
  /** The query after the route (without "?"), or ''. */
  query = $state(current().query);

  constructor() {
    addEventListener('hashchange', () => {
      const was = this.path;
      ({ path: this.path, query: this.query } = current());
      // A new page starts at its top, as a link to a new page would (not where the last one was scrolled).
      if (this.path !== was) scrollTo(0, 0);
    });
  }

  /** Drops the query from the address (once it has been used), without a new history entry. */
  clearQuery(): void {
    history.replaceState(null, '', `${location.pathname}${location.search}#${this.path}`);
    this.query = '';
  }
}

export const router = new Router();
