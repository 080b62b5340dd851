/** A branch as GET /api/v1/branches/:id describes it (the parts the staff pages use). */
export interface BranchInfo {
  id: string;
  name: string;
  fields: Array<{ code: string; nameVi: string; nameEn: string; dailyCap: number }>;
  counters: Array<{ number: number; fieldCodes: string[] }>;
}
