/** Worker entry: the HTTP app and the Durable Object classes it binds. */
import { app } from "./app";

export { BranchDay } from "../durable/branch-day";
export { CitizenLedger } from "../durable/citizen-ledger";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
