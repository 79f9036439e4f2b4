-- summary
--   + create table shipment
--   + add foreign key line (shop_id, order_number) → shop order (shop_id, number)
--   + add foreign key line (shop_id, order_code) → shop order (shop_id, code)

-- sqlite up (needs PRAGMA foreign_keys = OFF)
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table line have (shop_id, order_number) values with no match in table shop order (shop_id, number), which foreign key fk_line_order requires (e.g. ' || example || '); delete or correct those rows (or set them to NULL), then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'id = ' || COALESCE(CAST("line"."id" AS TEXT), 'NULL') AS example FROM "line" WHERE "line"."shop_id" IS NOT NULL AND "line"."order_number" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "shop order" AS "referenced" WHERE "referenced"."shop_id" = "line"."shop_id" AND "referenced"."number" = "line"."order_number")
  ) AS failing_rows
) WHERE failing > 0;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table line have (shop_id, order_code) values with no match in table shop order (shop_id, code), which foreign key fk_line_code requires (e.g. ' || example || '); delete or correct those rows (or set them to NULL), then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'id = ' || COALESCE(CAST("line"."id" AS TEXT), 'NULL') AS example FROM "line" WHERE "line"."shop_id" IS NOT NULL AND "line"."order_code" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "shop order" AS "referenced" WHERE "referenced"."shop_id" = "line"."shop_id" AND "referenced"."code" = "line"."order_code")
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
CREATE TABLE "shipment" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "shop_id" BIGINT NOT NULL,
  "order_number" INTEGER NOT NULL,
  CONSTRAINT "fk_shipment_order" FOREIGN KEY ("shop_id", "order_number") REFERENCES "shop order" ("shop_id", "number") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE TABLE "__lback_new_line" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "shop_id" BIGINT NOT NULL,
  "order_number" INTEGER NOT NULL,
  "order_code" VARCHAR(20),
  CONSTRAINT "fk_line_order" FOREIGN KEY ("shop_id", "order_number") REFERENCES "shop order" ("shop_id", "number") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "fk_line_code" FOREIGN KEY ("shop_id", "order_code") REFERENCES "shop order" ("shop_id", "code") ON DELETE NO ACTION ON UPDATE CASCADE
);
INSERT INTO "__lback_new_line" ("id", "shop_id", "order_number", "order_code") SELECT "id", "shop_id", "order_number", "order_code" FROM "line";
DROP TABLE "line";
ALTER TABLE "__lback_new_line" RENAME TO "line";

-- sqlite down (needs PRAGMA foreign_keys = OFF)
CREATE TABLE "__lback_new_line" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "shop_id" BIGINT NOT NULL,
  "order_number" INTEGER NOT NULL,
  "order_code" VARCHAR(20)
);
INSERT INTO "__lback_new_line" ("id", "shop_id", "order_number", "order_code") SELECT "id", "shop_id", "order_number", "order_code" FROM "line";
DROP TABLE "line";
ALTER TABLE "__lback_new_line" RENAME TO "line";
DROP TABLE "shipment";

-- postgres up
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'id = ' || COALESCE(CAST("line"."id" AS TEXT), 'NULL') AS example FROM "line" WHERE "line"."shop_id" IS NOT NULL AND "line"."order_number" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "shop order" AS "referenced" WHERE "referenced"."shop_id" = "line"."shop_id" AND "referenced"."number" = "line"."order_number")
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table line have (shop_id, order_number) values with no match in table shop order (shop_id, number), which foreign key fk_line_order requires (e.g. ' || example || '); delete or correct those rows (or set them to NULL), then run this migration again';
  END IF;
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'id = ' || COALESCE(CAST("line"."id" AS TEXT), 'NULL') AS example FROM "line" WHERE "line"."shop_id" IS NOT NULL AND "line"."order_code" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "shop order" AS "referenced" WHERE "referenced"."shop_id" = "line"."shop_id" AND "referenced"."code" = "line"."order_code")
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table line have (shop_id, order_code) values with no match in table shop order (shop_id, code), which foreign key fk_line_code requires (e.g. ' || example || '); delete or correct those rows (or set them to NULL), then run this migration again';
  END IF;
END
$lback_guard$;
CREATE TABLE "shipment" (
  "id" BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,
  "shop_id" BIGINT NOT NULL,
  "order_number" INTEGER NOT NULL,
  CONSTRAINT "shipment_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "fk_shipment_order" FOREIGN KEY ("shop_id", "order_number") REFERENCES "shop order" ("shop_id", "number") ON DELETE RESTRICT ON UPDATE CASCADE
);
ALTER TABLE "line" ADD CONSTRAINT "fk_line_order" FOREIGN KEY ("shop_id", "order_number") REFERENCES "shop order" ("shop_id", "number") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "line" ADD CONSTRAINT "fk_line_code" FOREIGN KEY ("shop_id", "order_code") REFERENCES "shop order" ("shop_id", "code") ON DELETE NO ACTION ON UPDATE CASCADE;

-- postgres down
ALTER TABLE "line" DROP CONSTRAINT "fk_line_code";
ALTER TABLE "line" DROP CONSTRAINT "fk_line_order";
DROP TABLE "shipment";

-- mysql up
DROP PROCEDURE IF EXISTS `__lback_guard`;
CREATE PROCEDURE `__lback_guard`()
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (MySQL raises an error only from a stored program: this one, called next and dropped)
BEGIN
  DECLARE v_failing BIGINT;
  DECLARE v_example TEXT;
  DECLARE v_message TEXT;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('id = ', COALESCE(CAST(`line`.`id` AS CHAR), 'NULL')) AS example FROM `line` WHERE `line`.`shop_id` IS NOT NULL AND `line`.`order_number` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `shop order` AS `referenced` WHERE `referenced`.`shop_id` = `line`.`shop_id` AND `referenced`.`number` = `line`.`order_number`)
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table line have (shop_id, order_number) values with no match in table shop order (shop_id, number), which foreign key fk_line_order requires (e.g. ', v_example, '); delete or correct those rows (or set them to NULL), then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('id = ', COALESCE(CAST(`line`.`id` AS CHAR), 'NULL')) AS example FROM `line` WHERE `line`.`shop_id` IS NOT NULL AND `line`.`order_code` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `shop order` AS `referenced` WHERE `referenced`.`shop_id` = `line`.`shop_id` AND `referenced`.`code` = `line`.`order_code`)
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table line have (shop_id, order_code) values with no match in table shop order (shop_id, code), which foreign key fk_line_code requires (e.g. ', v_example, '); delete or correct those rows (or set them to NULL), then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
CREATE TABLE `shipment` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `shop_id` BIGINT NOT NULL,
  `order_number` INT NOT NULL,
  PRIMARY KEY (`id`),
  INDEX `fk_shipment_order` (`shop_id`, `order_number`),
  CONSTRAINT `fk_shipment_order` FOREIGN KEY (`shop_id`, `order_number`) REFERENCES `shop order` (`shop_id`, `number`) ON DELETE RESTRICT ON UPDATE CASCADE
);
ALTER TABLE `line` ADD INDEX `fk_line_order` (`shop_id`, `order_number`), ADD CONSTRAINT `fk_line_order` FOREIGN KEY (`shop_id`, `order_number`) REFERENCES `shop order` (`shop_id`, `number`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE `line` ADD INDEX `fk_line_code` (`shop_id`, `order_code`), ADD CONSTRAINT `fk_line_code` FOREIGN KEY (`shop_id`, `order_code`) REFERENCES `shop order` (`shop_id`, `code`) ON DELETE NO ACTION ON UPDATE CASCADE;

-- mysql down
ALTER TABLE `line` DROP FOREIGN KEY `fk_line_code`;
ALTER TABLE `line` DROP INDEX `fk_line_code`;
ALTER TABLE `line` DROP FOREIGN KEY `fk_line_order`;
ALTER TABLE `line` DROP INDEX `fk_line_order`;
DROP TABLE `shipment`;
