/**
 * The contract of the administration API (worker/routes/staff-admin.ts): branches, the field
 * catalog, offers and caps, counters, hours and the calendar, with the schemas of
 * shared/admin-schemas.ts that the handlers validate with.
 */
import { z } from "zod";
import {
  branchFieldBody,
  branchSettingsBody,
  calendarDateSchema,
  calendarEntryBody,
  calendarRangeQuery,
  counterBody,
  counterNumberSchema,
  createBranchBody,
  createFieldBody,
  patchBranchBody,
  patchFieldBody,
  weeklyHoursBody,
} from "../../shared/admin-schemas";
import { branchIdSchema, fieldCodeSchema } from "../../shared/api-schemas";
import { pageQuery, pageResponse } from "../http/pagination";
import { jsonObject } from "./common";
import type { RouteDoc } from "./registry";

const STAFF = "/api/v1/staff";
const branchParams = z.object({ branchId: branchIdSchema });
const branchFieldParams = z.object({ branchId: branchIdSchema, fieldCode: fieldCodeSchema });
const branchCounterParams = z.object({ branchId: branchIdSchema, counter: counterNumberSchema });
const fieldParams = z.object({ fieldCode: fieldCodeSchema });
const dateParams = z.object({ date: calendarDateSchema });
/** The same query the handler builds: the list's cursor and limit plus the date range. */
const calendarListQuery = pageQuery.extend(calendarRangeQuery.shape);

const branchConfig = jsonObject.meta({ id: "BranchAdminConfig", description: "The branch's whole configuration as administrators edit it." });
const configAnswer = z.object({ config: branchConfig, propagated: jsonObject.optional() });
const fieldSchema = z.looseObject({ code: z.string(), nameVi: z.string(), nameEn: z.string() }).meta({ id: "CatalogField" });

const MANAGERS = { auth: ["staff" as const], roles: ["manager" as const, "admin" as const], tags: ["administration"] };
const ADMINS = { auth: ["staff" as const], roles: ["admin" as const], tags: ["administration"] };
const BASE_PROBLEMS = ["unauthorized", "forbidden"] as const;
const NO_BRANCH = { branchId: "no-such-branch" };

export const adminRouteDocs: RouteDoc[] = [
  {
    method: "get",
    path: `${STAFF}/branches`,
    operationId: "listStaffBranches",
    summary: { vi: "Các chi nhánh của tôi", en: "The branches I work at" },
    ...MANAGERS,
    query: pageQuery,
    paginated: true,
    responses: { 200: { description: "A page of branches (every branch for an administrator).", schema: pageResponse(jsonObject) } },
    problems: [...BASE_PROBLEMS],
    examples: [{ summary: "first page" }],
  },
  {
    method: "post",
    path: `${STAFF}/branches`,
    operationId: "createBranch",
    summary: { vi: "Tạo chi nhánh", en: "Create a branch" },
    ...ADMINS,
    body: createBranchBody,
    responses: { 201: { description: "The new branch's configuration.", schema: z.object({ config: branchConfig }) } },
    problems: [...BASE_PROBLEMS, "branch_exists"],
    idempotency: "middleware",
    examples: [{ summary: "a new branch", body: { id: "hn-contract-1", name: "Chi nhánh thử nghiệm", address: "1 Tràng Tiền, Hoàn Kiếm, Hà Nội" } }],
  },
  {
    method: "get",
    path: `${STAFF}/branches/:branchId/config`,
    operationId: "getBranchConfig",
    summary: { vi: "Cấu hình chi nhánh", en: "A branch's configuration" },
    ...MANAGERS,
    params: branchParams,
    responses: { 200: { description: "Fields, caps, counters, hours, settings.", schema: jsonObject } },
    problems: [...BASE_PROBLEMS, "branch_not_found"],
    examples: [{ summary: "the demo branch", params: { branchId: "hn-cn01" } }],
  },
  {
    method: "patch",
    path: `${STAFF}/branches/:branchId`,
    operationId: "updateBranch",
    summary: { vi: "Sửa tên, địa chỉ chi nhánh", en: "Rename a branch or change its addresses" },
    ...ADMINS,
    params: branchParams,
    body: patchBranchBody,
    responses: { 200: { description: "The configuration.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: NO_BRANCH, body: { name: "Tên mới" } }],
  },
  {
    method: "patch",
    path: `${STAFF}/branches/:branchId/settings`,
    operationId: "updateBranchSettings",
    summary: { vi: "Giờ lấy số, số ngày đặt trước", en: "Booking window, days ahead, verified-only" },
    ...MANAGERS,
    params: branchParams,
    body: branchSettingsBody,
    responses: { 200: { description: "The configuration, pushed to the running days.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: NO_BRANCH, body: { bookingDaysAhead: 5 } }],
  },
  {
    method: "put",
    path: `${STAFF}/branches/:branchId/hours`,
    operationId: "setBranchHours",
    summary: { vi: "Giờ làm việc trong tuần", en: "Weekly opening hours" },
    ...MANAGERS,
    params: branchParams,
    body: weeklyHoursBody,
    responses: { 200: { description: "The configuration.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: NO_BRANCH, body: { hours: [{ weekday: 1, opensAt: "08:00", closesAt: "17:00" }] } }],
  },
  {
    method: "put",
    path: `${STAFF}/branches/:branchId/fields/:fieldCode`,
    operationId: "offerField",
    summary: { vi: "Tiếp nhận lĩnh vực, chỉ tiêu ngày", en: "Offer a field and its daily cap" },
    ...MANAGERS,
    params: branchFieldParams,
    body: branchFieldBody,
    responses: { 200: { description: "Changed.", schema: configAnswer }, 201: { description: "Now offered.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found", "field_not_found", "series_overlap", "cap_exceeds_series"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: { branchId: "no-such-branch", fieldCode: "DATDAI" }, body: { dailyCap: 100 } }],
  },
  {
    method: "delete",
    path: `${STAFF}/branches/:branchId/fields/:fieldCode`,
    operationId: "withdrawField",
    summary: { vi: "Ngừng tiếp nhận lĩnh vực", en: "Stop offering a field" },
    ...MANAGERS,
    params: branchFieldParams,
    responses: { 200: { description: "The configuration.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found", "field_not_found"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: { branchId: "no-such-branch", fieldCode: "DATDAI" } }],
  },
  {
    method: "put",
    path: `${STAFF}/branches/:branchId/counters/:counter`,
    operationId: "setCounter",
    summary: { vi: "Quầy và các lĩnh vực quầy phục vụ", en: "A counter and the fields it serves" },
    ...MANAGERS,
    params: branchCounterParams,
    body: counterBody,
    responses: { 200: { description: "Changed.", schema: configAnswer }, 201: { description: "Created.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found", "counter_field_not_offered"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: { branchId: "no-such-branch", counter: "9" }, body: { fieldCodes: ["DATDAI"] } }],
  },
  {
    method: "delete",
    path: `${STAFF}/branches/:branchId/counters/:counter`,
    operationId: "removeCounter",
    summary: { vi: "Bỏ quầy", en: "Remove a counter" },
    ...MANAGERS,
    params: branchCounterParams,
    responses: { 200: { description: "The configuration.", schema: configAnswer } },
    problems: [...BASE_PROBLEMS, "branch_not_found", "counter_not_found"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown branch", params: { branchId: "no-such-branch", counter: "9" } }],
  },
  {
    method: "get",
    path: `${STAFF}/fields`,
    operationId: "listCatalogFields",
    summary: { vi: "Danh mục lĩnh vực", en: "The field catalog" },
    ...MANAGERS,
    query: pageQuery,
    paginated: true,
    responses: { 200: { description: "A page of fields by code.", schema: pageResponse(fieldSchema) } },
    problems: [...BASE_PROBLEMS],
    examples: [{ summary: "first page" }],
  },
  {
    method: "post",
    path: `${STAFF}/fields`,
    operationId: "createCatalogField",
    summary: { vi: "Thêm lĩnh vực vào danh mục", en: "Add a field to the catalog" },
    ...ADMINS,
    body: createFieldBody,
    responses: { 201: { description: "The field.", schema: z.object({ field: fieldSchema }) } },
    problems: [...BASE_PROBLEMS, "field_exists"],
    idempotency: "middleware",
    examples: [{ summary: "a new field", body: { code: "CONTRACT1", nameVi: "Lĩnh vực thử", nameEn: "Test field", series: { kind: "prefix", prefix: "Q", digits: 3 } } }],
  },
  {
    method: "patch",
    path: `${STAFF}/fields/:fieldCode`,
    operationId: "updateCatalogField",
    summary: { vi: "Sửa lĩnh vực", en: "Change a catalog field" },
    ...ADMINS,
    params: fieldParams,
    body: patchFieldBody,
    responses: { 200: { description: "The field and the branches offering it.", schema: z.object({ field: fieldSchema, offeredAt: z.array(z.string()) }) } },
    problems: [...BASE_PROBLEMS, "field_not_found", "series_overlap", "cap_exceeds_series"],
    idempotency: "middleware",
    examples: [{ summary: "an unknown field", params: { fieldCode: "NOSUCHFIELD" }, body: { nameEn: "Renamed" } }],
  },
  {
    method: "get",
    path: `${STAFF}/calendar`,
    operationId: "listCalendar",
    summary: { vi: "Lịch nghỉ lễ và ngày làm bù", en: "Holidays and extra working days" },
    ...MANAGERS,
    query: calendarListQuery,
    paginated: true,
    responses: { 200: { description: "A page of entries in the range.", schema: pageResponse(jsonObject).extend({ from: z.string(), to: z.string() }) } },
    problems: [...BASE_PROBLEMS],
    examples: [{ summary: "2026", query: { from: "2026-01-01", to: "2026-12-31" } }],
  },
  {
    method: "put",
    path: `${STAFF}/calendar/:date`,
    operationId: "setCalendarDay",
    summary: { vi: "Đặt ngày nghỉ lễ / làm bù", en: "Set a holiday or extra working day" },
    ...ADMINS,
    params: dateParams,
    body: calendarEntryBody,
    responses: { 200: { description: "Changed.", schema: jsonObject }, 201: { description: "Added.", schema: jsonObject } },
    problems: [...BASE_PROBLEMS],
    idempotency: "middleware",
    examples: [{ summary: "a holiday far ahead", params: { date: "2099-09-02" }, body: { kind: "holiday", nameVi: "Quốc khánh", nameEn: "National Day" } }],
  },
  {
    method: "delete",
    path: `${STAFF}/calendar/:date`,
    operationId: "clearCalendarDay",
    summary: { vi: "Bỏ ngày nghỉ lễ / làm bù", en: "Remove a calendar entry" },
    ...ADMINS,
    params: dateParams,
    responses: { 200: { description: "Removed.", schema: jsonObject } },
    problems: [...BASE_PROBLEMS],
    idempotency: "middleware",
    examples: [{ summary: "the holiday far ahead", params: { date: "2099-09-02" } }],
  },
];
