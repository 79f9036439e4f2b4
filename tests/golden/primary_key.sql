-- summary
--   ~ alter column order.id: bigint auto_increment → bigint
--   ~ primary key of order: (id) → (id, user_id)

-- sqlite up (needs PRAGMA foreign_keys = OFF)
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table order share their values of (id, user_id) with another row, which primary key refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') || ', user_id = ' || COALESCE(CAST("user_id" AS TEXT), 'NULL') AS example FROM "order" WHERE "id" IS NOT NULL AND "user_id" IS NOT NULL GROUP BY "id", "user_id" HAVING COUNT(*) > 1
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
CREATE TABLE "__lback_new_order" (
  "id" BIGINT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s',
  PRIMARY KEY ("id", "user_id"),
  CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- sqlite down (needs PRAGMA foreign_keys = OFF)
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table order share their values of (id) with another row, which primary key refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') AS example FROM "order" WHERE "id" IS NOT NULL GROUP BY "id" HAVING COUNT(*) > 1
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
CREATE TABLE "__lback_new_order" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s',
  CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- postgres up
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') || ', user_id = ' || COALESCE(CAST("user_id" AS TEXT), 'NULL') AS example FROM "order" WHERE "id" IS NOT NULL AND "user_id" IS NOT NULL GROUP BY "id", "user_id" HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table order share their values of (id, user_id) with another row, which primary key refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again';
  END IF;
END
$lback_guard$;
ALTER TABLE "order" ALTER COLUMN "id" DROP IDENTITY;
ALTER TABLE "order" DROP CONSTRAINT "order_pkey", ADD CONSTRAINT "order_pkey" PRIMARY KEY ("id", "user_id");

-- postgres down
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') AS example FROM "order" WHERE "id" IS NOT NULL GROUP BY "id" HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table order share their values of (id) with another row, which primary key refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again';
  END IF;
END
$lback_guard$;
ALTER TABLE "order" DROP CONSTRAINT "order_pkey", ADD CONSTRAINT "order_pkey" PRIMARY KEY ("id");
ALTER TABLE "order" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY;
SELECT setval(pg_get_serial_sequence('"order"', 'id'), COALESCE(MAX("id"), 0) + 1, false) FROM "order";

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
    SELECT CONCAT('id = ', COALESCE(CAST(`id` AS CHAR), 'NULL'), ', user_id = ', COALESCE(CAST(`user_id` AS CHAR), 'NULL')) AS example FROM `order` WHERE `id` IS NOT NULL AND `user_id` IS NOT NULL GROUP BY `id`, `user_id` HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table order share their values of (id, user_id) with another row, which primary key refuses (e.g. ', v_example, '); make those values unique (or delete the duplicates) first, then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
ALTER TABLE `order` MODIFY COLUMN `id` BIGINT NOT NULL;
ALTER TABLE `order` DROP PRIMARY KEY, ADD PRIMARY KEY (`id`, `user_id`);

-- mysql down
DROP PROCEDURE IF EXISTS `__lback_guard`;
CREATE PROCEDURE `__lback_guard`()
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (MySQL raises an error only from a stored program: this one, called next and dropped)
BEGIN
  DECLARE v_failing BIGINT;
  DECLARE v_example TEXT;
  DECLARE v_message TEXT;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('id = ', COALESCE(CAST(`id` AS CHAR), 'NULL')) AS example FROM `order` WHERE `id` IS NOT NULL GROUP BY `id` HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table order share their values of (id) with another row, which primary key refuses (e.g. ', v_example, '); make those values unique (or delete the duplicates) first, then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
ALTER TABLE `order` DROP PRIMARY KEY, ADD PRIMARY KEY (`id`);
ALTER TABLE `order` MODIFY COLUMN `id` BIGINT NOT NULL AUTO_INCREMENT;
