// The dashboard talks to the server's JSON API only (/v1/ui/..., /metrics). The token and the name
// a person acts under stay in this tab's sessionStorage: never in the URL, gone when the tab closes.

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const session = {
  get token(): string { return sessionStorage.getItem('lading.token') ?? ''; },
  set token(v: string) { sessionStorage.setItem('lading.token', v); },
  get actor(): string { return sessionStorage.getItem('lading.actor') ?? ''; },
  set actor(v: string) { sessionStorage.setItem('lading.actor', v); },
};

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (json) h['Content-Type'] = 'application/json';
  if (session.token !== '') h['Authorization'] = `Bearer ${session.token}`;
  return h;
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const body = JSON.parse(text) as { message?: string; error?: string };
      message = body.message ?? body.error ?? text;
    } catch { /* not JSON: the text is the message */ }
    throw new ApiError(res.status, res.status === 401 ? `${message} (set the token at the top right)` : message);
  }
  return (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) as T : text as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: headers(false) }));
}

export async function getText(path: string): Promise<string> {
  return answer<string>(await fetch(path, { headers: headers(false) }));
}

/** A change: the actor is the name typed in the header bar (the server records "dashboard" when empty). */
export async function postJson<T>(path: string, body: Record<string, unknown>): Promise<T> {
  const withActor = session.actor !== '' ? { actor: session.actor, ...body } : body;
  return answer<T>(await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(withActor) }));
}
