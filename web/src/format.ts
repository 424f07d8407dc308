import { SEVERITY } from './types';
import type { Status, Summary } from './types';

export function parseTime(iso: string): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function localTime(iso: string): string {
  const d = parseTime(iso);
  if (!d) return iso || '—';
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

// "5 min ago"; "in 2 min" when the reporting host's clock runs ahead of ours.
export function relativeTime(iso: string, now: number = Date.now()): string {
  const d = parseTime(iso);
  if (!d) return '';
  const diffS = Math.round((now - d.getTime()) / 1000);
  const abs = Math.abs(diffS);
  if (abs < 45) return 'just now';
  let text: string;
  if (abs < 90 * 60) text = `${Math.max(1, Math.round(abs / 60))} min`;
  else if (abs < 36 * 3600) text = `${Math.round(abs / 3600)} h`;
  else if (abs < 60 * 86400) text = `${Math.round(abs / 86400)} d`;
  else if (abs < 730 * 86400) text = `${Math.round(abs / (30.44 * 86400))} mo`;
  else text = `${Math.round(abs / (365.25 * 86400))} y`;
  return diffS >= 0 ? `${text} ago` : `in ${text}`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function number(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 0.1 ? 2 : 3;
  // 0.50 -> 0.5: the trailing zero claims a precision the probe did not have.
  return v.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function countOf(summary: Summary, s: Status): number {
  return summary[s.toLowerCase() as keyof Summary];
}

export function worstStatus(summary: Summary): Status {
  for (let i = SEVERITY.length - 1; i >= 0; i--) {
    const s = SEVERITY[i]!;
    if (countOf(summary, s) > 0) return s;
  }
  return 'PASS';
}
