-- summary
--   - drop index ix_order_user_id on order
--   - drop unique uq_user_email on user
--   + add index ix_order_user_id_total on order (user_id, total)
--   + add unique uq_user_email_nick on user (email, we"ird col)
--   + add unique index ux_user_weird on user (we"ird col)

-- sqlite up
DROP INDEX "ix_order_user_id";
DROP INDEX "uq_user_email";
CREATE INDEX "ix_order_user_id_total" ON "order" ("user_id", "total");
CREATE UNIQUE INDEX "uq_user_email_nick" ON "user" ("email", "we""ird col");
CREATE UNIQUE INDEX "ux_user_weird" ON "user" ("we""ird col");

-- sqlite down
DROP INDEX "ux_user_weird";
DROP INDEX "uq_user_email_nick";
DROP INDEX "ix_order_user_id_total";
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- postgres up
DROP INDEX "ix_order_user_id";
ALTER TABLE "user" DROP CONSTRAINT "uq_user_email";
CREATE INDEX "ix_order_user_id_total" ON "order" ("user_id", "total");
ALTER TABLE "user" ADD CONSTRAINT "uq_user_email_nick" UNIQUE ("email", "we""ird col");
CREATE UNIQUE INDEX "ux_user_weird" ON "user" ("we""ird col");

-- postgres down
DROP INDEX "ux_user_weird";
ALTER TABLE "user" DROP CONSTRAINT "uq_user_email_nick";
DROP INDEX "ix_order_user_id_total";
ALTER TABLE "user" ADD CONSTRAINT "uq_user_email" UNIQUE ("email");
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- mysql up
DROP INDEX `ix_order_user_id` ON `order`;
ALTER TABLE `user` DROP INDEX `uq_user_email`;
CREATE INDEX `ix_order_user_id_total` ON `order` (`user_id`, `total`);
ALTER TABLE `user` ADD CONSTRAINT `uq_user_email_nick` UNIQUE (`email`, `we"ird col`);
CREATE UNIQUE INDEX `ux_user_weird` ON `user` (`we"ird col`);

-- mysql down
DROP INDEX `ux_user_weird` ON `user`;
ALTER TABLE `user` DROP INDEX `uq_user_email_nick`;
DROP INDEX `ix_order_user_id_total` ON `order`;
ALTER TABLE `user` ADD CONSTRAINT `uq_user_email` UNIQUE (`email`);
CREATE INDEX `ix_order_user_id` ON `order` (`user_id`);
