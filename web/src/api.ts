// The JSON API, with the session cookie and the CSRF token for unsafe requests.
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public field?: string) {
    super(message);
  }
}

let csrfToken = '';
export function setCsrf(token: string) { csrfToken = token; }

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), 'application/json');
}

// A body that is already text in its own format (a TOML program document).
export async function apiText<T>(method: string, path: string, body: string, contentType: string): Promise<T> {
  return send<T>(method, path, body, contentType);
}

async function send<T>(method: string, path: string, body: string | undefined, contentType: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = contentType;
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const e = data.error ?? {};
    throw new ApiError(res.status, e.code ?? 'internal', e.message ?? res.statusText, e.field);
  }
  return data as T;
}

export interface User { username: string; display_name: string; role: string; locale: 'en' | 'pt' | 'da'; }
export interface Session { user: User; csrf_token: string; permissions: string[]; time_zone?: string; }
export interface Customer {
  id: string; name: string; email: string; phone: string; locale: string;
  address: { line1: string; line2: string; postal_code: string; city: string; region: string; country: string };
  consent: { email: boolean; sms: boolean; post: boolean; phone: boolean };
  first_contact_at: string | null; attributes: Record<string, unknown>; erased_at?: string;
}
export interface Page<T> { data: T[]; next_cursor: string | null; }
export interface Subscription {
  id: string; plan: string; status: string; started_at: string; cancelled_at: string | null;
  cancel_reason: string; addons: string[];
}
export interface Purchase { id: string; kind: string; occurred_at: string; store: string; total_minor: number; currency: string; }
export interface Payment {
  id: string; occurred_at: string; amount_minor: number; currency: string; status: string; failure_reason: string | null;
}
export interface TimelineEntry {
  at: string; kind: string; id: string; action: string; subject: string; status: string; detail?: string;
  amount_minor?: number; currency?: string; lines?: number; payload?: Record<string, unknown>; summary: string;
}

export interface CardProgress { punches: number; of: number; cards_completed: number; to_go: number; }
export interface LoyaltyReward { id: string; kind: string; product?: string; percent?: number; points?: number; affordable?: boolean; }
export interface Membership {
  program: string; kind: 'punch_card' | 'points' | 'frequent_shopper'; name: Record<string, string>; joined_at: string; balance: number;
  card?: CardProgress; frequent?: { purchases: number; of: number; window_days: number; discount_percent: number }; available?: number; pending?: number; debt?: number;
  next_expiry?: { points: number; at: string } | null; rewards?: LoyaltyReward[];
  tier?: TierStatus; promotions?: MemberPromotion[];
  lots?: { points: number; remaining: number; earned_at: string; available_at: string; expires_at: string | null }[];
}
export interface LedgerEntry {
  id: number; kind: string; points: number; source: string; ref: string; reason: string; actor: string; occurred_at: string;
}
export interface TierLevel {
  id: string; name: Record<string, string>; threshold: number; multiplier: number; discount_percent: number;
  benefits: Record<string, string>[];
}
export interface TierStatus {
  tier: string | null; reached: string | null; manual: string | null; measure: 'points' | 'spend'; value: number;
  window_days: number; next: string | null; to_next: number; downgrade_at: string | null; downgrade_to: string | null;
  levels: TierLevel[]; currency?: string; discount_percent?: number;
}
export interface MemberPromotion {
  id: string; name: Record<string, string>; kind: 'multiplier' | 'bonus' | 'reward'; ends: string | null;
  multiplier?: number; points?: number; reward?: LoyaltyReward; used?: number; per_member?: number;
}
export interface Coupon {
  code: string; program: string; reward: LoyaltyReward; status: 'active' | 'used' | 'expired';
  issued_at: string; expires_at: string | null; redeemed_at: string | null;
}
export interface Loyalty {
  customer: string; memberships: Membership[]; coupons: Coupon[];
  referral?: { code: string | null; referred_by: string | null; referrals: Record<'invited' | 'registered' | 'qualified' | 'refused', number> };
}
