-- The bytes of uploads when nodes share this database (a cluster; see
-- store.Blobs), so a file uploaded through one node downloads through any
-- other. A node alone keeps them as files instead.
--
-- An upload streams into media_chunks under a fresh upload id, one row per
-- 256 KiB, each committed as it arrives: no transaction stays open while a
-- slow client sends, and no file is ever whole in memory. media_blobs names
-- a finished upload by its content's SHA-256, in the write that records
-- its media; chunks no blob names are an upload still arriving or one a
-- crash cut short (swept once untouched for an hour).
CREATE TABLE media_chunks (
	upload     TEXT COLLATE "C" NOT NULL,
	n          INTEGER NOT NULL, -- from 0; byte offset n * 256 KiB
	data       BYTEA NOT NULL,
	written_ms BIGINT NOT NULL,
	PRIMARY KEY (upload, n)
);
-- Out of line and uncompressed: uploads are mostly images and video, which
-- do not compress, and reading part of a chunk need not decompress it.
ALTER TABLE media_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE media_blobs (
	hash   TEXT COLLATE "C" PRIMARY KEY,
	upload TEXT COLLATE "C" NOT NULL,
	size   BIGINT NOT NULL
);
CREATE INDEX media_blobs_by_upload ON media_blobs (upload);
