-- summary
--   ~ rename table order → purchase
--   ~ rename foreign key fk_order_user_id → fk_purchase_user_id on purchase
--   ~ rename index ix_order_user_id → ix_purchase_user_id on purchase

-- sqlite up
ALTER TABLE "order" RENAME TO "purchase";
DROP INDEX "ix_order_user_id";
CREATE INDEX "ix_purchase_user_id" ON "purchase" ("user_id");

-- sqlite down
DROP INDEX "ix_purchase_user_id";
CREATE INDEX "ix_order_user_id" ON "purchase" ("user_id");
ALTER TABLE "purchase" RENAME TO "order";

-- postgres up
ALTER TABLE "order" RENAME TO "purchase";
ALTER TABLE "purchase" RENAME CONSTRAINT "order_pkey" TO "purchase_pkey";
ALTER TABLE "purchase" RENAME CONSTRAINT "fk_order_user_id" TO "fk_purchase_user_id";
ALTER INDEX "ix_order_user_id" RENAME TO "ix_purchase_user_id";

-- postgres down
ALTER INDEX "ix_purchase_user_id" RENAME TO "ix_order_user_id";
ALTER TABLE "purchase" RENAME CONSTRAINT "fk_purchase_user_id" TO "fk_order_user_id";
ALTER TABLE "purchase" RENAME TO "order";
ALTER TABLE "order" RENAME CONSTRAINT "purchase_pkey" TO "order_pkey";

-- mysql up
ALTER TABLE `order` RENAME TO `purchase`;
ALTER TABLE `purchase` DROP FOREIGN KEY `fk_order_user_id`;
ALTER TABLE `purchase` ADD CONSTRAINT `fk_purchase_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;
ALTER TABLE `purchase` RENAME INDEX `ix_order_user_id` TO `ix_purchase_user_id`;

-- mysql down
ALTER TABLE `purchase` RENAME INDEX `ix_purchase_user_id` TO `ix_order_user_id`;
ALTER TABLE `purchase` DROP FOREIGN KEY `fk_purchase_user_id`;
ALTER TABLE `purchase` ADD CONSTRAINT `fk_order_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;
ALTER TABLE `purchase` RENAME TO `order`;
