-- The console's own NICE endpoint: its EndPointID and EC P-256 key pair. One row; the private
-- key is stored only as SecretCipher ciphertext. command_id_reserved is the high-water mark of
-- CommandIDs handed out in blocks, so IDs never repeat after a restart (the callee's replay
-- guard would otherwise answer a new command from its cache).
CREATE TABLE console_identity (
  singleton              INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
  endpoint_id            TEXT NOT NULL,
  public_jwk             TEXT NOT NULL,
  private_jwk_ciphertext BLOB NOT NULL,
  command_id_reserved    INTEGER NOT NULL DEFAULT 0 CHECK (command_id_reserved >= 0),
  created_at             TEXT NOT NULL
) STRICT;
