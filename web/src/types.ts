// The API's JSON (src/core/json.cpp is the source of truth), after normalize.ts has checked it.

export const STATUSES = ['PASS', 'WARN', 'FAIL', 'SKIP', 'ERROR'] as const;
export type Status = (typeof STATUSES)[number];

// Worst last: the same order as vs::Status, used to fold counts into one overall status.
export const SEVERITY: readonly Status[] = ['PASS', 'SKIP', 'WARN', 'FAIL', 'ERROR'];

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
  error: number;
}

export interface TemplateRef {
  name: string;
  version: string;
}

export interface ScanListItem {
  id: string;
  site: string;
  template: TemplateRef;
  hostname: string;
  startedAt: string;
  receivedAt: string;
  durationMs: number;
  summary: Summary;
}

export interface ScanList {
  scans: ScanListItem[];
  total: number;
}

export interface Measurement {
  name: string;
  value: number;
  unit: string;
}

export interface CheckResult {
  checkId: string;
  type: string;
  category: string;
  target: string;
  status: Status;
  message: string;
  remediation: string;
  durationMs: number;
  measurements: Measurement[];
  evidence: Array<[string, string]>;
}

export interface Scan {
  id: string;
  site: string;
  template: TemplateRef;
  host: { hostname: string; os: string; voipscopeVersion: string };
  startedAt: string;
  durationMs: number;
  summary: Summary;
  results: CheckResult[];
}
