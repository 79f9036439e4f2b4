-- lback: 20261125004511_create_blog, sqlite, generated; review before applying
DROP TABLE "comments";
DROP TABLE "posts";
DROP TABLE "users";
