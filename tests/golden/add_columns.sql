-- summary
--   + add column user.bio: text null
--   + add column user.karma: integer
--   + add column user.joined: timestamp default sql(CURRENT_TIMESTAMP)

-- sqlite up (needs PRAGMA foreign_keys = OFF)
ALTER TABLE "user" ADD COLUMN "bio" TEXT;
CREATE TABLE "__lback_new_user" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "email" VARCHAR(255) NOT NULL,
  "we""ird col" TEXT,
  "bio" TEXT,
  "karma" INTEGER NOT NULL,
  "joined" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "__lback_new_user" ("id", "email", "we""ird col", "bio", "karma", "joined") SELECT "id", "email", "we""ird col", "bio", 0, CURRENT_TIMESTAMP FROM "user";
DROP TABLE "user";
ALTER TABLE "__lback_new_user" RENAME TO "user";
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");

-- sqlite down
ALTER TABLE "user" DROP COLUMN "joined";
ALTER TABLE "user" DROP COLUMN "karma";
ALTER TABLE "user" DROP COLUMN "bio";

-- postgres up
ALTER TABLE "user" ADD COLUMN "bio" TEXT;
ALTER TABLE "user" ADD COLUMN "karma" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "user" ALTER COLUMN "karma" DROP DEFAULT;
ALTER TABLE "user" ADD COLUMN "joined" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- postgres down
ALTER TABLE "user" DROP COLUMN "joined";
ALTER TABLE "user" DROP COLUMN "karma";
ALTER TABLE "user" DROP COLUMN "bio";

-- mysql up
ALTER TABLE `user` ADD COLUMN `bio` LONGTEXT NULL;
ALTER TABLE `user` ADD COLUMN `karma` INT NOT NULL DEFAULT 0;
ALTER TABLE `user` ALTER COLUMN `karma` DROP DEFAULT;
ALTER TABLE `user` ADD COLUMN `joined` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);

-- mysql down
ALTER TABLE `user` DROP COLUMN `joined`;
ALTER TABLE `user` DROP COLUMN `karma`;
ALTER TABLE `user` DROP COLUMN `bio`;
