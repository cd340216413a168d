/**
 * `npm run ope -- --sweep spec.json`: a sweep's agent configurations as
 * policies a log can judge, so a team can ask of its own log what it asks
 * of the simulator. Each distinct agent setting is judged once; the spec's
 * shops and rewards do not apply (the log has its own shoppers and
 * reward), and agents with networks are not judged here (OPE_AGENTS).
 */
import type { SweepSpec } from '../sweep/spec';
import { OPE_AGENTS, type OpePolicyChoice } from './request';

export function sweepPolicies(spec: SweepSpec): { policies: OpePolicyChoice[]; skipped: string[] } {
  const seen = new Set<string>();
  const policies: OpePolicyChoice[] = [];
  const skipped = new Set<string>();
  for (const c of spec.configs) {
    const settings = c.race.agents[0]!;
    const key = JSON.stringify(settings);
    if (seen.has(key)) continue;
    seen.add(key);
    if (OPE_AGENTS.includes(settings.kind))
      policies.push({ kind: 'agent', agent: settings.kind, settings, label: c.agentLabel });
    else skipped.add(c.agentLabel);
  }
  return { policies, skipped: [...skipped] };
}
