/** Worker entry: the HTTP app and the Durable Object classes it binds. */
import { configureClock } from "../shared/clock";
import { app } from "./app";
import { runRetention } from "./privacy/retention";
import { handleDeadLetters, handleWebhookBatch } from "./webhooks/consumer";

export { BranchDay } from "../durable/branch-day";
export { CitizenLedger } from "../durable/citizen-ledger";

export default {
  fetch: app.fetch,
  /** The daily cron (wrangler.toml [triggers]): retention of personal data (worker/privacy/retention.ts). */
  async scheduled(_controller, env, _ctx) {
    configureClock(env);
    await runRetention(env);
  },
  /**
   * Platform webhooks (worker/webhooks/consumer.ts): the webhook queue fans events out and
   * delivers them; its dead-letter queue (name ending "-dlq") marks deliveries dead.
   */
  async queue(batch, env, _ctx) {
    configureClock(env);
    if (batch.queue.endsWith("-dlq")) await handleDeadLetters(batch, env);
    else await handleWebhookBatch(batch, env);
  },
} satisfies ExportedHandler<Env>;
