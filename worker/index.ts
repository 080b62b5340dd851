/** Worker entry: the HTTP app and the Durable Object classes it binds. */
import { configureClock } from "../shared/clock";
import { app } from "./app";
import { runRetention } from "./privacy/retention";

export { BranchDay } from "../durable/branch-day";
export { CitizenLedger } from "../durable/citizen-ledger";

export default {
  fetch: app.fetch,
  /** The daily cron (wrangler.toml [triggers]): retention of personal data (worker/privacy/retention.ts). */
  async scheduled(_controller, env, _ctx) {
    configureClock(env);
    await runRetention(env);
  },
} satisfies ExportedHandler<Env>;
