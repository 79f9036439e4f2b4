-- summary
--   ~ rename column order.user_id → buyer_id
--   ~ rename column user.email → mail
--   ~ rename foreign key fk_order_user_id → fk_order_buyer_id on order
--   ~ rename index ix_order_user_id → ix_order_buyer_id on order
--   ~ rename unique uq_user_email → uq_user_mail on user

-- sqlite up
ALTER TABLE "order" RENAME COLUMN "user_id" TO "buyer_id";
ALTER TABLE "user" RENAME COLUMN "email" TO "mail";
DROP INDEX "ix_order_user_id";
CREATE INDEX "ix_order_buyer_id" ON "order" ("buyer_id");
DROP INDEX "uq_user_email";
CREATE UNIQUE INDEX "uq_user_mail" ON "user" ("mail");

-- sqlite down
DROP INDEX "uq_user_mail";
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("mail");
DROP INDEX "ix_order_buyer_id";
CREATE INDEX "ix_order_user_id" ON "order" ("buyer_id");
ALTER TABLE "user" RENAME COLUMN "mail" TO "email";
ALTER TABLE "order" RENAME COLUMN "buyer_id" TO "user_id";

-- postgres up
ALTER TABLE "order" RENAME COLUMN "user_id" TO "buyer_id";
ALTER TABLE "user" RENAME COLUMN "email" TO "mail";
ALTER TABLE "order" RENAME CONSTRAINT "fk_order_user_id" TO "fk_order_buyer_id";
ALTER INDEX "ix_order_user_id" RENAME TO "ix_order_buyer_id";
ALTER TABLE "user" RENAME CONSTRAINT "uq_user_email" TO "uq_user_mail";

-- postgres down
ALTER TABLE "user" RENAME CONSTRAINT "uq_user_mail" TO "uq_user_email";
ALTER INDEX "ix_order_buyer_id" RENAME TO "ix_order_user_id";
ALTER TABLE "order" RENAME CONSTRAINT "fk_order_buyer_id" TO "fk_order_user_id";
ALTER TABLE "user" RENAME COLUMN "mail" TO "email";
ALTER TABLE "order" RENAME COLUMN "buyer_id" TO "user_id";

-- mysql up
ALTER TABLE `order` RENAME COLUMN `user_id` TO `buyer_id`;
ALTER TABLE `user` RENAME COLUMN `email` TO `mail`;
ALTER TABLE `order` DROP FOREIGN KEY `fk_order_user_id`;
ALTER TABLE `order` ADD CONSTRAINT `fk_order_buyer_id` FOREIGN KEY (`buyer_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;
ALTER TABLE `order` RENAME INDEX `ix_order_user_id` TO `ix_order_buyer_id`;
ALTER TABLE `user` RENAME INDEX `uq_user_email` TO `uq_user_mail`;

-- mysql down
ALTER TABLE `user` RENAME INDEX `uq_user_mail` TO `uq_user_email`;
ALTER TABLE `order` RENAME INDEX `ix_order_buyer_id` TO `ix_order_user_id`;
ALTER TABLE `order` DROP FOREIGN KEY `fk_order_buyer_id`;
ALTER TABLE `order` ADD CONSTRAINT `fk_order_user_id` FOREIGN KEY (`buyer_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;
ALTER TABLE `user` RENAME COLUMN `mail` TO `email`;
ALTER TABLE `order` RENAME COLUMN `buyer_id` TO `user_id`;
