/** What the lab says of CF in a race that was given no log (config.ts, build.ts). */
export const NEEDS_LOG =
  'CF races only from a model trained on a log: train one under "The source\'s own recommender models" and race it from there';
