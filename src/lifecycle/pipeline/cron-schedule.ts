import { Cron } from 'croner';

/**
 * A pipeline's cron trigger, read by croner: 5 fields (minute precision) or 6 (seconds first),
 * always in UTC so a schedule means the same on every machine. The job is created paused and never
 * started: lading only asks it for the next time, it never runs a timer of its own.
 */
function schedule(expression: string): Cron {
  return new Cron(expression, { timezone: 'UTC', paused: true, mode: '5-or-6-parts' });
}

/** Why `expression` is not a cron schedule, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  try {
    schedule(expression);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, '');
  }
}

/** The first scheduled time strictly after `after` (epoch ms), or null when the schedule has no more. */
export function nextCronTime(expression: string, after: number): number | null {
  return schedule(expression).nextRun(new Date(after))?.getTime() ?? null;
}
