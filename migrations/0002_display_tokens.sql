CREATE TABLE `display_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`branch_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`label` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`branch_id`) REFERENCES `branches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `display_tokens_token_hash_unique` ON `display_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `display_tokens_by_branch` ON `display_tokens` (`branch_id`);