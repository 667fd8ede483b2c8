/** Figures as the reasons print them: "1,200 labels", "+2.3 points", "3.1%". */
const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return Number.isFinite(n) ? counts.format(n) : 'unboundedly many';
}

/** A projection is rough: two significant figures ("about 1,200", not "about 1,187"). */
export function formatAbout(n: number): string {
  if (!Number.isFinite(n) || n < 100) return formatCount(Math.ceil(n));
  const step = 10 ** (Math.floor(Math.log10(n)) - 1);
  return formatCount(Math.ceil(n / step) * step);
}

/** An accuracy difference in percentage points with its sign. */
export function formatPoints(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : '−∞';
  const v = Math.round(x * 1000) / 10;
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(1)}`;
}

export function formatPercent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
