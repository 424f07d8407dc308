// Fetches JSON from the voipscope API with a deadline, and turns every failure into an ApiError whose
// message can be shown as it is.

const TIMEOUT_MS = 15000;
const TOKEN_KEY = 'voipscope.token';

export class ApiError extends Error {
  // status 0: no HTTP answer (network error, timeout, bad JSON).
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function savedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled; the token then lasts only until the next load.
  }
}

export async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  const onAbort = (): void => ctrl.abort();
  signal?.addEventListener('abort', onAbort);
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = savedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let resp: Response;
  try {
    resp = await fetch(path, { headers, signal: ctrl.signal, cache: 'no-store' });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(
      0,
      ctrl.signal.aborted
        ? `The server did not answer within ${TIMEOUT_MS / 1000} s.`
        : 'Cannot reach the voipscope server. Is it running?',
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  const text = await resp.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    if (resp.ok) throw new ApiError(0, 'The server sent a response that is not JSON.');
  }
  if (!resp.ok) {
    const detail =
      body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
        ? (body as { error: string }).error
        : resp.statusText;
    throw new ApiError(resp.status, `HTTP ${resp.status}${detail ? `: ${detail}` : ''}`);
  }
  return body;
}
