// Turns untrusted JSON into the typed model. Scans come from remote sites, so a missing or mistyped
// field becomes an empty value rather than an exception that would leave a blank page.
import { STATUSES } from './types';
import type { CheckResult, Measurement, Scan, ScanList, ScanListItem, Status, Summary, TemplateRef } from './types';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function status(v: unknown): Status {
  const s = str(v).toUpperCase();
  return (STATUSES as readonly string[]).includes(s) ? (s as Status) : 'ERROR';
}

function summary(v: unknown): Summary {
  const o = obj(v);
  return { pass: num(o.pass), warn: num(o.warn), fail: num(o.fail), skip: num(o.skip), error: num(o.error) };
}

function templateRef(v: unknown): TemplateRef {
  const o = obj(v);
  return { name: str(o.name), version: str(o.version) };
}

export function scanList(v: unknown): ScanList {
  const o = obj(v);
  const scans: ScanListItem[] = arr(o.scans).map((x) => {
    const s = obj(x);
    return {
      id: str(s.id),
      site: str(s.site),
      template: templateRef(s.template),
      hostname: str(s.hostname),
      startedAt: str(s.started_at),
      receivedAt: str(s.received_at),
      durationMs: num(s.duration_ms),
      summary: summary(s.summary),
    };
  });
  return { scans, total: typeof o.total === 'number' ? o.total : scans.length };
}

function measurement(v: unknown): Measurement {
  const o = obj(v);
  return { name: str(o.name), value: num(o.value), unit: str(o.unit) };
}

function result(v: unknown): CheckResult {
  const o = obj(v);
  return {
    checkId: str(o.check_id),
    type: str(o.type),
    category: str(o.category),
    target: str(o.target),
    status: status(o.status),
    message: str(o.message),
    remediation: str(o.remediation),
    durationMs: num(o.duration_ms),
    measurements: arr(o.measurements).map(measurement),
    evidence: Object.entries(obj(o.evidence)).map(([k, val]): [string, string] => [k, str(val)]),
  };
}

export function scan(v: unknown): Scan {
  const o = obj(v);
  const host = obj(o.host);
  return {
    id: str(o.id),
    site: str(o.site),
    template: templateRef(o.template),
    host: { hostname: str(host.hostname), os: str(host.os), voipscopeVersion: str(host.voipscope_version) },
    startedAt: str(o.started_at),
    durationMs: num(o.duration_ms),
    summary: summary(o.summary),
    results: arr(o.results).map(result),
  };
}
