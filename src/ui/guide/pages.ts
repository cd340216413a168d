/**
 * The guide's pages: markdown files beside this module (readable on their
 * own, too), bundled as text. Links to places in the repository or to
 * headings of other pages do not work inside the app, so they become plain
 * text; pictures come from the site's root.
 */
import backends from './backends.md?raw';
import experiments from './experiments.md?raw';
import labs from './labs.md?raw';
import offline from './offline-and-privacy.md?raw';
import recsys from './recommender-lab.md?raw';
import shoppers from './synthetic-shoppers.md?raw';
import source from './source-material.md?raw';

export interface GuidePage {
  id: string;
  title: string;
  markdown: string;
}

/** Markdown as the app shows it: in-repository and in-page links as text, pictures from the root. */
export function forTheApp(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\((?:#|src\/|tests\/|datasets\/)[^)]*\)/g, '$1')
    .replace(/\]\(public\//g, '](');
}

export const GUIDE_PAGES: readonly GuidePage[] = [
  { id: 'labs', title: 'What each lab does', markdown: labs },
  { id: 'recsys', title: 'The recommender lab', markdown: recsys },
  { id: 'shoppers', title: 'Synthetic shoppers', markdown: shoppers },
  { id: 'experiments', title: 'Recommender experiments', markdown: experiments },
  { id: 'backends', title: 'Browsers and backends', markdown: backends },
  { id: 'offline', title: 'Offline, hosting and privacy', markdown: offline },
  { id: 'source', title: 'Source material', markdown: source },
];
