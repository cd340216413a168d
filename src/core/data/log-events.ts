/**
 * The events an interaction log records, in funnel order. Apart from the
 * importer so the page can name them without loading the CSV parser.
 */
export const EVENT_KINDS = ['view', 'click', 'cart', 'purchase'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
