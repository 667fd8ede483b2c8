import type { GatedRunResult } from '../lifecycle/controller/gated-run.js';
import { gateRows } from '../lifecycle/gates/gate-table.js';

/** A Markdown table cell: pipes escaped so that a reason or a set name cannot break the row. */
const cell = (v: unknown) => String(v ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * The run of `lading pipeline run --report FILE`, in Markdown: what a CI job attaches as an artifact
 * (or appends to GitHub's job summary) so that a reviewer reads the gates without the workspace.
 */
export function pipelineRunMarkdown(pipeline: string, result: GatedRunResult): string {
  const lines: string[] = [];
  const g = result.gates;
  lines.push(`# Pipeline ${pipeline}: run ${result.run.id} ${result.run.status}`, '');
  lines.push(`Candidate **${result.candidate.ref}** (${result.candidate.kind}${result.candidate.reused ? ', already registered' : ', new'}), trained on \`${result.data.dataset}\`.`, '');
  lines.push('| kind | accuracy | macro-F1 | seconds |', '|---|---:|---:|---:|');
  for (const k of result.trained) lines.push(`| ${cell(k.kind)} | ${k.accuracy.toFixed(4)} | ${k.macroF1.toFixed(4)} | ${k.seconds.toFixed(1)} |`);
  lines.push('');
  if (g === null) lines.push('Gates: not reached (the run stopped before them).');
  else {
    lines.push(`## Gates: ${g.passed ? 'passed' : 'FAILED'}`, '');
    lines.push(`${g.candidate.model}@${g.candidate.version} against ${g.champion ? `${g.champion.model}@${g.champion.version}` : 'no champion (first release)'}.`, '');
    lines.push('| check | set | value | threshold | verdict |', '|---|---|---|---|---|');
    for (const r of gateRows(g)) lines.push(`| ${cell(r.check)} | ${cell(r.set)} | ${cell(r.value)} | ${cell(r.threshold)} | ${cell(r.verdict)} |`);
    if (g.reasons.length > 0) lines.push('', ...g.reasons.map((r) => `- ${r}`));
  }
  lines.push('', `Release: ${result.release.summary}`, '');
  return lines.join('\n');
}
