/**
 * Calls the sandbox's admin API (README, "The admin API") the way a person with curl would: JSON
 * in, status and parsed JSON body out, nothing checked, so tests assert on both.
 */
export interface AdminAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function adminCall(adminUrl: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const res = await fetch(`${adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
