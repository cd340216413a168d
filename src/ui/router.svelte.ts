/**
 * Hash routes: #/ (home), #/learn, #/gan, #/recsys, #/shoppers, #/sessions, #/guide, each with an optional
 * query (#/recsys?setup=…, a shared setup). Hash routing works on any static host.
 */
export const ROUTES = [
  { path: '/', title: 'Start' },
  { path: '/learn', title: 'Lessons' },
  { path: '/gan', title: 'GAN lab' },
  { path: '/recsys', title: 'Recommender lab' },
  { path: '/shoppers', title: 'Synthetic shoppers' },
  { path: '/sessions', title: 'Sessions' },
  { path: '/guide', title: 'Guide' },
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
      ({ path: this.path, query: this.query } = current());
    });
  }

  /** Drops the query from the address (once it has been used), without a new history entry. */
  clearQuery(): void {
    history.replaceState(null, '', `${location.pathname}${location.search}#${this.path}`);
    this.query = '';
  }
}

export const router = new Router();
