/**
 * Staff sign-in for the counter, reception, kiosk and manager pages. The session is an HttpOnly
 * cookie set by POST /staff/auth/login (so a page reload keeps it and scripts never see it);
 * `me()` tells who is signed in and for which branches.
 */
import { apiFetch } from "./api";

export type StaffRole = "clerk" | "reception" | "manager" | "admin";

export interface StaffMe {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  branchIds: string[];
  [more: string]: unknown;
}

export async function staffLogin(username: string, password: string): Promise<StaffMe> {
  const res = await apiFetch<{ staff: StaffMe }>("POST", "/staff/auth/login", { body: { username, password } });
  return normalizeStaff(res.staff);
}

/** The signed-in staff member, or null when the session is missing or expired. */
export async function staffMe(): Promise<StaffMe | null> {
  try {
    return normalizeStaff(await apiFetch<StaffMe>("GET", "/staff/auth/me"));
  } catch {
    return null;
  }
}

export async function staffLogout(): Promise<void> {
  await apiFetch("POST", "/staff/auth/logout", { body: {} }).catch(() => undefined);
}

/**
 * The server answers `{ id, username, name, role, allBranches, branches }` (worker/routes/
 * staff-auth.ts); pages read `displayName` and `branchIds`. Fills those in, keeping the rest.
 */
function normalizeStaff(raw: StaffMe): StaffMe {
  const r = raw as StaffMe & { name?: string; branches?: string[] };
  return { ...r, displayName: r.displayName ?? r.name ?? r.username, branchIds: r.branchIds ?? r.branches ?? [] };
}
