-- lback: 20261125004511_create_blog, sqlite, generated; review before applying
CREATE TABLE "users" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "email" VARCHAR(255) NOT NULL,
  "display_name" TEXT,
  "karma" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email");
CREATE TABLE "posts" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "author_id" BIGINT NOT NULL,
  "title" VARCHAR(200) NOT NULL,
  "body" TEXT NOT NULL,
  CONSTRAINT "fk_posts_author_id" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
CREATE INDEX "ix_posts_author_id" ON "posts" ("author_id");
CREATE TABLE "comments" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "post_id" BIGINT NOT NULL,
  "author_id" BIGINT,
  "body" TEXT NOT NULL,
  CONSTRAINT "fk_comments_author_id" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION,
  CONSTRAINT "fk_comments_post_id" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
CREATE INDEX "ix_comments_post_id" ON "comments" ("post_id");
