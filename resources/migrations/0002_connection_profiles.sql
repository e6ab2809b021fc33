-- Broker connection profiles. The password is stored only as SecretCipher ciphertext; TLS
-- material is referenced by file path and read when connecting.
CREATE TABLE connection_profiles (
  id                      TEXT PRIMARY KEY NOT NULL,
  name                    TEXT NOT NULL UNIQUE COLLATE NOCASE,
  url                     TEXT NOT NULL,
  client_id               TEXT NOT NULL DEFAULT '',
  keepalive_seconds       INTEGER NOT NULL CHECK (keepalive_seconds BETWEEN 0 AND 65535),
  protocol_version        INTEGER NOT NULL CHECK (protocol_version IN (4, 5)),
  clean_session           INTEGER NOT NULL CHECK (clean_session IN (0, 1)),
  username                TEXT,
  password_ciphertext     BLOB,
  tls_ca_file             TEXT,
  tls_cert_file           TEXT,
  tls_key_file            TEXT,
  tls_reject_unauthorized INTEGER NOT NULL CHECK (tls_reject_unauthorized IN (0, 1)),
  allow_plain_bodies      INTEGER NOT NULL CHECK (allow_plain_bodies IN (0, 1)),
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL
) STRICT;
