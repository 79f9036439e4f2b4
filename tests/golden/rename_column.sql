-- summary
--   ~ rename column user.we"ird col → nickname

-- sqlite up
ALTER TABLE "user" RENAME COLUMN "we""ird col" TO "nickname";

-- sqlite down
ALTER TABLE "user" RENAME COLUMN "nickname" TO "we""ird col";

-- postgres up
ALTER TABLE "user" RENAME COLUMN "we""ird col" TO "nickname";

-- postgres down
ALTER TABLE "user" RENAME COLUMN "nickname" TO "we""ird col";

-- mysql up
ALTER TABLE `user` RENAME COLUMN `we"ird col` TO `nickname`;

-- mysql down
ALTER TABLE `user` RENAME COLUMN `nickname` TO `we"ird col`;
